import { gitBlobSha } from "../../src/util/digest.js";
import { AIMS_VERSION } from "../../src/version.js";
import { loadCatalogue } from "../../src/controls/catalogue.js";
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import nock from "nock";
import { Probot as ProbotClass, type Probot } from "probot";
import { parseRecordBody, recordLabels, renderRecordBody, type EvidenceRecord } from "../../src/evidence/record.js";
import { createServices, type Services } from "../../src/services.js";
import { createApp } from "../../src/app.js";
import { verifyChain } from "../../src/evidence/verify.js";
import { recordAndValidateNock } from "../support/openapi.js";
import { TEST_APP_ID, TestOctokit, testPrivateKey, webhookExample } from "../support/probot-app.js";
import { sealedRecord } from "../support/evidence.js";

const API = "https://api.github.com";
const REPO = "/repos/Codertocat/Hello-World";
const HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const MERGE = "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432";
const BOT = "aims-bot[bot]";
const REASON = "Incident INC-42: the ranker must be rolled back to the previous model now.";

const POLICY = `
systems:
  - id: recommender
    name: Product recommender
    paths: ["models/recommender/**", "data/recommender/**"]
    risk: limited
oversight:
  tiers:
    limited:
      users: ["carol"]
  governance:
    users: ["gov-lead"]
controls:
  verification:
    checks: [{ name: eval, app: github-actions }]
# These tests follow a record through its whole life, open included.
evidence:
  while_open: true
`;

type File = { filename: string; status: string };
const MODEL: File = { filename: "models/recommender/model.onnx", status: "modified" };
const CARD: File = { filename: "models/recommender/README.md", status: "modified" };

function user(login: string, type = "User") {
  return { login, id: login === BOT ? 99 : 1, node_id: "U", avatar_url: "", url: "", html_url: "", type, site_admin: false };
}

function fileEntry(f: File, i: number) {
  return { sha: `${i}`.padStart(40, "0"), filename: f.filename, status: f.status, additions: 0, deletions: 0, changes: 0, blob_url: "", raw_url: "", contents_url: "" };
}

interface MockIssue {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  state_reason: string | null;
  labels: string[];
  user: string;
  created_at: string;
  updated_at: string;
}

interface Scenario {
  files: File[];
  /** Evidence issues already in the repository. */
  issues?: MockIssue[];
  reviews?: Array<{ login: string }>;
  comments?: Array<{ id: number; login: string; body: string }>;
  /** Check runs on the head: the aims gates (by conclusion) and others. */
  checkRuns?: Array<{ name: string; conclusion: string; app?: number }>;
  pull?: Record<string, unknown>;
}

let clock = 0;
const tick = () => new Date(Date.UTC(2026, 10, 30, 10, 0, clock++)).toISOString().replace(".000", "");
let issues: MockIssue[] = [];
const writes: Array<{ method: string; path: string; body: any }> = [];

function issueJson(i: MockIssue) {
  return {
    id: 1000 + i.number,
    node_id: "I",
    url: `${API}${REPO}/issues/${i.number}`,
    repository_url: `${API}${REPO}`,
    labels_url: "",
    comments_url: "",
    events_url: "",
    html_url: `https://github.com/Codertocat/Hello-World/issues/${i.number}`,
    number: i.number,
    state: i.state,
    state_reason: i.state_reason,
    title: i.title,
    body: i.body,
    user: user(i.user, i.user.endsWith("[bot]") ? "Bot" : "User"),
    labels: i.labels.map((name, k) => ({ id: k + 1, node_id: "L", url: "", name, color: "ededed", default: false, description: null })),
    assignee: null,
    assignees: [],
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments: 0,
    closed_at: i.state === "closed" ? i.updated_at : null,
    created_at: i.created_at,
    updated_at: i.updated_at,
    author_association: "NONE",
  };
}

function mockGitHub(s: Scenario) {
  writes.length = 0;
  issues = (s.issues ?? []).map((i) => ({ ...i }));
  const pr = webhookExample("pull_request", "opened", (e: any) => e.repository?.full_name === "Codertocat/Hello-World").pull_request;
  Object.assign(pr, s.pull ?? {});
  nock(API).post("/app/installations/1/access_tokens").reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z", permissions: {} }).persist();
  nock(API).get("/app").reply(200, { id: 1, slug: "aims-bot", name: "aims-bot", owner: user("Codertocat"), node_id: "A", description: "", external_url: "", html_url: "", created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z", permissions: {}, events: [] });
  nock(API).get(`${REPO}/pulls/2`).reply(200, pr).persist();
  nock(API).get(`${REPO}/contents/.github%2Faims.yml`).query({ ref: "master" }).reply(200, POLICY).persist();
  nock(API).get(`${REPO}/pulls/2/files`).query({ per_page: 100 }).reply(200, s.files.map(fileEntry)).persist();
  nock(API)
    .get(`${REPO}/pulls/2/reviews`)
    .query(true)
    .reply(
      200,
      (s.reviews ?? []).map((r, i) => ({
        id: i + 1,
        node_id: "R",
        user: user(r.login),
        body: "Checked the evaluation report.",
        state: "APPROVED",
        html_url: "",
        pull_request_url: "",
        _links: { html: { href: "" }, pull_request: { href: "" } },
        submitted_at: "2026-11-29T10:00:00Z",
        commit_id: HEAD,
        author_association: "MEMBER",
      })),
    )
    .persist();
  nock(API)
    .get(`${REPO}/issues/2/comments`)
    .query(true)
    .reply(
      200,
      (s.comments ?? []).map((c) => ({
        id: c.id,
        node_id: "C",
        url: "",
        html_url: `https://github.com/Codertocat/Hello-World/pull/2#issuecomment-${c.id}`,
        issue_url: "",
        body: c.body,
        user: user(c.login),
        created_at: "2026-11-29T11:00:00Z",
        updated_at: "2026-11-29T11:00:00Z",
        author_association: "MEMBER",
      })),
    )
    .persist();
  const runs = (s.checkRuns ?? []).map((r, i) => ({
    id: 500 + i,
    name: r.name,
    head_sha: HEAD,
    status: "completed",
    conclusion: r.conclusion,
    started_at: "2026-11-29T09:00:00Z",
    output: { title: `${r.name} ${r.conclusion}`, summary: "…" },
    html_url: `https://github.com/Codertocat/Hello-World/runs/${500 + i}`,
    app: { id: r.app ?? (r.name.startsWith("aims/") ? 1 : 15368), slug: r.name.startsWith("aims/") ? "aims-bot" : "github-actions" },
  }));
  nock(API).get(`${REPO}/commits/${HEAD}/check-runs`).query(true).reply(200, { total_count: runs.length, check_runs: runs }).persist();
  nock(API).post(`${REPO}/check-runs`).reply(201, (_p, body: any) => ({ id: 600, name: body.name })).persist();
  nock(API).patch(/\/repos\/Codertocat\/Hello-World\/check-runs\/\d+$/).reply(200, {}).persist();
  nock(API).post(`${REPO}/issues/2/comments`).reply(201, { id: 9000 }).persist();
  for (const login of ["carol", "gov-lead"]) {
    nock(API).get(`${REPO}/collaborators/${login}/permission`).reply(200, { permission: "write", role_name: "write", user: user(login) }).persist();
  }
  nock(API).get(/\/repos\/Codertocat\/Hello-World\/contents\//).query(true).reply(404, { message: "Not Found" }).persist();

  // The evidence repository: issues and labels, with the list endpoint's filters.
  nock(API)
    .get(`${REPO}/issues`)
    .query(true)
    .reply(200, (uri) => {
      const q = new URL(uri, API).searchParams;
      writes.push({ method: "GET", path: uri, body: undefined });
      const state = q.get("state") ?? "open";
      const labels = (q.get("labels") ?? "").split(",").filter(Boolean);
      const since = q.get("since");
      let list = issues.filter(
        (i) => (state === "all" || i.state === state) && labels.every((l) => i.labels.includes(l)) && (!q.get("creator") || i.user === q.get("creator")) && (!since || i.updated_at >= since),
      );
      const key = (i: MockIssue) => (q.get("sort") === "updated" ? i.updated_at : i.created_at) + String(i.number).padStart(6, "0");
      list = list.sort((a, b) => (key(a) < key(b) ? 1 : -1));
      if (q.get("direction") === "asc") list.reverse();
      return list.map(issueJson);
    })
    .persist();
  nock(API)
    .get(/\/repos\/Codertocat\/Hello-World\/issues\/\d+$/)
    .reply((uri) => {
      const found = issues.find((i) => uri.endsWith(`/issues/${i.number}`));
      return found ? [200, issueJson(found)] : [404, { message: "Not Found" }];
    })
    .persist();
  nock(API)
    .post(`${REPO}/issues`)
    .reply(201, (path, body: any) => {
      writes.push({ method: "POST", path, body });
      const now = tick();
      const issue: MockIssue = { number: 100 + issues.length, title: body.title, body: body.body, state: "open", state_reason: null, labels: body.labels ?? [], user: BOT, created_at: now, updated_at: now };
      issues.push(issue);
      return issueJson(issue);
    })
    .persist();
  nock(API)
    .patch(/\/repos\/Codertocat\/Hello-World\/issues\/\d+$/)
    .reply(200, (path, body: any) => {
      writes.push({ method: "PATCH", path, body });
      const issue = issues.find((i) => i.number === Number(path.split("/").pop()))!;
      if (body.title !== undefined) issue.title = body.title;
      if (body.body !== undefined) issue.body = body.body;
      if (body.labels !== undefined) issue.labels = body.labels;
      if (body.state) issue.state = body.state;
      if (body.state_reason) issue.state_reason = body.state_reason;
      issue.updated_at = tick();
      return issueJson(issue);
    })
    .persist();
  const labels = new Map<string, { name: string; color: string; description: string }>();
  const labelJson = (l: { name: string; color: string; description: string }) => ({ id: 1, node_id: "L", url: "", name: l.name, color: l.color, default: false, description: l.description });
  nock(API).get(`${REPO}/labels`).query(true).reply(200, []).persist();
  nock(API)
    .post(`${REPO}/labels`)
    .reply((path, body: any) => {
      writes.push({ method: "POST", path, body });
      if (labels.has(body.name)) return [422, { message: "Validation Failed", errors: [{ resource: "Label", code: "already_exists", field: "name" }] }];
      labels.set(body.name, body);
      return [201, labelJson(body)];
    })
    .persist();
  nock(API)
    .get(/\/repos\/Codertocat\/Hello-World\/labels\/[^/]+$/)
    .reply((path) => {
      const l = labels.get(decodeURIComponent(path.split("/").pop()!));
      return l ? [200, labelJson(l)] : [404, { message: "Not Found" }];
    })
    .persist();
  nock(API)
    .delete(/\/repos\/Codertocat\/Hello-World\/labels\/[^/]+$/)
    .reply((path) => {
      writes.push({ method: "DELETE", path, body: undefined });
      return labels.delete(decodeURIComponent(path.split("/").pop()!)) ? [204, ""] : [404, { message: "Not Found" }];
    })
    .persist();
}

/** Content-creating requests on evidence issues (labels are created once per repository). */
const issueWrites = () => writes.filter((w) => (w.method === "POST" || w.method === "PATCH") && /\/issues(\/\d+)?$/.test(w.path));

function record(issue: MockIssue): EvidenceRecord {
  const parsed = parseRecordBody(issue.body);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.record;
}

function prEvent(action: string, changes: Record<string, unknown> = {}) {
  const payload = webhookExample("pull_request", "opened", (e: any) => e.repository?.full_name === "Codertocat/Hello-World");
  payload.action = action;
  Object.assign(payload.pull_request, changes);
  return { id: `delivery-${action}-${clock}`, name: "pull_request" as const, payload };
}

const MERGED = { state: "closed", merged: true, merged_at: "2026-11-30T09:00:00Z", closed_at: "2026-11-30T09:00:00Z", merge_commit_sha: MERGE };
const CLOSED = { state: "closed", merged: false, merged_at: null, closed_at: "2026-11-30T09:30:00Z", merge_commit_sha: null };
const PASSING = [
  { name: "aims/impact-assessment", conclusion: "success" },
  { name: "aims/human-oversight", conclusion: "success" },
  { name: "test", conclusion: "success" },
  { name: "eval", conclusion: "success" },
];

describe("evidence records through pull_request events", () => {
  let probot: Probot;
  let services: Services;
  let recorder: ReturnType<typeof recordAndValidateNock>;

  beforeEach(async () => {
    nock.disableNetConnect();
    recorder = recordAndValidateNock();
    // The app's services are the test's: label upkeep runs in their background after each event.
    services = createServices({ appId: TEST_APP_ID, appSlug: "aims-bot", trustWebhookPayloads: true });
    probot = new ProbotClass({ appId: TEST_APP_ID, privateKey: testPrivateKey(), logLevel: "fatal", Octokit: TestOctokit });
    await probot.load(createApp(services.settings, { services }), { cwd: process.cwd(), addHandler: () => {} });
  });

  afterEach(() => {
    recorder.stop();
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it("creates one record with its labels in a single request when a PR first touches the AI surface", async () => {
    mockGitHub({ files: [MODEL] });
    await probot.receive(prEvent("opened"));
    const posts = issueWrites();
    expect(posts.map((w) => w.method)).toEqual(["POST"]);
    // Nothing is claimed while both gates wait: a list of changed files evidences no control.
    expect(posts[0]!.body.labels).toEqual(["aims:evidence", "ai-system:recommender", "risk:limited", "state:open"]);
    const r = record(issues[0]!);
    expect(r).toMatchObject({ id: "Codertocat/Hello-World#2", state: "open", hash: null, prev: null, seq: null, risk: "limited" });
    expect(r.pullRequest).toMatchObject({ headSha: HEAD, mergeSha: null, url: "https://github.com/Codertocat/Hello-World/pull/2" });
    expect(r.changes.items.map((c) => c.path)).toEqual([MODEL.filename]);
    expect(r.gates.map((g) => [g.name, g.conclusion])).toEqual([
      ["aims/impact-assessment", "action_required"],
      ["aims/human-oversight", "action_required"],
    ]);
    // Labels were created with descriptions after the event (never paced inside it), and the record
    // is found by the list endpoint, never search.
    await services.background.flush();
    const labelPosts = writes.filter((w) => w.path.endsWith("/labels"));
    expect(labelPosts.map((w) => w.body.name)).toContain("ai-system:recommender");
    for (const l of labelPosts) expect(l.body.description.length).toBeGreaterThan(10);
    const lists = writes.filter((w) => w.method === "GET");
    expect(lists.length).toBeGreaterThan(0);
    for (const l of lists) expect(l.path).toMatch(/labels=aims%3Aevidence.*creator=aims-bot%5Bbot%5D|creator=aims-bot%5Bbot%5D.*labels=aims%3Aevidence/);
    expect(recorder.requests.some((q) => q.path.startsWith("/search"))).toBe(false);
    recorder.assertValid();
  });

  it("does not create a record for a PR that changes nothing on the AI surface", async () => {
    mockGitHub({ files: [{ filename: "README.md", status: "modified" }] });
    await probot.receive(prEvent("opened"));
    expect(issueWrites()).toEqual([]);
    expect(writes.filter((w) => w.method === "GET")).toEqual([]);
  });

  it("updates the record in place, labels in the same PATCH, when the gates change", async () => {
    mockGitHub({ files: [MODEL] });
    await probot.receive(prEvent("opened"));
    // A reviewer signs off: oversight passes, the record gains the sign-off and A.3.2/A.9.2.
    const existing = issues;
    nock.cleanAll();
    mockGitHub({ files: [MODEL], reviews: [{ login: "carol" }], issues: existing });
    await probot.receive(prEvent("synchronize"));
    expect(issueWrites().map((w) => [w.method, w.path])).toEqual([["PATCH", `${REPO}/issues/100`]]);
    const patch = issueWrites()[0]!.body;
    expect(patch.labels).toContain("annex-a:A.3.2");
    expect(patch.state).toBeUndefined();
    const r = record(issues[0]!);
    expect(r.signOffs).toEqual([expect.objectContaining({ login: "carol", method: "review", sha: HEAD })]);
    expect(r.gates[1]).toMatchObject({ name: "aims/human-oversight", conclusion: "success" });
    recorder.assertValid();
  });

  it("writes nothing when the record would not change", async () => {
    mockGitHub({ files: [MODEL] });
    await probot.receive(prEvent("opened"));
    await services.background.flush();
    const existing = issues;
    nock.cleanAll();
    mockGitHub({ files: [MODEL], issues: existing });
    await probot.receive(prEvent("edited"));
    expect(issueWrites()).toEqual([]);
    expect(writes.filter((w) => w.path.endsWith("/labels"))).toEqual([]);
  });

  it("finalises on merge: merge commit, final conclusions, other checks, chained to the previous record, closed in one PATCH", async () => {
    const previous = sealedRecord(7, { prev: "1".repeat(64), seq: 4 });
    mockGitHub({ files: [MODEL, CARD], reviews: [{ login: "carol" }], checkRuns: PASSING });
    await probot.receive(prEvent("opened", {}));
    const open = issues.filter((i) => i.state === "open");
    const older: MockIssue = { number: 50, title: "older", body: renderRecordBody(previous), state: "closed", state_reason: "completed", labels: recordLabels(previous).map((l) => l.name), user: BOT, created_at: "2026-11-01T00:00:00Z", updated_at: "2026-11-02T00:00:00Z" };
    nock.cleanAll();
    mockGitHub({ files: [MODEL, CARD], reviews: [{ login: "carol" }], pull: MERGED, checkRuns: PASSING, issues: [older, ...open] });
    await probot.receive(prEvent("closed", MERGED));

    expect(issueWrites().map((w) => w.method)).toEqual(["PATCH"]);
    // Sealed under the chain lock shared by replicas (a label), released afterwards.
    const lock = writes.filter((w) => (w.method === "POST" && w.body?.name === "aims:chain-lock") || (w.method === "DELETE" && w.path.includes("aims%3Achain-lock")));
    expect(lock.map((w) => w.method)).toEqual(["POST", "DELETE"]);
    expect(lock[0]!.body.description).toMatch(/^locked until \S+ by [0-9a-f]{16}$/);
    const patch = issueWrites()[0]!.body;
    expect(patch).toMatchObject({ state: "closed", state_reason: "completed" });
    expect(patch.labels).toEqual(expect.arrayContaining(["state:merged", "annex-a:A.3.2", "annex-a:A.6.2.4", "annex-a:A.6.2.7"]));
    expect(patch.labels).not.toContain("annex-a:A.6.2.5");
    expect(patch.labels).not.toContain("state:open");
    const r = record(issues.find((i) => i.number === 100)!);
    expect(r).toMatchObject({ state: "merged", seq: 5, prev: previous.hash });
    expect(r.pullRequest).toMatchObject({ mergeSha: MERGE, closedAt: "2026-11-30T09:00:00Z" });
    // Check runs pinned by app, run id and URL; only the one the policy names counts as V&V.
    expect(r.checks).toEqual([
      { name: "eval", status: "completed", conclusion: "success", app: "github-actions", appId: 15368, runId: 503, url: "https://github.com/Codertocat/Hello-World/runs/503" },
      { name: "test", status: "completed", conclusion: "success", app: "github-actions", appId: 15368, runId: 502, url: "https://github.com/Codertocat/Hello-World/runs/502" },
    ]);
    expect(r.controls.find((c) => c.id === "A.6.2.5")).toBeUndefined();
    expect(r.controls.find((c) => c.id === "A.6.2.4")?.reason).toBe("A.6.2.4 verification check `eval (github-actions)` named by the policy succeeded on the merged head ec26c3e");
    // Re-performable: the policy blob at the base, the versions judged with, why the signer counted.
    expect(r.policy.sources[0]).toEqual({ repository: "Codertocat/Hello-World", path: ".github/aims.yml", ref: "master", blobSha: gitBlobSha(POLICY) });
    expect(r.generator).toEqual({ aimsBot: AIMS_VERSION, catalogue: loadCatalogue().version });
    expect(r.signOffs[0]).toMatchObject({ login: "carol", via: "listed user" });
    expect(r.signOffs.map((s) => s.login)).toEqual(["carol"]);
    // Create (earlier) + finalise: two content-creating requests for the whole life of the record.
    // The chain verifies with the earlier record's predecessors absent only.
    const result = verifyChain(issues.map((i) => ({ number: i.number, author: i.user, body: i.body, state: i.state, stateReason: i.state_reason, labels: i.labels })), { appLogin: BOT });
    expect(result.problems.map((p) => p.kind)).toEqual(["missing-link"]); // #50 points to records not in this test
    expect(result.head).toMatchObject({ seq: 5, issue: 100 });
    recorder.assertValid();

    // Redelivery of the same event: the final record is never rewritten.
    writes.length = 0;
    await probot.receive(prEvent("closed", MERGED));
    expect(issueWrites()).toEqual([]);
  });

  it("records a PR closed without merging as closed (not planned), claiming no control as operating", async () => {
    mockGitHub({ files: [MODEL], checkRuns: PASSING });
    await probot.receive(prEvent("opened"));
    const open = issues;
    nock.cleanAll();
    mockGitHub({ files: [MODEL], pull: CLOSED, checkRuns: PASSING, issues: open });
    await probot.receive(prEvent("closed", CLOSED));
    const patch = issueWrites()[0]!.body;
    expect(patch).toMatchObject({ state: "closed", state_reason: "not_planned" });
    expect(patch.labels).toContain("state:closed");
    expect(patch.labels.filter((l: string) => l.startsWith("annex-a:"))).toEqual([]);
    const r = record(issues[0]!);
    expect(r).toMatchObject({ state: "closed", seq: 1, prev: null, controls: [] });
    expect(r.pullRequest.mergeSha).toBeNull();
    recorder.assertValid();
  });

  it("records a merge under override as overridden, with who and why, and no deployment claim", async () => {
    const comments = [{ id: 44, login: "gov-lead", body: `/aims override ${REASON}` }];
    const gatesOverridden = [
      { name: "aims/impact-assessment", conclusion: "success" },
      { name: "aims/human-oversight", conclusion: "success" },
    ];
    mockGitHub({ files: [MODEL], comments, checkRuns: gatesOverridden });
    await probot.receive(prEvent("opened"));
    const recordIssue = () => issues.find((i) => i.labels.includes("aims:evidence"))!;
    expect(record(recordIssue()).override).toMatchObject({ login: "gov-lead", reason: REASON, sha: HEAD });
    const open = issues;
    nock.cleanAll();
    mockGitHub({ files: [MODEL], comments, pull: MERGED, checkRuns: gatesOverridden, issues: open });
    await probot.receive(prEvent("closed", MERGED));
    const patch = issueWrites()[0]!.body;
    expect(patch.labels).toEqual(expect.arrayContaining(["state:overridden", "aims:nonconformity"]));
    expect(patch.labels.filter((l: string) => l.startsWith("annex-a:"))).toEqual([]);
    const r = record(recordIssue());
    expect(r.state).toBe("overridden");
    expect(r.override).toMatchObject({ login: "gov-lead", reason: REASON });
    expect(recordIssue().body).toContain(`**Override** by @gov-lead at \`ec26c3e\``);
    // A nonconformity with one corrective-action issue (owner: who overrode; due in 30 days).
    const actions = issues.filter((i) => i.labels.includes("aims:corrective-action"));
    expect(actions).toHaveLength(1);
    expect(r.nonconformity).toMatchObject({ clause: "10.2", correctiveAction: { repository: "Codertocat/Hello-World", issue: actions[0]!.number, owner: "gov-lead" } });
    expect(actions[0]!.body).toContain("| Owner | @gov-lead |");
    recorder.assertValid();
  });

  it("ignores a late event of a pull request merged since: no new record round", async () => {
    mockGitHub({ files: [MODEL], pull: MERGED });
    await probot.receive(prEvent("synchronize"));
    expect(issueWrites()).toEqual([]);
  });

  it("never lets an evidence failure change or hide the gates", async () => {
    mockGitHub({ files: [MODEL] });
    // Same GitHub, but creating the evidence issue fails.
    nock.removeInterceptor({ hostname: "api.github.com", proto: "https", method: "POST", path: `${REPO}/issues` });
    nock(API).post(`${REPO}/issues`).reply(500, { message: "boom" }).persist();
    await expect(probot.receive(prEvent("opened"))).resolves.toBeUndefined();
    const posts = recorder.requests.filter((q) => q.method === "POST").map((q) => q.path.replace(/\?.*$/, ""));
    expect(posts.filter((p) => p === `${REPO}/check-runs`)).toHaveLength(2);
    expect(posts).toContain(`${REPO}/issues`);
    expect(issues).toEqual([]);
  });
});
