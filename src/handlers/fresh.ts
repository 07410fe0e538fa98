import type { Context } from "probot";

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
  payload.pull_request = { ...payload.pull_request, ...(data as unknown as Record<string, unknown>), number: payload.pull_request.number };
  refreshed.add(payload.pull_request);
}

/** Pull request objects replaced by refreshPullRequest during their event. */
const refreshed = new WeakSet<object>();

/** True when `pr` is GitHub's current copy, read by refreshPullRequest in this event. */
export function wasRefreshed(pr: object): boolean {
  return refreshed.has(pr);
}
