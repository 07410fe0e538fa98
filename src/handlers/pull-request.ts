import type { Context } from "probot";
import { pullRequestRef, type PullRequestContext } from "../ports/pull-request-context.js";
import { createPullRequestContext } from "../github/octokit-context.js";
import { finaliseEvidence } from "../evidence/index.js";
import { evaluateFromGitHub, runPullRequest } from "../reevaluate.js";
import { adopt, wasRefreshed } from "./fresh.js";
import type { Services } from "../services.js";

export const PULL_REQUEST_EVENTS = [
  "pull_request.opened",
  "pull_request.reopened",
  "pull_request.synchronize",
  "pull_request.edited",
  "pull_request.ready_for_review",
  "pull_request.closed",
] as const;

/** Any change to a pull request: recompute both gates from GitHub. */
export async function onPullRequest(context: Context<"pull_request">, services: Services, speculative?: PullRequestContext): Promise<void> {
  const pull = pullRequestRef(context.payload.pull_request, context.repo(), { fresh: wasRefreshed(context.payload.pull_request) });
  if (pull.state !== "open") {
    // Merged or closed: the gates are done; seal the evidence record into the chain.
    if (context.payload.action !== "closed") return;
    const result = await finaliseEvidence(services, context.octokit, pull, evaluateFromGitHub(services, context.octokit));
    context.log.info({ pr: pull.number, evidence: result }, "aims evidence finalised");
    return;
  }
  // Reads started from the payload's copy count when GitHub's copy names the same head and base.
  const ctx = (pull.fresh ? adopt(speculative, pull) : undefined) ?? createPullRequestContext(context.octokit, pull, services);
  const { published } = await runPullRequest(services, context.octokit, ctx);
  context.log.info({ pr: pull.number, head: pull.headSha, checks: published }, "aims gates evaluated");
}
