import { uncell } from "../../src/util/markdown.js";
import { describe, expect, it } from "@jest/globals";
import nock from "nock";
import { useProbotWithNock, webhookExample } from "../support/probot-app.js";
import { assessmentIssueBody, assessmentMarkdown, daysAgo } from "../support/assessments.js";

const API = "https://api.github.com";
const OWNER = "Codertocat";
const REPO = "/repos/Codertocat/Hello-World";
const HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const BASE = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e";
const AUTHOR = "Codertocat";
const DIR = "governance/impact-assessments";
const FILE = `${DIR}/AIA-2026-014.md`;
const LABEL = "aims:assessment-approved";

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
  - id: scoring
    name: Citizen scoring
    paths: ["scoring/**"]
    risk: prohibited
assessment:
  assessors:
    teams: ["Codertocat/ai-governance"]
`;

const encode = (path: string) => path.split("/").map(encodeURIComponent).join("%2F");

type File = { filename: string; status: string };

function fileEntry(f: File, i: number) {
  const text = /\.(md|ya?ml)$/.test(f.filename);
  return {
    sha: `${i}`.padStart(40, "0"),
    filename: f.filename,
    status: f.status,
    additions: text ? 10 : 0,
    deletions: 0,
    changes: text ? 10 : 0,
    blob_url: `https://github.com/Codertocat/Hello-World/blob/${HEAD}/${f.filename}`,
    raw_url: `https://github.com/Codertocat/Hello-World/raw/${HEAD}/${f.filename}`,
    contents_url: `${API}${REPO}/contents/${f.filename}?ref=${HEAD}`,
    ...(text ? { patch: "@@ -0,0 +1 @@\n+x" } : {}),
  };
}

function user(login: string) {
  return { login, id: 1, node_id: "U", avatar_url: "", url: "", html_url: "", type: "User", site_admin: false };
}

interface Scenario {
  policy?: string;
  files: File[];
  /** Contents by `path@ref`; absent paths answer 404. */
  contents?: Record<string, string>;
  directory?: string[];
  teamMembers?: string[];
  reviews?: Array<{ login: string; state: string; commit_id: string }>;
  issues?: Record<number, { body: string; labels: string[]; events: Array<{ event: string; actor: string; label: string }> }>;
}

const writes: Array<{ method: string; path: string; body: any }> = [];

/** Mock GitHub for one evaluation of PR #2; returns the check-run writes. */
function mockGitHub(s: Scenario) {
  writes.length = 0;
  nock(API).post("/app/installations/1/access_tokens").reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z", permissions: {} });
  nock(API).get(`${REPO}/contents/.github%2Faims.yml`).query({ ref: "master" }).reply(200, s.policy ?? POLICY);
  nock(API).get(`${REPO}/pulls/2/files`).query({ per_page: 100 }).reply(200, s.files.map(fileEntry));
  for (const [key, text] of Object.entries(s.contents ?? {})) {
    const [path, ref] = key.split("@") as [string, string];
    nock(API).get(`${REPO}/contents/${encode(path)}`).query({ ref }).reply(200, text);
  }
  if (s.directory) {
    nock(API)
      .get(`${REPO}/contents/${encode(DIR)}`)
      .query({ ref: BASE })
      .reply(
        200,
        s.directory.map((p) => ({ type: "file", name: p.split("/").pop(), path: p, sha: "0".repeat(40), size: 10, url: "", html_url: "", git_url: "", download_url: "", _links: { self: "", git: "", html: "" } })),
      );
  }
  for (const [number, issue] of Object.entries(s.issues ?? {})) {
    nock(API)
      .get(`${REPO}/issues/${number}`)
      .reply(200, {
        id: Number(number),
        node_id: "I",
        url: "",
        repository_url: "",
        labels_url: "",
        comments_url: "",
        events_url: "",
        html_url: `https://github.com/Codertocat/Hello-World/issues/${number}`,
        number: Number(number),
        state: "open",
        state_reason: null,
        title: "AI impact assessment: recommender",
        body: issue.body,
        user: user(AUTHOR),
        labels: issue.labels.map((name) => ({ id: 1, node_id: "L", url: "", name, color: "0e8a16", default: false, description: null })),
        assignee: null,
        assignees: [],
        milestone: null,
        locked: false,
        comments: 0,
        closed_at: null,
        created_at: "2026-05-01T00:00:00Z",
        updated_at: "2026-05-02T00:00:00Z",
        author_association: "OWNER",
      });
    nock(API)
      .get(`${REPO}/issues/${number}/events`)
      .query({ per_page: 100 })
      .reply(
        200,
        issue.events.map((e, i) => ({
          id: i + 1,
          node_id: "E",
          url: "",
          actor: user(e.actor),
          event: e.event,
          commit_id: null,
          commit_url: null,
          created_at: `${daysAgo(5 - i)}T10:00:00Z`,
          label: { name: e.label, color: "0e8a16" },
        })),
      );
  }
  for (const login of s.teamMembers ?? []) {
    nock(API).get(`/orgs/codertocat/teams/ai-governance/memberships/${login}`).reply(200, { url: "", role: "member", state: "active" });
  }
  if (s.reviews) {
    nock(API)
      .get(`${REPO}/pulls/2/reviews`)
      .query({ per_page: 100 })
      .reply(
        200,
        s.reviews.map((r, i) => ({ id: i + 1, node_id: "R", user: user(r.login), body: "", state: r.state, html_url: "", pull_request_url: "", _links: { html: { href: "" }, pull_request: { href: "" } }, submitted_at: "2026-06-01T00:00:00Z", commit_id: r.commit_id, author_association: "MEMBER" })),
      );
  }
  nock(API).get(`${REPO}/commits/${HEAD}/check-runs`).query(true).reply(200, { total_count: 0, check_runs: [] });
  nock(API)
    .post(`${REPO}/check-runs`)
    .times(2)
    .reply(201, (path, body) => {
      writes.push({ method: "POST", path, body });
      return { id: 100 + writes.length };
    });
  // Files the scenario does not hold do not exist.
  nock(API).get(/\/repos\/Codertocat\/Hello-World\/contents\//).query(true).optionally().reply(404, { message: "Not Found" }).persist();
  // Reads other gates may make (reviews, comments, authority), answered with "nothing" unless a scenario says otherwise.
  nock(API).get(`${REPO}/pulls/2/reviews`).query(true).optionally().reply(200, []).persist();
  nock(API).get(`${REPO}/issues/2/comments`).query(true).optionally().reply(200, []).persist();
  nock(API).get(/\/orgs\/[^/]+\/teams\/[^/]+\/memberships\/[^/]+$/).optionally().reply(404, { message: "Not Found" }).persist();
  nock(API).get(/\/repos\/Codertocat\/Hello-World\/collaborators\/[^/]+\/permission$/).optionally().reply(404, { message: "Not Found" }).persist();
}

function pullRequestEvent(body: string) {
  const payload = webhookExample("pull_request", "opened", (e: any) => e.repository?.full_name === "Codertocat/Hello-World");
  payload.pull_request.body = body;
  return { id: "delivery-1", name: "pull_request" as const, payload };
}

function assessmentCheck() {
  const w = writes.find((x) => x.body.name === "aims/impact-assessment");
  if (!w) throw new Error(`no aims/impact-assessment check written; writes: ${JSON.stringify(writes.map((x) => x.body.name))}`);
  return { conclusion: w.body.conclusion as string, title: w.body.output.title as string, summary: w.body.output.summary as string };
}

const recommenderModel = { filename: "models/recommender/model.onnx", status: "added" };

describe("aims/impact-assessment on pull requests", () => {
  const t = useProbotWithNock();

  it("passes on an approved assessment file as it stands on the base branch", async () => {
    mockGitHub({ files: [recommenderModel], contents: { [`${FILE}@${BASE}`]: assessmentMarkdown() }, teamMembers: ["carol"] });
    await t.probot.receive(pullRequestEvent(`Adds the ranker.\n\nImpact-Assessment: ${FILE}`));
    const check = assessmentCheck();
    expect([check.conclusion, check.title]).toEqual(["success", "Impact assessment AIA-2026-014 approved for recommender"]);
    expect(uncell(check.summary)).toContain(`${FILE}: read as it stands on \`master\` (f95f852).`);
    expect(t.recorder.requests.some((r) => r.path.includes(encode(FILE)) && r.path.includes(`ref=${BASE}`))).toBe(true);
    expect(t.recorder.requests.some((r) => r.path.includes(encode(FILE)) && r.path.includes(`ref=${HEAD}`))).toBe(false);
    t.recorder.assertValid();
  });

  it("does not count an assessment file the PR adds until an assessor approves the PR at its head", async () => {
    const files = [recommenderModel, { filename: FILE, status: "added" }];
    mockGitHub({ files, contents: { [`${FILE}@${HEAD}`]: assessmentMarkdown({ approver: "carol" }) }, reviews: [] });
    await t.probot.receive(pullRequestEvent(`Impact-Assessment: ${FILE}`));
    const check = assessmentCheck();
    expect([check.conclusion, check.title]).toEqual(["action_required", `Impact assessment ${FILE} needs an assessor's review`]);
    expect(uncell(check.summary)).toContain("otherwise its author could write their own approval");
    t.recorder.assertValid();
  });

  it("does not count the PR's edits approved at an earlier commit", async () => {
    const files = [recommenderModel, { filename: FILE, status: "modified" }];
    mockGitHub({
      files,
      contents: { [`${FILE}@${BASE}`]: assessmentMarkdown({ status: "draft" }), [`${FILE}@${HEAD}`]: assessmentMarkdown() },
      reviews: [{ login: "carol", state: "APPROVED", commit_id: "0".repeat(40) }],
    });
    await t.probot.receive(pullRequestEvent(`Impact-Assessment: ${FILE}`));
    const check = assessmentCheck();
    expect([check.conclusion, check.title]).toEqual(["action_required", "Impact assessment AIA-2026-014 is not approved"]);
    expect(uncell(check.summary)).toContain("this pull request edits it, so the version on `master` (f95f852) was used");
    t.recorder.assertValid();
  });

  it("counts the PR's version of the file once an assessor approved the PR at its head", async () => {
    const files = [recommenderModel, { filename: FILE, status: "added" }];
    mockGitHub({
      files,
      contents: { [`${FILE}@${HEAD}`]: assessmentMarkdown({ approver: "carol" }) },
      reviews: [{ login: "carol", state: "APPROVED", commit_id: HEAD }],
      teamMembers: ["carol"],
    });
    await t.probot.receive(pullRequestEvent(`Impact-Assessment: ${FILE}`));
    const check = assessmentCheck();
    expect([check.conclusion, check.title]).toEqual(["success", "Impact assessment AIA-2026-014 approved for recommender"]);
    expect(uncell(check.summary)).toContain("used the version in this pull request at ec26c3e, because @carol (assessor) approved the pull request at that commit");
    t.recorder.assertValid();
  });

  it("passes on an assessment issue whose approval label an assessor applied", async () => {
    mockGitHub({
      files: [recommenderModel],
      issues: { 5: { body: assessmentIssueBody(), labels: ["aims:assessment", LABEL], events: [{ event: "labeled", actor: "carol", label: LABEL }] } },
      teamMembers: ["carol"],
    });
    await t.probot.receive(pullRequestEvent("Impact-Assessment: #5"));
    const check = assessmentCheck();
    expect([check.conclusion, check.title]).toEqual(["success", "Impact assessment AIA-2026-020 approved for recommender"]);
    expect(uncell(check.summary)).toContain("approved by @carol (member of @codertocat/ai-governance)");
    t.recorder.assertValid();
  });

  it("does not count the approval label applied by someone who is not an assessor", async () => {
    mockGitHub({
      files: [recommenderModel],
      issues: {
        5: {
          body: assessmentIssueBody(),
          labels: [LABEL],
          events: [
            { event: "labeled", actor: "carol", label: LABEL },
            { event: "unlabeled", actor: "eve", label: LABEL },
            { event: "labeled", actor: "eve", label: LABEL },
          ],
        },
      },
    });
    await t.probot.receive(pullRequestEvent("Impact-Assessment: https://github.com/Codertocat/Hello-World/issues/5"));
    const check = assessmentCheck();
    expect([check.conclusion, check.title]).toEqual(["action_required", "Impact assessment AIA-2026-020 is not approved by an assessor"]);
    expect(uncell(check.summary)).toContain("@eve is not an assessor (not an active member of @codertocat/ai-governance)");
    t.recorder.assertValid();
  });

  it("requires action on an expired assessment", async () => {
    mockGitHub({ files: [recommenderModel], contents: { [`${FILE}@${BASE}`]: assessmentMarkdown({ nextReview: "2025-12-31" }) }, teamMembers: ["carol"] });
    await t.probot.receive(pullRequestEvent(`Impact-Assessment: ${FILE}`));
    const check = assessmentCheck();
    expect([check.conclusion, check.title]).toEqual(["action_required", "Impact assessment AIA-2026-014 expired on 2025-12-31"]);
    expect(uncell(check.summary)).toContain("set a new `review.next_review`");
    t.recorder.assertValid();
  });

  it("requires action when an affected system is not covered, and points at its existing assessment", async () => {
    mockGitHub({
      files: [recommenderModel, { filename: "chat/prompts/triage.prompt.yml", status: "added" }],
      contents: {
        [`${FILE}@${BASE}`]: assessmentMarkdown(),
        [`${DIR}/AIA-2026-009.md@${BASE}`]: assessmentMarkdown({ id: "AIA-2026-009", systems: ["chatbot"], risk: "limited" }),
      },
      directory: [FILE, `${DIR}/AIA-2026-009.md`],
      teamMembers: ["carol"],
    });
    await t.probot.receive(pullRequestEvent(`Impact-Assessment: ${FILE}`));
    const check = assessmentCheck();
    expect([check.conclusion, check.title]).toEqual(["action_required", "Impact assessment AIA-2026-014 does not cover chatbot"]);
    expect(uncell(check.summary)).toContain(`Add this line to the pull request description: \`Impact-Assessment: ${DIR}/AIA-2026-009.md\``);
    t.recorder.assertValid();
  });

  it("with link: auto, passes on the approved assessment registered for the system without a link", async () => {
    mockGitHub({
      policy: `${POLICY}  link: auto\n`,
      files: [recommenderModel],
      contents: { [`${FILE}@${BASE}`]: assessmentMarkdown() },
      directory: [FILE, `${DIR}/README.md`],
      teamMembers: ["carol"],
    });
    await t.probot.receive(pullRequestEvent("Adds the ranker."));
    const check = assessmentCheck();
    expect([check.conclusion, check.title]).toEqual(["success", "Impact assessment AIA-2026-014 approved for recommender"]);
    expect(uncell(check.summary)).toContain(`To link it explicitly: \`Impact-Assessment: ${FILE}\``);
    t.recorder.assertValid();
  });

  it("fails a prohibited system with the reason", async () => {
    mockGitHub({ files: [{ filename: "scoring/model.onnx", status: "added" }], directory: [] });
    await t.probot.receive(pullRequestEvent("Adds scoring."));
    const check = assessmentCheck();
    expect([check.conclusion, check.title]).toEqual(["failure", "Prohibited AI practice: scoring"]);
    expect(uncell(check.summary)).toContain("EU AI Act (Art. 5)");
    t.recorder.assertValid();
  });
});

describe("assessment issues events", () => {
  const t = useProbotWithNock();

  function issuesEvent(action: "labeled" | "edited", sender: { login: string; type: string } = { login: "carol", type: "User" }) {
    const payload = webhookExample("issues", action);
    payload.installation = { id: 1 };
    payload.issue.number = 5;
    payload.issue.body = assessmentIssueBody();
    payload.sender = { ...payload.sender, ...sender };
    if (action === "labeled") payload.label = { ...payload.label, name: LABEL };
    return { id: "delivery-issue", name: "issues" as const, payload };
  }

  it("re-evaluates the open pull request that links the issue when it is labelled", async () => {
    const pr = webhookExample("pull_request", "opened", (e: any) => e.repository?.full_name === "Codertocat/Hello-World").pull_request;
    pr.body = "Adds the ranker.\n\nImpact-Assessment: #5";
    const other = { ...pr, number: 3, body: "Impact-Assessment: #50" };
    mockGitHub({
      files: [recommenderModel],
      issues: { 5: { body: assessmentIssueBody(), labels: [LABEL], events: [{ event: "labeled", actor: "carol", label: LABEL }] } },
      teamMembers: ["carol"],
    });
    nock(API).get(`${REPO}/pulls`).query({ state: "open", sort: "updated", direction: "desc", per_page: 100 }).reply(200, [other, pr]);
    nock(API).get(`${REPO}/pulls/2`).reply(200, pr);
    await t.probot.receive(issuesEvent("labeled"));
    const check = assessmentCheck();
    expect([check.conclusion, check.title]).toEqual(["success", "Impact assessment AIA-2026-020 approved for recommender"]);
    expect(t.recorder.requests.some((r) => r.path.startsWith(`${REPO}/pulls/3`))).toBe(false);
    t.recorder.assertValid();
  });

  it("stops after 500 open pull requests", async () => {
    const pr = webhookExample("pull_request", "opened", (e: any) => e.repository?.full_name === "Codertocat/Hello-World").pull_request;
    nock(API).post("/app/installations/1/access_tokens").reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z", permissions: {} });
    const page = (n: number) => Array.from({ length: 100 }, (_, i) => ({ ...pr, number: 1000 + n * 100 + i, body: "no link" }));
    for (let n = 1; n <= 5; n++) {
      nock(API)
        .get(`${REPO}/pulls`)
        .query((q) => q.state === "open" && (n === 1 ? q.page === undefined : q.page === String(n)))
        .reply(200, page(n), { link: `<${API}${REPO}/pulls?state=open&sort=updated&direction=desc&per_page=100&page=${n + 1}>; rel="next"` });
    }
    await t.probot.receive(issuesEvent("labeled"));
    expect(t.recorder.requests.filter((r) => r.path.startsWith(`${REPO}/pulls?`))).toHaveLength(5);
    expect(nock.isDone()).toBe(true);
    t.recorder.assertValid();
  });

  it("ignores events sent by bots and issues that are not assessments", async () => {
    await t.probot.receive(issuesEvent("labeled", { login: "aims-bot[bot]", type: "Bot" }));
    const plain = issuesEvent("edited");
    plain.payload.issue.body = "The button is broken.";
    await t.probot.receive(plain);
    expect(t.recorder.requests).toEqual([]);
  });
});
