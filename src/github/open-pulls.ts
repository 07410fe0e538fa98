import type { GitHub } from "../ports/pull-request-context.js";

/** A pull request as the list endpoint returns it (no changed_files, no mergeability). */
export type ListedPull = Awaited<ReturnType<GitHub["rest"]["pulls"]["list"]>>["data"][number];

export interface PullListing {
  state: "open" | "closed";
  /** Only pull requests into this branch. */
  base?: string;
  /** At most this many, most recently updated first. */
  limit: number;
  /** Stop at the first pull request last updated before this time (ms since the epoch). */
  since?: number;
}

/**
 * The one capped listing of a repository's pull requests, most recently updated first, used by
 * every handler and the reconciler that fans out over pull requests. Paginated, never search (its
 * index lags); `truncated` says that more pull requests were left beyond the cap.
 */
export async function listPullsCapped(octokit: GitHub, repo: { owner: string; repo: string }, listing: PullListing): Promise<{ pulls: ListedPull[]; truncated: boolean }> {
  const pulls: ListedPull[] = [];
  let truncated = false;
  const params = { owner: repo.owner, repo: repo.repo, state: listing.state, sort: "updated", direction: "desc", per_page: 100, ...(listing.base ? { base: listing.base } : {}) } as const;
  await octokit.paginate(octokit.rest.pulls.list, params, (response, done) => {
    for (const pr of response.data) {
      if (listing.since !== undefined && Date.parse(pr.updated_at) < listing.since) {
        done();
        return [];
      }
      if (pulls.length >= listing.limit) {
        truncated = true;
        done();
        return [];
      }
      pulls.push(pr);
    }
    if (pulls.length >= listing.limit) {
      truncated ||= /rel="next"/.test(response.headers.link ?? "");
      done();
    }
    return [];
  });
  return { pulls, truncated };
}
