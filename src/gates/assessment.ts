import type { Policy } from "../config/policy.js";
import { affectedSystems, noAiChanges, problemReasons, reportedOnly, systemLabel } from "./common.js";
import { CHECK_NAMES, type GateId, type GateResult, type PullRequestFacts, type Reason } from "./types.js";

/** What the pipeline found out about the assessments this PR links or relies on. */
export interface AssessmentFacts {}

export function assessmentGate(policy: Policy, facts: PullRequestFacts): GateResult {
  const gated = facts.changes.filter((c) => c.gated);
  const gate: GateId = "impact-assessment";
  if (gated.length === 0 && facts.problems.length === 0) return noAiChanges(gate, facts);

  const systems = affectedSystems(facts.changes);
  const reasons: Reason[] = [...problemReasons(facts)];
  const nextSteps: string[] = [];
  if (facts.problems.length > 0) {
    nextSteps.push(
      "Fix the files that could not be read (a broken manifest or lockfile could hide an AI dependency), or add their paths to `ignore:` in .github/aims.yml on the base branch.",
    );
  }
  for (const id of systems) {
    reasons.push({ status: "unmet", message: `No impact assessment is linked for ${systemLabel(id, policy)}.` });
  }
  if (systems.includes("unregistered")) {
    nextSteps.push(
      "Register the AI system these files belong to under `systems:` in .github/aims.yml (id, name, paths, risk) so its assessment and risk tier apply.",
    );
  }
  if (systems.length > 0) {
    nextSteps.push(
      `Link the approved impact assessment in the pull request description with a line such as \`Impact-Assessment: governance/impact-assessments/${systems.find((s) => s !== "unregistered") ?? "<system-id>"}.md\`.`,
    );
  }
  const title =
    systems.length > 0
      ? `Impact assessment required for ${systems.join(", ")}`
      : "Files that could hide AI changes could not be read";
  return { gate, name: CHECK_NAMES[gate], conclusion: facts.problems.length > 0 ? "failure" : "action_required", title, reasons: [...reasons, ...reportedOnly(facts)], nextSteps, controls: [] };
}
