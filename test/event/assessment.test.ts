import { uncell } from "../../src/util/markdown.js";
import { describe, expect, it } from "@jest/globals";
import type { FakeRepo } from "../support/fake-github.js";
import { receive, useFakeProbot } from "../support/fake-probot.js";
import { payloads } from "../support/payloads.js";
import { assessmentIssueBody, assessmentMarkdown } from "../support/assessments.js";

const SHOP = "acme/shop";
const AUTHOR = "dave";
const DIR = "governance/impact-assessments";
const FILE = `${DIR}/AIA-2026-014.md`;
const LABEL = "aims:assessment-approved";
const MODEL = { "models/recommender/model.onnx": "\u0000ONNX" };

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
    teams: ["acme/ai-governance"]
`;

interface Scenario {
  policy?: string;
  /** Files on main besides the policy. */
  base?: Record<string, string>;
  /** Files the PR changes. */
  changes: Record<string, string>;
  /** Active members of acme/ai-governance. */
  assessors?: string[];
  body?: string;
}

/** acme/shop as the scenario describes it, and the author's open PR. */
function setUp(t: ReturnType<typeof useFakeProbot>, s: Scenario) {
  const { fake } = t;
  const repo = fake.addRepo(SHOP, { files: { ".github/aims.yml": s.policy ?? POLICY, "README.md": "# Shop\n", ...s.base } });
  fake.addTeam("acme", "ai-governance", Object.fromEntries((s.assessors ?? []).map((login) => [login, "member" as const])));
  fake.commit(repo, { branch: "change", files: s.changes, author: AUTHOR });
  const pr = fake.addPullRequest(repo, { head: "change", user: AUTHOR, body: s.body ?? "" });
  const events = payloads(fake, SHOP);
  const assessmentCheck = () => {
    const run = fake.checkRunsFor(repo, { headSha: pr.head.sha, name: "aims/impact-assessment" }).at(-1);
    if (!run) throw new Error("no aims/impact-assessment check written");
    return { conclusion: run.conclusion, title: run.output.title, summary: uncell(run.output.summary ?? "") };
  };
  const open = async () => receive(t.probot, "pull_request", await events.pullRequest(pr.number, "opened"));
  return { repo, pr, events, assessmentCheck, open };
}

/** An assessment issue (rendered issue form) with the approval label applied by `approver`. */
function approvedIssue(t: ReturnType<typeof useFakeProbot>, repo: FakeRepo, approver: string) {
  const issue = t.fake.addIssue(repo, { title: "AI impact assessment: recommender", body: assessmentIssueBody(), labels: ["aims:assessment"], user: "alice" });
  t.fake.labelIssue(repo, issue.number, [LABEL], approver);
  return issue;
}

describe("aims/impact-assessment on pull requests (in-process app, stateful fake GitHub)", () => {
  const t = useFakeProbot();
  const contentReads = (path: string) =>
    t.fake.requests.filter((r) => r.operationId === "repos/get-content" && decodeURIComponent(r.path).endsWith(`/contents/${path}`)).map((r) => r.query.ref);

  it("passes on an approved assessment file as it stands on the base branch", async () => {
    const { pr, open, assessmentCheck } = setUp(t, { base: { [FILE]: assessmentMarkdown() }, changes: MODEL, assessors: ["carol"], body: `Adds the ranker.\n\nImpact-Assessment: ${FILE}` });
    await open();
    const check = assessmentCheck();
    expect([check.conclusion, check.title]).toEqual(["success", "Impact assessment AIA-2026-014 approved for recommender"]);
    expect(check.summary).toContain(`${FILE}: read as it stands on \`main\` (${pr.base.sha.slice(0, 7)}).`);
    expect(contentReads(FILE)).toContain(pr.base.sha);
    expect(contentReads(FILE)).not.toContain(pr.head.sha);
  });

  it("does not count an assessment file the PR adds until an assessor approves the PR at its head", async () => {
    const { open, assessmentCheck } = setUp(t, { changes: { ...MODEL, [FILE]: assessmentMarkdown({ approver: "carol" }) }, assessors: ["carol"], body: `Impact-Assessment: ${FILE}` });
    await open();
    const check = assessmentCheck();
    expect([check.conclusion, check.title]).toEqual(["action_required", `Impact assessment ${FILE} needs an assessor's review`]);
    expect(check.summary).toContain("otherwise its author could write their own approval");
  });

  it("does not count the PR's edits approved at an earlier commit", async () => {
    const { pr, open, assessmentCheck } = setUp(t, {
      base: { [FILE]: assessmentMarkdown({ status: "draft" }) },
      changes: { ...MODEL, [FILE]: assessmentMarkdown({ status: "review" }) },
      assessors: ["carol"],
      body: `Impact-Assessment: ${FILE}`,
    });
    // carol approves, then the author pushes the approved version on top.
    t.fake.addReview(SHOP, pr.number, { user: "carol", state: "APPROVED" });
    t.fake.pushToPull(SHOP, pr.number, { [FILE]: assessmentMarkdown() });
    await open();
    const check = assessmentCheck();
    expect([check.conclusion, check.title]).toEqual(["action_required", "Impact assessment AIA-2026-014 is not approved"]);
    expect(check.summary).toContain(`this pull request edits it, so the version on \`main\` (${pr.base.sha.slice(0, 7)}) was used`);
  });

  it("counts the PR's version of the file once an assessor approved the PR at its head", async () => {
    const { pr, open, assessmentCheck } = setUp(t, { changes: { ...MODEL, [FILE]: assessmentMarkdown({ approver: "carol" }) }, assessors: ["carol"], body: `Impact-Assessment: ${FILE}` });
    t.fake.addReview(SHOP, pr.number, { user: "carol", state: "APPROVED" });
    await open();
    const check = assessmentCheck();
    expect([check.conclusion, check.title]).toEqual(["success", "Impact assessment AIA-2026-014 approved for recommender"]);
    expect(check.summary).toContain(`used the version in this pull request at ${pr.head.sha.slice(0, 7)}, because @carol (assessor) approved the pull request at that commit`);
  });

  it("passes on an assessment issue whose approval label an assessor applied", async () => {
    const { repo, pr, open, assessmentCheck } = setUp(t, { changes: MODEL, assessors: ["carol"] });
    const issue = approvedIssue(t, repo, "carol");
    pr.issue.body = `Impact-Assessment: #${issue.number}`;
    await open();
    const check = assessmentCheck();
    expect([check.conclusion, check.title]).toEqual(["success", "Impact assessment AIA-2026-020 approved for recommender"]);
    expect(check.summary).toContain("approved by @carol (member of @acme/ai-governance)");
  });

  it("does not count the approval label applied by someone who is not an assessor", async () => {
    const { repo, pr, open, assessmentCheck } = setUp(t, { changes: MODEL, assessors: ["gina"] });
    const issue = approvedIssue(t, repo, "carol");
    // eve takes the label off and puts it back: the approval is now hers.
    t.fake.setPermission(repo, "eve", "triage");
    t.fake.addUserToken("eve-token", "eve");
    const removed = await fetch(`${t.fake.apiBase}/repos/${SHOP}/issues/${issue.number}/labels/${encodeURIComponent(LABEL)}`, { method: "DELETE", headers: { authorization: "token eve-token" } });
    expect(removed.status).toBe(200);
    t.fake.labelIssue(repo, issue.number, [LABEL], "eve");
    pr.issue.body = `Impact-Assessment: https://github.com/${SHOP}/issues/${issue.number}`;
    await open();
    const check = assessmentCheck();
    expect([check.conclusion, check.title]).toEqual(["action_required", "Impact assessment AIA-2026-020 is not approved by an assessor"]);
    expect(check.summary).toContain("@eve is not an assessor (not an active member of @acme/ai-governance)");
  });

  it("requires action on an expired assessment", async () => {
    const { open, assessmentCheck } = setUp(t, { base: { [FILE]: assessmentMarkdown({ nextReview: "2025-12-31" }) }, changes: MODEL, assessors: ["carol"], body: `Impact-Assessment: ${FILE}` });
    await open();
    const check = assessmentCheck();
    expect([check.conclusion, check.title]).toEqual(["action_required", "Impact assessment AIA-2026-014 expired on 2025-12-31"]);
    expect(check.summary).toContain("set a new `review.next_review`");
  });

  it("requires action when an affected system is not covered, and points at its existing assessment", async () => {
    const { open, assessmentCheck } = setUp(t, {
      base: { [FILE]: assessmentMarkdown(), [`${DIR}/AIA-2026-009.md`]: assessmentMarkdown({ id: "AIA-2026-009", systems: ["chatbot"], risk: "limited" }) },
      changes: { ...MODEL, "chat/prompts/triage.prompt.yml": "messages: []\n" },
      assessors: ["carol"],
      body: `Impact-Assessment: ${FILE}`,
    });
    await open();
    const check = assessmentCheck();
    expect([check.conclusion, check.title]).toEqual(["action_required", "Impact assessment AIA-2026-014 does not cover chatbot"]);
    expect(check.summary).toContain(`Add this line to the pull request description: \`Impact-Assessment: ${DIR}/AIA-2026-009.md\``);
  });

  it("with link: auto, passes on the approved assessment registered for the system without a link", async () => {
    const { open, assessmentCheck } = setUp(t, {
      policy: `${POLICY}  link: auto\n`,
      base: { [FILE]: assessmentMarkdown(), [`${DIR}/README.md`]: "# Impact assessments\n" },
      changes: MODEL,
      assessors: ["carol"],
      body: "Adds the ranker.",
    });
    await open();
    const check = assessmentCheck();
    expect([check.conclusion, check.title]).toEqual(["success", "Impact assessment AIA-2026-014 approved for recommender"]);
    expect(check.summary).toContain(`To link it explicitly: \`Impact-Assessment: ${FILE}\``);
  });

  it("fails a prohibited system with the reason", async () => {
    const { open, assessmentCheck } = setUp(t, { changes: { "scoring/model.onnx": "\u0000ONNX" }, body: "Adds scoring." });
    await open();
    const check = assessmentCheck();
    expect([check.conclusion, check.title]).toEqual(["failure", "Prohibited AI practice: scoring"]);
    expect(check.summary).toContain("EU AI Act (Art. 5)");
  });
});

describe("assessment issues events (in-process app, stateful fake GitHub)", () => {
  const t = useFakeProbot();

  it("re-evaluates the open pull request that links the issue when it is labelled", async () => {
    const { repo, pr, events, assessmentCheck } = setUp(t, { changes: MODEL, assessors: ["carol"] });
    const issue = t.fake.addIssue(repo, { title: "AI impact assessment: recommender", body: assessmentIssueBody(), labels: ["aims:assessment"], user: "alice" });
    pr.issue.body = `Adds the ranker.\n\nImpact-Assessment: #${issue.number}`;
    const other = t.fake.addPullRequest(repo, { head: "change", user: AUTHOR, body: `Impact-Assessment: #${issue.number}0` });
    t.fake.labelIssue(repo, issue.number, [LABEL], "carol");
    const labeled = await events.labeled(issue.number, LABEL, "carol");
    t.fake.reset();
    await receive(t.probot, "issues", labeled);
    const check = assessmentCheck();
    expect([check.conclusion, check.title]).toEqual(["success", "Impact assessment AIA-2026-020 approved for recommender"]);
    expect(t.fake.requests.some((r) => r.path.startsWith(`/repos/${SHOP}/pulls/${other.number}`))).toBe(false);
  });

  it("stops after 500 open pull requests", async () => {
    const { repo, events } = setUp(t, { changes: MODEL });
    for (let i = 0; i < 550; i++) t.fake.addPullRequest(repo, { head: "change", user: AUTHOR, body: "no link" });
    const issue = approvedIssue(t, repo, "carol");
    const labeled = await events.labeled(issue.number, LABEL, "carol");
    t.fake.reset();
    await receive(t.probot, "issues", labeled);
    expect(t.fake.requests.filter((r) => r.operationId === "pulls/list").map((r) => r.query.page ?? "1")).toEqual(["1", "2", "3", "4", "5"]);
    expect(t.fake.checkRunsFor(repo)).toEqual([]);
  });

  it("ignores events sent by bots and issues that are not assessments", async () => {
    const { repo, events } = setUp(t, { changes: MODEL, assessors: ["carol"] });
    const assessment = approvedIssue(t, repo, "carol");
    const plain = t.fake.addIssue(repo, { title: "Broken button", body: "The button is broken.", user: "alice" });
    // The app itself and another app, such as a label-syncing bot.
    t.fake.user("label-sync[bot]", "Bot");
    const byBots = [await events.labeled(assessment.number, LABEL, t.fake.botLogin), await events.labeled(assessment.number, LABEL, "label-sync[bot]")];
    const edited = await events.issue("edited", plain.number, "alice", { changes: { body: { from: "The button is broke." } } });
    t.fake.reset();
    for (const byBot of byBots) await receive(t.probot, "issues", byBot);
    await receive(t.probot, "issues", edited);
    expect(t.fake.requests).toEqual([]);
  });
});
