/**
 * The policy the gate-integrity tests attack: one limited-risk system (`models/**`) whose sign-offs
 * must come from an active member of `acme/ml-reviewers`. `extra` is appended under that tier.
 */
export function teamPolicy(extraTierLines = ""): string {
  return `systems:
  - id: recommender
    name: Product recommender
    paths: ["models/**"]
    risk: limited
oversight:
  tiers:
    limited:
      teams: ["acme/ml-reviewers"]
${extraTierLines}`;
}
