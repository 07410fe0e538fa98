import { loadPolicy, type PolicyResult, type Principals } from "../config/policy.js";
import type { ChangedFile } from "../detect/types.js";
import { createGitHubStore, type EvidenceIssue, type GitHubStoreServices, type RepoRef } from "../evidence/store.js";
import type { Standing } from "../gates/facts.js";
import type { GitHub } from "../ports/pull-request-context.js";
import { contentReader } from "../github/contents.js";
import { isNotFound, memoBy, toChangedFile } from "../github/octokit-context.js";
import { approvalOf, trackedSha, DIRECT_PUSH_LABEL } from "./tracking.js";

/**
 * What the deployment gate reads from GitHub, behind a small interface (src/deploy/gather.ts uses
 * it; tests can give plain values or errors). The GitHub implementation memoises each read for the
 * decision it serves and bounds every listing.
 */

export interface RangeCommit {
  sha: string;
  author: string;
  message: string;
}

export interface MergedPull {
  number: number;
  title: string;
  author: string;
  mergeSha: string | null;
  mergedAt: string;
}

export interface TrackingIssue {
  number: number;
  url: string;
  sha: string;
  approval?: { login: string; at: string; reason: string };
}

export interface DeploymentReader {
  policy(): Promise<PolicyResult>;
  /** The newest deployment to the environment whose latest status is success, other than `exclude`; null when none. */
  lastSuccessfulDeployment(environment: string, exclude?: number): Promise<{ sha: string; deploymentId: number } | null>;
  /**
   * The commits `head` brings over `base` (its whole history when base is null), at most
   * `limit + 1` of them; `total` counts them all when GitHub says. Undefined when head is unknown.
   */
  commits(base: string | null, head: string, limit: number): Promise<{ commits: RangeCommit[]; total: number } | undefined>;
  /** Merged pull requests that brought the commit. */
  mergedPullsOf(sha: string): Promise<MergedPull[]>;
  /** The commit's changes against its first parent; `complete` is false when GitHub cut the list. */
  commitFiles(sha: string): Promise<{ files: ChangedFile[]; complete: boolean }>;
  /** Evidence issues the app wrote in `repo`, updated since `since`. */
  evidence(repo: RepoRef, since: string): Promise<EvidenceIssue[]>;
  issueState(repo: RepoRef, number: number): Promise<"open" | "closed" | "unknown">;
  /** The direct-push tracking issue of a commit, with the governance approval the app recorded on it. */
  trackingIssue(sha: string): Promise<TrackingIssue | undefined>;
  /** Logins who approved the workflow run's deployment to the environment. */
  approvals(runId: number, environment: string): Promise<string[]>;
  standing(login: string, lists: readonly Principals[]): Promise<Standing>;
}

/** Deployments examined for the last successful one, at most. */
export const MAX_DEPLOYMENTS_EXAMINED = 30;
/** Evidence issues listed per deployment, at most: a record beyond them counts as missing (the decision rejects). */
export const MAX_EVIDENCE_LISTED = 2000;
/** Tracking issues listed, at most. */
const MAX_TRACKING_ISSUES = 1000;
/** GitHub lists at most 300 files of one commit per page. */
const COMMIT_FILES_PAGE = 300;

function stopAfter(max: number): (page: readonly unknown[]) => boolean {
  let seen = 0;
  return (page) => (seen += page.length) >= max;
}

/** Unknown commit: GitHub answers 404, or 422 "No commit found for SHA". */
function isUnknownCommit(error: unknown): boolean {
  const status = (error as { status?: number }).status;
  return isNotFound(error) || status === 422;
}

export function createDeploymentReader(octokit: GitHub, target: RepoRef & { defaultBranch: string }, services: GitHubStoreServices): DeploymentReader {
  const { owner, repo } = target;
  const commitJson = memoBy(
    (sha: string) => sha,
    async (sha: string) => (await octokit.rest.repos.getCommit({ owner, repo, ref: sha, per_page: COMMIT_FILES_PAGE })).data,
  );
  const trackingList = memoBy(
    () => "tracking",
    async () => {
      const issues: Array<{ number: number; html_url: string; body?: string | null; user: { login: string } | null }> = [];
      for await (const page of octokit.paginate.iterator(octokit.rest.issues.listForRepo, { owner, repo, labels: DIRECT_PUSH_LABEL, state: "all", per_page: 100 })) {
        issues.push(...page.data);
        if (issues.length >= MAX_TRACKING_ISSUES) break;
      }
      return issues;
    },
  );
  return {
    policy: memoBy(
      () => "",
      () => loadPolicy(contentReader(octokit), { owner, repo, baseRef: target.defaultBranch }),
    ),

    async lastSuccessfulDeployment(environment, exclude) {
      const { data } = await octokit.rest.repos.listDeployments({ owner, repo, environment, per_page: MAX_DEPLOYMENTS_EXAMINED });
      for (const d of data) {
        if (d.id === exclude) continue;
        const statuses = await octokit.rest.repos.listDeploymentStatuses({ owner, repo, deployment_id: d.id, per_page: 1 });
        if (statuses.data[0]?.state === "success") return { sha: d.sha, deploymentId: d.id };
      }
      return null;
    },

    async commits(base, head, limit) {
      try {
        await commitJson(head);
      } catch (error) {
        if (isUnknownCommit(error)) return undefined;
        throw error;
      }
      const out: RangeCommit[] = [];
      const toCommit = (c: { sha: string; author?: { login?: string } | null; commit: { message: string; author?: { name?: string } | null } }): RangeCommit => ({
        sha: c.sha,
        author: c.author?.login ?? c.commit.author?.name ?? "unknown",
        message: c.commit.message,
      });
      if (base === null) {
        for await (const page of octokit.paginate.iterator(octokit.rest.repos.listCommits, { owner, repo, sha: head, per_page: 100 })) {
          out.push(...page.data.map(toCommit));
          if (out.length > limit) break;
        }
        return { commits: out.slice(0, limit + 1), total: out.length };
      }
      let total = 0;
      for (let page = 1; ; page++) {
        const { data } = await octokit.rest.repos.compareCommitsWithBasehead({ owner, repo, basehead: `${base}...${head}`, per_page: 100, page });
        total = data.total_commits;
        out.push(...data.commits.map(toCommit));
        if (data.commits.length < 100 || out.length >= total || out.length > limit || total > limit) break;
      }
      return { commits: out.slice(0, limit + 1), total: Math.max(total, out.length) };
    },

    mergedPullsOf: memoBy(
      (sha) => sha,
      async (sha) => {
        const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: sha, per_page: 100 });
        return data
          .filter((p) => p.merged_at)
          .map((p) => ({ number: p.number, title: p.title, author: p.user?.login ?? "ghost", mergeSha: p.merge_commit_sha ?? null, mergedAt: p.merged_at! }));
      },
    ),

    commitFiles: memoBy(
      (sha) => sha,
      async (sha) => {
        const data = await commitJson(sha);
        const files: ChangedFile[] = (data.files ?? []).map(toChangedFile);
        return { files, complete: files.length < COMMIT_FILES_PAGE };
      },
    ),

    async evidence(evidenceRepo, since) {
      const store = createGitHubStore(octokit, services);
      const [issues, bot] = await Promise.all([store.list(evidenceRepo, { state: "all", since, sort: "updated", direction: "desc", stop: stopAfter(MAX_EVIDENCE_LISTED) }), store.botLogin()]);
      return issues.filter((i) => i.author.toLowerCase() === bot.toLowerCase());
    },

    issueState: memoBy(
      (r, n) => `${r.owner}/${r.repo}#${n}`.toLowerCase(),
      async (r, n) => {
        try {
          const { data } = await octokit.rest.issues.get({ owner: r.owner, repo: r.repo, issue_number: n });
          return data.state === "closed" ? "closed" : "open";
        } catch (error) {
          if (isNotFound(error)) return "unknown";
          throw error;
        }
      },
    ),

    async trackingIssue(sha) {
      const bot = await services.identity.botLogin(octokit);
      // Only the issue the app opened: anyone can open an issue with the label and the marker.
      const issue = (await trackingList()).find((i) => trackedSha(i.body) === sha && i.user?.login.toLowerCase() === bot.toLowerCase());
      if (!issue) return undefined;
      const comments = await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: issue.number, per_page: 100 });
      const approval = comments
        .filter((c) => c.user?.login?.toLowerCase() === bot.toLowerCase())
        .map((c) => approvalOf(c.body ?? "", sha))
        .find((a) => a !== undefined);
      return { number: issue.number, url: issue.html_url, sha, ...(approval ? { approval } : {}) };
    },

    async approvals(runId, environment) {
      const { data } = await octokit.rest.actions.getReviewsForRun({ owner, repo, run_id: runId });
      return data
        .filter((r) => r.state === "approved" && r.environments.some((e) => e.name?.toLowerCase() === environment.toLowerCase()))
        .map((r) => r.user.login);
    },

    async standing(login, lists) {
      const teams = [...new Set(lists.flatMap((l) => l.teams))];
      const memberships = await Promise.all(
        teams.map(async (team) => {
          const [org, slug] = team.split("/");
          try {
            const res = await octokit.rest.teams.getMembershipForUserInOrg({ org: org!, team_slug: slug!, username: login });
            return res.data.state === "active";
          } catch (error) {
            if (isNotFound(error)) return false;
            throw error;
          }
        }),
      );
      const needPermission = lists.some((l) => l.teams.length === 0 && l.users.length === 0);
      let permission: Standing["permission"];
      if (needPermission) {
        try {
          const res = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username: login });
          permission = (res.data.permission as Standing["permission"]) ?? "none";
        } catch (error) {
          if (!isNotFound(error)) throw error;
          permission = "none";
        }
      }
      return { teams: teams.filter((_, i) => memberships[i]), ...(permission ? { permission } : {}) };
    },
  };
}
