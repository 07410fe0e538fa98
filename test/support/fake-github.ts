/**
 * A stateful fake of the GitHub REST API on loopback, for end-to-end tests of the app through
 * real HTTP (Probot with GHE_HOST/GHE_PROTOCOL, or Octokit with `baseUrl`). Every request is
 * checked against GitHub's OpenAPI description and answered 422 when it departs from it, so a
 * malformed write can never succeed silently; every JSON response is checked too, so the fake's
 * own answers stay GitHub-shaped.
 */
import { createHash, createHmac, generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { blobSha, fileDiff, isBinary } from "./diff.js";
import { matchOperation, validateRequest, validateResponse, type MatchedOperation } from "./openapi.js";

// ---------------------------------------------------------------------------------------------
// Helpers for tests

/** The `X-Hub-Signature-256` header GitHub sends for a webhook body. */
export function signWebhook(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

let testKey: string | undefined;
/** A throwaway RSA key (PKCS#8 PEM) so apps can sign JWTs in tests; one per process, never committed. */
export function generateTestPrivateKey(): string {
  testKey ??= generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  }).privateKey;
  return testKey;
}

// ---------------------------------------------------------------------------------------------
// State

export type Permission = "admin" | "maintain" | "write" | "triage" | "read";
export type FileStatus = "added" | "removed" | "modified" | "renamed" | "copied" | "changed" | "unchanged";
export type ReviewState = "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED" | "PENDING";

export interface FakeUser {
  login: string;
  id: number;
  type: "User" | "Bot" | "Organization";
}

export interface FakeCommit {
  sha: string;
  parents: string[];
  /** The whole tree at this commit: path → content. */
  files: Map<string, string>;
  message: string;
  author: string;
  date: string;
  /** Creation order, for chronological listings. */
  seq: number;
}

export interface FakeLabel {
  id: number;
  name: string;
  color: string;
  description: string | null;
}

export interface FakeIssueEvent {
  id: number;
  event: "labeled" | "unlabeled" | "closed" | "reopened" | "renamed";
  actor: string;
  label?: { name: string; color: string };
  createdAt: string;
  viaApp: boolean;
}

export interface FakeComment {
  id: number;
  issueNumber: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
  viaApp: boolean;
}

export interface FakeIssue {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  stateReason: "completed" | "not_planned" | "reopened" | "duplicate" | null;
  /** Label names as the repository spells them. */
  labels: string[];
  user: string;
  assignees: string[];
  locked: boolean;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  comments: FakeComment[];
  events: FakeIssueEvent[];
  /** Written by the app through an installation token (`performed_via_github_app`). */
  viaApp: boolean;
  isPull: boolean;
}

export interface FakePullFile {
  filename: string;
  status: FileStatus;
  previous_filename?: string;
  additions: number;
  deletions: number;
  patch?: string;
  sha?: string;
}

export interface FakeReview {
  id: number;
  user: string;
  state: ReviewState;
  body: string;
  commitId: string;
  submittedAt: string;
}

export interface FakePull {
  number: number;
  /** Title, body, state, labels, author and comments live on the PR's issue, as on GitHub. */
  issue: FakeIssue;
  head: { repo: FakeRepo; ref: string; sha: string };
  base: { repo: FakeRepo; ref: string; sha: string };
  /** Seeded file list; when absent the list is the diff from the merge base to the head. */
  files?: FakePullFile[];
  /** Overrides `changed_files` (to model PRs above GitHub's 3000-file listing cap). */
  changedFiles?: number;
  draft: boolean;
  merged: boolean;
  mergedAt: string | null;
  mergedBy: string | null;
  mergeCommitSha: string | null;
  reviews: FakeReview[];
  requestedReviewers: string[];
  requestedTeams: string[];
}

export interface FakeCheckRun {
  id: number;
  repo: FakeRepo;
  name: string;
  headSha: string;
  status: "queued" | "in_progress" | "completed" | "waiting" | "requested" | "pending";
  conclusion: string | null;
  startedAt: string | null;
  completedAt: string | null;
  externalId: string | null;
  detailsUrl: string | null;
  output: { title: string | null; summary: string | null; text: string | null; annotationsCount: number };
  actions: Array<{ label: string; description: string; identifier: string }>;
  appId: number;
  checkSuiteId: number;
}

export interface FakeRepo {
  id: number;
  owner: string;
  name: string;
  fullName: string;
  defaultBranch: string;
  private: boolean;
  createdAt: string;
  /** branch → head commit SHA. */
  branches: Map<string, string>;
  /** Keyed by lower-case name. */
  labels: Map<string, FakeLabel>;
  /** Issues and pull requests share numbers, as on GitHub. */
  issues: Map<number, FakeIssue>;
  pulls: Map<number, FakePull>;
  /** Keyed by lower-case login. */
  collaborators: Map<string, Permission>;
  nextNumber: number;
}

export interface FakeTeam {
  org: string;
  slug: string;
  id: number;
  /** Keyed by lower-case login. */
  members: Map<string, { role: "member" | "maintainer"; state: "active" | "pending" }>;
}

export interface FakeApp {
  id: number;
  slug: string;
  name: string;
  owner: string;
}

export type RepoRef = string | FakeRepo | { owner: string; name: string };

/** A deployment waiting on a workflow run (the deployment gate). */
export interface FakeDeployment {
  id: number;
  repo: FakeRepo;
  sha: string;
  ref: string;
  environment: string;
  creator: string;
  createdAt: string;
  /** The workflow run whose job deploys. */
  runId: number;
  statuses: FakeDeploymentStatus[];
}

export interface FakeDeploymentStatus {
  id: number;
  state: "error" | "failure" | "inactive" | "pending" | "success" | "queued" | "in_progress";
  createdAt: string;
}

export interface FakeProtectionReview {
  runId: number;
  environment: string;
  /** Absent for a status report. */
  state?: "approved" | "rejected";
  comment: string;
  at: string;
}

/** One attempt of a webhook delivery, as `GET /app/hook/deliveries` lists it. */
export interface FakeDelivery {
  id: number;
  guid: string;
  deliveredAt: string;
  redelivery: boolean;
  /** 0 when the app could not be reached. */
  statusCode: number;
  event: string;
  action: string | null;
  installationId: number | null;
  repositoryId: number | null;
  /** The signed body, kept for redelivery. */
  body: string;
}

// ---------------------------------------------------------------------------------------------
// Requests, log and faults

export interface FakeRequest {
  /** 1-based position of the request since the server started (or since `reset()`). */
  index: number;
  method: string;
  /** API path without `/api/v3` and query. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** The OpenAPI operation, when the path and method are GitHub's. */
  operationId?: string;
  template?: string;
}

export type FaultResult = undefined | { status: number; headers?: Record<string, string>; body?: unknown } | "drop" | "timeout";
export type FaultHook = (req: FakeRequest) => FaultResult;

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** 0 when the fault hook dropped the connection or let it time out. */
  status: number;
  /** Epoch milliseconds with sub-millisecond precision. */
  startedAt: number;
  endedAt: number;
  body: unknown;
  operationId?: string;
  /** Who GitHub would see: a login, `aims-bot[bot]`, `app` (JWT) or `anonymous`. */
  actor: string;
}

export interface FakeGitHubOptions {
  appId?: number;
  appSlug?: string;
  installationId?: number;
  /** Delay before each request is handled, fixed or per request. */
  latencyMs?: number | ((req: FakeRequest) => number);
  fault?: FaultHook;
  /** Check every JSON response against the description (recorded in `responseViolations`). Default true. */
  validateResponses?: boolean;
  /** Start of the fake clock; defaults to the current time. */
  now?: Date | string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Raw text instead of JSON. */
  raw?: string;
  /** False for answers to paths GitHub does not have: there is no schema to check them against. */
  validate?: boolean;
}

interface Ctx {
  req: FakeRequest;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  rawBody: unknown;
  accept: string;
  actor: Actor;
}

type Actor = { kind: "app-token"; login: string } | { kind: "user"; login: string } | { kind: "jwt" } | { kind: "anonymous" };

type Handler = (ctx: Ctx) => Reply;

const RAW_MEDIA = /application\/vnd\.github(\.v3)?\.raw/i;
const MAX_LISTED_PR_FILES = 3000;
const MAX_COMPARE_FILES = 300;
const MAX_COMPARE_COMMITS = 250;

const isoSeconds = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
const lower = (s: string): string => s.toLowerCase();

function nodeId(kind: string, id: number | string): string {
  return Buffer.from(`${kind}:${id}`).toString("base64");
}

export class FakeGitHub {
  readonly app: FakeApp;
  readonly installationId: number;
  readonly repos = new Map<string, FakeRepo>();
  readonly commits = new Map<string, FakeCommit>();
  readonly checkRuns: FakeCheckRun[] = [];
  readonly teams = new Map<string, FakeTeam>();
  readonly users = new Map<string, FakeUser>();
  /** Other apps that own seeded check runs, by id. */
  readonly apps = new Map<number, FakeApp>();
  /** Personal tokens seeded with `addUserToken`; any other token acts as the app's installation. */
  readonly userTokens = new Map<string, string>();
  readonly workflowTokens = new Set<string>();
  readonly installationTokens = new Set<string>();

  /** Webhook deliveries sent by `deliverWebhook` and redeliveries, newest last. */
  readonly deliveries: FakeDelivery[] = [];
  /** Where `deliverWebhook` posts, signed with `secret` (the app's webhook URL). */
  webhook: { url: string; secret: string } | undefined;
  private readonly inflightDeliveries = new Set<Promise<unknown>>();

  readonly requests: LoggedRequest[] = [];
  /** Requests that departed from GitHub's OpenAPI description. */
  readonly violations: string[] = [];
  /** JSON responses of the fake that departed from the description (a bug in the fake). */
  readonly responseViolations: string[] = [];
  /** Requests no handler answered, as `METHOD /path`. */
  readonly unhandled: string[] = [];

  latencyMs: number | ((req: FakeRequest) => number);
  fault: FaultHook | undefined;
  /**
   * Entries a recursive tree listing returns at most before it answers `truncated: true` (GitHub's
   * limit is 100,000 entries or 7 MB); tests lower it to model a repository too large to list.
   */
  maxTreeEntries = 100_000;
  validateResponses: boolean;

  private server: Server | undefined;
  private origin = "http://127.0.0.1";
  private nextIdValue = 1000;
  private commitSeq = 0;
  /** Fake time minus real time: the fake clock runs with the real one from its start. */
  private clockOffset: number;
  private lastStamp = 0;
  private requestCount = 0;
  private notModifiedCount = 0;
  private readonly pending = new Set<ServerResponse>();
  private readonly routes = new Map<string, Handler>();
  private readonly diffCache = new Map<string, FakePullFile[]>();

  constructor(options: FakeGitHubOptions = {}) {
    this.app = { id: options.appId ?? 1, slug: options.appSlug ?? "aims-bot", name: "AIMS bot", owner: "aims-dev" };
    this.apps.set(this.app.id, this.app);
    this.installationId = options.installationId ?? 1;
    this.latencyMs = options.latencyMs ?? 0;
    this.fault = options.fault;
    this.validateResponses = options.validateResponses ?? true;
    this.clockOffset = options.now === undefined ? 0 : new Date(options.now).getTime() - Date.now();
    this.user(this.botLogin, "Bot");
    this.registerRoutes();
  }

  /** The login the app writes as through an installation token. */
  get botLogin(): string {
    return `${this.app.slug}[bot]`;
  }

  get apiBase(): string {
    return `${this.origin}/api/v3`;
  }

  // ------------------------------------------------------------------------------------------
  // Lifecycle

  /** Listens on 127.0.0.1 at a free port. `url` is Octokit's baseUrl; `host` is for GHE_HOST. */
  async start(): Promise<{ url: string; host: string }> {
    if (this.server) throw new Error("fake GitHub already started");
    const server = createServer((req, res) => {
      // A throwing fault or latency hook must not become an unhandled rejection.
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
        res.end(JSON.stringify({ message: `fake GitHub failed: ${(error as Error).stack ?? String(error)}` }));
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const host = `127.0.0.1:${port}`;
    this.origin = `http://${host}`;
    return { url: this.apiBase, host };
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const res of this.pending) res.destroy();
    this.pending.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Forget the request log, violations and unhandled requests; the seeded state stays. */
  reset(): void {
    this.requests.length = 0;
    this.violations.length = 0;
    this.responseViolations.length = 0;
    this.unhandled.length = 0;
    this.requestCount = 0;
    this.notModifiedCount = 0;
  }

  /** GET/HEAD requests logged, optionally only those whose path or operationId matches. */
  reads(filter?: string | RegExp): number {
    return this.count(true, filter);
  }

  /** Requests other than GET/HEAD logged, optionally only those whose path or operationId matches. */
  writes(filter?: string | RegExp): number {
    return this.count(false, filter);
  }

  private count(reads: boolean, filter?: string | RegExp): number {
    return this.requests.filter((r) => {
      if ((r.method === "GET" || r.method === "HEAD") !== reads) return false;
      if (filter === undefined) return true;
      const hay = [r.path, r.operationId ?? ""];
      return hay.some((h) => (typeof filter === "string" ? h.includes(filter) : filter.test(h)));
    }).length;
  }

  /** Moves the fake clock forward (timestamps of later writes follow it). */
  advanceClock(ms: number): void {
    this.clockOffset += ms;
  }

  /** The fake clock's current time in epoch milliseconds. */
  now(): number {
    return Date.now() + this.clockOffset;
  }

  // ------------------------------------------------------------------------------------------
  // Seeding and inspection

  /** The user with this login, created on first mention with a stable id. */
  user(login: string, type?: FakeUser["type"]): FakeUser {
    let u = this.users.get(lower(login));
    if (!u) {
      u = { login, id: this.nextId(), type: type ?? (login.endsWith("[bot]") ? "Bot" : "User") };
      this.users.set(lower(login), u);
    } else if (type) {
      u.type = type;
    }
    return u;
  }

  addUserToken(token: string, login: string): void {
    this.user(login);
    this.userTokens.set(token, login);
  }

  /** A workflow's GITHUB_TOKEN: GitHub writes with it as github-actions[bot], not as an installed app's bot. */
  addWorkflowToken(token: string): void {
    this.user("github-actions[bot]", "Bot");
    this.workflowTokens.add(token);
  }

  addApp(app: { id: number; slug: string; name?: string; owner?: string }): FakeApp {
    const full = { name: app.slug, owner: "octo-org", ...app };
    this.apps.set(app.id, full);
    return full;
  }

  /** A repository with one commit on its default branch holding `files`. */
  addRepo(fullName: string, options: { defaultBranch?: string; private?: boolean; files?: Record<string, string>; ownerType?: "User" | "Organization" } = {}): FakeRepo {
    const [owner, name] = fullName.split("/");
    if (!owner || !name) throw new Error(`repository must be owner/name: ${fullName}`);
    if (this.repos.has(lower(fullName))) throw new Error(`repository exists: ${fullName}`);
    this.user(owner, options.ownerType ?? "Organization");
    const repo: FakeRepo = {
      id: this.nextId(),
      owner,
      name,
      fullName: `${owner}/${name}`,
      defaultBranch: options.defaultBranch ?? "main",
      private: options.private ?? true,
      createdAt: this.stamp(),
      branches: new Map(),
      labels: new Map(),
      issues: new Map(),
      pulls: new Map(),
      collaborators: new Map(),
      nextNumber: 1,
    };
    this.repos.set(lower(repo.fullName), repo);
    this.commit(repo, { branch: repo.defaultBranch, files: options.files ?? { "README.md": `# ${name}\n` }, message: "Initial commit" });
    return repo;
  }

  getRepo(ref: RepoRef): FakeRepo {
    const key = typeof ref === "string" ? ref : "fullName" in ref ? ref.fullName : `${ref.owner}/${ref.name}`;
    const repo = this.repos.get(lower(key));
    if (!repo) throw new Error(`no such repository in the fake: ${key}`);
    return repo;
  }

  /**
   * A new commit. Its tree is the parent's with `files` applied (`null` deletes a path). The
   * parent is `parent` (a SHA or branch), else the tip of `branch`, else the default branch;
   * `branch` (created when missing) then points at the new commit. Returns the SHA.
   */
  commit(ref: RepoRef, options: { files: Record<string, string | null>; branch?: string; parent?: string; parents?: string[]; message?: string; author?: string }): string {
    const repo = this.getRepo(ref);
    const parents =
      options.parents ??
      (() => {
        const from = options.parent ?? (options.branch && repo.branches.has(options.branch) ? options.branch : repo.defaultBranch);
        const sha = this.resolveRef(repo, from);
        return sha ? [sha] : [];
      })();
    const files = new Map(parents[0] ? this.commits.get(parents[0])?.files : undefined);
    for (const [path, content] of Object.entries(options.files)) {
      if (content === null) files.delete(path);
      else files.set(path.replace(/^\//, ""), content);
    }
    const seq = ++this.commitSeq;
    const sha = createHash("sha1").update(`${seq}\u0000${parents.join(",")}\u0000${JSON.stringify([...files])}`).digest("hex");
    const author = options.author ?? "octocat";
    this.user(author);
    this.commits.set(sha, { sha, parents, files, message: options.message ?? `Commit ${seq}`, author, date: this.stamp(), seq });
    if (options.branch) {
      repo.branches.set(options.branch, sha);
      // A push to a PR's head branch moves the PR, as on GitHub (a `synchronize`).
      for (const r of this.repos.values()) {
        for (const pull of r.pulls.values()) {
          if (pull.head.repo === repo && pull.head.ref === options.branch && pull.issue.state === "open") {
            pull.head.sha = sha;
            pull.issue.updatedAt = this.stamp();
          }
        }
      }
    }
    return sha;
  }

  /** A pull request from `head` (a branch of `headRepo`, default the same repo) into `base`. */
  addPullRequest(
    ref: RepoRef,
    options: {
      head: string;
      base?: string;
      headRepo?: RepoRef;
      title?: string;
      body?: string | null;
      user?: string;
      draft?: boolean;
      labels?: string[];
      files?: FakePullFile[];
      changedFiles?: number;
      state?: "open" | "closed";
    },
  ): FakePull {
    const repo = this.getRepo(ref);
    const headRepo = options.headRepo ? this.getRepo(options.headRepo) : repo;
    const baseRef = options.base ?? repo.defaultBranch;
    const headSha = this.resolveRef(headRepo, options.head);
    const baseSha = this.resolveRef(repo, baseRef);
    if (!headSha) throw new Error(`no head ${options.head} in ${headRepo.fullName}`);
    if (!baseSha) throw new Error(`no base ${baseRef} in ${repo.fullName}`);
    const user = options.user ?? "octocat";
    const issue = this.newIssue(repo, {
      title: options.title ?? `Pull request from ${options.head}`,
      body: options.body ?? null,
      user,
      labels: options.labels ?? [],
      viaApp: false,
      isPull: true,
    });
    if (options.state === "closed") this.closeIssue(issue, user, false, "completed");
    const pull: FakePull = {
      number: issue.number,
      issue,
      head: { repo: headRepo, ref: options.head, sha: headSha },
      base: { repo, ref: baseRef, sha: baseSha },
      ...(options.files ? { files: options.files } : {}),
      ...(options.changedFiles !== undefined ? { changedFiles: options.changedFiles } : {}),
      draft: options.draft ?? false,
      merged: false,
      mergedAt: null,
      mergedBy: null,
      mergeCommitSha: null,
      reviews: [],
      requestedReviewers: [],
      requestedTeams: [],
    };
    repo.pulls.set(pull.number, pull);
    return pull;
  }

  getPull(ref: RepoRef, number: number): FakePull {
    const pull = this.getRepo(ref).pulls.get(number);
    if (!pull) throw new Error(`no pull request #${number}`);
    return pull;
  }

  /** Pushes a commit onto the PR's head branch, which moves the PR's head (a `synchronize`). */
  pushToPull(ref: RepoRef, number: number, files: Record<string, string | null>, message?: string): string {
    const pull = this.getPull(ref, number);
    return this.commit(pull.head.repo, { branch: pull.head.ref, parent: pull.head.sha, files, ...(message ? { message } : {}) });
  }

  /** Merges the PR: a merge commit on the base branch with the PR's changes applied. */
  mergePull(ref: RepoRef, number: number, by = "octocat"): string {
    const pull = this.getPull(ref, number);
    const repo = pull.base.repo;
    const baseTip = this.resolveRef(repo, pull.base.ref)!;
    const changes: Record<string, string | null> = {};
    for (const f of this.diffTrees(this.mergeBase(pull.base.sha, pull.head.sha), pull.head.sha)) {
      if (f.status === "renamed" && f.previous_filename) changes[f.previous_filename] = null;
      changes[f.filename] = f.status === "removed" ? null : (this.commits.get(pull.head.sha)!.files.get(f.filename) ?? null);
    }
    // The merge commit's tree is the base tip's (its first parent) with the PR's changes.
    const sha = this.commit(repo, { branch: pull.base.ref, parents: [baseTip, pull.head.sha], files: changes, message: `Merge pull request #${number}` });
    pull.merged = true;
    pull.mergedBy = by;
    pull.mergeCommitSha = sha;
    this.closeIssue(pull.issue, by, false, null);
    // One moment on GitHub: a merged pull request's merged_at and closed_at are the same.
    pull.mergedAt = pull.issue.closedAt;
    return sha;
  }

  addReview(ref: RepoRef, number: number, review: { user: string; state: ReviewState; body?: string; commitId?: string; submittedAt?: string }): FakeReview {
    const pull = this.getPull(ref, number);
    this.user(review.user);
    const r: FakeReview = {
      id: this.nextId(),
      user: review.user,
      state: review.state,
      body: review.body ?? "",
      commitId: review.commitId ?? pull.head.sha,
      submittedAt: review.submittedAt ?? this.stamp(),
    };
    pull.reviews.push(r);
    return r;
  }

  /** An issue written by `user` (default the app when `viaApp`, else `octocat`). */
  addIssue(ref: RepoRef, options: { title: string; body?: string | null; labels?: string[]; user?: string; viaApp?: boolean; state?: "open" | "closed" }): FakeIssue {
    const repo = this.getRepo(ref);
    const viaApp = options.viaApp ?? false;
    const issue = this.newIssue(repo, {
      title: options.title,
      body: options.body ?? null,
      user: options.user ?? (viaApp ? this.botLogin : "octocat"),
      labels: options.labels ?? [],
      viaApp,
      isPull: false,
    });
    if (options.state === "closed") this.closeIssue(issue, issue.user, viaApp, "completed");
    return issue;
  }

  getIssue(ref: RepoRef, number: number): FakeIssue {
    const issue = this.getRepo(ref).issues.get(number);
    if (!issue) throw new Error(`no issue #${number}`);
    return issue;
  }

  addComment(ref: RepoRef, number: number, options: { body: string; user?: string; viaApp?: boolean }): FakeComment {
    const issue = this.getIssue(ref, number);
    const viaApp = options.viaApp ?? false;
    return this.newComment(issue, options.body, options.user ?? (viaApp ? this.botLogin : "octocat"), viaApp);
  }

  /** Edits a comment as `actor` would in the web UI (anyone with write access can edit anyone's). */
  editComment(ref: RepoRef, commentId: number, body: string): FakeComment {
    const comment = this.findComment(ref, commentId);
    comment.body = body;
    comment.updatedAt = this.stamp();
    return comment;
  }

  /** Deletes a comment (as its author, a writer or the app could); returns what it held. */
  deleteComment(ref: RepoRef, commentId: number): FakeComment {
    const comment = this.findComment(ref, commentId);
    const issue = this.getIssue(ref, comment.issueNumber);
    issue.comments.splice(issue.comments.indexOf(comment), 1);
    return comment;
  }

  /** Dismisses a review, as a maintainer (or another app) would. */
  dismissReview(ref: RepoRef, number: number, reviewId: number): FakeReview {
    const review = this.getPull(ref, number).reviews.find((r) => r.id === reviewId);
    if (!review) throw new Error(`no review ${reviewId} on #${number}`);
    review.state = "DISMISSED";
    return review;
  }

  private findComment(ref: RepoRef, commentId: number): FakeComment {
    for (const issue of this.getRepo(ref).issues.values()) {
      const comment = issue.comments.find((c) => c.id === commentId);
      if (comment) return comment;
    }
    throw new Error(`no comment ${commentId}`);
  }

  addLabel(ref: RepoRef, label: { name: string; color?: string; description?: string | null }): FakeLabel {
    const repo = this.getRepo(ref);
    const existing = repo.labels.get(lower(label.name));
    if (existing) return existing;
    const created: FakeLabel = { id: this.nextId(), name: label.name, color: label.color ?? "ededed", description: label.description ?? null };
    repo.labels.set(lower(label.name), created);
    return created;
  }

  /** Labels an issue or PR as `actor` (records the `labeled` event). */
  labelIssue(ref: RepoRef, number: number, labels: string[], actor = "octocat"): void {
    this.applyLabels(this.getRepo(ref), this.getIssue(ref, number), labels, actor, false);
  }

  setPermission(ref: RepoRef, login: string, permission: Permission): void {
    this.user(login);
    this.getRepo(ref).collaborators.set(lower(login), permission);
  }

  /** A team `org/slug`; `members` maps login → role (state active) or a full membership. */
  addTeam(org: string, slug: string, members: Record<string, "member" | "maintainer" | { role: "member" | "maintainer"; state: "active" | "pending" }> = {}): FakeTeam {
    const team: FakeTeam = { org, slug, id: this.nextId(), members: new Map() };
    for (const [login, m] of Object.entries(members)) {
      this.user(login);
      team.members.set(lower(login), typeof m === "string" ? { role: m, state: "active" } : m);
    }
    this.teams.set(lower(`${org}/${slug}`), team);
    return team;
  }

  /** A check run as another app (or this one) left it. */
  addCheckRun(ref: RepoRef, run: { name: string; headSha: string; status?: FakeCheckRun["status"]; conclusion?: string | null; appId?: number; title?: string; summary?: string; externalId?: string }): FakeCheckRun {
    const repo = this.getRepo(ref);
    const now = this.stamp();
    const status = run.status ?? (run.conclusion ? "completed" : "queued");
    const created: FakeCheckRun = {
      id: this.nextId(),
      repo,
      name: run.name,
      headSha: run.headSha,
      status,
      conclusion: run.conclusion ?? null,
      startedAt: now,
      completedAt: status === "completed" ? now : null,
      externalId: run.externalId ?? null,
      detailsUrl: null,
      output: { title: run.title ?? null, summary: run.summary ?? null, text: null, annotationsCount: 0 },
      actions: [],
      appId: run.appId ?? this.app.id,
      checkSuiteId: this.nextId(),
    };
    this.checkRuns.push(created);
    return created;
  }

  /** Check runs on a repository, oldest first, optionally for one commit and name. */
  checkRunsFor(ref: RepoRef, filter: { headSha?: string; name?: string } = {}): FakeCheckRun[] {
    const repo = this.getRepo(ref);
    return this.checkRuns.filter((r) => r.repo === repo && (!filter.headSha || r.headSha === filter.headSha) && (!filter.name || r.name === filter.name));
  }

  /** A SHA for a branch name, `refs/heads/x`, a full SHA or an unambiguous SHA prefix (≥7). */
  resolveRef(ref: RepoRef, name: string): string | undefined {
    const repo = this.getRepo(ref);
    const branch = name.replace(/^refs\/heads\//, "");
    const tip = repo.branches.get(branch);
    if (tip) return tip;
    if (/^[0-9a-f]{40}$/i.test(name)) return this.commits.has(lower(name)) ? lower(name) : undefined;
    if (/^[0-9a-f]{7,39}$/i.test(name)) {
      const found = [...this.commits.keys()].filter((s) => s.startsWith(lower(name)));
      return found.length === 1 ? found[0] : undefined;
    }
    return undefined;
  }

  // ------------------------------------------------------------------------------------------
  // Webhook deliveries (what GitHub sends, and its deliveries API)

  /**
   * Send a webhook to `webhook.url` as GitHub does (signed, `X-GitHub-Delivery` = guid) and log the
   * attempt for `GET /app/hook/deliveries`. `unreachable` logs a failed attempt without sending,
   * as when the app is down. Resolves with the logged attempt.
   */
  async deliverWebhook(event: string, payload: Record<string, unknown>, options: { guid?: string; unreachable?: boolean; redelivery?: boolean } = {}): Promise<FakeDelivery> {
    const body = JSON.stringify(payload);
    const installation = payload.installation as { id?: number } | undefined;
    const repository = payload.repository as { id?: number } | undefined;
    const attempt: FakeDelivery = {
      id: this.nextId(),
      guid: options.guid ?? randomUUIDv4(),
      deliveredAt: this.stamp(),
      redelivery: options.redelivery ?? false,
      statusCode: 0,
      event,
      action: typeof payload.action === "string" ? payload.action : null,
      installationId: installation?.id ?? null,
      repositoryId: repository?.id ?? null,
      body,
    };
    this.deliveries.push(attempt);
    if (options.unreachable || !this.webhook) return attempt;
    try {
      const res = await fetch(this.webhook.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "GitHub-Hookshot/fake",
          "x-github-event": event,
          "x-github-delivery": attempt.guid,
          "x-hub-signature-256": signWebhook(this.webhook.secret, body),
        },
        body,
      });
      await res.text();
      attempt.statusCode = res.status;
    } catch {
      attempt.statusCode = 0;
    }
    return attempt;
  }

  /** Resolves when every redelivery requested through the API has been attempted. */
  async settled(): Promise<void> {
    while (this.inflightDeliveries.size > 0) await Promise.allSettled([...this.inflightDeliveries]);
  }

  private deliveryJson(d: FakeDelivery): Record<string, unknown> {
    const ok = d.statusCode >= 200 && d.statusCode < 400;
    return {
      id: d.id,
      guid: d.guid,
      delivered_at: d.deliveredAt,
      redelivery: d.redelivery,
      duration: 0.05,
      status: ok ? "OK" : d.statusCode === 0 ? "failed to connect to host" : `Invalid HTTP Response: ${d.statusCode}`,
      status_code: d.statusCode,
      event: d.event,
      action: d.action,
      installation_id: d.installationId,
      repository_id: d.repositoryId,
      throttled_at: null,
    };
  }

  // ------------------------------------------------------------------------------------------
  // Internals shared by seeding and handlers

  private nextId(): number {
    return ++this.nextIdValue;
  }

  /** A timestamp later than every earlier one, at GitHub's one-second resolution. */
  private stamp(): string {
    const ms = Math.max(Math.floor(this.now() / 1000) * 1000, this.lastStamp + 1000);
    this.lastStamp = ms;
    return isoSeconds(ms);
  }

  private newIssue(repo: FakeRepo, fields: { title: string; body: string | null; user: string; labels: string[]; viaApp: boolean; isPull: boolean }): FakeIssue {
    this.user(fields.user);
    const now = this.stamp();
    const issue: FakeIssue = {
      id: this.nextId(),
      number: repo.nextNumber++,
      title: fields.title,
      body: fields.body,
      state: "open",
      stateReason: null,
      labels: [],
      user: fields.user,
      assignees: [],
      locked: false,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      comments: [],
      events: [],
      viaApp: fields.viaApp,
      isPull: fields.isPull,
    };
    repo.issues.set(issue.number, issue);
    this.applyLabels(repo, issue, fields.labels, fields.user, fields.viaApp);
    return issue;
  }

  private newComment(issue: FakeIssue, body: string, user: string, viaApp: boolean): FakeComment {
    this.user(user);
    const now = this.stamp();
    const comment: FakeComment = { id: this.nextId(), issueNumber: issue.number, body, user, createdAt: now, updatedAt: now, viaApp };
    issue.comments.push(comment);
    issue.updatedAt = now;
    return comment;
  }

  private applyLabels(repo: FakeRepo, issue: FakeIssue, names: string[], actor: string, viaApp: boolean): void {
    const before = issue.labels.length;
    for (const name of names) {
      // GitHub creates labels that do not exist yet when a writer applies them.
      const label = this.addLabel(repo, { name });
      if (issue.labels.some((l) => lower(l) === lower(label.name))) continue;
      issue.labels.push(label.name);
      issue.events.push({ id: this.nextId(), event: "labeled", actor, label: { name: label.name, color: label.color }, createdAt: this.stamp(), viaApp });
    }
    if (issue.labels.length !== before) issue.updatedAt = issue.events[issue.events.length - 1]!.createdAt;
  }

  private removeLabel(repo: FakeRepo, issue: FakeIssue, name: string, actor: string, viaApp: boolean): boolean {
    const index = issue.labels.findIndex((l) => lower(l) === lower(name));
    if (index < 0) return false;
    const [removed] = issue.labels.splice(index, 1);
    const color = repo.labels.get(lower(removed!))?.color ?? "ededed";
    const now = this.stamp();
    issue.events.push({ id: this.nextId(), event: "unlabeled", actor, label: { name: removed!, color }, createdAt: now, viaApp });
    issue.updatedAt = now;
    return true;
  }

  private closeIssue(issue: FakeIssue, actor: string, viaApp: boolean, reason: FakeIssue["stateReason"]): void {
    const now = this.stamp();
    issue.state = "closed";
    issue.stateReason = reason;
    issue.closedAt = now;
    issue.updatedAt = now;
    issue.events.push({ id: this.nextId(), event: "closed", actor, createdAt: now, viaApp });
  }

  private ancestors(sha: string): Set<string> {
    const seen = new Set<string>();
    const queue = [sha];
    while (queue.length > 0) {
      const s = queue.shift()!;
      if (seen.has(s)) continue;
      seen.add(s);
      queue.push(...(this.commits.get(s)?.parents ?? []));
    }
    return seen;
  }

  /** The nearest common ancestor of two commits (breadth first from `head`). */
  mergeBase(base: string, head: string): string {
    const fromBase = this.ancestors(base);
    const seen = new Set<string>();
    const queue = [head];
    while (queue.length > 0) {
      const s = queue.shift()!;
      if (seen.has(s)) continue;
      seen.add(s);
      if (fromBase.has(s)) return s;
      queue.push(...(this.commits.get(s)?.parents ?? []));
    }
    return base;
  }

  /** Commits reachable from `head` but not from `base`, oldest first. */
  private commitsBetween(base: string, head: string): FakeCommit[] {
    const excluded = this.ancestors(base);
    return [...this.ancestors(head)]
      .filter((s) => !excluded.has(s))
      .map((s) => this.commits.get(s)!)
      .filter(Boolean)
      .sort((a, b) => a.seq - b.seq);
  }

  /** Changed files between two trees, with exact-content renames, sorted by path. */
  diffTrees(fromSha: string, toSha: string): FakePullFile[] {
    // Commits never change once listed, so neither does their diff.
    const key = `${fromSha}..${toSha}`;
    let files = this.diffCache.get(key);
    if (!files) {
      files = this.computeDiff(fromSha, toSha);
      this.diffCache.set(key, files);
    }
    return files;
  }

  private computeDiff(fromSha: string, toSha: string): FakePullFile[] {
    const from = this.commits.get(fromSha)?.files ?? new Map<string, string>();
    const to = this.commits.get(toSha)?.files ?? new Map<string, string>();
    const files: FakePullFile[] = [];
    const removed = new Map<string, string>();
    for (const [path, content] of from) if (!to.has(path)) removed.set(path, content);
    for (const [path, content] of to) {
      const before = from.get(path);
      if (before === content) continue;
      if (before === undefined) {
        const renamedFrom = [...removed].find(([, c]) => c === content)?.[0];
        if (renamedFrom !== undefined) {
          removed.delete(renamedFrom);
          files.push({ filename: path, previous_filename: renamedFrom, status: "renamed", additions: 0, deletions: 0, sha: blobSha(content) });
          continue;
        }
        files.push({ filename: path, status: "added", ...fileDiff("", content), sha: blobSha(content) });
      } else {
        files.push({ filename: path, status: "modified", ...fileDiff(before, content), sha: blobSha(content) });
      }
    }
    for (const [path, content] of removed) files.push({ filename: path, status: "removed", ...fileDiff(content, ""), sha: blobSha("") });
    return files.sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
  }

  /** The PR's files as GitHub lists them (seeded, or derived from its commits). */
  pullFiles(pull: FakePull): FakePullFile[] {
    return pull.files ?? this.diffTrees(this.mergeBase(pull.base.sha, pull.head.sha), pull.head.sha);
  }

  // ------------------------------------------------------------------------------------------
  // HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = performance.timeOrigin + performance.now();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawText = Buffer.concat(chunks).toString("utf8");
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", this.origin);
    let path = url.pathname;
    if (path === "/api/v3" || path.startsWith("/api/v3/")) path = path.slice("/api/v3".length) || "/";
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    let body: unknown;
    if (rawText !== "") {
      try {
        body = JSON.parse(rawText);
      } catch {
        body = rawText;
      }
    }
    const match = matchOperation(method, `${path}${url.search}`);
    const fakeReq: FakeRequest = {
      index: ++this.requestCount,
      method,
      path,
      query,
      headers: req.headers,
      body,
      ...("error" in match ? {} : { operationId: match.operationId, template: match.template }),
    };
    const actor = this.actorOf(req.headers.authorization);
    const log = (status: number): void => {
      this.requests.push({
        method,
        path,
        query,
        status,
        startedAt,
        endedAt: performance.timeOrigin + performance.now(),
        body,
        ...(fakeReq.operationId ? { operationId: fakeReq.operationId } : {}),
        actor: actor.kind === "jwt" ? "app" : actor.kind === "anonymous" ? "anonymous" : actor.login,
      });
    };

    // Validated before faults are applied: a malformed request is the app's bug even when
    // the fault hook answers it.
    const problems = "error" in match ? [match.error] : validateRequest({ method, url: `${path}${url.search}`, body: rawText, headers: req.headers });
    this.violations.push(...problems);

    const latency = typeof this.latencyMs === "function" ? this.latencyMs(fakeReq) : this.latencyMs;
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));

    const fault = this.fault?.(fakeReq);
    if (fault === "drop") {
      log(0);
      req.socket.destroy();
      return;
    }
    if (fault === "timeout") {
      log(0);
      this.pending.add(res);
      res.on("close", () => this.pending.delete(res));
      return;
    }
    let reply: Reply;
    if (fault) {
      reply = { status: fault.status, body: fault.body ?? { message: `Fault ${fault.status}` }, validate: false, ...(fault.headers ? { headers: fault.headers } : {}) };
    } else if ("error" in match) {
      // Not GitHub's API at all: answered as GitHub would (404), with nothing to check it against.
      this.unhandled.push(`${method} ${path}`);
      reply = { status: 404, body: notFound(), validate: false };
    } else if (problems.length > 0) {
      reply = {
        status: 422,
        body: { message: `Invalid request.\n\n${problems.join("\n")}`, documentation_url: "https://docs.github.com/rest", status: "422" },
      };
    } else {
      reply = this.dispatch(method, path, body, req, fakeReq, match, actor);
    }
    const status = this.send(res, method, path, url, reply, String(req.headers["if-none-match"] ?? ""));
    log(status);
  }

  private dispatch(method: string, path: string, body: unknown, req: IncomingMessage, fakeReq: FakeRequest, match: MatchedOperation, actor: Actor): Reply {
    const handler = this.routes.get(`${match.method.toUpperCase()} ${match.template}`);
    if (!handler) {
      this.unhandled.push(`${method} ${path}`);
      return { status: 404, body: notFound() };
    }
    if (method !== "GET" && method !== "HEAD" && actor.kind === "anonymous") {
      return { status: 401, body: { message: "Requires authentication", documentation_url: "https://docs.github.com/rest", status: "401" } };
    }
    try {
      const obj = body !== null && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
      return handler({ req: fakeReq, params: match.params, query: match.query, body: obj, rawBody: body, accept: String(req.headers.accept ?? ""), actor });
    } catch (error) {
      if (error instanceof HttpError) {
        return { status: error.status, body: { message: error.message, documentation_url: "https://docs.github.com/rest", status: String(error.status), ...error.extra } };
      }
      return { status: 500, body: { message: `fake GitHub failed: ${(error as Error).stack ?? String(error)}` } };
    }
  }

  /** Writes the answer; a GET whose `If-None-Match` names the answer's ETag gets 304 and no body, as on GitHub. */
  private send(res: ServerResponse, method: string, path: string, url: URL, reply: Reply, ifNoneMatch = ""): number {
    const headers: Record<string, string> = {
      "x-github-request-id": randomBytes(8).toString("hex").toUpperCase(),
      "x-github-media-type": "github.v3; format=json",
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": "4999",
      "x-ratelimit-used": "1",
      "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
      "x-ratelimit-resource": "core",
      ...reply.headers,
    };
    let payload = "";
    if (reply.raw !== undefined) {
      headers["content-type"] ??= "text/plain; charset=utf-8";
      payload = reply.raw;
    } else if (reply.body !== undefined && reply.status !== 204) {
      headers["content-type"] ??= "application/json; charset=utf-8";
      payload = JSON.stringify(reply.body);
      if (this.validateResponses && reply.validate !== false && reply.status < 500) {
        this.responseViolations.push(...validateResponse({ method, url: `${path}${url.search}`, status: reply.status, body: reply.body }));
      }
    }
    if (method === "GET" && reply.status === 200) {
      const etag = `"${createHash("sha1").update(payload).digest("hex")}"`;
      headers.etag = etag;
      if (ifNoneMatch === etag) {
        this.notModifiedCount++;
        delete headers["content-type"];
        res.writeHead(304, headers);
        res.end();
        return 304;
      }
    }
    res.writeHead(reply.status, { ...headers, "content-length": String(Buffer.byteLength(payload)) });
    res.end(method === "HEAD" ? undefined : payload);
    return reply.status;
  }

  /** GETs answered 304 Not Modified (they cost no rate limit on GitHub). */
  get notModified(): number {
    return this.notModifiedCount;
  }

  private actorOf(authorization: string | undefined): Actor {
    if (!authorization) return { kind: "anonymous" };
    const token = authorization.replace(/^(token|bearer)\s+/i, "");
    if (/^eyJ[\w-]*\.[\w-]+\.[\w-]*$/.test(token)) return { kind: "jwt" };
    const login = this.userTokens.get(token);
    if (login) return { kind: "user", login };
    if (this.workflowTokens.has(token)) return { kind: "app-token", login: "github-actions[bot]" };
    return { kind: "app-token", login: this.botLogin };
  }

  private jwtIssuer(authorization: string | string[] | undefined): string | undefined {
    const token = String(authorization ?? "").replace(/^bearer\s+/i, "");
    const payload = token.split(".")[1];
    if (!payload) return undefined;
    try {
      return String((JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { iss?: unknown }).iss);
    } catch {
      return undefined;
    }
  }

  // ------------------------------------------------------------------------------------------
  // JSON shapes

  private get web(): string {
    return this.origin;
  }

  /** A user as GitHub's objects embed it (simple-user). */
  userJson(login: string): Record<string, unknown> {
    const u = this.user(login);
    const api = `${this.apiBase}/users/${encodeURIComponent(u.login)}`;
    return {
      login: u.login,
      id: u.id,
      node_id: nodeId(u.type, u.id),
      avatar_url: `${this.web}/avatars/u/${u.id}`,
      gravatar_id: "",
      url: api,
      html_url: u.type === "Bot" ? `${this.web}/apps/${u.login.replace(/\[bot\]$/, "")}` : `${this.web}/${u.login}`,
      followers_url: `${api}/followers`,
      following_url: `${api}/following{/other_user}`,
      gists_url: `${api}/gists{/gist_id}`,
      starred_url: `${api}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/subscriptions`,
      organizations_url: `${api}/orgs`,
      repos_url: `${api}/repos`,
      events_url: `${api}/events{/privacy}`,
      received_events_url: `${api}/received_events`,
      type: u.type,
      site_admin: false,
      user_view_type: "public",
    };
  }

  private appJson(appId: number): Record<string, unknown> {
    const app = this.apps.get(appId) ?? { id: appId, slug: `app-${appId}`, name: `App ${appId}`, owner: "octo-org" };
    const created = isoSeconds(Date.UTC(2024, 0, 1));
    return {
      id: app.id,
      slug: app.slug,
      node_id: nodeId("Integration", app.id),
      client_id: `Iv1.${app.id.toString(16).padStart(16, "0")}`,
      owner: this.userJson(app.owner),
      name: app.name,
      description: null,
      external_url: `${this.web}/apps/${app.slug}`,
      html_url: `${this.web}/apps/${app.slug}`,
      created_at: created,
      updated_at: created,
      permissions: { checks: "write", contents: "read", issues: "write", metadata: "read", pull_requests: "write", members: "read" },
      events: ["check_run", "issue_comment", "issues", "pull_request", "pull_request_review"],
    };
  }

  private repoJson(repo: FakeRepo, full = false): Record<string, unknown> {
    const api = `${this.apiBase}/repos/${repo.fullName}`;
    const html = `${this.web}/${repo.fullName}`;
    const open = [...repo.issues.values()].filter((i) => i.state === "open").length;
    const json: Record<string, unknown> = {
      id: repo.id,
      node_id: nodeId("Repository", repo.id),
      name: repo.name,
      full_name: repo.fullName,
      owner: this.userJson(repo.owner),
      private: repo.private,
      visibility: repo.private ? "private" : "public",
      html_url: html,
      description: null,
      fork: false,
      url: api,
      archive_url: `${api}/{archive_format}{/ref}`,
      assignees_url: `${api}/assignees{/user}`,
      blobs_url: `${api}/git/blobs{/sha}`,
      branches_url: `${api}/branches{/branch}`,
      collaborators_url: `${api}/collaborators{/collaborator}`,
      comments_url: `${api}/comments{/number}`,
      commits_url: `${api}/commits{/sha}`,
      compare_url: `${api}/compare/{base}...{head}`,
      contents_url: `${api}/contents/{+path}`,
      contributors_url: `${api}/contributors`,
      deployments_url: `${api}/deployments`,
      downloads_url: `${api}/downloads`,
      events_url: `${api}/events`,
      forks_url: `${api}/forks`,
      git_commits_url: `${api}/git/commits{/sha}`,
      git_refs_url: `${api}/git/refs{/sha}`,
      git_tags_url: `${api}/git/tags{/sha}`,
      git_url: `git://${this.origin.replace(/^https?:\/\//, "")}/${repo.fullName}.git`,
      issue_comment_url: `${api}/issues/comments{/number}`,
      issue_events_url: `${api}/issues/events{/number}`,
      issues_url: `${api}/issues{/number}`,
      keys_url: `${api}/keys{/key_id}`,
      labels_url: `${api}/labels{/name}`,
      languages_url: `${api}/languages`,
      merges_url: `${api}/merges`,
      milestones_url: `${api}/milestones{/number}`,
      notifications_url: `${api}/notifications{?since,all,participating}`,
      pulls_url: `${api}/pulls{/number}`,
      releases_url: `${api}/releases{/id}`,
      ssh_url: `git@${this.origin.replace(/^https?:\/\//, "")}:${repo.fullName}.git`,
      stargazers_url: `${api}/stargazers`,
      statuses_url: `${api}/statuses/{sha}`,
      subscribers_url: `${api}/subscribers`,
      subscription_url: `${api}/subscription`,
      tags_url: `${api}/tags`,
      teams_url: `${api}/teams`,
      trees_url: `${api}/git/trees{/sha}`,
      hooks_url: `${api}/hooks`,
      clone_url: `${html}.git`,
      mirror_url: null,
      svn_url: html,
      homepage: null,
      language: null,
      forks: 0,
      forks_count: 0,
      stargazers_count: 0,
      watchers_count: 0,
      watchers: 0,
      size: 0,
      default_branch: repo.defaultBranch,
      open_issues: open,
      open_issues_count: open,
      is_template: false,
      topics: [],
      has_issues: true,
      has_projects: false,
      has_wiki: false,
      has_pages: false,
      has_downloads: false,
      has_discussions: false,
      archived: false,
      disabled: false,
      pushed_at: repo.createdAt,
      created_at: repo.createdAt,
      updated_at: repo.createdAt,
      license: null,
      allow_forking: true,
      web_commit_signoff_required: false,
    };
    if (full) {
      json.network_count = 0;
      json.subscribers_count = 0;
      json.permissions = { admin: false, maintain: false, push: true, triage: true, pull: true };
    }
    return json;
  }

  private labelJson(repo: FakeRepo, name: string): Record<string, unknown> {
    const label = repo.labels.get(lower(name)) ?? { id: 0, name, color: "ededed", description: null };
    return {
      id: label.id,
      node_id: nodeId("Label", label.id),
      url: `${this.apiBase}/repos/${repo.fullName}/labels/${encodeURIComponent(label.name)}`,
      name: label.name,
      description: label.description,
      color: label.color,
      default: false,
    };
  }

  private authorAssociation(repo: FakeRepo, login: string): string {
    if (lower(login) === lower(repo.owner)) return "OWNER";
    if (repo.collaborators.has(lower(login))) return "COLLABORATOR";
    return "NONE";
  }

  private issueJson(repo: FakeRepo, issue: FakeIssue): Record<string, unknown> {
    const api = `${this.apiBase}/repos/${repo.fullName}`;
    const html = `${this.web}/${repo.fullName}/${issue.isPull ? "pull" : "issues"}/${issue.number}`;
    const pull = issue.isPull ? repo.pulls.get(issue.number) : undefined;
    return {
      id: issue.id,
      node_id: nodeId(issue.isPull ? "PullRequestIssue" : "Issue", issue.id),
      url: `${api}/issues/${issue.number}`,
      repository_url: api,
      labels_url: `${api}/issues/${issue.number}/labels{/name}`,
      comments_url: `${api}/issues/${issue.number}/comments`,
      events_url: `${api}/issues/${issue.number}/events`,
      html_url: html,
      number: issue.number,
      state: issue.state,
      state_reason: issue.stateReason,
      title: issue.title,
      body: issue.body,
      user: this.userJson(issue.user),
      labels: issue.labels.map((l) => this.labelJson(repo, l)),
      assignee: issue.assignees[0] ? this.userJson(issue.assignees[0]) : null,
      assignees: issue.assignees.map((a) => this.userJson(a)),
      milestone: null,
      locked: issue.locked,
      active_lock_reason: null,
      comments: issue.comments.length,
      ...(pull
        ? {
            pull_request: {
              url: `${api}/pulls/${issue.number}`,
              html_url: html,
              diff_url: `${html}.diff`,
              patch_url: `${html}.patch`,
              merged_at: pull.mergedAt,
            },
            draft: pull.draft,
          }
        : {}),
      closed_at: issue.closedAt,
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      author_association: this.authorAssociation(repo, issue.user),
      performed_via_github_app: issue.viaApp ? this.appJson(this.app.id) : null,
      reactions: this.reactions(`${api}/issues/${issue.number}/reactions`),
    };
  }

  private reactions(url: string): Record<string, unknown> {
    return { url, total_count: 0, "+1": 0, "-1": 0, laugh: 0, confused: 0, heart: 0, hooray: 0, eyes: 0, rocket: 0 };
  }

  private commentJson(repo: FakeRepo, issue: FakeIssue, c: FakeComment): Record<string, unknown> {
    const api = `${this.apiBase}/repos/${repo.fullName}`;
    return {
      id: c.id,
      node_id: nodeId("IssueComment", c.id),
      url: `${api}/issues/comments/${c.id}`,
      html_url: `${this.web}/${repo.fullName}/${issue.isPull ? "pull" : "issues"}/${issue.number}#issuecomment-${c.id}`,
      issue_url: `${api}/issues/${issue.number}`,
      body: c.body,
      user: this.userJson(c.user),
      created_at: c.createdAt,
      updated_at: c.updatedAt,
      author_association: this.authorAssociation(repo, c.user),
      performed_via_github_app: c.viaApp ? this.appJson(this.app.id) : null,
      reactions: this.reactions(`${api}/issues/comments/${c.id}/reactions`),
    };
  }

  private eventJson(repo: FakeRepo, e: FakeIssueEvent): Record<string, unknown> {
    return {
      id: e.id,
      node_id: nodeId("IssueEvent", e.id),
      url: `${this.apiBase}/repos/${repo.fullName}/issues/events/${e.id}`,
      actor: this.userJson(e.actor),
      event: e.event,
      commit_id: null,
      commit_url: null,
      created_at: e.createdAt,
      performed_via_github_app: e.viaApp ? this.appJson(this.app.id) : null,
      ...(e.label ? { label: e.label } : {}),
      ...(e.event === "closed" || e.event === "reopened" ? { state_reason: null } : {}),
    };
  }

  private commitJson(repo: FakeRepo, sha: string): Record<string, unknown> {
    const c = this.commits.get(sha);
    const api = `${this.apiBase}/repos/${repo.fullName}`;
    const person = { name: c?.author ?? "octocat", email: `${c?.author ?? "octocat"}@users.noreply.github.com`, date: c?.date ?? isoSeconds(this.now()) };
    const tree = createHash("sha1").update(`tree\u0000${sha}`).digest("hex");
    return {
      sha,
      node_id: nodeId("Commit", sha),
      url: `${api}/commits/${sha}`,
      html_url: `${this.web}/${repo.fullName}/commit/${sha}`,
      comments_url: `${api}/commits/${sha}/comments`,
      commit: {
        url: `${api}/git/commits/${sha}`,
        author: person,
        committer: person,
        message: c?.message ?? "",
        comment_count: 0,
        tree: { sha: tree, url: `${api}/git/trees/${tree}` },
        verification: { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null },
      },
      author: this.userJson(person.name),
      committer: this.userJson(person.name),
      parents: (c?.parents ?? []).map((p) => ({ sha: p, url: `${api}/commits/${p}`, html_url: `${this.web}/${repo.fullName}/commit/${p}` })),
    };
  }

  private diffEntryJson(repo: FakeRepo, ref: string, f: FakePullFile): Record<string, unknown> {
    const sha = f.sha ?? blobSha(`${f.filename}\u0000${f.status}`);
    const encoded = f.filename.split("/").map(encodeURIComponent).join("/");
    return {
      sha,
      filename: f.filename,
      status: f.status,
      additions: f.additions,
      deletions: f.deletions,
      changes: f.additions + f.deletions,
      blob_url: `${this.web}/${repo.fullName}/blob/${ref}/${encoded}`,
      raw_url: `${this.web}/${repo.fullName}/raw/${ref}/${encoded}`,
      contents_url: `${this.apiBase}/repos/${repo.fullName}/contents/${encoded}?ref=${ref}`,
      ...(f.patch !== undefined ? { patch: f.patch } : {}),
      ...(f.previous_filename !== undefined ? { previous_filename: f.previous_filename } : {}),
    };
  }

  private branchRefJson(side: FakePull["head"]): Record<string, unknown> {
    return {
      label: `${side.repo.owner}:${side.ref}`,
      ref: side.ref,
      sha: side.sha,
      user: this.userJson(side.repo.owner),
      repo: this.repoJson(side.repo),
    };
  }

  private pullJson(pull: FakePull, full: boolean): Record<string, unknown> {
    const repo = pull.base.repo;
    const issue = pull.issue;
    const api = `${this.apiBase}/repos/${repo.fullName}`;
    const html = `${this.web}/${repo.fullName}/pull/${pull.number}`;
    const link = (href: string) => ({ href });
    const json: Record<string, unknown> = {
      url: `${api}/pulls/${pull.number}`,
      id: issue.id + 1,
      node_id: nodeId("PullRequest", issue.id),
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: `${api}/issues/${pull.number}`,
      commits_url: `${api}/pulls/${pull.number}/commits`,
      review_comments_url: `${api}/pulls/${pull.number}/comments`,
      review_comment_url: `${api}/pulls/comments{/number}`,
      comments_url: `${api}/issues/${pull.number}/comments`,
      statuses_url: `${api}/statuses/${pull.head.sha}`,
      number: pull.number,
      state: issue.state,
      locked: issue.locked,
      title: issue.title,
      user: this.userJson(issue.user),
      body: issue.body,
      labels: issue.labels.map((l) => this.labelJson(repo, l)),
      milestone: null,
      active_lock_reason: null,
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      closed_at: issue.closedAt,
      merged_at: pull.mergedAt,
      merge_commit_sha: pull.mergeCommitSha,
      assignee: issue.assignees[0] ? this.userJson(issue.assignees[0]) : null,
      assignees: issue.assignees.map((a) => this.userJson(a)),
      requested_reviewers: pull.requestedReviewers.map((r) => this.userJson(r)),
      requested_teams: pull.requestedTeams.map((slug) => this.teamJson(repo.owner, slug)),
      head: this.branchRefJson(pull.head),
      base: this.branchRefJson(pull.base),
      _links: {
        self: link(`${api}/pulls/${pull.number}`),
        html: link(html),
        issue: link(`${api}/issues/${pull.number}`),
        comments: link(`${api}/issues/${pull.number}/comments`),
        review_comments: link(`${api}/pulls/${pull.number}/comments`),
        review_comment: link(`${api}/pulls/comments{/number}`),
        commits: link(`${api}/pulls/${pull.number}/commits`),
        statuses: link(`${api}/statuses/${pull.head.sha}`),
      },
      author_association: this.authorAssociation(repo, issue.user),
      auto_merge: null,
      draft: pull.draft,
    };
    if (full) {
      const files = this.pullFiles(pull);
      Object.assign(json, {
        merged: pull.merged,
        mergeable: pull.merged ? null : true,
        rebaseable: pull.merged ? null : true,
        mergeable_state: pull.merged ? "unknown" : "clean",
        merged_by: pull.mergedBy ? this.userJson(pull.mergedBy) : null,
        comments: issue.comments.length,
        review_comments: 0,
        maintainer_can_modify: false,
        commits: this.commitsBetween(pull.base.sha, pull.head.sha).length,
        additions: files.reduce((n, f) => n + f.additions, 0),
        deletions: files.reduce((n, f) => n + f.deletions, 0),
        changed_files: pull.changedFiles ?? files.length,
      });
    }
    return json;
  }

  /** A team as GitHub's objects embed it. */
  teamJson(org: string, slug: string): Record<string, unknown> {
    const team = this.teams.get(lower(`${org}/${slug}`));
    const id = team?.id ?? 0;
    const url = `${this.apiBase}/orgs/${org}/teams/${slug}`;
    return {
      id,
      node_id: nodeId("Team", id),
      url,
      html_url: `${this.web}/orgs/${org}/teams/${slug}`,
      name: slug,
      slug,
      description: null,
      privacy: "closed",
      notification_setting: "notifications_enabled",
      permission: "pull",
      members_url: `${url}/members{/member}`,
      repositories_url: `${url}/repos`,
      parent: null,
      type: "organization",
      organization_id: this.user(org).id,
    };
  }

  private checkRunJson(run: FakeCheckRun): Record<string, unknown> {
    const repo = run.repo;
    const api = `${this.apiBase}/repos/${repo.fullName}`;
    const pulls = [...repo.pulls.values()].filter((p) => p.issue.state === "open" && p.head.sha === run.headSha && p.head.repo === repo);
    return {
      id: run.id,
      node_id: nodeId("CheckRun", run.id),
      head_sha: run.headSha,
      external_id: run.externalId,
      url: `${api}/check-runs/${run.id}`,
      html_url: `${this.web}/${repo.fullName}/runs/${run.id}`,
      details_url: run.detailsUrl ?? `${this.web}/apps/${this.apps.get(run.appId)?.slug ?? run.appId}`,
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.startedAt,
      completed_at: run.completedAt,
      output: {
        title: run.output.title,
        summary: run.output.summary,
        text: run.output.text,
        annotations_count: run.output.annotationsCount,
        annotations_url: `${api}/check-runs/${run.id}/annotations`,
      },
      name: run.name,
      check_suite: { id: run.checkSuiteId },
      app: this.appJson(run.appId),
      pull_requests: pulls.map((p) => ({
        id: p.issue.id + 1,
        number: p.number,
        url: `${api}/pulls/${p.number}`,
        head: { ref: p.head.ref, sha: p.head.sha, repo: { id: p.head.repo.id, url: `${this.apiBase}/repos/${p.head.repo.fullName}`, name: p.head.repo.name } },
        base: { ref: p.base.ref, sha: p.base.sha, repo: { id: repo.id, url: api, name: repo.name } },
      })),
    };
  }

  /** An organisation as webhooks embed it (organization-simple). */
  organizationJson(login: string): Record<string, unknown> {
    const org = this.user(login, "Organization");
    const api = `${this.apiBase}/orgs/${org.login}`;
    return {
      login: org.login,
      id: org.id,
      node_id: nodeId("Organization", org.id),
      url: api,
      repos_url: `${api}/repos`,
      events_url: `${api}/events`,
      hooks_url: `${api}/hooks`,
      issues_url: `${api}/issues`,
      members_url: `${api}/members{/member}`,
      public_members_url: `${api}/public_members{/member}`,
      avatar_url: `https://avatars.githubusercontent.com/u/${org.id}?v=4`,
      description: null,
    };
  }

  /** A comment as GitHub showed it, also once deleted (the `issue_comment.deleted` webhook carries it). */
  issueCommentJson(ref: RepoRef, c: FakeComment): Record<string, unknown> {
    const repo = this.getRepo(ref);
    return this.commentJson(repo, this.getIssue(repo, c.issueNumber), c);
  }

  /** A commit as webhooks embed it (simple-commit): `id`, `tree_id`, people by name and email. */
  simpleCommitJson(sha: string): Record<string, unknown> {
    const c = this.commits.get(sha);
    const person = { name: c?.author ?? "octocat", email: `${c?.author ?? "octocat"}@users.noreply.github.com` };
    return { id: sha, tree_id: createHash("sha1").update(`tree\u0000${sha}`).digest("hex"), message: c?.message ?? "", timestamp: c?.date ?? isoSeconds(this.now()), author: person, committer: person };
  }

  /** The check suite of this app at `headSha`, as the `check_suite` webhook carries it. */
  checkSuiteJson(ref: RepoRef, headSha: string): Record<string, unknown> {
    const repo = this.getRepo(ref);
    const runs = this.checkRunsFor(repo, { headSha }).filter((r) => r.appId === this.app.id);
    const id = runs[0]?.checkSuiteId ?? this.nextId();
    const updated = runs.map((r) => r.completedAt ?? r.startedAt).filter((t): t is string => Boolean(t)).sort().at(-1) ?? isoSeconds(this.now());
    const api = `${this.apiBase}/repos/${repo.fullName}`;
    return {
      id,
      node_id: nodeId("CheckSuite", id),
      head_branch: null,
      head_sha: headSha,
      status: "completed",
      conclusion: null,
      url: `${api}/check-suites/${id}`,
      before: this.commits.get(headSha)?.parents[0] ?? null,
      after: headSha,
      pull_requests: [],
      app: this.appJson(this.app.id),
      created_at: runs[0]?.startedAt ?? updated,
      updated_at: updated,
      rerequestable: true,
      runs_rerequestable: true,
      latest_check_runs_count: runs.length,
      check_runs_url: `${api}/check-suites/${id}/check-runs`,
      head_commit: this.simpleCommitJson(headSha),
    };
  }

  private reviewJson(pull: FakePull, r: FakeReview): Record<string, unknown> {
    const repo = pull.base.repo;
    const html = `${this.web}/${repo.fullName}/pull/${pull.number}#pullrequestreview-${r.id}`;
    const prUrl = `${this.apiBase}/repos/${repo.fullName}/pulls/${pull.number}`;
    return {
      id: r.id,
      node_id: nodeId("PullRequestReview", r.id),
      user: this.userJson(r.user),
      body: r.body,
      state: r.state,
      html_url: html,
      pull_request_url: prUrl,
      _links: { html: { href: html }, pull_request: { href: prUrl } },
      ...(r.state === "PENDING" ? {} : { submitted_at: r.submittedAt }),
      commit_id: r.commitId,
      author_association: this.authorAssociation(repo, r.user),
    };
  }

  private installationJson(account: string): Record<string, unknown> {
    const created = isoSeconds(Date.UTC(2024, 0, 1));
    const acct = this.user(account);
    return {
      id: this.installationId,
      account: this.userJson(account),
      repository_selection: "all",
      access_tokens_url: `${this.apiBase}/app/installations/${this.installationId}/access_tokens`,
      repositories_url: `${this.apiBase}/installation/repositories`,
      html_url: `${this.web}/organizations/${account}/settings/installations/${this.installationId}`,
      app_id: this.app.id,
      app_slug: this.app.slug,
      target_id: acct.id,
      target_type: acct.type === "Organization" ? "Organization" : "User",
      permissions: { checks: "write", contents: "read", issues: "write", metadata: "read", pull_requests: "write", members: "read" },
      events: ["check_run", "issue_comment", "issues", "pull_request", "pull_request_review"],
      single_file_name: null,
      has_multiple_single_files: false,
      single_file_paths: [],
      created_at: created,
      updated_at: created,
      suspended_by: null,
      suspended_at: null,
    };
  }

  // ------------------------------------------------------------------------------------------
  // Routing helpers

  private repoOf(ctx: Ctx): FakeRepo {
    const repo = this.repos.get(lower(`${ctx.params.owner}/${ctx.params.repo}`));
    if (!repo) throw new HttpError(404, "Not Found");
    return repo;
  }

  private issueOf(ctx: Ctx, repo = this.repoOf(ctx)): FakeIssue {
    const issue = repo.issues.get(Number(ctx.params.issue_number));
    if (!issue) throw new HttpError(404, "Not Found");
    return issue;
  }

  private pullOf(ctx: Ctx, repo = this.repoOf(ctx)): FakePull {
    const pull = repo.pulls.get(Number(ctx.params.pull_number));
    if (!pull) throw new HttpError(404, "Not Found");
    return pull;
  }

  /** Who a write is attributed to, and whether it carries `performed_via_github_app`. */
  private writer(ctx: Ctx): { login: string; viaApp: boolean } {
    if (ctx.actor.kind === "app-token") return { login: ctx.actor.login, viaApp: true };
    if (ctx.actor.kind === "user") return { login: ctx.actor.login, viaApp: false };
    throw new HttpError(403, "Resource not accessible by integration");
  }

  private requireJwt(ctx: Ctx): void {
    if (ctx.actor.kind !== "jwt") {
      throw new HttpError(401, "A JSON web token could not be decoded");
    }
    const iss = this.jwtIssuer(ctx.req.headers.authorization);
    if (iss !== String(this.app.id)) throw new HttpError(401, `'Issuer' claim ('iss') must be an Integer or the app's client ID (got ${iss})`);
  }

  /** One page of `items` with GitHub's `Link` header (first/prev/next/last). */
  private page<T>(ctx: Ctx, items: T[], defaultPerPage = 30): { items: T[]; headers: Record<string, string> } {
    const perPage = Math.min(100, Math.max(1, Number(ctx.query.get("per_page") ?? defaultPerPage) || defaultPerPage));
    const page = Math.max(1, Number(ctx.query.get("page") ?? 1) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const linkTo = (p: number): string => {
      const q = new URLSearchParams(ctx.query);
      q.set("per_page", String(perPage));
      q.set("page", String(p));
      return `<${this.apiBase}${ctx.req.path}?${q.toString()}>`;
    };
    const links: string[] = [];
    if (page > 1) links.push(`${linkTo(page - 1)}; rel="prev"`);
    if (page < last) links.push(`${linkTo(page + 1)}; rel="next"`, `${linkTo(last)}; rel="last"`);
    if (page > 1) links.push(`${linkTo(1)}; rel="first"`);
    return { items: slice, headers: links.length > 0 ? { link: links.join(", ") } : {} };
  }

  private tooLong(field: string, value: unknown, max: number, resource: string): void {
    if (typeof value === "string" && value.length > max) {
      throw new HttpError(422, "Validation Failed", {
        errors: [{ resource, code: "custom", field, message: `${field} is too long (maximum is ${max} characters)` }],
      });
    }
  }

  private labelNames(value: unknown): string[] {
    const list = Array.isArray(value) ? value : [];
    return list.map((l) => (typeof l === "string" ? l : String((l as { name?: unknown }).name ?? ""))).filter((l) => l !== "");
  }

  private route(key: string, handler: Handler): void {
    const [method, template] = key.split(" ") as [string, string];
    const match = matchOperation(method, template.replace(/\{[^}]+\}/g, "x"));
    // A typo in a route would otherwise only show up as an unhandled request.
    if ("error" in match || match.template !== template) throw new Error(`fake route ${key} is not an operation of GitHub's REST API`);
    this.routes.set(key, handler);
  }

  // ------------------------------------------------------------------------------------------
  // Endpoints

  private registerRoutes(): void {
    // Apps and installations
    this.route("GET /app", (ctx) => {
      this.requireJwt(ctx);
      return { status: 200, body: this.appJson(this.app.id) };
    });
    this.route("POST /app/installations/{installation_id}/access_tokens", (ctx) => {
      this.requireJwt(ctx);
      if (Number(ctx.params.installation_id) !== this.installationId) throw new HttpError(404, "Not Found");
      const token = `ghs_${randomBytes(18).toString("hex")}`;
      this.installationTokens.add(token);
      return {
        status: 201,
        body: {
          token,
          expires_at: isoSeconds(Date.now() + 3600_000),
          permissions: { checks: "write", contents: "read", issues: "write", metadata: "read", pull_requests: "write", members: "read" },
          repository_selection: "all",
        },
      };
    });
    this.route("GET /app/installations", (ctx) => {
      this.requireJwt(ctx);
      const owners = [...new Set([...this.repos.values()].map((r) => r.owner))];
      // One installation (the fake has one id), on the account of the first repository.
      const list = owners.length > 0 ? [this.installationJson(owners[0]!)] : [];
      const { items, headers } = this.page(ctx, list);
      return { status: 200, body: items, headers };
    });
    this.route("GET /installation/repositories", (ctx) => {
      if (ctx.actor.kind !== "app-token") throw new HttpError(403, "This endpoint requires an installation access token");
      const repos = [...this.repos.values()];
      const { items, headers } = this.page(ctx, repos);
      return { status: 200, body: { total_count: repos.length, repositories: items.map((r) => this.repoJson(r, true)) }, headers };
    });
    this.route("GET /app/hook/deliveries", (ctx) => {
      this.requireJwt(ctx);
      // Newest first, cursor pagination as GitHub does it (the cursor is opaque to clients).
      const all = [...this.deliveries].reverse();
      const perPage = Math.min(100, Math.max(1, Number(ctx.query.get("per_page") ?? 30) || 30));
      const start = Number(ctx.query.get("cursor") ?? 0) || 0;
      const items = all.slice(start, start + perPage);
      const headers: Record<string, string> = {};
      if (start + perPage < all.length) {
        const q = new URLSearchParams(ctx.query);
        q.set("per_page", String(perPage));
        q.set("cursor", String(start + perPage));
        headers.link = `<${this.apiBase}/app/hook/deliveries?${q.toString()}>; rel="next"`;
      }
      return { status: 200, body: items.map((d) => this.deliveryJson(d)), headers };
    });
    this.route("POST /app/hook/deliveries/{delivery_id}/attempts", (ctx) => {
      this.requireJwt(ctx);
      const d = this.deliveries.find((x) => x.id === Number(ctx.params.delivery_id));
      if (!d) throw new HttpError(404, "Not Found");
      const p = this.deliverWebhook(d.event, JSON.parse(d.body) as Record<string, unknown>, { guid: d.guid, redelivery: true });
      this.inflightDeliveries.add(p);
      void p.finally(() => this.inflightDeliveries.delete(p));
      return { status: 202, body: {} };
    });
    this.route("GET /repos/{owner}/{repo}/installation", (ctx) => {
      this.requireJwt(ctx);
      const repo = this.repoOf(ctx);
      return { status: 200, body: this.installationJson(repo.owner) };
    });

    // Repositories, pulls, compare, contents
    this.route("GET /repos/{owner}/{repo}", (ctx) => ({ status: 200, body: this.repoJson(this.repoOf(ctx), true) }));

    this.route("GET /repos/{owner}/{repo}/pulls", (ctx) => {
      const repo = this.repoOf(ctx);
      const state = ctx.query.get("state") ?? "open";
      const base = ctx.query.get("base");
      const head = ctx.query.get("head");
      const sort = ctx.query.get("sort") ?? "created";
      const direction = ctx.query.get("direction") ?? (sort === "created" ? "desc" : "asc");
      let pulls = [...repo.pulls.values()].filter((p) => (state === "all" || p.issue.state === state) && (!base || p.base.ref === base));
      if (head) {
        const [user, ref] = head.includes(":") ? head.split(":") : [undefined, head];
        pulls = pulls.filter((p) => p.head.ref === ref && (!user || lower(p.head.repo.owner) === lower(user)));
      }
      const key = (p: FakePull): string => (sort === "updated" ? p.issue.updatedAt : p.issue.createdAt) + String(p.number).padStart(9, "0");
      pulls.sort((a, b) => (key(a) < key(b) ? -1 : 1));
      if (direction === "desc") pulls.reverse();
      const { items, headers } = this.page(ctx, pulls);
      return { status: 200, body: items.map((p) => this.pullJson(p, false)), headers };
    });

    this.route("GET /repos/{owner}/{repo}/pulls/{pull_number}", (ctx) => ({ status: 200, body: this.pullJson(this.pullOf(ctx), true) }));

    this.route("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", (ctx) => {
      const pull = this.pullOf(ctx);
      // GitHub lists at most 3000 files, silently.
      const files = this.pullFiles(pull).slice(0, MAX_LISTED_PR_FILES);
      const { items, headers } = this.page(ctx, files);
      return { status: 200, body: items.map((f) => this.diffEntryJson(pull.head.repo, pull.head.sha, f)), headers };
    });

    this.route("GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews", (ctx) => {
      const pull = this.pullOf(ctx);
      const { items, headers } = this.page(ctx, pull.reviews);
      return { status: 200, body: items.map((r) => this.reviewJson(pull, r)), headers };
    });

    this.route("POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers", (ctx) => {
      const pull = this.pullOf(ctx);
      this.writer(ctx);
      const reviewers = (ctx.body.reviewers as string[] | undefined) ?? [];
      const teams = (ctx.body.team_reviewers as string[] | undefined) ?? [];
      if (reviewers.some((r) => lower(r) === lower(pull.issue.user))) {
        throw new HttpError(422, "Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the repository.");
      }
      for (const r of reviewers) if (!pull.requestedReviewers.some((x) => lower(x) === lower(r))) pull.requestedReviewers.push(this.user(r).login);
      for (const t of teams) if (!pull.requestedTeams.includes(t)) pull.requestedTeams.push(t);
      pull.issue.updatedAt = this.stamp();
      return { status: 201, body: this.pullJson(pull, false) };
    });

    this.route("GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls", (ctx) => {
      const repo = this.repoOf(ctx);
      const sha = this.resolveRef(repo, ctx.params.commit_sha ?? "");
      if (!sha) throw new HttpError(422, `No commit found for SHA: ${ctx.params.commit_sha}`);
      const pulls = [...repo.pulls.values()]
        .filter((p) => p.head.sha === sha || p.mergeCommitSha === sha || this.commitsBetween(p.base.sha, p.head.sha).some((c) => c.sha === sha))
        .sort((a, b) => b.number - a.number);
      const { items, headers } = this.page(ctx, pulls);
      return { status: 200, body: items.map((p) => this.pullJson(p, false)), headers };
    });

    const compare: Handler = (ctx) => {
      const repo = this.repoOf(ctx);
      const spec = ctx.params.basehead ?? `${ctx.params.base}...${ctx.params.head}`;
      const parts = spec.split(/\.{2,3}/);
      if (parts.length !== 2) throw new HttpError(404, "Not Found");
      const resolve = (name: string): string => {
        const [owner, ref] = name.includes(":") ? (name.split(":", 2) as [string, string]) : [repo.owner, name];
        const target = this.repos.get(lower(`${owner}/${repo.name}`)) ?? repo;
        const sha = this.resolveRef(target, ref);
        if (!sha) throw new HttpError(404, `No common ancestor between ${parts[0]} and ${parts[1]}.`);
        return sha;
      };
      const base = resolve(parts[0]!);
      const head = resolve(parts[1]!);
      const mergeBase = this.mergeBase(base, head);
      const ahead = this.commitsBetween(mergeBase, head);
      const behind = this.commitsBetween(mergeBase, base);
      const status = ahead.length === 0 && behind.length === 0 ? "identical" : behind.length === 0 ? "ahead" : ahead.length === 0 ? "behind" : "diverged";
      const paged = ctx.query.has("page") || ctx.query.has("per_page");
      const { items: commits, headers } = paged ? this.page(ctx, ahead) : { items: ahead.slice(0, MAX_COMPARE_COMMITS), headers: {} };
      // With pagination the file list is only on the first page, and capped at 300.
      const page = Number(ctx.query.get("page") ?? 1);
      const files = page > 1 ? [] : this.diffTrees(mergeBase, head).slice(0, MAX_COMPARE_FILES);
      const api = `${this.apiBase}/repos/${repo.fullName}`;
      const html = `${this.web}/${repo.fullName}`;
      return {
        status: 200,
        headers,
        body: {
          url: `${api}/compare/${spec}`,
          html_url: `${html}/compare/${spec}`,
          permalink_url: `${html}/compare/${repo.owner}:${base.slice(0, 7)}...${repo.owner}:${head.slice(0, 7)}`,
          diff_url: `${html}/compare/${spec}.diff`,
          patch_url: `${html}/compare/${spec}.patch`,
          base_commit: this.commitJson(repo, base),
          merge_base_commit: this.commitJson(repo, mergeBase),
          status,
          ahead_by: ahead.length,
          behind_by: behind.length,
          total_commits: ahead.length,
          commits: commits.map((c) => this.commitJson(repo, c.sha)),
          files: files.map((f) => this.diffEntryJson(repo, head, f)),
        },
      };
    };
    this.route("GET /repos/{owner}/{repo}/compare/{basehead}", compare);
    this.route("GET /repos/{owner}/{repo}/compare/{base}...{head}", compare);

    // Git trees: a commit SHA or branch names the commit's tree, as on GitHub.
    this.route("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", (ctx) => {
      const repo = this.repoOf(ctx);
      const sha = this.resolveRef(repo, ctx.params.tree_sha ?? "");
      if (!sha) throw new HttpError(404, "Not Found");
      const files = this.commits.get(sha)!.files;
      const recursive = ctx.query.has("recursive");
      const api = `${this.apiBase}/repos/${repo.fullName}`;
      const treeSha = (p: string) => createHash("sha1").update(p === "" ? `tree\u0000${sha}` : `tree\u0000${sha}\u0000${p}`).digest("hex");
      const entries: Array<Record<string, unknown>> = [];
      const dirs = new Set<string>();
      for (const path of [...files.keys()].sort()) {
        const parts = path.split("/");
        if (!recursive && parts.length > 1) {
          if (!dirs.has(parts[0]!)) entries.push({ path: parts[0], mode: "040000", type: "tree", sha: treeSha(parts[0]!), url: `${api}/git/trees/${treeSha(parts[0]!)}` });
          dirs.add(parts[0]!);
          continue;
        }
        for (let i = 1; recursive && i < parts.length; i++) {
          const dir = parts.slice(0, i).join("/");
          if (dirs.has(dir)) continue;
          dirs.add(dir);
          entries.push({ path: dir, mode: "040000", type: "tree", sha: treeSha(dir), url: `${api}/git/trees/${treeSha(dir)}` });
        }
        const content = files.get(path)!;
        const blob = blobSha(content);
        entries.push({ path, mode: "100644", type: "blob", sha: blob, size: Buffer.byteLength(content), url: `${api}/git/blobs/${blob}` });
      }
      const truncated = entries.length > this.maxTreeEntries;
      return {
        status: 200,
        body: { sha: treeSha(""), url: `${api}/git/trees/${treeSha("")}`, tree: entries.slice(0, this.maxTreeEntries), truncated },
      };
    });

    this.route("GET /repos/{owner}/{repo}/contents/{path}", (ctx) => {
      const repo = this.repoOf(ctx);
      const refName = ctx.query.get("ref") ?? repo.defaultBranch;
      const sha = this.resolveRef(repo, refName);
      if (!sha) throw new HttpError(404, `No commit found for the ref ${refName}`);
      const tree = this.commits.get(sha)!.files;
      const path = (ctx.params.path ?? "").replace(/^\/+|\/+$/g, "");
      const content = tree.get(path);
      const api = `${this.apiBase}/repos/${repo.fullName}`;
      const entryLinks = (p: string, type: "file" | "dir", blob: string) => {
        const self = `${api}/contents/${p}?ref=${refName}`;
        const gitUrl = `${api}/git/${type === "file" ? "blobs" : "trees"}/${blob}`;
        const htmlUrl = `${this.web}/${repo.fullName}/${type === "file" ? "blob" : "tree"}/${refName}/${p}`;
        return { url: self, git_url: gitUrl, html_url: htmlUrl, _links: { self, git: gitUrl, html: htmlUrl } };
      };
      if (content !== undefined) {
        if (RAW_MEDIA.test(ctx.accept)) return { status: 200, raw: content };
        const blob = blobSha(content);
        const encoded = Buffer.from(content, "utf8").toString("base64").replace(/(.{60})/g, "$1\n");
        return {
          status: 200,
          body: {
            type: "file",
            encoding: "base64",
            size: Buffer.byteLength(content),
            name: path.split("/").pop(),
            path,
            content: encoded,
            sha: blob,
            ...entryLinks(path, "file", blob),
            download_url: isBinary(content) ? null : `${this.web}/${repo.fullName}/raw/${refName}/${path}`,
          },
        };
      }
      const prefix = path === "" ? "" : `${path}/`;
      const entries = new Map<string, "file" | "dir">();
      for (const p of tree.keys()) {
        if (!p.startsWith(prefix)) continue;
        const rest = p.slice(prefix.length);
        const slash = rest.indexOf("/");
        entries.set(slash < 0 ? rest : rest.slice(0, slash), slash < 0 ? "file" : "dir");
      }
      if (entries.size === 0) throw new HttpError(404, "Not Found");
      const listing = [...entries]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([name, type]) => {
          const p = `${prefix}${name}`;
          const file = tree.get(p);
          const blob = type === "file" ? blobSha(file ?? "") : createHash("sha1").update(`tree\u0000${sha}\u0000${p}`).digest("hex");
          return {
            type,
            size: type === "file" ? Buffer.byteLength(file ?? "") : 0,
            name,
            path: p,
            sha: blob,
            ...entryLinks(p, type, blob),
            download_url: type === "file" ? `${this.web}/${repo.fullName}/raw/${refName}/${p}` : null,
          };
        });
      return { status: 200, body: listing };
    });

    // Check runs
    this.route("POST /repos/{owner}/{repo}/check-runs", (ctx) => {
      const repo = this.repoOf(ctx);
      if (ctx.actor.kind !== "app-token") throw new HttpError(403, "You must authenticate via a GitHub App.");
      const b = ctx.body;
      const headSha = String(b.head_sha);
      if (!this.commits.has(lower(headSha))) {
        throw new HttpError(422, "Validation Failed", { errors: [{ resource: "CheckRun", code: "invalid", field: "head_sha", message: `No commit found for SHA: ${headSha}` }] });
      }
      const run: FakeCheckRun = {
        id: this.nextId(),
        repo,
        name: String(b.name),
        headSha: lower(headSha),
        status: "queued",
        conclusion: null,
        startedAt: this.stamp(),
        completedAt: null,
        externalId: null,
        detailsUrl: null,
        output: { title: null, summary: null, text: null, annotationsCount: 0 },
        actions: [],
        appId: this.app.id,
        checkSuiteId: this.checkRuns.find((r) => r.repo === repo && r.headSha === lower(headSha) && r.appId === this.app.id)?.checkSuiteId ?? this.nextId(),
      };
      this.applyCheckRunFields(run, b);
      this.checkRuns.push(run);
      return { status: 201, body: this.checkRunJson(run) };
    });

    this.route("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", (ctx) => {
      const run = this.checkRunOf(ctx);
      if (ctx.actor.kind !== "app-token") throw new HttpError(403, "You must authenticate via a GitHub App.");
      if (run.appId !== this.app.id) throw new HttpError(403, "Invalid app_id `" + this.app.id + "` - check run can only be modified by the GitHub App that created it.");
      this.applyCheckRunFields(run, ctx.body);
      return { status: 200, body: this.checkRunJson(run) };
    });

    this.route("GET /repos/{owner}/{repo}/check-runs/{check_run_id}", (ctx) => ({ status: 200, body: this.checkRunJson(this.checkRunOf(ctx)) }));

    this.route("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", (ctx) => {
      const repo = this.repoOf(ctx);
      const sha = this.resolveRef(repo, ctx.params.ref ?? "");
      if (!sha) throw new HttpError(422, `No commit found for SHA: ${ctx.params.ref}`);
      const name = ctx.query.get("check_name");
      const status = ctx.query.get("status");
      const appId = ctx.query.get("app_id");
      let runs = this.checkRuns.filter(
        (r) => r.repo === repo && r.headSha === sha && (!name || r.name === name) && (!status || r.status === status) && (!appId || r.appId === Number(appId)),
      );
      if ((ctx.query.get("filter") ?? "latest") === "latest") {
        // The most recent run of each name (per app).
        const latest = new Map<string, FakeCheckRun>();
        for (const r of runs) latest.set(`${r.appId}\u0000${r.name}`, r);
        runs = [...latest.values()];
      }
      runs = [...runs].sort((a, b) => b.id - a.id);
      const { items, headers } = this.page(ctx, runs);
      return { status: 200, headers, body: { total_count: runs.length, check_runs: items.map((r) => this.checkRunJson(r)) } };
    });

    // Issues
    this.route("GET /repos/{owner}/{repo}/issues", (ctx) => {
      const repo = this.repoOf(ctx);
      const state = ctx.query.get("state") ?? "open";
      const labels = (ctx.query.get("labels") ?? "").split(",").map((l) => lower(l.trim())).filter(Boolean);
      const creator = ctx.query.get("creator");
      const since = ctx.query.get("since");
      const sort = ctx.query.get("sort") ?? "created";
      const direction = ctx.query.get("direction") ?? "desc";
      const issues = [...repo.issues.values()].filter(
        (i) =>
          (state === "all" || i.state === state) &&
          labels.every((l) => i.labels.some((x) => lower(x) === l)) &&
          (!creator || lower(i.user) === lower(creator)) &&
          (!since || Date.parse(i.updatedAt) >= Date.parse(since)),
      );
      const key = (i: FakeIssue): string =>
        (sort === "updated" ? i.updatedAt : sort === "comments" ? String(i.comments.length).padStart(9, "0") : i.createdAt) + String(i.number).padStart(9, "0");
      issues.sort((a, b) => (key(a) < key(b) ? -1 : 1));
      if (direction === "desc") issues.reverse();
      const { items, headers } = this.page(ctx, issues);
      return { status: 200, body: items.map((i) => this.issueJson(repo, i)), headers };
    });

    this.route("POST /repos/{owner}/{repo}/issues", (ctx) => {
      const repo = this.repoOf(ctx);
      const who = this.writer(ctx);
      const b = ctx.body;
      this.tooLong("title", b.title, 256, "Issue");
      this.tooLong("body", b.body, 65536, "Issue");
      const labels = this.labelNames(b.labels);
      if (labels.length > 100) throw new HttpError(422, "Issues cannot have more than 100 labels");
      const issue = this.newIssue(repo, { title: String(b.title), body: typeof b.body === "string" ? b.body : null, user: who.login, labels, viaApp: who.viaApp, isPull: false });
      issue.assignees = ((b.assignees as string[] | undefined) ?? []).map((a) => this.user(a).login);
      return { status: 201, body: this.issueJson(repo, issue) };
    });

    this.route("GET /repos/{owner}/{repo}/issues/{issue_number}", (ctx) => {
      const repo = this.repoOf(ctx);
      return { status: 200, body: this.issueJson(repo, this.issueOf(ctx, repo)) };
    });

    this.route("PATCH /repos/{owner}/{repo}/issues/{issue_number}", (ctx) => {
      const repo = this.repoOf(ctx);
      const issue = this.issueOf(ctx, repo);
      const who = this.writer(ctx);
      const b = ctx.body;
      this.tooLong("title", b.title, 256, "Issue");
      this.tooLong("body", b.body, 65536, "Issue");
      if (typeof b.title === "string" && b.title !== issue.title) {
        issue.title = b.title;
      }
      if ("body" in b) issue.body = typeof b.body === "string" ? b.body : null;
      if (b.labels !== undefined) {
        const wanted = this.labelNames(b.labels);
        if (wanted.length > 100) throw new HttpError(422, "Issues cannot have more than 100 labels");
        for (const l of [...issue.labels]) if (!wanted.some((w) => lower(w) === lower(l))) this.removeLabel(repo, issue, l, who.login, who.viaApp);
        this.applyLabels(repo, issue, wanted, who.login, who.viaApp);
      }
      if (Array.isArray(b.assignees)) issue.assignees = (b.assignees as string[]).map((a) => this.user(a).login);
      if (b.state === "closed" && issue.state === "open") {
        this.closeIssue(issue, who.login, who.viaApp, (b.state_reason as FakeIssue["stateReason"] | undefined) ?? "completed");
      } else if (b.state === "open" && issue.state === "closed") {
        const now = this.stamp();
        issue.state = "open";
        issue.stateReason = "reopened";
        issue.closedAt = null;
        issue.events.push({ id: this.nextId(), event: "reopened", actor: who.login, createdAt: now, viaApp: who.viaApp });
      } else if (b.state_reason !== undefined && issue.state === "closed") {
        issue.stateReason = b.state_reason as FakeIssue["stateReason"];
      }
      issue.updatedAt = this.stamp();
      return { status: 200, body: this.issueJson(repo, issue) };
    });

    this.route("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", (ctx) => {
      const repo = this.repoOf(ctx);
      const issue = this.issueOf(ctx, repo);
      const since = ctx.query.get("since");
      const comments = issue.comments.filter((c) => !since || Date.parse(c.updatedAt) >= Date.parse(since));
      const { items, headers } = this.page(ctx, comments);
      return { status: 200, body: items.map((c) => this.commentJson(repo, issue, c)), headers };
    });

    this.route("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", (ctx) => {
      const repo = this.repoOf(ctx);
      const issue = this.issueOf(ctx, repo);
      const who = this.writer(ctx);
      this.tooLong("body", ctx.body.body, 65536, "IssueComment");
      if (issue.comments.length >= 2500) throw new HttpError(403, "Commenting is disabled on issues with more than 2500 comments");
      const comment = this.newComment(issue, String(ctx.body.body), who.login, who.viaApp);
      return { status: 201, body: this.commentJson(repo, issue, comment) };
    });

    const commentById = (ctx: Ctx): { repo: FakeRepo; issue: FakeIssue; comment: FakeComment } => {
      const repo = this.repoOf(ctx);
      const id = Number(ctx.params.comment_id);
      for (const issue of repo.issues.values()) {
        const comment = issue.comments.find((c) => c.id === id);
        if (comment) return { repo, issue, comment };
      }
      throw new HttpError(404, "Not Found");
    };
    this.route("GET /repos/{owner}/{repo}/issues/comments/{comment_id}", (ctx) => {
      const { repo, issue, comment } = commentById(ctx);
      return { status: 200, body: this.commentJson(repo, issue, comment) };
    });
    this.route("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", (ctx) => {
      const { repo, issue, comment } = commentById(ctx);
      this.writer(ctx);
      this.tooLong("body", ctx.body.body, 65536, "IssueComment");
      comment.body = String(ctx.body.body);
      comment.updatedAt = this.stamp();
      return { status: 200, body: this.commentJson(repo, issue, comment) };
    });

    this.route("GET /repos/{owner}/{repo}/issues/{issue_number}/labels", (ctx) => {
      const repo = this.repoOf(ctx);
      const issue = this.issueOf(ctx, repo);
      const { items, headers } = this.page(ctx, issue.labels);
      return { status: 200, body: items.map((l) => this.labelJson(repo, l)), headers };
    });
    this.route("POST /repos/{owner}/{repo}/issues/{issue_number}/labels", (ctx) => {
      const repo = this.repoOf(ctx);
      const issue = this.issueOf(ctx, repo);
      const who = this.writer(ctx);
      const names = this.labelNames(Array.isArray(ctx.rawBody) ? ctx.rawBody : ctx.body.labels);
      if (new Set([...issue.labels, ...names].map(lower)).size > 100) throw new HttpError(422, "Issues cannot have more than 100 labels");
      this.applyLabels(repo, issue, names, who.login, who.viaApp);
      return { status: 200, body: issue.labels.map((l) => this.labelJson(repo, l)) };
    });
    this.route("PUT /repos/{owner}/{repo}/issues/{issue_number}/labels", (ctx) => {
      const repo = this.repoOf(ctx);
      const issue = this.issueOf(ctx, repo);
      const who = this.writer(ctx);
      const wanted = this.labelNames(Array.isArray(ctx.rawBody) ? ctx.rawBody : ctx.body.labels);
      for (const l of [...issue.labels]) if (!wanted.some((w) => lower(w) === lower(l))) this.removeLabel(repo, issue, l, who.login, who.viaApp);
      this.applyLabels(repo, issue, wanted, who.login, who.viaApp);
      return { status: 200, body: issue.labels.map((l) => this.labelJson(repo, l)) };
    });
    this.route("DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}", (ctx) => {
      const repo = this.repoOf(ctx);
      const issue = this.issueOf(ctx, repo);
      const who = this.writer(ctx);
      if (!this.removeLabel(repo, issue, ctx.params.name ?? "", who.login, who.viaApp)) throw new HttpError(404, "Label does not exist");
      return { status: 200, body: issue.labels.map((l) => this.labelJson(repo, l)) };
    });

    this.route("GET /repos/{owner}/{repo}/issues/{issue_number}/events", (ctx) => {
      const repo = this.repoOf(ctx);
      const issue = this.issueOf(ctx, repo);
      const { items, headers } = this.page(ctx, issue.events);
      return { status: 200, body: items.map((e) => this.eventJson(repo, e)), headers };
    });

    this.route("GET /repos/{owner}/{repo}/labels", (ctx) => {
      const repo = this.repoOf(ctx);
      const { items, headers } = this.page(ctx, [...repo.labels.values()]);
      return { status: 200, body: items.map((l) => this.labelJson(repo, l.name)), headers };
    });
    this.route("POST /repos/{owner}/{repo}/labels", (ctx) => {
      const repo = this.repoOf(ctx);
      this.writer(ctx);
      const name = String(ctx.body.name);
      if (repo.labels.has(lower(name))) {
        throw new HttpError(422, "Validation Failed", { errors: [{ resource: "Label", code: "already_exists", field: "name" }] });
      }
      this.tooLong("name", name, 50, "Label");
      this.tooLong("description", ctx.body.description, 100, "Label");
      const color = String(ctx.body.color ?? "ededed").replace(/^#/, "");
      if (!/^[0-9a-f]{6}$/i.test(color)) throw new HttpError(422, "Validation Failed", { errors: [{ resource: "Label", code: "invalid", field: "color" }] });
      const label = this.addLabel(repo, { name, color, description: typeof ctx.body.description === "string" ? ctx.body.description : null });
      return { status: 201, body: this.labelJson(repo, label.name) };
    });
    this.route("GET /repos/{owner}/{repo}/labels/{name}", (ctx) => {
      const repo = this.repoOf(ctx);
      if (!repo.labels.has(lower(ctx.params.name ?? ""))) throw new HttpError(404, "Not Found");
      return { status: 200, body: this.labelJson(repo, ctx.params.name ?? "") };
    });
    // ---- Request budget: restyling a label (issues.updateLabel) ----
    this.route("PATCH /repos/{owner}/{repo}/labels/{name}", (ctx) => {
      const repo = this.repoOf(ctx);
      this.writer(ctx);
      const label = repo.labels.get(lower(ctx.params.name ?? ""));
      if (!label) throw new HttpError(404, "Not Found");
      this.tooLong("description", ctx.body.description, 100, "Label");
      if (ctx.body.color !== undefined) {
        const color = String(ctx.body.color).replace(/^#/, "");
        if (!/^[0-9a-f]{6}$/i.test(color)) throw new HttpError(422, "Validation Failed", { errors: [{ resource: "Label", code: "invalid", field: "color" }] });
        label.color = color;
      }
      if (ctx.body.description !== undefined) label.description = typeof ctx.body.description === "string" ? ctx.body.description : null;
      return { status: 200, body: this.labelJson(repo, label.name) };
    });
    // ---- end request budget ----
    this.route("DELETE /repos/{owner}/{repo}/labels/{name}", (ctx) => {
      const repo = this.repoOf(ctx);
      this.writer(ctx);
      const name = lower(ctx.params.name ?? "");
      if (!repo.labels.has(name)) throw new HttpError(404, "Not Found");
      // Deleting a label removes it from every issue and pull request, as on GitHub.
      repo.labels.delete(name);
      for (const issue of repo.issues.values()) issue.labels = issue.labels.filter((l) => lower(l) !== name);
      return { status: 204 };
    });

    // People
    this.route("GET /repos/{owner}/{repo}/collaborators/{username}/permission", (ctx) => {
      const repo = this.repoOf(ctx);
      const login = ctx.params.username ?? "";
      const known = this.users.get(lower(login));
      if (!known) throw new HttpError(404, "Not Found");
      const role = repo.collaborators.get(lower(login)) ?? (lower(login) === lower(repo.owner) ? "admin" : repo.private ? "none" : "read");
      // The legacy `permission` folds maintain into write and triage into read.
      const permission = role === "maintain" ? "write" : role === "triage" ? "read" : role;
      return {
        status: 200,
        body: {
          permission,
          role_name: role,
          user: {
            ...this.userJson(known.login),
            permissions: { admin: role === "admin", maintain: role === "admin" || role === "maintain", push: permission === "admin" || permission === "write", triage: role !== "read" && role !== "none", pull: role !== "none" },
            role_name: role,
          },
        },
      };
    });

    this.route("GET /orgs/{org}/teams/{team_slug}/memberships/{username}", (ctx) => {
      const team = this.teams.get(lower(`${ctx.params.org}/${ctx.params.team_slug}`));
      const member = team?.members.get(lower(ctx.params.username ?? ""));
      if (!team || !member) throw new HttpError(404, "Not Found");
      return {
        status: 200,
        body: { url: `${this.apiBase}/teams/${team.id}/memberships/${ctx.params.username}`, role: member.role, state: member.state },
      };
    });
    this.registerDeploymentRoutes();
  }

  // ------------------------------------------------------------------------------------------
  // Deployments, deployment protection rules and single commits (the deployment gate)

  readonly deployments: FakeDeployment[] = [];
  /** Answers given through `POST /repos/{o}/{r}/actions/runs/{run_id}/deployment_protection_rule`, oldest first. */
  readonly protectionReviews: FakeProtectionReview[] = [];
  /** Approvals of a run's deployments by people (environment required reviewers), by run id. */
  readonly runApprovals = new Map<number, Array<{ login: string; environment: string }>>();

  /** A deployment of `sha` (default: the default branch's head) to `environment`, waiting on a workflow run. */
  addDeployment(ref: RepoRef, options: { environment: string; sha?: string; ref?: string; creator?: string }): FakeDeployment {
    const repo = this.getRepo(ref);
    const sha = options.sha ?? this.resolveRef(repo, options.ref ?? repo.defaultBranch);
    if (!sha) throw new Error(`no commit for ${options.ref ?? repo.defaultBranch}`);
    const d: FakeDeployment = {
      id: this.nextId(),
      repo,
      sha,
      ref: options.ref ?? repo.defaultBranch,
      environment: options.environment,
      creator: this.user(options.creator ?? "octocat").login,
      createdAt: this.stamp(),
      runId: this.nextId(),
      statuses: [],
    };
    this.deployments.push(d);
    return d;
  }

  setDeploymentStatus(d: FakeDeployment, state: FakeDeploymentStatus["state"]): void {
    d.statuses.push({ id: this.nextId(), state, createdAt: this.stamp() });
  }

  approveRun(runId: number, login: string, environment: string): void {
    this.user(login);
    this.runApprovals.set(runId, [...(this.runApprovals.get(runId) ?? []), { login, environment }]);
  }

  /** The installation as a webhook names it. */
  installationRef(): { id: number; node_id: string } {
    return { id: this.installationId, node_id: nodeId("Installation", this.installationId) };
  }

  /** The `deployment_protection_rule.requested` payload GitHub sends for a deployment. */
  deploymentProtectionRulePayload(d: FakeDeployment, options: { event?: string; sender?: string } = {}): Record<string, unknown> {
    return {
      action: "requested",
      environment: d.environment,
      event: options.event ?? "push",
      sha: d.sha,
      ref: `refs/heads/${d.ref}`,
      deployment_callback_url: `${this.apiBase}/repos/${d.repo.fullName}/actions/runs/${d.runId}/deployment_protection_rule`,
      deployment: this.deploymentJson(d),
      pull_requests: [],
      repository: this.repoJson(d.repo, true),
      installation: this.installationRef(),
      sender: this.userJson(d.creator),
    };
  }

  private deploymentJson(d: FakeDeployment): Record<string, unknown> {
    const api = `${this.apiBase}/repos/${d.repo.fullName}`;
    return {
      url: `${api}/deployments/${d.id}`,
      id: d.id,
      node_id: nodeId("Deployment", d.id),
      sha: d.sha,
      ref: d.ref,
      task: "deploy",
      payload: {},
      original_environment: d.environment,
      environment: d.environment,
      description: null,
      creator: this.userJson(d.creator),
      created_at: d.createdAt,
      updated_at: d.statuses.at(-1)?.createdAt ?? d.createdAt,
      statuses_url: `${api}/deployments/${d.id}/statuses`,
      repository_url: api,
      transient_environment: false,
      production_environment: d.environment === "production",
    };
  }

  private deploymentOf(ctx: Ctx): FakeDeployment {
    const repo = this.repoOf(ctx);
    const d = this.deployments.find((x) => x.repo === repo && x.id === Number(ctx.params.deployment_id));
    if (!d) throw new HttpError(404, "Not Found");
    return d;
  }

  private registerDeploymentRoutes(): void {
    this.route("GET /repos/{owner}/{repo}/deployments", (ctx) => {
      const repo = this.repoOf(ctx);
      const environment = ctx.query.get("environment");
      const sha = ctx.query.get("sha");
      const list = this.deployments.filter((d) => d.repo === repo && (!environment || d.environment === environment) && (!sha || d.sha === sha)).reverse();
      const { items, headers } = this.page(ctx, list);
      return { status: 200, body: items.map((d) => this.deploymentJson(d)), headers };
    });
    this.route("GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses", (ctx) => {
      const d = this.deploymentOf(ctx);
      const api = `${this.apiBase}/repos/${d.repo.fullName}`;
      const { items, headers } = this.page(ctx, [...d.statuses].reverse());
      const body = items.map((s) => ({
        url: `${api}/deployments/${d.id}/statuses/${s.id}`,
        id: s.id,
        node_id: nodeId("DeploymentStatus", s.id),
        state: s.state,
        creator: this.userJson(this.botLogin),
        description: "",
        environment: d.environment,
        target_url: "",
        created_at: s.createdAt,
        updated_at: s.createdAt,
        deployment_url: `${api}/deployments/${d.id}`,
        repository_url: api,
      }));
      return { status: 200, body, headers };
    });
    this.route("POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule", (ctx) => {
      const repo = this.repoOf(ctx);
      const runId = Number(ctx.params.run_id);
      const d = this.deployments.find((x) => x.repo === repo && x.runId === runId);
      if (!d) throw new HttpError(404, "Not Found");
      if (ctx.actor.kind !== "app-token") throw new HttpError(403, "Resource not accessible by integration");
      const b = ctx.body;
      if (String(b.environment_name).toLowerCase() !== d.environment.toLowerCase()) throw new HttpError(422, `No pending deployment protection rule for environment ${String(b.environment_name)}`);
      // Status reports and reviews: Markdown, at most 1,024 characters.
      this.tooLong("comment", b.comment, 1024, "DeploymentProtectionRule");
      const state = b.state === "approved" || b.state === "rejected" ? b.state : undefined;
      this.protectionReviews.push({ runId, environment: d.environment, ...(state ? { state } : {}), comment: typeof b.comment === "string" ? b.comment : "", at: this.stamp() });
      return { status: 204 };
    });
    this.route("GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals", (ctx) => {
      const runId = Number(ctx.params.run_id);
      const body = (this.runApprovals.get(runId) ?? []).map((a) => ({
        environments: [{ id: 1, node_id: nodeId("Environment", a.environment), name: a.environment, url: `${this.apiBase}/repos/${this.repoOf(ctx).fullName}/environments/${a.environment}`, html_url: `${this.web}/${this.repoOf(ctx).fullName}/deployments/activity_log?environments_filter=${a.environment}`, created_at: isoSeconds(this.now()), updated_at: isoSeconds(this.now()) }],
        state: "approved",
        user: this.userJson(a.login),
        comment: "",
      }));
      return { status: 200, body };
    });
    this.route("GET /repos/{owner}/{repo}/commits", (ctx) => {
      const repo = this.repoOf(ctx);
      const head = this.resolveRef(repo, ctx.query.get("sha") ?? repo.defaultBranch);
      if (!head) throw new HttpError(404, "Not Found");
      const history: FakeCommit[] = [];
      const seen = new Set<string>();
      const queue = [head];
      while (queue.length > 0) {
        const sha = queue.shift()!;
        if (seen.has(sha)) continue;
        seen.add(sha);
        const c = this.commits.get(sha);
        if (!c) continue;
        history.push(c);
        queue.push(...c.parents);
      }
      history.sort((a, b) => b.seq - a.seq);
      const { items, headers } = this.page(ctx, history);
      return { status: 200, body: items.map((c) => this.commitJson(repo, c.sha)), headers };
    });
    this.route("GET /repos/{owner}/{repo}/commits/{ref}", (ctx) => {
      const repo = this.repoOf(ctx);
      const sha = this.resolveRef(repo, ctx.params.ref ?? "");
      const c = sha ? this.commits.get(sha) : undefined;
      if (!c) throw new HttpError(422, `No commit found for SHA: ${ctx.params.ref}`);
      const files = this.diffTrees(c.parents[0] ?? "", c.sha).slice(0, MAX_COMPARE_FILES);
      const additions = files.reduce((n, f) => n + f.additions, 0);
      const deletions = files.reduce((n, f) => n + f.deletions, 0);
      return {
        status: 200,
        body: { ...this.commitJson(repo, c.sha), stats: { additions, deletions, total: additions + deletions }, files: files.map((f) => this.diffEntryJson(repo, c.sha, f)) },
      };
    });
  }

  private checkRunOf(ctx: Ctx): FakeCheckRun {
    const repo = this.repoOf(ctx);
    const run = this.checkRuns.find((r) => r.repo === repo && r.id === Number(ctx.params.check_run_id));
    if (!run) throw new HttpError(404, "Not Found");
    return run;
  }

  /** The create/update fields of a check run, with GitHub's own checks beyond the schema. */
  private applyCheckRunFields(run: FakeCheckRun, b: Record<string, unknown>): void {
    const output = b.output as { title?: string; summary?: string; text?: string; annotations?: unknown[] } | undefined;
    for (const field of ["summary", "text"] as const) {
      const value = output?.[field];
      // GitHub measures these in bytes, not characters as the schema says.
      if (typeof value === "string" && Buffer.byteLength(value) > 65535) {
        throw new HttpError(422, "Invalid request.", { errors: [`Only 65535 characters are allowed; ${field} exceeds a maximum bytesize of 65535`] });
      }
    }
    const status = b.status as FakeCheckRun["status"] | undefined;
    const conclusion = b.conclusion as string | undefined;
    if ((status === "completed" || b.completed_at !== undefined) && !conclusion && run.conclusion === null) {
      throw new HttpError(422, "Invalid request.", { errors: ["Conclusion is required when status is completed or completed_at is set"] });
    }
    if (typeof b.name === "string") run.name = b.name;
    if (typeof b.details_url === "string") run.detailsUrl = b.details_url;
    if (typeof b.external_id === "string") run.externalId = b.external_id;
    if (typeof b.started_at === "string") run.startedAt = b.started_at;
    if (status) run.status = status;
    if (conclusion) {
      run.conclusion = conclusion;
      run.status = "completed";
    }
    if (run.status === "completed") {
      run.completedAt = typeof b.completed_at === "string" ? b.completed_at : (run.completedAt ?? this.stamp());
    } else if (status) {
      run.conclusion = null;
      run.completedAt = null;
    }
    if (output) {
      if (output.title !== undefined) run.output.title = output.title;
      if (output.summary !== undefined) run.output.summary = output.summary;
      if (output.text !== undefined) run.output.text = output.text;
      // Annotations accumulate across updates.
      run.output.annotationsCount += output.annotations?.length ?? 0;
    }
    if (Array.isArray(b.actions)) run.actions = b.actions as FakeCheckRun["actions"];
  }
}

function randomUUIDv4(): string {
  const b = randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function notFound(): Record<string, unknown> {
  return { message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" };
}
