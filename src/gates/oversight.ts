import type { Policy } from "../config/policy.js";
import { affectedSystems, noAiChanges, systemLabel } from "./common.js";
import { CHECK_NAMES, type GateId, type GateResult, type PullRequestFacts, } from "./types.js";

/** What the pipeline found out about sign-offs, revocations and overrides on this PR. */
export interface OversightFacts {}

export function oversightGate(policy: Policy, facts: PullRequestFacts): GateResult {
  const gated = facts.changes.filter((c) => c.gated);
  const gate: GateId = "human-oversight";
  if (gated.length === 0 && facts.problems.length === 0) return noAiChanges(gate, facts);
  const systems = affectedSystems(facts.changes);
  return {
    gate,
    name: CHECK_NAMES[gate],
    conclusion: "action_required",
    title: "Human sign-off required",
    reasons: [
      {
        status: "unmet",
        message: `No eligible reviewer has signed off this change at ${facts.headSha.slice(0, 7)}${systems.length ? ` (${systems.map((s) => systemLabel(s, policy)).join(", ")})` : ""}.`,
      },
      { status: "info", message: `The author @${facts.author} cannot sign off their own change.` },
    ],
    nextSteps: [
      "Ask a reviewer other than the author to approve this pull request at its latest commit.",
    ],
    controls: [],
  };
}
