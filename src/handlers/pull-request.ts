import type { Context } from "probot";
import { createPullRequestContext, pullRequestRef } from "../github/pull-request-context.js";
import { finaliseEvidence } from "../evidence/index.js";
import { runPullRequest } from "../pipeline.js";
import { wasRefreshed } from "./fresh.js";
import type { AppSettings } from "../settings.js";

export const PULL_REQUEST_EVENTS = [
  "pull_request.opened",
  "pull_request.reopened",
  "pull_request.synchronize",
  "pull_request.edited",
  "pull_request.ready_for_review",
  "pull_request.closed",
] as const;

/** Any change to a pull request: recompute both gates from GitHub. */
export async function onPullRequest(context: Context<"pull_request">, settings: AppSettings): Promise<void> {
  const pull = pullRequestRef(context.payload.pull_request, context.repo(), { fresh: wasRefreshed(context.payload.pull_request) });
  if (pull.state !== "open") {
    // Merged or closed: the gates are done; seal the evidence record into the chain.
    if (context.payload.action !== "closed") return;
    const result = await finaliseEvidence(context.octokit, pull, settings);
    context.log.info({ pr: pull.number, evidence: result }, "aims evidence finalised");
    return;
  }
  const ctx = createPullRequestContext(context.octokit, pull, settings);
  const { published } = await runPullRequest(context.octokit, ctx);
  context.log.info({ pr: pull.number, head: pull.headSha, checks: published }, "aims gates evaluated");
}
