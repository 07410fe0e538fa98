import { execFile } from "node:child_process";
import { loadPolicy } from "../config/policy.js";
import type { ChangedFile, FileStatus } from "../detect/types.js";
import type { PullRequestContext, PullRequestRef } from "../github/pull-request-context.js";

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

export interface LocalOptions {
  cwd: string;
  base: string;
  head: string;
  body: string;
}

/**
 * The same PullRequestContext the app uses, answered from a local clone: the pipeline cannot tell
 * the difference, so `aims check` runs exactly the app's detection and gates.
 */
export async function createLocalContext(options: LocalOptions): Promise<PullRequestContext> {
  const { cwd } = options;
  const [baseSha, headSha] = await Promise.all([resolveCommit(cwd, options.base), resolveCommit(cwd, options.head)]);
  const mergeBase = (await gitOrUndefined(cwd, ["merge-base", baseSha, headSha])) ?? baseSha;
  const diff = await git(cwd, ["diff", "-z", "--name-status", "-M", "--no-color", mergeBase, headSha]);
  const files = parseNameStatus(diff);
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
    headSha,
    baseRef: options.base,
    baseSha,
    changedFiles: files.length,
    state: "open",
    merged: false,
    draft: false,
  };
  return {
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
    reviews: async () => [],
    comments: async () => [],
    teamMembership: async () => "none",
    permission: async () => "none",
    issue: async () => undefined,
    labelEvents: async () => [],
    listDirectory: async (path, ref) => {
      const dir = path.replace(/\/?$/, "/");
      const out = await gitOrUndefined(cwd, ["ls-tree", "--name-only", "-z", `${ref}`, "--", dir]);
      if (out === undefined || out === "") return undefined;
      return out.split("\0").filter(Boolean);
    },
    changedSince: async (sha) => ({
      files: parseNameStatus(await git(cwd, ["diff", "-z", "--name-status", "-M", "--no-color", sha, headSha])),
      complete: true,
    }),
  };
}
