import type { Detector } from "../detect/detect.js";
import type { BoundedMap } from "../util/bounded-map.js";
import { loadPolicy, type ConfigReader } from "../config/policy.js";
import type { ChangedFile, FileStatus } from "../detect/types.js";
import { mapLimit } from "../util/concurrency.js";
import { isOwnComment } from "./identity.js";
import type { Identity } from "../ports/identity.js";
import { COMPARE_FILE_LIMIT, MAX_LISTED_FILES } from "./limits.js";
import { bytesReader, contentReader } from "./contents.js";
import { diffTreeEntries, type TreeEntry } from "./changed-files.js";
import type { GitHub, IssueInfo, PullRequestContext, PullRequestRef, RepoPermission, Review } from "../ports/pull-request-context.js";

/** The pull request context over GitHub's REST API, memoised for one event. */
function memo<T>(fn: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= fn());
}

/** Memoise an async function by a string key, for the lifetime of one event. */
export function memoBy<A extends unknown[], T>(key: (...args: A) => string, fn: (...args: A) => Promise<T>): (...args: A) => Promise<T> {
  const cache = new Map<string, Promise<T>>();
  return (...args: A) => {
    const k = key(...args);
    let p = cache.get(k);
    if (!p) {
      p = fn(...args);
      cache.set(k, p);
    }
    return p;
  };
}

export function toChangedFile(f: { filename: string; status: string; previous_filename?: string; additions: number; deletions: number; patch?: string; sha?: string | null }): ChangedFile {
  return {
    filename: f.filename,
    status: f.status as FileStatus,
    ...(f.previous_filename ? { previousFilename: f.previous_filename } : {}),
    additions: f.additions,
    deletions: f.deletions,
    ...(f.patch !== undefined ? { patch: f.patch } : {}),
    ...(f.sha ? { sha: f.sha } : {}) };
}

export function isNotFound(error: unknown): boolean {
  return (error as { status?: number }).status === 404;
}

const FILES_PER_PAGE = 100;
/** Pages of pulls.listFiles requested at once: GitHub allows 100 concurrent requests; stay far below. */
const FILE_PAGE_CONCURRENCY = 8;

type ListedFile = Parameters<typeof toChangedFile>[0];

/**
 * Every file of the PR, up to GitHub's 3000. The PR says how many files it changed, so all pages
 * are requested side by side (a 3000-file PR in ~4 round trips instead of 30 one after another);
 * when that count was stale and the last page came back full, the rest follows page by page.
 */
export async function listPullFiles(octokit: GitHub, pull: PullRequestRef): Promise<ListedFile[]> {
  const { owner, repo, number } = pull;
  const maxPages = MAX_LISTED_FILES / FILES_PER_PAGE;
  const page = async (n: number): Promise<ListedFile[]> =>
    // Page 1 is asked for without `page`, exactly as a plain listing starts.
    (await octokit.rest.pulls.listFiles({ owner, repo, pull_number: number, per_page: FILES_PER_PAGE, ...(n > 1 ? { page: n } : {}) })).data as ListedFile[];
  const expected = Math.min(maxPages, Math.max(1, Math.ceil(pull.changedFiles / FILES_PER_PAGE)));
  const pages = await mapLimit(
    Array.from({ length: expected }, (_, i) => i + 1),
    FILE_PAGE_CONCURRENCY,
    page,
  );
  let last = pages.length;
  while (pages[pages.length - 1]!.length === FILES_PER_PAGE && last < maxPages) pages.push(await page(++last));
  return pages.flat();
}

/** What a context takes from the process (Services): the app's id and identity. */
export interface ContextServices {
  /** Only check runs created by this app count as ours when the id is known. */
  settings: { appId?: number };
  /** The app's own comments are recognised by its bot login. */
  identity: Identity;
  /** The process's caches, when it keeps them (compiled detectors). */
  caches?: { detectors: BoundedMap<Detector> };
}

export function createPullRequestContext(octokit: GitHub, pull: PullRequestRef, services: ContextServices): PullRequestContext {
  const { owner, repo } = pull;
  const read = contentReader(octokit);
  const readBytes = bytesReader(octokit);
  const mergeBase = memo(async () => {
    const res = await octokit.rest.repos.compareCommitsWithBasehead({
      owner,
      repo,
      basehead: `${pull.baseSha}...${pull.headSha}`,
      per_page: 1 });
    return res.data.merge_base_commit.sha;
  });
  const tree = async (sha: string): Promise<{ entries: TreeEntry[]; truncated: boolean }> => {
    const { data } = await octokit.rest.git.getTree({ owner, repo, tree_sha: sha, recursive: "1" });
    return { entries: data.tree.map((e) => ({ path: e.path ?? "", mode: e.mode ?? "", type: e.type ?? "", sha: e.sha ?? "" })), truncated: data.truncated };
  };

  return {
    pull,
    ...(services.caches ? { detectors: services.caches.detectors } : {}),
    files: memo(async () => {
      const raw = await listPullFiles(octokit, pull);
      const files = raw.map(toChangedFile);
      const truncated = pull.changedFiles > files.length && files.length >= MAX_LISTED_FILES;
      return { files, truncated };
    }),
    readFile: memoBy((path: string, ref: string) => `${ref}\u0000${path}`, (path, ref) => read(owner, repo, path, ref)),
    readFileBytes: memoBy((path: string, ref: string) => `${ref}\u0000${path}`, (path, ref) => readBytes(owner, repo, path, ref)),
    policy: memo(() => loadPolicy(read, { owner, repo, baseRef: pull.baseRef })),
    readConfig: read,
    mergeBase,
    existingChecks: async () => {
      const res = await octokit.rest.checks.listForRef({
        owner,
        repo,
        ref: pull.headSha,
        per_page: 100,
        filter: "latest",
        ...(services.settings.appId ? { app_id: services.settings.appId } : {}) });
      return res.data.check_runs.map((r) => ({
        id: r.id,
        name: r.name,
        status: r.status,
        conclusion: r.conclusion ?? null,
        title: r.output?.title ?? null,
        summary: r.output?.summary ?? null,
        actions: [],
        startedAt: r.started_at ?? null }));
    },
    reviews: memo(async () => {
      const raw = await octokit.paginate(octokit.rest.pulls.listReviews, { owner, repo, pull_number: pull.number, per_page: 100 });
      return raw.map((r) => ({
        id: r.id,
        login: r.user?.login ?? "ghost",
        userType: r.user?.type ?? "User",
        state: r.state as Review["state"],
        commitId: r.commit_id ?? "",
        submittedAt: r.submitted_at ?? "",
        body: r.body ?? "",
        ...(r.html_url ? { htmlUrl: r.html_url } : {}) }));
    }),
    comments: memo(async () => {
      const [raw, bot] = await Promise.all([
        octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: pull.number, per_page: 100 }),
        services.identity.botLogin(octokit),
      ]);
      return raw.map((c) => ({
        own: isOwnComment(c.user, bot),
        id: c.id,
        login: c.user?.login ?? "ghost",
        userType: c.user?.type ?? "User",
        body: c.body ?? "",
        createdAt: c.created_at,
        updatedAt: c.updated_at,
        htmlUrl: c.html_url }));
    }),
    teamMembership: memoBy(
      (team, login) => `${team}\u0000${login}`.toLowerCase(),
      async (team, login) => {
        const [org, slug] = team.replace(/^@/, "").split("/");
        if (!org || !slug) return "none";
        try {
          const res = await octokit.rest.teams.getMembershipForUserInOrg({ org, team_slug: slug, username: login });
          return res.data.state === "active" ? "active" : "pending";
        } catch (error) {
          if (isNotFound(error)) return "none";
          throw error;
        }
      },
    ),
    permission: memoBy(
      (login) => login.toLowerCase(),
      async (login) => {
        try {
          const res = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username: login });
          const role = (res.data as { role_name?: string }).role_name;
          if (role === "maintain" || role === "triage") return role;
          return (res.data.permission as RepoPermission) ?? "none";
        } catch (error) {
          if (isNotFound(error)) return "none";
          throw error;
        }
      },
    ),
    issue: memoBy(
      (ref) => `${ref.owner}/${ref.repo}#${ref.number}`.toLowerCase(),
      async (ref) => {
        try {
          const { data } = await octokit.rest.issues.get({ owner: ref.owner, repo: ref.repo, issue_number: ref.number });
          return {
            ...ref,
            title: data.title,
            body: data.body ?? "",
            state: data.state === "closed" ? "closed" : "open",
            stateReason: data.state_reason ?? null,
            labels: data.labels.map((l) => (typeof l === "string" ? l : (l.name ?? ""))).filter(Boolean),
            author: data.user?.login ?? "ghost",
            createdAt: data.created_at,
            updatedAt: data.updated_at,
            closedAt: data.closed_at,
            htmlUrl: data.html_url,
            isPullRequest: data.pull_request !== undefined } satisfies IssueInfo;
        } catch (error) {
          if (isNotFound(error) || (error as { status?: number }).status === 410) return undefined;
          throw error;
        }
      },
    ),
    labelEvents: memoBy(
      (ref) => `${ref.owner}/${ref.repo}#${ref.number}`.toLowerCase(),
      async (ref) => {
        const raw = await octokit.paginate(octokit.rest.issues.listEvents, { owner: ref.owner, repo: ref.repo, issue_number: ref.number, per_page: 100 });
        return raw
          .filter((e) => e.event === "labeled" || e.event === "unlabeled")
          .map((e) => ({
            event: e.event as "labeled" | "unlabeled",
            label: (e as { label?: { name?: string } }).label?.name ?? "",
            actor: e.actor?.login ?? "ghost",
            createdAt: e.created_at }));
      },
    ),
    listDirectory: memoBy(
      (path, ref) => `${ref}\u0000${path}`,
      async (path, ref) => {
        try {
          const { data } = await octokit.rest.repos.getContent({ owner, repo, path: path.replace(/\/$/, ""), ref });
          return Array.isArray(data) ? data.filter((e) => e.type === "file").map((e) => e.path) : undefined;
        } catch (error) {
          if (isNotFound(error)) return undefined;
          throw error;
        }
      },
    ),
    changedSince: memoBy(
      (sha) => sha,
      async (sha) => {
        const res = await octokit.rest.repos.compareCommitsWithBasehead({ owner, repo, basehead: `${sha}...${pull.headSha}`, per_page: 100 });
        const files = (res.data.files ?? []).map(toChangedFile);
        return { files, complete: files.length < COMPARE_FILE_LIMIT };
      },
    ),
    treeChanges: memo(async () => {
      // A commit SHA names its tree here; the PR's head commit is readable in the base repository, also from forks.
      const [base, head] = await Promise.all([mergeBase().then(tree), tree(pull.headSha)]);
      if (base.truncated || head.truncated) return { files: [], complete: false };
      return { files: diffTreeEntries(base.entries, head.entries), complete: true };
    }) };
}
