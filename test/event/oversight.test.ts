import { uncell } from "../../src/util/markdown.js";
import { describe, expect, it } from "@jest/globals";
import nock from "nock";
import type { Probot } from "probot";
import { useProbotWithNock, webhookExample } from "../support/probot-app.js";

const API = "https://api.github.com";
const REPO = "/repos/Codertocat/Hello-World";
const HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const OLD = "0123456789abcdef0123456789abcdef01234567";
const SEEN = "2026-06-01T09:00:00Z";
const REASON = "Incident INC-42: the ranker must be rolled back to the previous model now.";

const POLICY = `
systems:
  - id: recommender
    name: Product recommender
    paths: ["models/recommender/**"]
    risk: high
  - id: chatbot
    name: Support assistant
    paths: ["chat/**"]
    risk: limited
oversight:
  tiers:
    limited:
      teams: ["Codertocat/ml-reviewers"]
    high:
      required: 2
      teams: ["Codertocat/ml-reviewers", "Codertocat/legal"]
  governance:
    users: ["gov-lead"]
`;

type File = { filename: string; status: string };
const chatModel: File = { filename: "chat/model.onnx", status: "added" };
const rankerModel: File = { filename: "models/recommender/model.onnx", status: "added" };

function fileEntry(f: File, i: number) {
  return {
    sha: `${i}`.padStart(40, "0"),
    filename: f.filename,
    status: f.status,
    additions: 0,
    deletions: 0,
    changes: 0,
    blob_url: "",
    raw_url: "",
    contents_url: "",
  };
}

function user(login: string, type = "User") {
  return { login, id: 1, node_id: "U", avatar_url: "", url: "", html_url: "", type, site_admin: false };
}

interface Scenario {
  policy?: string;
  files: File[];
  reviews?: Array<{ login: string; state: string; commit_id?: string; body?: string; at?: string }>;
  comments?: Array<{ id: number; login: string; body: string; at?: string; updated?: string; type?: string }>;
  /** Active members by team slug (org Codertocat). */
  teams?: Record<string, string[]>;
  permissions?: Record<string, string>;
  /** Files changed between OLD and HEAD. */
  compare?: File[];
  /** started_at of aims's check runs on the head; null: aims has no run there yet. */
  seenAt?: string | null;
  /** GET pulls/2 is answered (review, comment and button events read the PR). */
  readsPull?: boolean;
}

const writes: Array<{ method: string; path: string; body: any }> = [];
const RUN_IDS: Record<number, string> = { 501: "aims/impact-assessment", 502: "aims/human-oversight" };

function mockGitHub(s: Scenario) {
  writes.length = 0;
  nock(API).post("/app/installations/1/access_tokens").reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z", permissions: {} });
  if (s.readsPull) {
    const pr = webhookExample("pull_request", "opened", (e: any) => e.repository?.full_name === "Codertocat/Hello-World").pull_request;
    nock(API).get(`${REPO}/pulls/2`).reply(200, pr);
  }
  nock(API).get(`${REPO}/contents/.github%2Faims.yml`).query({ ref: "master" }).optionally().reply(200, s.policy ?? POLICY);
  nock(API).get(`${REPO}/pulls/2/files`).query({ per_page: 100 }).optionally().reply(200, s.files.map(fileEntry));
  nock(API)
    .get(`${REPO}/pulls/2/reviews`)
    .query({ per_page: 100 })
    .optionally()
    .reply(
      200,
      (s.reviews ?? []).map((r, i) => ({
        id: i + 1,
        node_id: "R",
        user: user(r.login),
        body: r.body ?? "Checked the evaluation report and the rollout plan.",
        state: r.state,
        html_url: "",
        pull_request_url: "",
        _links: { html: { href: "" }, pull_request: { href: "" } },
        submitted_at: r.at ?? "2026-06-01T10:00:00Z",
        commit_id: r.commit_id ?? HEAD,
        author_association: "MEMBER",
      })),
    );
  nock(API)
    .get(`${REPO}/issues/2/comments`)
    .query({ per_page: 100 })
    .optionally()
    .reply(
      200,
      (s.comments ?? []).map((c) => ({
        id: c.id,
        node_id: "C",
        url: "",
        html_url: `https://github.com/Codertocat/Hello-World/pull/2#issuecomment-${c.id}`,
        issue_url: "",
        body: c.body,
        user: user(c.login, c.type),
        created_at: c.at ?? "2026-06-01T11:00:00Z",
        updated_at: c.updated ?? c.at ?? "2026-06-01T11:00:00Z",
        author_association: "MEMBER",
      })),
    );
  const runs =
    s.seenAt === null
      ? []
      : Object.entries(RUN_IDS).map(([id, name]) => ({
          id: Number(id),
          name,
          head_sha: HEAD,
          status: "completed",
          conclusion: "action_required",
          started_at: s.seenAt ?? SEEN,
          output: { title: "Human sign-off required", summary: "…" },
        }));
  nock(API).get(`${REPO}/commits/${HEAD}/check-runs`).query(true).optionally().reply(200, { total_count: runs.length, check_runs: runs });
  for (const [slug, members] of Object.entries(s.teams ?? {})) {
    for (const login of members) {
      nock(API).get(`/orgs/codertocat/teams/${slug}/memberships/${login.toLowerCase()}`).optionally().reply(200, { url: "", role: "member", state: "active" }).persist();
    }
  }
  for (const [login, permission] of Object.entries(s.permissions ?? {})) {
    nock(API)
      .get(`${REPO}/collaborators/${login}/permission`)
      .optionally()
      .reply(200, { permission, role_name: permission, user: user(login) })
      .persist();
  }
  if (s.compare) {
    nock(API)
      .get(`${REPO}/compare/${OLD}...${HEAD}`)
      .query({ per_page: 100 })
      .reply(200, { files: s.compare.map(fileEntry), merge_base_commit: { sha: OLD } });
  }
  nock(API)
    .post(`${REPO}/check-runs`)
    .times(2)
    .optionally()
    .reply(201, (path, body) => {
      writes.push({ method: "POST", path, body });
      return { id: 600 + writes.length };
    });
  nock(API)
    .patch(/\/repos\/Codertocat\/Hello-World\/check-runs\/\d+$/)
    .times(2)
    .optionally()
    .reply(200, (path, body: any) => {
      writes.push({ method: "PATCH", path, body: { ...body, name: RUN_IDS[Number(path.split("/").pop())] } });
      return {};
    });
  nock(API)
    .post(`${REPO}/issues/2/comments`)
    .optionally()
    .reply(201, (path, body) => {
      writes.push({ method: "POST", path, body });
      return { id: 9000 };
    });
  nock(API)
    .post(`${REPO}/pulls/2/requested_reviewers`)
    .optionally()
    .reply(201, (path, body) => {
      writes.push({ method: "POST", path, body });
      return {};
    });
  // Anything else (assessment files, other memberships, other permissions) does not exist.
  nock(API).get(/\/repos\/Codertocat\/Hello-World\/contents\//).query(true).optionally().reply(404, { message: "Not Found" }).persist();
  nock(API).get(/\/orgs\/[^/]+\/teams\/[^/]+\/memberships\/[^/]+$/).optionally().reply(404, { message: "Not Found" }).persist();
  nock(API).get(/\/repos\/Codertocat\/Hello-World\/collaborators\/[^/]+\/permission$/).optionally().reply(404, { message: "Not Found" }).persist();
}

function oversightCheck() {
  const w = writes.find((x) => x.path.includes("check-runs") && x.body.name === "aims/human-oversight");
  if (!w) throw new Error(`no aims/human-oversight check written; writes: ${JSON.stringify(writes.map((x) => `${x.method} ${x.path}`))}`);
  return { conclusion: w.body.conclusion as string, title: w.body.output.title as string, summary: w.body.output.summary as string, actions: w.body.actions, body: w.body };
}

function assessmentCheck() {
  const w = writes.find((x) => x.path.includes("check-runs") && x.body.name === "aims/impact-assessment");
  if (!w) throw new Error("no aims/impact-assessment check written");
  return { conclusion: w.body.conclusion as string, title: w.body.output.title as string, summary: w.body.output.summary as string };
}

const replies = () => writes.filter((w) => w.path.endsWith("/issues/2/comments"));

function reviewEvent(login: string, action = "submitted") {
  const payload = webhookExample("pull_request_review", action, (e: any) => e.installation !== undefined);
  payload.installation = { id: 1 };
  payload.review.user = { ...payload.review.user, login, type: "User" };
  payload.sender = { ...payload.sender, login, type: "User" };
  return { id: `review-${login}`, name: "pull_request_review" as const, payload };
}

function commentEvent(login: string, body: string, o: { action?: string; id?: number; from?: string; type?: string } = {}) {
  const payload = webhookExample("issue_comment", o.action ?? "created");
  payload.installation = { id: 1 };
  payload.issue.number = 2;
  payload.issue.pull_request = { url: `${API}${REPO}/pulls/2`, html_url: "", diff_url: "", patch_url: "" };
  payload.comment.id = o.id ?? 42;
  payload.comment.body = body;
  payload.comment.user = { ...payload.comment.user, login, type: o.type ?? "User" };
  payload.sender = { ...payload.sender, login, type: o.type ?? "User" };
  if (o.from !== undefined) payload.changes = { body: { from: o.from } };
  return { id: `comment-${login}-${o.id ?? 42}`, name: "issue_comment" as const, payload };
}

function pullRequestEvent(action = "synchronize") {
  const payload = webhookExample("pull_request", "opened", (e: any) => e.repository?.full_name === "Codertocat/Hello-World");
  payload.action = action;
  return { id: "delivery-pr", name: "pull_request" as const, payload };
}

function buttonEvent(login: string, identifier: string) {
  const payload = webhookExample("check_run", "completed", (e: any) => e.repository?.full_name === "Codertocat/Hello-World");
  payload.action = "requested_action";
  payload.installation = { id: 1 };
  payload.requested_action = { identifier };
  payload.check_run.name = "aims/human-oversight";
  payload.check_run.head_sha = HEAD;
  payload.sender = { ...payload.sender, login, type: "User" };
  return { id: `button-${login}`, name: "check_run" as const, payload };
}

describe("aims/human-oversight through Probot", () => {
  const t = useProbotWithNock();

  it("counts an approval by an active member of the tier's team, with the team snapshot", async () => {
    mockGitHub({ files: [chatModel], reviews: [{ login: "carol", state: "APPROVED" }], teams: { "ml-reviewers": ["carol"] }, readsPull: true });
    await t.probot.receive(reviewEvent("carol"));
    const check = oversightCheck();
    expect([check.conclusion, check.title]).toEqual(["success", "Signed off by @carol (limited risk)"]);
    expect(uncell(check.summary)).toContain("@carol signed off by approving review at ec26c3e on 2026-06-01 (@codertocat/ml-reviewers)");
    expect(uncell(check.summary)).toContain("Risk tier limited (systems: chatbot): 1 sign-off required from a member of @codertocat/ml-reviewers");
    expect(check.actions).toEqual([{ label: "Re-check", description: "Evaluate the oversight gate again", identifier: "recheck" }]);
    t.recorder.assertValid();
  });

  it("dismisses an approval by someone who is not an active member, and offers the buttons", async () => {
    mockGitHub({ files: [chatModel], reviews: [{ login: "mallory", state: "APPROVED" }], permissions: { mallory: "admin" }, readsPull: true });
    await t.probot.receive(reviewEvent("mallory"));
    const check = oversightCheck();
    expect([check.conclusion, check.title]).toEqual(["action_required", "Human sign-off required"]);
    expect(uncell(check.summary)).toContain("@mallory's approval (2026-06-01 at ec26c3e): not eligible for the limited tier (not an active member of @codertocat/ml-reviewers)");
    expect(check.actions.map((a: { identifier: string }) => a.identifier)).toEqual(["request-review", "recheck"]);
    for (const a of check.actions) {
      expect(a.label.length).toBeLessThanOrEqual(20);
      expect(a.identifier.length).toBeLessThanOrEqual(20);
      expect(a.description.length).toBeLessThanOrEqual(40);
    }
    t.recorder.assertValid();
  });

  it("on the high tier, counts a comment sign-off with a rationale and dismisses one without", async () => {
    mockGitHub({
      files: [rankerModel],
      comments: [
        { id: 41, login: "carol", body: "/aims sign-off Reviewed the ranking evaluation and the fallback." },
        { id: 42, login: "erin", body: "/aims sign-off" },
      ],
      teams: { "ml-reviewers": ["carol"], legal: ["erin"] },
      readsPull: true,
    });
    await t.probot.receive(commentEvent("erin", "/aims sign-off"));
    const check = oversightCheck();
    expect([check.conclusion, check.title]).toEqual(["action_required", "Human sign-off required: 1 of 2 signed"]);
    expect(uncell(check.summary)).toContain("@carol signed off by `/aims sign-off` at ec26c3e on 2026-06-01 (@codertocat/ml-reviewers): “Reviewed the ranking evaluation and the fallback.”");
    expect(uncell(check.summary)).toContain("@erin's `/aims sign-off` (2026-06-01 at ec26c3e): no rationale; the high tier requires one");
    expect(replies()).toEqual([]);
    t.recorder.assertValid();
  });

  it("passes the high tier with two comment sign-offs with rationales", async () => {
    mockGitHub({
      files: [rankerModel],
      comments: [
        { id: 41, login: "carol", body: "/aims sign-off Reviewed the ranking evaluation and the fallback." },
        { id: 42, login: "erin", body: "/aims sign-off Legal review done: no personal data in features." },
      ],
      teams: { "ml-reviewers": ["carol"], legal: ["erin"] },
      readsPull: true,
    });
    await t.probot.receive(commentEvent("erin", "/aims sign-off Legal review done: no personal data in features."));
    expect(oversightCheck().conclusion).toBe("success");
    expect(oversightCheck().title).toBe("Signed off by @carol, @erin (high risk)");
    t.recorder.assertValid();
  });

  it("does not count a sign-off comment posted before aims saw the head commit", async () => {
    mockGitHub({
      files: [chatModel],
      comments: [{ id: 41, login: "carol", body: "/aims sign-off looks fine", at: "2026-06-01T08:00:00Z" }],
      teams: { "ml-reviewers": ["carol"] },
      readsPull: true,
    });
    await t.probot.receive(commentEvent("carol", "/aims sign-off looks fine", { id: 41 }));
    const check = oversightCheck();
    expect(check.conclusion).toBe("action_required");
    expect(uncell(check.summary)).toContain("posted before aims saw the latest commit ec26c3e, so it may not cover it; sign off again.");
    t.recorder.assertValid();
  });

  it("a revoke withdraws the approval", async () => {
    mockGitHub({
      files: [chatModel],
      reviews: [{ login: "carol", state: "APPROVED", at: "2026-06-01T10:00:00Z" }],
      comments: [{ id: 43, login: "carol", body: "/aims revoke", at: "2026-06-01T12:00:00Z" }],
      teams: { "ml-reviewers": ["carol"] },
      readsPull: true,
    });
    await t.probot.receive(commentEvent("carol", "/aims revoke", { id: 43 }));
    const check = oversightCheck();
    expect([check.conclusion, check.title]).toEqual(["action_required", "Human sign-off required"]);
    expect(uncell(check.summary)).toContain("@carol: sign-off of 2026-06-01 withdrawn with `/aims revoke` on 2026-06-01.");
    t.recorder.assertValid();
  });

  it("changes requested by an eligible reviewer block the gate", async () => {
    mockGitHub({
      files: [chatModel],
      reviews: [
        { login: "carol", state: "APPROVED" },
        { login: "erin", state: "CHANGES_REQUESTED" },
      ],
      teams: { "ml-reviewers": ["carol", "erin"] },
      readsPull: true,
    });
    await t.probot.receive(reviewEvent("erin"));
    const check = oversightCheck();
    expect([check.conclusion, check.title]).toEqual(["action_required", "Changes requested by @erin"]);
    expect(uncell(check.summary)).toContain("Address the requested changes, then ask @erin to approve (or dismiss the review).");
    t.recorder.assertValid();
  });

  it("a push that changes AI files invalidates an approval given on the earlier commit", async () => {
    mockGitHub({
      files: [chatModel],
      reviews: [{ login: "carol", state: "APPROVED", commit_id: OLD }],
      teams: { "ml-reviewers": ["carol"] },
      compare: [{ filename: "chat/model.onnx", status: "modified" }],
    });
    await t.probot.receive(pullRequestEvent("synchronize"));
    const check = oversightCheck();
    expect([check.conclusion, check.title]).toEqual(["action_required", "Human sign-off required"]);
    expect(uncell(check.summary)).toContain("@carol's approval (2026-06-01 at 0123456): stale, the head is now ec26c3e; AI-relevant files changed since: chat/model.onnx.");
    t.recorder.assertValid();
  });

  it("keeps an approval across a push that changes no AI-relevant file (keep_when_ai_unchanged)", async () => {
    mockGitHub({
      files: [chatModel],
      reviews: [{ login: "carol", state: "APPROVED", commit_id: OLD }],
      teams: { "ml-reviewers": ["carol"] },
      compare: [{ filename: "README.md", status: "modified" }],
    });
    await t.probot.receive(pullRequestEvent("synchronize"));
    const check = oversightCheck();
    expect([check.conclusion, check.title]).toEqual(["success", "Signed off by @carol (limited risk)"]);
    expect(uncell(check.summary)).toContain("signed at 0123456; no AI-relevant file changed since");
    expect(t.recorder.requests.some((r) => r.path.startsWith(`${REPO}/compare/${OLD}...${HEAD}`))).toBe(true);
    t.recorder.assertValid();
  });

  it("distinct teams: two sign-offs from the same team count once", async () => {
    const policy = POLICY.replace("      required: 2\n", "      required: 2\n      distinct_teams: true\n");
    mockGitHub({
      policy,
      files: [rankerModel],
      comments: [
        { id: 41, login: "carol", body: "/aims sign-off Reviewed the ranking evaluation." },
        { id: 42, login: "erin", body: "/aims sign-off Reviewed the features and the data." },
      ],
      teams: { "ml-reviewers": ["carol", "erin"] },
      readsPull: true,
    });
    await t.probot.receive(commentEvent("erin", "/aims sign-off Reviewed the features and the data."));
    const check = oversightCheck();
    expect([check.conclusion, check.title]).toEqual(["action_required", "Human sign-off required: 1 of 2 signed"]);
    expect(uncell(check.summary)).toContain("another sign-off already stands for @codertocat/ml-reviewers; distinct teams are required.");
    expect(uncell(check.summary)).toContain("each from a different team");
    t.recorder.assertValid();
  });

  it("an override by the governance lead passes both gates, recorded with who, why and the commit", async () => {
    mockGitHub({
      files: [rankerModel],
      comments: [{ id: 44, login: "gov-lead", body: `/aims override ${REASON}` }],
      readsPull: true,
    });
    await t.probot.receive(commentEvent("gov-lead", `/aims override ${REASON}`, { id: 44 }));
    const oversight = oversightCheck();
    const assessment = assessmentCheck();
    expect([oversight.conclusion, oversight.title]).toEqual(["success", "Overridden by @gov-lead"]);
    expect([assessment.conclusion, assessment.title]).toEqual(["success", "Overridden by @gov-lead"]);
    expect(uncell(oversight.summary)).toContain(`@gov-lead overrode this gate on 2026-06-01 at ec26c3e: “${REASON}”`);
    expect(uncell(assessment.summary)).toContain("Without the override: action_required");
    expect(replies()).toEqual([]);
    t.recorder.assertValid();
  });

  it("an override by someone else changes nothing and gets a reply saying who may override", async () => {
    mockGitHub({
      files: [rankerModel],
      comments: [{ id: 45, login: "eve", body: `/aims override ${REASON}` }],
      permissions: { eve: "admin" },
      readsPull: true,
    });
    await t.probot.receive(commentEvent("eve", `/aims override ${REASON}`, { id: 45 }));
    expect(oversightCheck().conclusion).toBe("action_required");
    expect(assessmentCheck().title).not.toContain("Overridden");
    expect(uncell(oversightCheck().summary)).toContain("@eve's override (2026-06-01) does not apply: @eve is not a listed user; overrides are for @gov-lead");
    expect(replies()).toHaveLength(1);
    expect(replies()[0]!.body.body).toContain("<!-- aims:reply-to=45 -->");
    expect(replies()[0]!.body.body).toContain("@eve, your override was not applied: only @gov-lead may override the aims gates (you are not one of them).");
    t.recorder.assertValid();
  });

  it("refusing an override by someone with write permission only reads as sentences, in the reply and the check", async () => {
    mockGitHub({
      policy: POLICY.replace('  governance:\n    users: ["gov-lead"]\n', ""),
      files: [rankerModel],
      comments: [{ id: 47, login: "bob", body: `/aims override ${REASON}` }],
      permissions: { bob: "write" },
      readsPull: true,
    });
    await t.probot.receive(commentEvent("bob", `/aims override ${REASON}`, { id: 47 }));
    expect(oversightCheck().conclusion).toBe("action_required");
    expect(uncell(oversightCheck().summary)).toContain("@bob's override (2026-06-01) does not apply: @bob has write permission only; overrides are for a repository admin");
    expect(replies()).toHaveLength(1);
    expect(replies()[0]!.body.body).toContain("@bob, your override was not applied: only repository admins may override the aims gates (you have write access).");
    t.recorder.assertValid();
  });

  it("an edited sign-off comment does not count and is reported", async () => {
    mockGitHub({
      files: [chatModel],
      comments: [{ id: 46, login: "carol", body: "/aims sign-off reviewed everything", at: "2026-06-01T11:00:00Z", updated: "2026-06-01T11:30:00Z" }],
      teams: { "ml-reviewers": ["carol"] },
      readsPull: true,
    });
    await t.probot.receive(commentEvent("carol", "/aims sign-off reviewed everything", { action: "edited", id: 46, from: "/aims sign-off reviewed" }));
    const check = oversightCheck();
    expect(check.conclusion).toBe("action_required");
    expect(uncell(check.summary)).toContain("@carol's `/aims sign-off` (2026-06-01 at ec26c3e): the comment was edited after it was posted");
    t.recorder.assertValid();
  });

  it("replies with usage to an unknown command", async () => {
    mockGitHub({ files: [chatModel], comments: [{ id: 48, login: "carol", body: "/aims bless" }], readsPull: true });
    await t.probot.receive(commentEvent("carol", "/aims bless", { id: 48 }));
    expect(replies()).toHaveLength(1);
    expect(replies()[0]!.body.body).toContain("`/aims bless` is not an aims command.");
    expect(replies()[0]!.body.body).toContain("/aims sign-off <rationale>");
    t.recorder.assertValid();
  });

  it("replies once with usage to a command that does not belong on a pull request, and not again on redelivery", async () => {
    mockGitHub({ files: [chatModel], comments: [{ id: 47, login: "carol", body: "/aims approve" }], readsPull: true });
    await t.probot.receive(commentEvent("carol", "/aims approve", { id: 47 }));
    expect(replies()).toHaveLength(1);
    expect(replies()[0]!.body.body).toContain("`/aims approve` is for the tracking issue of an AI change pushed without a pull request. On a pull request, sign off with `/aims sign-off <rationale>`.");
    expect(replies()[0]!.body.body).toContain("/aims sign-off <rationale>");
    expect(writes.filter((w) => w.path.includes("check-runs"))).toEqual([]);
    nock.cleanAll();
    mockGitHub({
      files: [chatModel],
      comments: [
        { id: 47, login: "carol", body: "/aims approve" },
        { id: 9000, login: "aims-bot[bot]", type: "Bot", body: "<!-- aims:reply-to=47 -->\n@carol `/aims approve` is for the tracking issue of an AI change pushed without a pull request." },
      ],
      readsPull: true,
    });
    await t.probot.receive(commentEvent("carol", "/aims approve", { id: 47 }));
    expect(replies()).toEqual([]);
    t.recorder.assertValid();
  });

  it("a comment with two commands gets one usage reply and neither takes effect: the approval stands, nothing is re-evaluated", async () => {
    const body = "/aims sign-off ok\n/aims revoke";
    mockGitHub({
      files: [chatModel],
      reviews: [{ login: "carol", state: "APPROVED", at: "2026-06-01T10:00:00Z" }],
      comments: [{ id: 48, login: "carol", body, at: "2026-06-01T12:00:00Z" }],
      teams: { "ml-reviewers": ["carol"] },
      readsPull: true,
    });
    await t.probot.receive(commentEvent("carol", body, { id: 48 }));
    expect(replies()).toHaveLength(1);
    expect(replies()[0]!.body.body).toContain(
      "@carol `/aims sign-off`: one command per comment: this comment holds `/aims sign-off` and `/aims revoke`, so none of them was applied; post each command in its own comment.",
    );
    expect(writes.filter((w) => w.path.includes("check-runs"))).toEqual([]);
    t.recorder.assertValid();
  });

  it("ignores comments from bots and comments on issues", async () => {
    await t.probot.receive(commentEvent("aims-bot[bot]", "/aims sign-off I am a bot", { type: "Bot" }));
    const onIssue = commentEvent("carol", "/aims sign-off fine");
    delete onIssue.payload.issue.pull_request;
    await t.probot.receive(onIssue);
    expect(t.recorder.requests).toEqual([]);
  });

  it("a button click by a user without write access changes nothing and is answered once", async () => {
    mockGitHub({ files: [chatModel], permissions: { eve: "read" }, readsPull: true });
    await t.probot.receive(buttonEvent("eve", "request-review"));
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual([`POST ${REPO}/issues/2/comments`]);
    expect(replies()[0]!.body.body).toContain("@eve the “Request review” button of aims/human-oversight needs write access");
    expect(t.recorder.requests.map((r) => `${r.method} ${r.path.split("?")[0]}`)).toEqual([
      "POST /app/installations/1/access_tokens",
      `GET ${REPO}/pulls/2`,
      `GET ${REPO}/collaborators/eve/permission`,
      `GET ${REPO}/issues/2/comments`,
      `POST ${REPO}/issues/2/comments`,
    ]);
    t.recorder.assertValid();
  });

  it("Request review by a writer re-evaluates and requests the tier's teams", async () => {
    mockGitHub({ files: [chatModel], permissions: { carol: "write" }, readsPull: true });
    await t.probot.receive(buttonEvent("carol", "request-review"));
    expect(oversightCheck().conclusion).toBe("action_required");
    const request = writes.find((w) => w.path.endsWith("/requested_reviewers"));
    expect(request?.body).toEqual({ reviewers: [], team_reviewers: ["ml-reviewers"] });
    t.recorder.assertValid();
  });
});
