import type { Policy } from "../config/policy.js";
import type { OversightFacts } from "../gates/oversight.js";
import type { PullRequestFacts } from "../gates/types.js";
import type { PullRequestContext } from "./pull-request-context.js";

/** Read reviews, sign-off comments, revocations and overrides, with the signers' team memberships. */
export async function gatherOversightFacts(_ctx: PullRequestContext, _policy: Policy, _facts: PullRequestFacts): Promise<OversightFacts> {
  return {};
}
