import type { ProbotOctokit } from "probot";
import type { Detector } from "../detect/detect.js";
import type { BoundedMap } from "../util/bounded-map.js";
import type { ConfigReader, PolicyResult } from "../config/policy.js";
import type { ChangedFile } from "../detect/types.js";

/**
 * The port between the core and GitHub: the client type, the pull request as the pipeline reads it,
 * and the PullRequestContext interface with its data. Implemented by src/github/octokit-context.ts
 * (the GitHub API), src/cli/local-git.ts (a local checkout) and the test fakes; evidence and the
 * pipeline depend on this module, never on an adapter.
 */

export type GitHub = ProbotOctokit;

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
  /**
   * A file's UTF-8 bytes at a ref, never decoded on the event loop: large manifests go to a worker
   * thread as bytes. Absent: callers read the text.
   */
  readFileBytes?(path: string, ref: string): Promise<Uint8Array | undefined>;
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
    ...(options.fresh ? { fresh: true } : {}) };
}
