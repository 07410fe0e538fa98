import { gitBlobSha } from "../../src/util/digest.js";
import { AIMS_VERSION } from "../../src/version.js";
import { loadCatalogue } from "../../src/controls/catalogue.js";
import { describe, expect, it } from "@jest/globals";
import { parseRecordBody, recordLabels, renderRecordBody, type EvidenceRecord } from "../../src/evidence/record.js";
import { createServices, type Services } from "../../src/services.js";
import { verifyChain } from "../../src/evidence/verify.js";
import type { FakeIssue } from "../support/fake-github.js";
import { receive, useFakeProbot } from "../support/fake-probot.js";
import { payloads } from "../support/payloads.js";
import { sealedRecord } from "../support/evidence.js";

const SHOP = "acme/shop";
const REASON = "Incident INC-42: the ranker must be rolled back to the previous model now.";
const ACTIONS_APP = { id: 15368, slug: "github-actions" };

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

const MODEL = "models/recommender/model.onnx";
const CARD = "models/recommender/README.md";

function record(issue: FakeIssue): EvidenceRecord {
  const parsed = parseRecordBody(issue.body ?? "");
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.record;
}

describe("evidence records through pull_request events (in-process app, stateful fake GitHub)", () => {
  // The app's services are the test's: label upkeep runs in their background after each event.
  let services: Services;
  const t = useFakeProbot({ fake: { now: "2026-11-29T09:00:00Z" }, app: () => ({ services: (services = createServices({ appId: 1, appSlug: "aims-bot" })) }) });

  /** acme/shop with the policy (and `older` issues first), alice's PR changing `files`, and `others` check runs on its head. */
  function setUp(files: string[], options: { older?: EvidenceRecord; checks?: string[] } = {}) {
    const { fake } = t;
    const repo = fake.addRepo(SHOP, { files: { ".github/aims.yml": POLICY, "README.md": "# Shop\n", [CARD]: "# Ranker\n" } });
    for (const login of ["alice", "carol", "gov-lead"]) fake.setPermission(repo, login, "write");
    if (options.older) {
      const older = options.older;
      fake.addIssue(repo, { title: "older", body: renderRecordBody(older), labels: recordLabels(older).map((l) => l.name), user: fake.botLogin, viaApp: true, state: "closed" });
    }
    fake.commit(repo, { branch: "change", files: Object.fromEntries(files.map((f, i) => [f, `\u0000v2-${i}`])), author: "alice" });
    const pr = fake.addPullRequest(repo, { head: "change", user: "alice", title: "Retrain the ranker" });
    fake.addApp(ACTIONS_APP);
    for (const name of options.checks ?? []) fake.addCheckRun(repo, { name, headSha: pr.head.sha, conclusion: "success", appId: ACTIONS_APP.id });
    const events = payloads(fake, SHOP);
    const deliver = async (action: string, extra: Record<string, unknown> = {}) => {
      const payload = await events.pullRequest(pr.number, action, { extra });
      fake.reset();
      await receive(t.probot, "pull_request", payload);
    };
    const evidence = () => [...repo.issues.values()].filter((i) => i.labels.includes("aims:evidence"));
    const recordIssue = () => {
      const found = evidence().find((i) => i.body?.includes(`${SHOP}#${pr.number}`));
      if (!found) throw new Error(`no evidence record of ${SHOP}#${pr.number}`);
      return found;
    };
    return { repo, pr, events, deliver, evidence, recordIssue };
  }

  /** Content-creating requests on issues (labels are created once per repository). */
  const issueWrites = () => t.fake.requests.filter((r) => (r.method === "POST" || r.method === "PATCH") && /^\/repos\/acme\/shop\/issues(\/\d+)?$/.test(r.path)) as Array<{ method: string; path: string; body: any }>;
  const issueLists = () => t.fake.requests.filter((r) => r.method === "GET" && r.path === `/repos/${SHOP}/issues`);
  const labelWrites = () => t.fake.requests.filter((r) => r.method !== "GET" && r.path.startsWith(`/repos/${SHOP}/labels`)) as Array<{ method: string; path: string; body: any }>;
  const stored = () => [...t.fake.getRepo(SHOP).issues.values()].filter((i) => !i.isPull).map((i) => ({ number: i.number, author: i.user, body: i.body, state: i.state, stateReason: i.stateReason, labels: i.labels }));
  const merge = (number: number) => t.fake.mergePull(SHOP, number, "carol");

  it("creates one record with its labels in a single request when a PR first touches the AI surface", async () => {
    const s = setUp([MODEL]);
    await s.deliver("opened");
    const posts = issueWrites();
    expect(posts.map((w) => w.method)).toEqual(["POST"]);
    // Nothing is claimed while both gates wait: a list of changed files evidences no control.
    expect(posts[0]!.body.labels).toEqual(["aims:evidence", "ai-system:recommender", "risk:limited", "state:open"]);
    const r = record(s.recordIssue());
    expect(r).toMatchObject({ id: `${SHOP}#${s.pr.number}`, state: "open", hash: null, prev: null, seq: null, risk: "limited" });
    const html = (await s.events.get(`/repos/${SHOP}/pulls/${s.pr.number}`)).html_url;
    expect(r.pullRequest).toMatchObject({ headSha: s.pr.head.sha, mergeSha: null, url: html });
    expect(r.changes.items.map((c) => c.path)).toEqual([MODEL]);
    expect(r.gates.map((g) => [g.name, g.conclusion])).toEqual([
      ["aims/impact-assessment", "action_required"],
      ["aims/human-oversight", "action_required"],
    ]);
    // Labels were created with descriptions after the event (never paced inside it), and the record
    // is found by the list endpoint, never search.
    await services.background.flush();
    // GitHub created the labels bare when the record was posted; the upkeep gives each its description.
    const described = labelWrites().filter((w) => w.method === "PATCH" || w.method === "POST");
    expect(described.map((w) => decodeURIComponent(w.body.name ?? w.path.split("/").pop()))).toContain("ai-system:recommender");
    for (const l of described) expect(l.body.description.length).toBeGreaterThan(10);
    expect(t.fake.getRepo(SHOP).labels.get("ai-system:recommender")?.description?.length).toBeGreaterThan(10);
    expect(issueLists().length).toBeGreaterThan(0);
    for (const l of issueLists()) expect(l.query).toMatchObject({ labels: "aims:evidence", creator: "aims-bot[bot]" });
    expect(t.fake.reads(/search/)).toBe(0);
  });

  it("does not create a record for a PR that changes nothing on the AI surface", async () => {
    const s = setUp(["README.md"]);
    await s.deliver("opened");
    expect(issueWrites()).toEqual([]);
    expect(issueLists()).toEqual([]);
    expect(s.evidence()).toEqual([]);
  });

  it("updates the record in place, labels in the same PATCH, when the gates change", async () => {
    const s = setUp([MODEL]);
    await s.deliver("opened");
    // A reviewer signs off: oversight passes, the record gains the sign-off and A.3.2/A.9.2.
    t.fake.addReview(SHOP, s.pr.number, { user: "carol", state: "APPROVED", body: "Checked the evaluation report." });
    await s.deliver("synchronize");
    expect(issueWrites().map((w) => [w.method, w.path])).toEqual([["PATCH", `/repos/${SHOP}/issues/${s.recordIssue().number}`]]);
    const patch = issueWrites()[0]!.body;
    expect(patch.labels).toContain("annex-a:A.3.2");
    expect(patch.state).toBeUndefined();
    const r = record(s.recordIssue());
    expect(r.signOffs).toEqual([expect.objectContaining({ login: "carol", method: "review", sha: s.pr.head.sha })]);
    expect(r.gates[1]).toMatchObject({ name: "aims/human-oversight", conclusion: "success" });
  });

  it("writes nothing when the record would not change", async () => {
    const s = setUp([MODEL]);
    await s.deliver("opened");
    await services.background.flush();
    // The author rewords the description: nothing the record holds.
    const from = s.pr.issue.body ?? "";
    s.pr.issue.body = `${from}\n\nReworded.`;
    await s.deliver("edited", { changes: { body: { from } } });
    await services.background.flush();
    expect(issueWrites()).toEqual([]);
    expect(labelWrites()).toEqual([]);
  });

  it("finalises on merge: merge commit, final conclusions, other checks, chained to the previous record, closed in one PATCH", async () => {
    const previous = sealedRecord(7, { prev: "1".repeat(64), seq: 4 });
    const s = setUp([MODEL, CARD], { older: previous, checks: ["test", "eval"] });
    t.fake.addReview(SHOP, s.pr.number, { user: "carol", state: "APPROVED", body: "Checked the evaluation report." });
    await s.deliver("opened");
    const mergeSha = merge(s.pr.number);
    await s.deliver("closed");

    expect(issueWrites().map((w) => w.method)).toEqual(["PATCH"]);
    // Sealed under the chain lock shared by replicas (a label), released afterwards.
    const lock = labelWrites().filter((w) => (w.method === "POST" && w.body?.name === "aims:chain-lock") || (w.method === "DELETE" && w.path.includes("aims%3Achain-lock")));
    expect(lock.map((w) => w.method)).toEqual(["POST", "DELETE"]);
    expect(lock[0]!.body.description).toMatch(/^locked until \S+ by [0-9a-f]{16}$/);
    const patch = issueWrites()[0]!.body;
    expect(patch).toMatchObject({ state: "closed", state_reason: "completed" });
    expect(patch.labels).toEqual(expect.arrayContaining(["state:merged", "annex-a:A.3.2", "annex-a:A.6.2.4", "annex-a:A.6.2.7"]));
    expect(patch.labels).not.toContain("annex-a:A.6.2.5");
    expect(patch.labels).not.toContain("state:open");
    const issue = s.recordIssue();
    const r = record(issue);
    expect(r).toMatchObject({ state: "merged", seq: 5, prev: previous.hash });
    const merged = await s.events.get(`/repos/${SHOP}/pulls/${s.pr.number}`);
    expect(r.pullRequest).toMatchObject({ mergeSha, closedAt: merged.closed_at });
    // Check runs pinned by app, run id and URL; only the one the policy names counts as V&V.
    const pinned = async (name: string) => {
      const run = t.fake.checkRunsFor(SHOP, { headSha: s.pr.head.sha, name })[0]!;
      const url = (await s.events.get(`/repos/${SHOP}/check-runs/${run.id}`)).html_url;
      return { name, status: "completed", conclusion: "success", app: "github-actions", appId: ACTIONS_APP.id, runId: run.id, url };
    };
    expect(r.checks).toEqual([await pinned("eval"), await pinned("test")]);
    expect(r.controls.find((c) => c.id === "A.6.2.5")).toBeUndefined();
    expect(r.controls.find((c) => c.id === "A.6.2.4")?.reason).toBe(`A.6.2.4 verification check \`eval (github-actions)\` named by the policy succeeded on the merged head ${s.pr.head.sha.slice(0, 7)}`);
    // Re-performable: the policy blob at the base, the versions judged with, why the signer counted.
    expect(r.policy.sources[0]).toEqual({ repository: SHOP, path: ".github/aims.yml", ref: "main", blobSha: gitBlobSha(POLICY) });
    expect(r.generator).toEqual({ aimsBot: AIMS_VERSION, catalogue: loadCatalogue().version });
    expect(r.signOffs[0]).toMatchObject({ login: "carol", via: "listed user" });
    expect(r.signOffs.map((x) => x.login)).toEqual(["carol"]);
    // Create (earlier) + finalise: two content-creating requests for the whole life of the record.
    // The chain verifies with the earlier record's predecessors absent only.
    const result = verifyChain(stored(), { appLogin: t.fake.botLogin });
    expect(result.problems.map((p) => p.kind)).toEqual(["missing-link"]); // the older record points to records not in this test
    expect(result.head).toMatchObject({ seq: 5, issue: issue.number });

    // Redelivery of the same event: the final record is never rewritten.
    await s.deliver("closed");
    expect(issueWrites()).toEqual([]);
  });

  it("records a PR closed without merging as closed (not planned), claiming no control as operating", async () => {
    const s = setUp([MODEL], { checks: ["test", "eval"] });
    await s.deliver("opened");
    t.fake.addUserToken("alice-token", "alice");
    const closed = await fetch(`${t.fake.apiBase}/repos/${SHOP}/issues/${s.pr.number}`, { method: "PATCH", headers: { authorization: "token alice-token", "content-type": "application/json" }, body: JSON.stringify({ state: "closed" }) });
    expect(closed.status).toBe(200);
    await s.deliver("closed");
    const patch = issueWrites()[0]!.body;
    expect(patch).toMatchObject({ state: "closed", state_reason: "not_planned" });
    expect(patch.labels).toContain("state:closed");
    expect(patch.labels.filter((l: string) => l.startsWith("annex-a:"))).toEqual([]);
    const r = record(s.recordIssue());
    expect(r).toMatchObject({ state: "closed", seq: 1, prev: null, controls: [] });
    expect(r.pullRequest.mergeSha).toBeNull();
  });

  it("records a merge under override as overridden, with who and why, and no deployment claim", async () => {
    const s = setUp([MODEL], { checks: ["test", "eval"] });
    await s.deliver("opened");
    t.fake.advanceClock(60_000);
    const override = t.fake.addComment(SHOP, s.pr.number, { body: `/aims override ${REASON}`, user: "gov-lead" });
    await receive(t.probot, "issue_comment", await s.events.comment("created", s.pr.number, override));
    expect(record(s.recordIssue()).override).toMatchObject({ login: "gov-lead", reason: REASON, sha: s.pr.head.sha });
    merge(s.pr.number);
    await s.deliver("closed");
    const patch = issueWrites().find((w) => w.path.endsWith(`/issues/${s.recordIssue().number}`))!.body;
    expect(patch.labels).toEqual(expect.arrayContaining(["state:overridden", "aims:nonconformity"]));
    expect(patch.labels.filter((l: string) => l.startsWith("annex-a:"))).toEqual([]);
    const r = record(s.recordIssue());
    expect(r.state).toBe("overridden");
    expect(r.override).toMatchObject({ login: "gov-lead", reason: REASON });
    expect(s.recordIssue().body).toContain(`**Override** by @gov-lead at \`${s.pr.head.sha.slice(0, 7)}\``);
    // A nonconformity with one corrective-action issue (owner: who overrode; due in 30 days).
    const actions = [...s.repo.issues.values()].filter((i) => i.labels.includes("aims:corrective-action"));
    expect(actions).toHaveLength(1);
    expect(r.nonconformity).toMatchObject({ clause: "10.2", correctiveAction: { repository: SHOP, issue: actions[0]!.number, owner: "gov-lead" } });
    expect(actions[0]!.body).toContain("| Owner | @gov-lead |");
  });

  it("ignores a late event of a pull request merged since: no new record round", async () => {
    const s = setUp([MODEL]);
    const late = await s.events.pullRequest(s.pr.number, "synchronize");
    merge(s.pr.number);
    t.fake.reset();
    await receive(t.probot, "pull_request", late);
    expect(issueWrites()).toEqual([]);
  });

  it("never lets an evidence failure change or hide the gates", async () => {
    const s = setUp([MODEL]);
    // Same GitHub, but creating the evidence issue fails.
    t.fake.fault = (req) => (req.method === "POST" && req.path === `/repos/${SHOP}/issues` ? { status: 500, body: { message: "boom" } } : undefined);
    await expect(s.deliver("opened")).resolves.toBeUndefined();
    const posts = t.fake.requests.filter((r) => r.method === "POST").map((r) => r.path);
    expect(posts.filter((p) => p === `/repos/${SHOP}/check-runs`)).toHaveLength(2);
    expect(posts).toContain(`/repos/${SHOP}/issues`);
    expect(s.evidence()).toEqual([]);
    expect(t.fake.checkRunsFor(SHOP, { headSha: s.pr.head.sha }).map((r) => r.conclusion)).toEqual(["action_required", "action_required"]);
  });
});
