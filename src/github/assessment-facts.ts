import type { Policy } from "../config/policy.js";
import type { AssessmentFacts } from "../gates/assessment.js";
import type { PullRequestFacts } from "../gates/types.js";
import type { PullRequestContext } from "./pull-request-context.js";

/** Read the assessments the PR links (or, with `link: auto`, the ones registered for its systems). */
export async function gatherAssessmentFacts(_ctx: PullRequestContext, _policy: Policy, _facts: PullRequestFacts): Promise<AssessmentFacts> {
  return {};
}
