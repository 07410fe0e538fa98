import type { ProbotOctokit } from "probot";
import { loadPolicy, type ConfigReader, type PolicyResult } from "../config/policy.js";
import type { ChangedFile, FileStatus } from "../detect/types.js";
import { MAX_LISTED_FILES } from "../gates/evaluate.js";

export type GitHub = ProbotOctokit;

/** The pull request as the pipeline needs it, taken from a webhook payload or pulls.get. */
export interface PullRequestRef {
  owner: string;
  repo: string;
  number: number;
  title: string;
  body: string;
  author: string;
  headSha: string;
  baseRef: string;
  baseSha: string;
  changedFiles: number;
  state: "open" | "closed";
  merged: boolean;
  draft: boolean;
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
}

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
  /** The merge base of base and head: the "before" side of the PR's three-dot diff. */
  mergeBase(): Promise<string>;
  existingChecks(): Promise<ExistingCheckRun[]>;
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
};

/** `repository` is the base repository, where the checks and the policy live (also for forks). */
export function pullRequestRef(pr: PullPayload, repository: { owner: string; repo: string }): PullRequestRef {
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
  };
}

function memo<T>(fn: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= fn());
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

export interface ContextOptions {
  /** Only check runs created by this app count as ours when the id is known. */
  appId?: number;
}

export function createPullRequestContext(octokit: GitHub, pull: PullRequestRef, options: ContextOptions = {}): PullRequestContext {
  const { owner, repo } = pull;
  const read = contentReader(octokit);
  const fileCache = new Map<string, Promise<string | undefined>>();

  return {
    pull,
    files: memo(async () => {
      const raw = await octokit.paginate(octokit.rest.pulls.listFiles, { owner, repo, pull_number: pull.number, per_page: 100 });
      const files: ChangedFile[] = raw.map((f) => ({
        filename: f.filename,
        status: f.status as FileStatus,
        ...(f.previous_filename ? { previousFilename: f.previous_filename } : {}),
        additions: f.additions,
        deletions: f.deletions,
        ...(f.patch !== undefined ? { patch: f.patch } : {}),
        sha: f.sha ?? undefined,
      }));
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
    mergeBase: memo(async () => {
      const res = await octokit.rest.repos.compareCommitsWithBasehead({
        owner,
        repo,
        basehead: `${pull.baseSha}...${pull.headSha}`,
        per_page: 1,
      });
      return res.data.merge_base_commit.sha;
    }),
    existingChecks: memo(async () => {
      const res = await octokit.rest.checks.listForRef({
        owner,
        repo,
        ref: pull.headSha,
        per_page: 100,
        filter: "latest",
        ...(options.appId ? { app_id: options.appId } : {}),
      });
      return res.data.check_runs.map((r) => ({
        id: r.id,
        name: r.name,
        status: r.status,
        conclusion: r.conclusion ?? null,
        title: r.output?.title ?? null,
        summary: r.output?.summary ?? null,
        actions: [],
      }));
    }),
  };
}
