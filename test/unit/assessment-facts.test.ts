import { describe, expect, it } from "@jest/globals";
import { resolvePolicy, type Policy } from "../../src/config/policy.js";
import type { ConfigFile } from "../../src/config/schema.js";
import type { AiChange, ChangedFile } from "../../src/detect/types.js";
import type { PullRequestFacts } from "../../src/gates/facts.js";
import { approversAtHead, assessorAuthority, gatherAssessmentFacts, MAX_DIRECTORY_FILES } from "../../src/github/assessment-facts.js";
import type { IssueInfo, LabelEvent, PullRequestContext, RepoPermission, Review, TeamMembership } from "../../src/ports/pull-request-context.js";
import { linksIssue } from "../../src/handlers/assessment-issue.js";
import { assessmentIssueBody, assessmentMarkdown } from "../support/assessments.js";

const BASE = "b".repeat(40);
const HEAD = "h".repeat(40);
const DIR = "governance/impact-assessments/";
const FILE = `${DIR}AIA-2026-014.md`;

function policyWith(assessment: ConfigFile["assessment"] = {}): Policy {
  return resolvePolicy(
    {
      systems: [
        { id: "recommender", name: "Recommender", paths: ["models/**"], risk: "high" },
        { id: "chatbot", name: "Chat", paths: ["chat/**"], risk: "limited" },
      ],
      assessment,
    },
    [],
  );
}

const recommender: AiChange = { path: "models/m.onnx", status: "added", category: "model", rule: "model.onnx", reason: "ONNX", system: "recommender", gated: true };

function prFacts(changes: AiChange[] = [recommender]): PullRequestFacts {
  return { number: 2, author: "dev", headSha: HEAD, baseRef: "main", changedFileCount: 1, filesTruncated: false, changes, problems: [] };
}

const unexpected = (what: string) => () => {
  throw new Error(`${what} must not be read`);
};

interface Fake {
  body?: string;
  files?: ChangedFile[];
  contents?: Record<string, string | Error>;
  directory?: string[] | Error;
  issues?: Record<number, IssueInfo | Error>;
  events?: Record<number, LabelEvent[] | Error>;
  reviews?: Review[] | Error;
  teams?: Record<string, TeamMembership>;
  permissions?: Record<string, RepoPermission | Error>;
}

/** A plain fake of the GitHub reads: values or errors; anything not given must not be asked for. */
function fakeContext(f: Fake): { ctx: PullRequestContext; calls: string[] } {
  const calls: string[] = [];
  const fail = (v: unknown) => {
    if (v instanceof Error) throw v;
    return v;
  };
  const ctx: PullRequestContext = {
    pull: { owner: "acme", repo: "shop", number: 2, title: "t", body: f.body ?? "", author: "dev", headSha: HEAD, baseRef: "main", baseSha: BASE, changedFiles: 1, state: "open", merged: false, draft: false },
    files: async () => ({ files: f.files ?? [{ filename: "models/m.onnx", status: "added", additions: 0, deletions: 0 }], truncated: false }),
    readFile: async (path, ref) => {
      calls.push(`read ${path}@${ref.slice(0, 1)}`);
      return fail(f.contents?.[`${path}@${ref.slice(0, 1)}`]) as string | undefined;
    },
    policy: unexpected("policy"),
    mergeBase: unexpected("mergeBase"),
    treeChanges: unexpected("treeChanges"),
    existingChecks: unexpected("existingChecks"),
    reviews: async () => {
      calls.push("reviews");
      if (f.reviews === undefined) throw new Error("reviews must not be read");
      return fail(f.reviews) as Review[];
    },
    comments: unexpected("comments"),
    teamMembership: async (team, login) => {
      calls.push(`team ${team} ${login}`);
      return f.teams?.[`${team} ${login}`] ?? "none";
    },
    permission: async (login) => {
      calls.push(`permission ${login}`);
      return fail(f.permissions?.[login] ?? "none") as RepoPermission;
    },
    issue: async (ref) => {
      calls.push(`issue ${ref.owner}/${ref.repo}#${ref.number}`);
      return fail(f.issues?.[ref.number]) as IssueInfo | undefined;
    },
    labelEvents: async (ref) => {
      calls.push(`events #${ref.number}`);
      return fail(f.events?.[ref.number] ?? []) as LabelEvent[];
    },
    listDirectory: async (path, ref) => {
      calls.push(`list ${path}@${ref.slice(0, 1)}`);
      return fail(f.directory) as string[] | undefined;
    },
    changedSince: unexpected("changedSince"),
  };
  return { ctx, calls };
}

function issueInfo(number: number, body: string, labels: string[] = [], extra: Partial<IssueInfo> = {}): IssueInfo {
  return {
    owner: "acme",
    repo: "shop",
    number,
    title: "AI impact assessment",
    body,
    state: "open",
    stateReason: null,
    labels,
    author: "dev",
    createdAt: "2026-06-01T00:00:00Z",
    updatedAt: "2026-06-02T00:00:00Z",
    closedAt: null,
    htmlUrl: `https://github.com/acme/shop/issues/${number}`,
    isPullRequest: false,
    ...extra,
  };
}

const now = new Date("2026-07-01T00:00:00Z");

describe("gatherAssessmentFacts", () => {
  it("reads a linked file on the base branch only, and checks its approver", async () => {
    const { ctx, calls } = fakeContext({
      body: `Impact-Assessment: ${FILE}`,
      contents: { [`${FILE}@b`]: assessmentMarkdown() },
      teams: { "acme/ai-governance carol": "active" },
    });
    const af = await gatherAssessmentFacts(ctx, policyWith({ assessors: { teams: ["acme/ai-governance"] } }), prFacts(), { now });
    expect(af.now).toBe("2026-07-01T00:00:00.000Z");
    expect(af.linked).toHaveLength(1);
    expect(af.linked[0]).toMatchObject({ kind: "file", path: FILE, base: { sha: BASE, read: { status: "read" } } });
    expect(af.linked[0]).not.toHaveProperty("head");
    expect(af.authority).toEqual({ carol: { authorised: true, via: "member of @acme/ai-governance" } });
    // The link claims the only system: neither the folder nor the reviews are read.
    expect(calls).toEqual([`read ${FILE}@b`, "team acme/ai-governance carol"]);
    expect(af.directoryStatus).toEqual({ status: "skipped" });
  });

  it("reads both versions of a file the PR edits, and the reviews to see who approved the head", async () => {
    const { ctx, calls } = fakeContext({
      body: `Impact-Assessment: ${FILE}`,
      files: [
        { filename: "models/m.onnx", status: "added", additions: 0, deletions: 0 },
        { filename: FILE, status: "renamed", previousFilename: `${DIR}old.md`, additions: 1, deletions: 1 },
      ],
      contents: { [`${DIR}old.md@b`]: assessmentMarkdown({ status: "draft" }), [`${FILE}@h`]: assessmentMarkdown() },
      reviews: [
        { id: 1, login: "frank", userType: "User", state: "APPROVED", commitId: HEAD, submittedAt: "", body: "" },
        { id: 2, login: "dev", userType: "User", state: "APPROVED", commitId: HEAD, submittedAt: "", body: "" },
      ],
      permissions: { frank: "maintain", carol: "write" },
    });
    const af = await gatherAssessmentFacts(ctx, policyWith(), prFacts(), { now });
    expect(af.linked[0]).toMatchObject({ change: "renamed", base: { read: { status: "read" } }, head: { sha: HEAD, read: { status: "read" } } });
    expect(af.headApprovers).toEqual(["frank"]);
    expect(af.authority).toEqual({ carol: { authorised: true, via: "write permission" }, frank: { authorised: true, via: "maintain permission" } });
    expect(calls).toContain("reviews");
  });

  it("records GitHub failures in the facts instead of throwing", async () => {
    const { ctx } = fakeContext({
      body: `Impact-Assessment: ${FILE}\nImpact-Assessment: #20`,
      files: [
        { filename: "models/m.onnx", status: "added", additions: 0, deletions: 0 },
        { filename: FILE, status: "modified", additions: 1, deletions: 1 },
      ],
      contents: { [`${FILE}@b`]: Object.assign(new Error("Bad Gateway"), { status: 502 }), [`${FILE}@h`]: assessmentMarkdown() },
      issues: { 20: issueInfo(20, assessmentIssueBody()) },
      events: { 20: Object.assign(new Error("Server Error"), { status: 500 }) },
      reviews: Object.assign(new Error("Server Error"), { status: 500 }),
      permissions: { carol: Object.assign(new Error("Forbidden"), { status: 403 }) },
      directory: [],
    });
    const af = await gatherAssessmentFacts(ctx, policyWith(), prFacts(), { now });
    expect(af.linked[0]).toMatchObject({ base: { read: { status: "error", message: "HTTP 502 Bad Gateway" } } });
    expect(af.linked[1]).toMatchObject({ kind: "issue", read: { status: "error", message: "HTTP 500 Server Error" } });
    expect(af.reviewsError).toBe("HTTP 500 Server Error");
    expect(af.authority.carol).toEqual({ authorised: false, via: "unknown", error: "HTTP 403 Forbidden" });
  });

  it("marks a missing issue as in another repository only when the link names one", async () => {
    const { ctx } = fakeContext({ body: "Impact-Assessment: #99999\nImpact-Assessment: acme/governance#7\nImpact-Assessment: ACME/Shop#5", directory: [] });
    const af = await gatherAssessmentFacts(ctx, policyWith(), prFacts(), { now });
    expect(af.linked.map((a) => (a.kind === "issue" ? [a.number, a.read] : []))).toEqual([
      [99999, { status: "missing" }],
      [7, { status: "missing", crossRepository: true }],
      [5, { status: "missing" }],
    ]);
  });

  it("verifies the approval label through the issue's events", async () => {
    const label = "aims:assessment-approved";
    const events: LabelEvent[] = [
      { event: "labeled", label, actor: "eve", createdAt: "2026-06-01T00:00:00Z" },
      { event: "unlabeled", label, actor: "carol", createdAt: "2026-06-02T00:00:00Z" },
      { event: "labeled", label, actor: "carol", createdAt: "2026-06-03T00:00:00Z" },
    ];
    const { ctx } = fakeContext({
      body: "Impact-Assessment: #20, acme/shop#21, #22, #23",
      issues: { 20: issueInfo(20, assessmentIssueBody(), [label]), 21: issueInfo(21, assessmentIssueBody(), []), 22: issueInfo(22, assessmentIssueBody(), [label]), 23: issueInfo(23, "", [], { isPullRequest: true }) },
      events: { 20: events, 21: events, 22: [] },
      permissions: { carol: "admin" },
    });
    const af = await gatherAssessmentFacts(ctx, policyWith(), prFacts(), { now });
    const reads = af.linked.map((a) => (a.kind === "issue" ? a.read : undefined));
    expect(reads[0]).toMatchObject({ status: "read", approval: { login: "carol", at: "2026-06-03T00:00:00Z" }, labelUnverified: false });
    expect(reads[1]).toMatchObject({ status: "read", labelUnverified: false });
    expect(reads[1]).not.toHaveProperty("approval");
    expect(reads[2]).toMatchObject({ status: "read", labelUnverified: true });
    expect(reads[3]).toMatchObject({ status: "pull-request" });
    // #20 and acme/shop#21 are distinct; the same issue twice is read once.
    expect(af.linked).toHaveLength(4);
    expect(af.authority).toEqual({ carol: { authorised: true, via: "admin permission" } });
  });

  it("reads the folder to name an existing assessment when nothing is linked", async () => {
    const { ctx, calls } = fakeContext({
      directory: [`${DIR}AIA-2026-014.md`, `${DIR}README.md`, `${DIR}notes.txt`],
      contents: { [`${FILE}@b`]: assessmentMarkdown() },
    });
    const af = await gatherAssessmentFacts(ctx, policyWith(), prFacts(), { now });
    expect(calls).toEqual([`list ${DIR}@b`, `read ${FILE}@b`]);
    expect(af.directory.map((a) => [a.path, a.via])).toEqual([[FILE, "directory"]]);
    expect(af.directoryStatus).toEqual({ status: "listed", files: 1, read: 1 });
    // Only link: auto relies on the folder's approvals: none checked here.
    expect(af.authority).toEqual({});
  });

  it("does not read the folder for unregistered changes when nothing is linked", async () => {
    const { ctx, calls } = fakeContext({});
    const af = await gatherAssessmentFacts(ctx, policyWith(), prFacts([{ ...recommender, system: "unregistered" }]), { now });
    expect(calls).toEqual([]);
    expect(af.directoryStatus).toEqual({ status: "skipped" });
  });

  it("with link: auto, reads the folder and the assessments the PR adds to it, at most MAX_DIRECTORY_FILES", async () => {
    const many = Array.from({ length: MAX_DIRECTORY_FILES + 5 }, (_, i) => `${DIR}AIA-${String(i).padStart(3, "0")}.md`);
    const { ctx, calls } = fakeContext({
      directory: many,
      files: [
        { filename: "models/m.onnx", status: "added", additions: 0, deletions: 0 },
        { filename: `${DIR}AIA-new.md`, status: "added", additions: 40, deletions: 0 },
        { filename: `${DIR}sub/AIA-x.md`, status: "added", additions: 40, deletions: 0 },
      ],
      contents: {},
      reviews: [],
    });
    const af = await gatherAssessmentFacts(ctx, policyWith({ link: "auto" }), prFacts(), { now });
    expect(af.directoryStatus).toEqual({ status: "listed", files: MAX_DIRECTORY_FILES + 6, read: MAX_DIRECTORY_FILES });
    expect(af.directory).toHaveLength(MAX_DIRECTORY_FILES);
    expect(calls.filter((c) => c.startsWith("read")).length).toBe(MAX_DIRECTORY_FILES);
  });

  it("records a folder that cannot be listed", async () => {
    const { ctx } = fakeContext({ directory: Object.assign(new Error("Server Error"), { status: 500 }) });
    const af = await gatherAssessmentFacts(ctx, policyWith({ link: "auto" }), prFacts(), { now });
    expect(af.directoryStatus).toEqual({ status: "error", message: "HTTP 500 Server Error" });
  });
});

describe("assessorAuthority", () => {
  const { ctx, calls } = fakeContext({ teams: { "acme/b carol": "active", "acme/a pat": "pending" }, permissions: { wendy: "write", rita: "read" } });

  it("accepts listed users without asking GitHub, and active team members", async () => {
    const policy = policyWith({ assessors: { teams: ["acme/a", "acme/b"], users: ["@Lead"] } });
    expect(await assessorAuthority(ctx, policy, "lead")).toEqual({ authorised: true, via: "listed assessor" });
    expect(calls).toEqual([]);
    expect(await assessorAuthority(ctx, policy, "carol")).toEqual({ authorised: true, via: "member of @acme/b" });
    expect(await assessorAuthority(ctx, policy, "pat")).toEqual({ authorised: false, via: "not an active member of @acme/a or @acme/b" });
  });

  it("falls back to write access when no assessors are configured, and never trusts a bot", async () => {
    const policy = policyWith();
    expect(await assessorAuthority(ctx, policy, "wendy")).toEqual({ authorised: true, via: "write permission" });
    expect(await assessorAuthority(ctx, policy, "rita")).toEqual({ authorised: false, via: "read permission only" });
    expect(await assessorAuthority(ctx, policy, "renovate[bot]")).toEqual({ authorised: false, via: "a bot account" });
  });
});

describe("approversAtHead", () => {
  const r = (login: string, state: Review["state"], commitId = HEAD): Review => ({ id: 0, login, userType: "User", state, commitId, submittedAt: "", body: "" });

  it("keeps each reviewer's latest opinion, at the head commit only", () => {
    expect(
      approversAtHead([r("a", "APPROVED"), r("a", "COMMENTED"), r("b", "APPROVED"), r("b", "CHANGES_REQUESTED"), r("c", "APPROVED", "old"), r("d", "APPROVED"), r("d", "DISMISSED")], HEAD),
    ).toEqual(["a"]);
  });
});

describe("linksIssue", () => {
  const repo = { owner: "acme", repo: "shop" };
  it("matches #n in the same repository, owner/repo#n and issue URLs, case-insensitively", () => {
    const issue = { owner: "acme", repo: "shop", number: 20 };
    expect(linksIssue("Impact-Assessment: #20", repo, issue)).toBe(true);
    expect(linksIssue("Impact-Assessment: ACME/Shop#20", repo, issue)).toBe(true);
    expect(linksIssue("Impact-Assessment: https://github.com/acme/shop/issues/20", repo, issue)).toBe(true);
    expect(linksIssue("Impact-Assessment: #201", repo, issue)).toBe(false);
    expect(linksIssue("Fixes #20", repo, issue)).toBe(false);
    expect(linksIssue("Impact-Assessment: #20", { owner: "acme", repo: "other" }, issue)).toBe(false);
  });
});
