import type { ProbotOctokit } from "probot";
import type { Detector } from "../detect/detect.js";
import type { BoundedMap } from "../util/bounded-map.js";
import { loadPolicy, type ConfigReader, type PolicyResult } from "../config/policy.js";
import type { ChangedFile, FileStatus } from "../detect/types.js";
import { mapLimit } from "../util/concurrency.js";
import { isOwnComment, type Identity } from "./identity.js";
import { MAX_LISTED_FILES } from "./limits.js";

export type GitHub = ProbotOctokit;

/** The compare API lists at most 300 files. */
const COMPARE_FILE_LIMIT = 300;

/** The pull request as the pipeline needs it, taken from a webhook payload or pulls.get. */
export interface PullRequestRef {
  owner: string;
  repo: string;
  number: number;
  title: string;
  body: string;
  author: string;
  /** true when `author` is a git author name rather than a GitHub login (a local `aims check`). */
  authorIsName?: boolean;
  headSha: string;
  baseRef: string;
  baseSha: string;
  changedFiles: number;
  state: "open" | "closed";
  merged: boolean;
  draft: boolean;
  /** When the pull request was opened (from the payload or pulls.get), when known. */
  createdAt?: string;
  /**
   * true when this ref was read from GitHub (pulls.get) during the current event: its state and
   * `createdAt` are current, so later steps of the event (the evidence ledger) need not read the
   * pull request again.
   */
  fresh?: boolean;
}

export interface FileList {
  files: ChangedFile[];
  /** true when GitHub listed fewer files than the PR has (its 3000-file cap). */
  truncated: boolean;
}

export interface ExistingCheckRun {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  title: string | null;
  summary: string | null;
  actions: string[];
  /** When GitHub created the run (server time): when aims first saw this head. */
  startedAt?: string | null;
}

export interface Review {
  id: number;
  login: string;
  userType: string;
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED" | "PENDING";
  /** The commit the reviewer saw: a sign-off binds to it. */
  commitId: string;
  submittedAt: string;
  body: string;
  /** The review on GitHub, for evidence links. */
  htmlUrl?: string;
}

export interface IssueComment {
  id: number;
  login: string;
  userType: string;
  body: string;
  createdAt: string;
  updatedAt: string;
  htmlUrl: string;
  /** Written by this app (its bot login): only its own comments can hold receipts and reply markers. */
  own?: boolean;
}

export interface IssueRef {
  owner: string;
  repo: string;
  number: number;
}

export interface IssueInfo extends IssueRef {
  title: string;
  body: string;
  state: "open" | "closed";
  /** Why it was closed: `completed`, `not_planned`, `duplicate`…; absent or null while open. */
  stateReason?: string | null;
  labels: string[];
  author: string;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  htmlUrl: string;
  isPullRequest: boolean;
}

export interface LabelEvent {
  event: "labeled" | "unlabeled";
  label: string;
  actor: string;
  createdAt: string;
}

export type RepoPermission = "admin" | "maintain" | "write" | "triage" | "read" | "none";
export type TeamMembership = "active" | "pending" | "none";

/**
 * Everything the pipeline reads from GitHub about one pull request. Each read is lazy and memoised
 * for the event, so an evaluation that does not need a fact never pays for it.
 */
export interface PullRequestContext {
  readonly pull: PullRequestRef;
  files(): Promise<FileList>;
  /** A file's text at a ref, `undefined` when it does not exist there. */
  readFile(path: string, ref: string): Promise<string | undefined>;
  policy(): Promise<PolicyResult>;
  /** Reads a policy file of any repository the app can see (`_extends` targets); absent: only this repository's. */
  readConfig?: ConfigReader;
  /** The merge base of base and head: the "before" side of the PR's three-dot diff. */
  mergeBase(): Promise<string>;
  /**
   * The app's check runs on the head, read from GitHub at every call (never memoised): a decision
   * to create or update a run rests on a read made under the pull request's serialisation (see
   * runPullRequest), never on one started before it.
   */
  existingChecks(): Promise<ExistingCheckRun[]>;
  /** Every review of the PR, oldest first. */
  reviews(): Promise<Review[]>;
  /** Every comment on the PR's conversation, oldest first. */
  comments(): Promise<IssueComment[]>;
  /** Membership of `login` in team `org/slug`; only `active` counts. */
  teamMembership(team: string, login: string): Promise<TeamMembership>;
  /** `login`'s permission on the PR's repository. */
  permission(login: string): Promise<RepoPermission>;
  /** An issue (or PR) anywhere the app is installed; `undefined` when absent or not readable. */
  issue(ref: IssueRef): Promise<IssueInfo | undefined>;
  /** Who applied and removed which labels on an issue, oldest first. */
  labelEvents(ref: IssueRef): Promise<LabelEvent[]>;
  /** Paths of the files directly inside a folder at a ref; `undefined` when the folder does not exist. */
  listDirectory(path: string, ref: string): Promise<string[] | undefined>;
  /**
   * Files changed between a commit and the PR's head (for sign-offs given on an earlier commit).
   * `complete` is false when GitHub's compare listing was cut (300 files): treat the rest as changed.
   */
  changedSince(sha: string): Promise<{ files: ChangedFile[]; complete: boolean }>;
  /**
   * Every path that differs between the merge base and the head, from their git trees: the complete
   * change of a PR above GitHub's 3000-file listing, without patches, line counts or renames.
   * `complete` is false when GitHub cut a tree short (`truncated`): then the list cannot be trusted.
   */
  treeChanges(): Promise<{ files: ChangedFile[]; complete: boolean }>;
  /** Compiled detectors kept by the process, by policy version; absent: compiled per evaluation. */
  readonly detectors?: BoundedMap<Detector>;
}

/**
 * Every changed file of the PR: GitHub's listing (with patches), completed from the git trees when
 * the listing stopped at 3000 files. `complete` is false only when the trees were cut short too.
 * Both reads are memoised, so every caller shares the same requests.
 */
export async function allChangedFiles(ctx: PullRequestContext): Promise<{ files: ChangedFile[]; complete: boolean }> {
  const listed = await ctx.files();
  if (!listed.truncated) return { files: listed.files, complete: true };
  const tree = await ctx.treeChanges();
  if (!tree.complete) return { files: listed.files, complete: false };
  return { files: mergeListings(listed.files, tree.files), complete: true };
}

/** The listed files, then every path of the tree diff the listing did not cover (as a name or a rename's old name). */
export function mergeListings(listed: ChangedFile[], fromTrees: ChangedFile[]): ChangedFile[] {
  const covered = new Set(listed.flatMap((f) => [f.filename, ...(f.previousFilename ? [f.previousFilename] : [])]));
  return [...listed, ...fromTrees.filter((f) => !covered.has(f.filename))];
}

/** One entry of `GET /repos/{o}/{r}/git/trees/{sha}?recursive=1`. */
export interface TreeEntry {
  path: string;
  mode: string;
  type: string;
  sha: string;
}

/**
 * The files that differ between two recursive trees, compared by path and object SHA (and mode):
 * added, removed, modified, or `changed` when only the mode differs. Folders are left out; a
 * submodule (a `commit` entry) counts as a file. Sorted by path.
 */
export function diffTreeEntries(base: TreeEntry[], head: TreeEntry[]): ChangedFile[] {
  const leaf = (e: TreeEntry) => e.type === "blob" || e.type === "commit";
  const before = new Map(base.filter(leaf).map((e) => [e.path, e]));
  const files: ChangedFile[] = [];
  for (const e of head.filter(leaf)) {
    const b = before.get(e.path);
    before.delete(e.path);
    if (!b) files.push({ filename: e.path, status: "added", additions: 0, deletions: 0, sha: e.sha });
    else if (b.sha !== e.sha) files.push({ filename: e.path, status: "modified", additions: 0, deletions: 0, sha: e.sha });
    else if (b.mode !== e.mode) files.push({ filename: e.path, status: "changed", additions: 0, deletions: 0, sha: e.sha });
  }
  for (const b of before.values()) files.push({ filename: b.path, status: "removed", additions: 0, deletions: 0 });
  return files.sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
}

type PullPayload = {
  number: number;
  title: string;
  body?: string | null;
  user: { login: string } | null;
  head: { sha: string };
  base: { ref: string; sha: string };
  changed_files?: number;
  state: string;
  merged?: boolean | null;
  draft?: boolean;
  created_at?: string;
};

/**
 * `repository` is the base repository, where the checks and the policy live (also for forks).
 * `fresh`: `pr` was read with pulls.get during this event (see PullRequestRef.fresh).
 */
export function pullRequestRef(pr: PullPayload, repository: { owner: string; repo: string }, options: { fresh?: boolean } = {}): PullRequestRef {
  return {
    owner: repository.owner,
    repo: repository.repo,
    number: pr.number,
    title: pr.title,
    body: pr.body ?? "",
    author: pr.user?.login ?? "ghost",
    headSha: pr.head.sha,
    baseRef: pr.base.ref,
    baseSha: pr.base.sha,
    changedFiles: pr.changed_files ?? 0,
    state: pr.state === "closed" ? "closed" : "open",
    merged: pr.merged === true,
    draft: pr.draft === true,
    ...(pr.created_at ? { createdAt: pr.created_at } : {}),
    ...(options.fresh ? { fresh: true } : {}),
  };
}

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
    ...(f.sha ? { sha: f.sha } : {}),
  };
}

export function isNotFound(error: unknown): boolean {
  return (error as { status?: number }).status === 404;
}

/** Reads a file's raw text through the contents API (raw media type works up to 100 MB). */
export function contentReader(octokit: GitHub): ConfigReader {
  return async (owner, repo, path, ref) => {
    try {
      const res = await octokit.rest.repos.getContent({
        owner,
        repo,
        path,
        ...(ref ? { ref } : {}),
        mediaType: { format: "raw" },
      });
      const data: unknown = res.data;
      if (typeof data === "string") return data;
      if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
      // A directory answers with a JSON listing: there is no file at that path.
      return undefined;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
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
  const fileCache = new Map<string, Promise<string | undefined>>();
  const mergeBase = memo(async () => {
    const res = await octokit.rest.repos.compareCommitsWithBasehead({
      owner,
      repo,
      basehead: `${pull.baseSha}...${pull.headSha}`,
      per_page: 1,
    });
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
    readFile: (path, ref) => {
      const key = `${ref}\u0000${path}`;
      let p = fileCache.get(key);
      if (!p) {
        p = read(owner, repo, path, ref);
        fileCache.set(key, p);
      }
      return p;
    },
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
        ...(services.settings.appId ? { app_id: services.settings.appId } : {}),
      });
      return res.data.check_runs.map((r) => ({
        id: r.id,
        name: r.name,
        status: r.status,
        conclusion: r.conclusion ?? null,
        title: r.output?.title ?? null,
        summary: r.output?.summary ?? null,
        actions: [],
        startedAt: r.started_at ?? null,
      }));
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
        ...(r.html_url ? { htmlUrl: r.html_url } : {}),
      }));
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
        htmlUrl: c.html_url,
      }));
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
            isPullRequest: data.pull_request !== undefined,
          } satisfies IssueInfo;
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
            createdAt: e.created_at,
          }));
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
    }),
  };
}
