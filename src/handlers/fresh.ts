import type { Context } from "probot";
import type { PullRequestContext, PullRequestRef } from "../ports/pull-request-context.js";

/**
 * Replace the webhook's pull request with GitHub's current one. Deliveries arrive late, twice,
 * out of order, or replayed (a captured delivery keeps a valid signature); judging the payload's
 * copy would let an old description (say, one that still linked an approved assessment) or an old
 * head decide today's gate. One read makes every pull_request event level-triggered.
 */
export async function refreshPullRequest(context: Context<"pull_request">): Promise<void> {
  const payload = context.payload as unknown as { pull_request: { number: number } & Record<string, unknown> };
  const { owner, repo } = context.repo();
  const { data } = await context.octokit.rest.pulls.get({ owner, repo, pull_number: payload.pull_request.number });
  payload.pull_request = { ...payload.pull_request, ...(data as unknown as Record<string, unknown>), number: payload.pull_request.number, [REFRESHED]: true };
}

/** Marks a pull request object that refreshPullRequest read from GitHub in this event (never serialised). */
const REFRESHED = Symbol("aims.refreshed");

/** True when `pr` is GitHub's current copy, read by refreshPullRequest in this event. */
export function wasRefreshed(pr: object): boolean {
  return (pr as { [REFRESHED]?: boolean })[REFRESHED] === true;
}

/** Largest payload file count for which the file listing is read before the refresh answers (one page). */
const SPECULATIVE_FILE_LISTING = 100;

/**
 * Start the reads every evaluation needs (policy on the base branch, the file listing of a small
 * PR) from the payload's copy while refreshPullRequest reads GitHub's: the refresh no longer costs
 * a round trip of its own. `adopt` keeps them only when GitHub's copy names the same head, base and
 * size; otherwise the event reads afresh from GitHub's copy. Check runs are never read here: which
 * runs exist decides whether a run is created, so they are read under the per-PR serialisation.
 */
export function startSpeculativeReads(ctx: PullRequestContext, options: { files?: boolean } = {}): void {
  if (ctx.pull.state !== "open") return;
  const quiet = (p: Promise<unknown>) => void p.catch(() => undefined);
  quiet(ctx.policy());
  if (options.files !== false && ctx.pull.changedFiles > 0 && ctx.pull.changedFiles <= SPECULATIVE_FILE_LISTING) quiet(ctx.files());
}

/**
 * The speculative context with GitHub's copy of the pull request, keeping the reads that still
 * apply: all of them when GitHub's copy names the same head, base and file count (the only fields
 * they depend on); policy and people's standing when only the file count differs (a review payload
 * carries none); none when the head or base moved.
 */
export function adopt(speculative: PullRequestContext | undefined, fresh: PullRequestRef, create?: () => PullRequestContext): PullRequestContext | undefined {
  if (!speculative) return undefined;
  const p = speculative.pull;
  const same =
    p.owner === fresh.owner &&
    p.repo === fresh.repo &&
    p.number === fresh.number &&
    p.headSha === fresh.headSha &&
    p.baseSha === fresh.baseSha &&
    p.baseRef === fresh.baseRef;
  if (!same) return undefined;
  // Title, body, author and state always come from `fresh`.
  if (p.changedFiles === fresh.changedFiles) return { ...speculative, pull: fresh };
  if (!create) return undefined;
  const { policy, permission, teamMembership } = speculative;
  return { ...create(), policy, permission, teamMembership };
}
