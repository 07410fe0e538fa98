import type { Context } from "probot";
import { listPullsCapped } from "../github/open-pulls.js";
import { CONFIG_PATH } from "../config/policy.js";
import { pullRequestRef, type GitHub } from "../ports/pull-request-context.js";
import { reevaluatePull } from "../reevaluate.js";
import type { Services } from "../services.js";
import { mapLimit } from "../util/concurrency.js";

/** Open PRs re-evaluated per policy change, at most; the rest are repaired by the reconciler or their next event. */
export const MAX_REEVALUATED_PULLS = 300;
const REEVALUATE_CONCURRENCY = 4;
/** A push payload lists at most 20 commits (and each at most 3000 files); beyond that the compare API is asked. */
const PAYLOAD_COMMIT_LIMIT = 20;
const ZERO_SHA = /^0+$/;

type PushPayload = {
  ref: string;
  before: string;
  after: string;
  deleted?: boolean;
  commits?: Array<{ added?: string[]; removed?: string[]; modified?: string[] }>;
  repository: { name: string; owner: { login: string; name?: string }; default_branch?: string };
};

/** True when the push changed the policy file, from the payload or, when it may be cut, the compare API. */
export async function pushChangesPolicy(octokit: GitHub, owner: string, repo: string, payload: PushPayload): Promise<boolean> {
  const commits = payload.commits ?? [];
  const listed = commits.some((c) => [...(c.added ?? []), ...(c.removed ?? []), ...(c.modified ?? [])].includes(CONFIG_PATH));
  if (listed) return true;
  if (commits.length < PAYLOAD_COMMIT_LIMIT) return false;
  if (ZERO_SHA.test(payload.before)) return true;
  const res = await octokit.rest.repos.compareCommitsWithBasehead({ owner, repo, basehead: `${payload.before}...${payload.after}`, per_page: 100 });
  const files = res.data.files ?? [];
  // The compare listing holds at most 300 files: when cut, assume the policy may have changed.
  return files.length >= 300 || files.some((f) => f.filename === CONFIG_PATH || f.previous_filename === CONFIG_PATH);
}

/**
 * A push that changes `.github/aims.yml` on a branch changes the policy of every open pull request
 * targeting that branch: re-evaluate them (bounded, a few at a time). Pushes that do not touch the
 * policy, tag pushes and branch deletions do nothing here.
 */
export async function onPolicyPush(context: Context<"push">, services: Services): Promise<{ reevaluated: number[]; truncated: boolean }> {
  const payload = context.payload as unknown as PushPayload;
  const none = { reevaluated: [], truncated: false };
  if (!payload.ref.startsWith("refs/heads/") || payload.deleted || ZERO_SHA.test(payload.after)) return none;
  const owner = payload.repository.owner.login ?? payload.repository.owner.name;
  const repo = payload.repository.name;
  const branch = payload.ref.slice("refs/heads/".length);
  if (!(await pushChangesPolicy(context.octokit, owner, repo, payload))) return none;

  const { numbers, truncated } = await openPullsTargeting(context.octokit, { owner, repo }, branch);
  if (truncated) {
    context.log.warn({ branch }, `policy changed on ${branch}: re-evaluating the first ${MAX_REEVALUATED_PULLS} open pull requests; the reconciler and their next events reach the rest`);
  }
  const failures: unknown[] = [];
  await mapLimit(numbers, REEVALUATE_CONCURRENCY, async (number) => {
    try {
      const { data } = await context.octokit.rest.pulls.get({ owner, repo, pull_number: number });
      if (data.state !== "open" || data.base.ref !== branch) return;
      const pull = pullRequestRef(data, { owner, repo }, { fresh: true });
      await reevaluatePull(services, context.octokit, pull);
    } catch (error) {
      failures.push(error);
    }
  });
  context.log.info({ branch, pulls: numbers.length, failed: failures.length }, "aims gates re-evaluated after a policy change");
  if (failures.length > 0) throw failures[0];
  return { reevaluated: numbers, truncated };
}

/** Numbers of open PRs whose base is `branch`, most recently updated first, at most `limit`. */
export async function openPullsTargeting(
  octokit: GitHub,
  repo: { owner: string; repo: string },
  branch: string,
  limit = MAX_REEVALUATED_PULLS,
): Promise<{ numbers: number[]; truncated: boolean }> {
  const { pulls, truncated } = await listPullsCapped(octokit, repo, { state: "open", base: branch, limit });
  return { numbers: pulls.map((pr) => pr.number), truncated };
}
