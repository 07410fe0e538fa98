import type { PolicyResult } from "./config/policy.js";
import type { GateResult } from "./gates/types.js";
import type { PullRequestFacts } from "./gates/facts.js";

/** The whole governance state of one pull request: the policy it is judged by, its facts, both gates. */
export interface Evaluation {
  policy: PolicyResult;
  facts: PullRequestFacts;
  gates: GateResult[];
}
