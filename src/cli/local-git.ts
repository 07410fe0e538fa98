import { execFile } from "node:child_process";
import { loadPolicy } from "../config/policy.js";
import type { ChangedFile, FileStatus } from "../detect/types.js";
import type { IssueRef, PullRequestContext, PullRequestRef } from "../ports/pull-request-context.js";

const MAX_OUTPUT = 256 * 1024 * 1024;

export class GitError extends Error {
  constructor(
    message: string,
    public readonly exitCode: number | undefined,
  ) {
    super(message);
    this.name = "GitError";
  }
}

export function git(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("git", args, { cwd, maxBuffer: MAX_OUTPUT, encoding: "utf8" }, (error, stdout, stderr) => {
      if (error) {
        const code = typeof error.code === "number" ? error.code : undefined;
        reject(new GitError(`git ${args.join(" ")}: ${stderr.trim() || error.message}`, code));
      } else resolve(stdout);
    });
  });
}

async function gitOrUndefined(cwd: string, args: string[]): Promise<string | undefined> {
  try {
    return (await git(cwd, args)).trim();
  } catch {
    return undefined;
  }
}

/** Fails with `not a git repository: <path>` unless `cwd` is inside a git work tree or repository. */
export async function ensureRepository(cwd: string): Promise<void> {
  if ((await gitOrUndefined(cwd, ["rev-parse", "--git-dir"])) === undefined) throw new GitError(`not a git repository: ${cwd}`, undefined);
}

/** The branch PRs usually target: origin's HEAD, else main, else master. */
export async function defaultBranch(cwd: string): Promise<string> {
  const remoteHead = await gitOrUndefined(cwd, ["symbolic-ref", "--quiet", "refs/remotes/origin/HEAD"]);
  if (remoteHead) return remoteHead.replace(/^refs\/remotes\//, "");
  for (const candidate of ["main", "master", "origin/main", "origin/master"]) {
    if (await gitOrUndefined(cwd, ["rev-parse", "--verify", "--quiet", `${candidate}^{commit}`])) return candidate;
  }
  throw new GitError("cannot tell the default branch: pass --base <ref>", undefined);
}

export async function resolveCommit(cwd: string, ref: string): Promise<string> {
  const sha = await gitOrUndefined(cwd, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  if (!sha) throw new GitError(`"${ref}" is not a commit in this repository`, undefined);
  return sha;
}

const STATUS: Record<string, FileStatus> = { A: "added", D: "removed", M: "modified", R: "renamed", C: "copied", T: "changed" };

/** Parse `git diff -z --name-status -M`: `X\0path\0`, or `R100\0old\0new\0` for renames and copies. */
export function parseNameStatus(output: string): ChangedFile[] {
  const parts = output.split("\0");
  const files: ChangedFile[] = [];
  for (let i = 0; i < parts.length; ) {
    const code = parts[i++];
    if (!code) continue;
    const letter = code[0]!;
    const status = STATUS[letter] ?? "modified";
    if (letter === "R" || letter === "C") {
      const previousFilename = parts[i++]!;
      const filename = parts[i++]!;
      files.push({ filename, previousFilename, status, additions: 0, deletions: 0 });
    } else {
      files.push({ filename: parts[i++]!, status, additions: 0, deletions: 0 });
    }
  }
  return files;
}

/** Parse `git diff -z --numstat -M`: `a\td\tpath\0`, or `a\td\t\0old\0new\0` for renames; binary files count `-`. */
export function parseNumstat(output: string): Array<{ filename: string; additions: number; deletions: number; binary: boolean }> {
  const parts = output.split("\0");
  const rows: Array<{ filename: string; additions: number; deletions: number; binary: boolean }> = [];
  for (let i = 0; i < parts.length; ) {
    const head = parts[i++];
    if (!head) continue;
    const [a = "", d = "", path = ""] = head.split("\t");
    let filename = path;
    if (path === "") {
      i++; // previous path
      filename = parts[i++] ?? "";
    }
    const binary = a === "-" || d === "-";
    rows.push({ filename, additions: binary ? 0 : Number(a), deletions: binary ? 0 : Number(d), binary });
  }
  return rows;
}

/**
 * Split `git diff -p` output into one patch per file, in diff order, shaped as GitHub's `patch`
 * field: the hunks only (from the first `@@`), `undefined` for binary files and pure renames.
 */
export function splitPatches(output: string): Array<string | undefined> {
  if (output === "") return [];
  const sections = output.split(/^diff --git /m).slice(1);
  return sections.map((section) => {
    const hunk = section.search(/^@@ /m);
    if (hunk < 0) return undefined;
    return section.slice(hunk).replace(/\n$/, "");
  });
}

/** GitHub leaves the patch out of a file listing for very large diffs; so does the local listing. */
export const MAX_PATCH_LINES = 3000;

const DIFF_OPTIONS = ["-M", "--no-color", "--no-ext-diff", "--no-textconv", "--src-prefix=a/", "--dst-prefix=b/"];

/**
 * The changed files between two commits as GitHub's pulls.listFiles reports them: status, line
 * counts and patches (so Git LFS pointers, DVC files and `.gitattributes` are read exactly as the
 * app reads them). Three git calls, zipped by position: git lists files in the same order each time.
 */
export async function changedFiles(cwd: string, from: string, to: string): Promise<ChangedFile[]> {
  const [nameStatus, numstat, patch] = await Promise.all([
    git(cwd, ["diff", "-z", "--name-status", ...DIFF_OPTIONS, from, to]),
    git(cwd, ["diff", "-z", "--numstat", ...DIFF_OPTIONS, from, to]),
    git(cwd, ["diff", "--patch", ...DIFF_OPTIONS, from, to]),
  ]);
  const files = parseNameStatus(nameStatus);
  const counts = parseNumstat(numstat);
  const patches = splitPatches(patch);
  const aligned = counts.length === files.length && counts.every((c, i) => c.filename === files[i]!.filename);
  return files.map((file, i) => {
    const count = aligned ? counts[i]! : counts.find((c) => c.filename === file.filename);
    if (!count) return file;
    const lines = count.additions + count.deletions;
    const text = aligned && patches.length === files.length ? patches[i] : undefined;
    return {
      ...file,
      additions: count.additions,
      deletions: count.deletions,
      ...(text !== undefined && !count.binary && lines <= MAX_PATCH_LINES ? { patch: text } : {}),
    };
  });
}

export interface LocalOptions {
  cwd: string;
  base: string;
  head: string;
  body: string;
}

/** What a local check could not see, because only GitHub knows it: reported as still required. */
export interface GitHubOnly {
  reviews: boolean;
  comments: boolean;
  issues: IssueRef[];
  permissions: string[];
  teams: Array<{ team: string; login: string }>;
}

export type LocalContext = PullRequestContext & { githubOnly: GitHubOnly };

/**
 * The same PullRequestContext the app uses, answered from a local clone: the pipeline cannot tell
 * the difference, so `aims check` runs exactly the app's detection and gates.
 */
export async function createLocalContext(options: LocalOptions): Promise<LocalContext> {
  const { cwd } = options;
  const [baseSha, headSha] = await Promise.all([resolveCommit(cwd, options.base), resolveCommit(cwd, options.head)]);
  const mergeBase = (await gitOrUndefined(cwd, ["merge-base", baseSha, headSha])) ?? baseSha;
  const files = await changedFiles(cwd, mergeBase, headSha);
  const author = (await gitOrUndefined(cwd, ["log", "-1", "--format=%an", headSha])) ?? "local";

  const readFile = async (path: string, ref: string): Promise<string | undefined> => {
    try {
      return await git(cwd, ["show", `${ref}:${path}`]);
    } catch (error) {
      if (error instanceof GitError && error.exitCode === 128) return undefined;
      throw error;
    }
  };

  const pull: PullRequestRef = {
    owner: "local",
    repo: "repository",
    number: 0,
    title: "",
    body: options.body,
    author,
    // A git author name, not a GitHub login: the gates must not @-mention it.
    authorIsName: true,
    headSha,
    baseRef: options.base,
    baseSha,
    changedFiles: files.length,
    state: "open",
    merged: false,
    draft: false,
  };
  const githubOnly: GitHubOnly = { reviews: false, comments: false, issues: [], permissions: [], teams: [] };
  return {
    githubOnly,
    pull,
    files: async () => ({ files, truncated: false }),
    readFile,
    // Only the repository's own file exists locally; the organisation's .github repository is on GitHub.
    policy: () =>
      loadPolicy(async (owner, repo, path, ref) => (owner === "local" && repo === "repository" ? readFile(path, ref ?? baseSha) : undefined), {
        owner: "local",
        repo: "repository",
        baseRef: options.base,
      }),
    mergeBase: async () => mergeBase,
    existingChecks: async () => [],
    // What only GitHub knows (reviews, comments, teams, issues) is absent locally: gates report it as still required.
    reviews: async () => {
      githubOnly.reviews = true;
      return [];
    },
    comments: async () => {
      githubOnly.comments = true;
      return [];
    },
    teamMembership: async (team, login) => {
      if (!githubOnly.teams.some((t) => t.team === team && t.login === login)) githubOnly.teams.push({ team, login });
      return "none";
    },
    permission: async (login) => {
      if (!githubOnly.permissions.includes(login)) githubOnly.permissions.push(login);
      return "none";
    },
    issue: async (ref) => {
      if (!githubOnly.issues.some((i) => i.owner === ref.owner && i.repo === ref.repo && i.number === ref.number)) githubOnly.issues.push(ref);
      return undefined;
    },
    labelEvents: async () => [],
    listDirectory: async (path, ref) => {
      const dir = path.replace(/\/?$/, "/");
      const out = await gitOrUndefined(cwd, ["ls-tree", "--name-only", "-z", `${ref}`, "--", dir]);
      if (out === undefined || out === "") return undefined;
      return out.split("\0").filter(Boolean);
    },
    changedSince: async (sha) => ({
      files: await changedFiles(cwd, sha, headSha),
      complete: true,
    }),
    // git lists every changed file locally (no 3000-file cap), so `files()` is already complete.
    treeChanges: async () => ({ files, complete: true }),
  };
}
