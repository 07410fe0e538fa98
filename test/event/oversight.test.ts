import { uncell } from "../../src/util/markdown.js";
import { describe, expect, it } from "@jest/globals";
import type { Permission } from "../support/fake-github.js";
import { receive, useFakeProbot } from "../support/fake-probot.js";
import { payloads } from "../support/payloads.js";

const SHOP = "acme/shop";
const REASON = "Incident INC-42: the ranker must be rolled back to the previous model now.";
const OVERSIGHT = "aims/human-oversight";
const ASSESSMENT = "aims/impact-assessment";

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
      teams: ["acme/ml-reviewers"]
    high:
      required: 2
      teams: ["acme/ml-reviewers", "acme/legal"]
  governance:
    users: ["gov-lead"]
`;

const CHAT_MODEL = { "chat/model.onnx": "\u0000ONNX-chat" };
const RANKER_MODEL = { "models/recommender/model.onnx": "\u0000ONNX-ranker" };
const short = (sha: string) => sha.slice(0, 7);

interface Scenario {
  policy?: string;
  changes: Record<string, string>;
  /** Active members by team slug (org acme). */
  teams?: Record<string, string[]>;
  permissions?: Record<string, Permission>;
}

describe("aims/human-oversight through Probot (in-process app, stateful fake GitHub)", () => {
  const t = useFakeProbot({ fake: { now: "2026-06-01T09:00:00Z" } });

  /** acme/shop as described and alice's PR; `open()` delivers `opened`, so aims has seen the head. */
  function setUp(s: Scenario) {
    const { fake } = t;
    const repo = fake.addRepo(SHOP, { files: { ".github/aims.yml": s.policy ?? POLICY, "README.md": "# Shop\n" } });
    for (const [slug, members] of Object.entries(s.teams ?? {})) fake.addTeam("acme", slug, Object.fromEntries(members.map((login) => [login, "member" as const])));
    for (const [login, permission] of Object.entries(s.permissions ?? {})) fake.setPermission(repo, login, permission);
    fake.commit(repo, { branch: "change", files: s.changes, author: "alice" });
    const pr = fake.addPullRequest(repo, { head: "change", user: "alice" });
    const events = payloads(fake, SHOP);
    const latest = (name: string) => {
      const run = fake.checkRunsFor(repo, { headSha: pr.head.sha, name }).at(-1);
      if (!run) throw new Error(`no ${name} check written`);
      return { id: run.id, conclusion: run.conclusion, title: run.output.title, summary: uncell(run.output.summary ?? ""), actions: run.actions };
    };
    return {
      repo,
      pr,
      events,
      oversightCheck: () => latest(OVERSIGHT),
      assessmentCheck: () => latest(ASSESSMENT),
      /** The app's comments on the PR. */
      replies: () => pr.issue.comments.filter((c) => c.user === fake.botLogin).map((c) => c.body),
      checkWrites: () => fake.requests.filter((r) => r.operationId === "checks/create" || r.operationId === "checks/update"),
      open: async () => {
        await receive(t.probot, "pull_request", await events.pullRequest(pr.number, "opened"));
        fake.advanceClock(60_000);
      },
      /** `login` comments `body` on the PR; returns the `issue_comment.created` GitHub sends. */
      comment: async (login: string, body: string) => {
        const c = fake.addComment(repo, pr.number, { body, user: login });
        fake.advanceClock(60_000);
        return { id: c.id, event: await events.comment("created", pr.number, c) };
      },
      review: async (login: string, state: "APPROVED" | "CHANGES_REQUESTED") => {
        const r = fake.addReview(repo, pr.number, { user: login, state, body: "Checked the evaluation report and the rollout plan." });
        fake.advanceClock(60_000);
        return events.review("submitted", pr.number, r.id);
      },
    };
  }

  it("counts an approval by an active member of the tier's team, with the team snapshot", async () => {
    const s = setUp({ changes: CHAT_MODEL, teams: { "ml-reviewers": ["carol"] } });
    await s.open();
    await receive(t.probot, "pull_request_review", await s.review("carol", "APPROVED"));
    const check = s.oversightCheck();
    expect([check.conclusion, check.title]).toEqual(["success", "Signed off by @carol (limited risk)"]);
    expect(check.summary).toContain(`@carol signed off by approving review at ${short(s.pr.head.sha)} on 2026-06-01 (@acme/ml-reviewers)`);
    expect(check.summary).toContain("Risk tier limited (systems: chatbot): 1 sign-off required from a member of @acme/ml-reviewers");
    expect(check.actions).toEqual([{ label: "Re-check", description: "Evaluate the oversight gate again", identifier: "recheck" }]);
  });

  it("dismisses an approval by someone who is not an active member, and offers the buttons", async () => {
    const s = setUp({ changes: CHAT_MODEL, teams: { "ml-reviewers": ["carol"] }, permissions: { mallory: "admin" } });
    await s.open();
    await receive(t.probot, "pull_request_review", await s.review("mallory", "APPROVED"));
    const check = s.oversightCheck();
    expect([check.conclusion, check.title]).toEqual(["action_required", "Human sign-off required"]);
    expect(check.summary).toContain(`@mallory's approval (2026-06-01 at ${short(s.pr.head.sha)}): not eligible for the limited tier (not an active member of @acme/ml-reviewers)`);
    expect(check.actions.map((a) => a.identifier)).toEqual(["request-review", "recheck"]);
    for (const a of check.actions) {
      expect(a.label.length).toBeLessThanOrEqual(20);
      expect(a.identifier.length).toBeLessThanOrEqual(20);
      expect(a.description.length).toBeLessThanOrEqual(40);
    }
  });

  it("on the high tier, counts a comment sign-off with a rationale and dismisses one without", async () => {
    const s = setUp({ changes: RANKER_MODEL, teams: { "ml-reviewers": ["carol"], legal: ["erin"] } });
    await s.open();
    await receive(t.probot, "issue_comment", (await s.comment("carol", "/aims sign-off Reviewed the ranking evaluation and the fallback.")).event);
    await receive(t.probot, "issue_comment", (await s.comment("erin", "/aims sign-off")).event);
    const check = s.oversightCheck();
    expect([check.conclusion, check.title]).toEqual(["action_required", "Human sign-off required: 1 of 2 signed"]);
    expect(check.summary).toContain(`@carol signed off by \`/aims sign-off\` at ${short(s.pr.head.sha)} on 2026-06-01 (@acme/ml-reviewers): “Reviewed the ranking evaluation and the fallback.”`);
    expect(check.summary).toContain(`@erin's \`/aims sign-off\` (2026-06-01 at ${short(s.pr.head.sha)}): no rationale; the high tier requires one`);
    expect(s.replies()).toEqual([]);
  });

  it("passes the high tier with two comment sign-offs with rationales", async () => {
    const s = setUp({ changes: RANKER_MODEL, teams: { "ml-reviewers": ["carol"], legal: ["erin"] } });
    await s.open();
    await receive(t.probot, "issue_comment", (await s.comment("carol", "/aims sign-off Reviewed the ranking evaluation and the fallback.")).event);
    await receive(t.probot, "issue_comment", (await s.comment("erin", "/aims sign-off Legal review done: no personal data in features.")).event);
    expect(s.oversightCheck().conclusion).toBe("success");
    expect(s.oversightCheck().title).toBe("Signed off by @carol, @erin (high risk)");
  });

  it("does not count a sign-off comment posted before aims saw the head commit", async () => {
    const s = setUp({ changes: CHAT_MODEL, teams: { "ml-reviewers": ["carol"] } });
    const early = await s.comment("carol", "/aims sign-off looks fine");
    await s.open();
    await receive(t.probot, "issue_comment", early.event);
    const check = s.oversightCheck();
    expect(check.conclusion).toBe("action_required");
    expect(check.summary).toContain(`posted before aims saw the latest commit ${short(s.pr.head.sha)}, so it may not cover it; sign off again.`);
  });

  it("a revoke withdraws the approval", async () => {
    const s = setUp({ changes: CHAT_MODEL, teams: { "ml-reviewers": ["carol"] } });
    await s.open();
    await receive(t.probot, "pull_request_review", await s.review("carol", "APPROVED"));
    expect(s.oversightCheck().conclusion).toBe("success");
    await receive(t.probot, "issue_comment", (await s.comment("carol", "/aims revoke")).event);
    const check = s.oversightCheck();
    expect([check.conclusion, check.title]).toEqual(["action_required", "Human sign-off required"]);
    expect(check.summary).toContain("@carol: sign-off of 2026-06-01 withdrawn with `/aims revoke` on 2026-06-01.");
  });

  it("changes requested by an eligible reviewer block the gate", async () => {
    const s = setUp({ changes: CHAT_MODEL, teams: { "ml-reviewers": ["carol", "erin"] } });
    await s.open();
    await receive(t.probot, "pull_request_review", await s.review("carol", "APPROVED"));
    await receive(t.probot, "pull_request_review", await s.review("erin", "CHANGES_REQUESTED"));
    const check = s.oversightCheck();
    expect([check.conclusion, check.title]).toEqual(["action_required", "Changes requested by @erin"]);
    expect(check.summary).toContain("Address the requested changes, then ask @erin to approve (or dismiss the review).");
  });

  it("a push that changes AI files invalidates an approval given on the earlier commit", async () => {
    const s = setUp({ changes: CHAT_MODEL, teams: { "ml-reviewers": ["carol"] } });
    await s.open();
    await receive(t.probot, "pull_request_review", await s.review("carol", "APPROVED"));
    const approvedAt = s.pr.head.sha;
    t.fake.pushToPull(SHOP, s.pr.number, { "chat/model.onnx": "\u0000ONNX-chat-v2" });
    await receive(t.probot, "pull_request", await s.events.pullRequest(s.pr.number, "synchronize"));
    const check = s.oversightCheck();
    expect([check.conclusion, check.title]).toEqual(["action_required", "Human sign-off required"]);
    expect(check.summary).toContain(`@carol's approval (2026-06-01 at ${short(approvedAt)}): stale, the head is now ${short(s.pr.head.sha)}; AI-relevant files changed since: chat/model.onnx.`);
  });

  it("keeps an approval across a push that changes no AI-relevant file (keep_when_ai_unchanged)", async () => {
    const s = setUp({ changes: CHAT_MODEL, teams: { "ml-reviewers": ["carol"] } });
    await s.open();
    await receive(t.probot, "pull_request_review", await s.review("carol", "APPROVED"));
    const approvedAt = s.pr.head.sha;
    t.fake.pushToPull(SHOP, s.pr.number, { "README.md": "# Shop, described\n" });
    t.fake.reset();
    await receive(t.probot, "pull_request", await s.events.pullRequest(s.pr.number, "synchronize"));
    const check = s.oversightCheck();
    expect([check.conclusion, check.title]).toEqual(["success", "Signed off by @carol (limited risk)"]);
    expect(check.summary).toContain(`signed at ${short(approvedAt)}; no AI-relevant file changed since`);
    expect(t.fake.requests.some((r) => r.path.startsWith(`/repos/${SHOP}/compare/${approvedAt}...${s.pr.head.sha}`))).toBe(true);
  });

  it("distinct teams: two sign-offs from the same team count once", async () => {
    const policy = POLICY.replace("      required: 2\n", "      required: 2\n      distinct_teams: true\n");
    const s = setUp({ policy, changes: RANKER_MODEL, teams: { "ml-reviewers": ["carol", "erin"] } });
    await s.open();
    await receive(t.probot, "issue_comment", (await s.comment("carol", "/aims sign-off Reviewed the ranking evaluation.")).event);
    await receive(t.probot, "issue_comment", (await s.comment("erin", "/aims sign-off Reviewed the features and the data.")).event);
    const check = s.oversightCheck();
    expect([check.conclusion, check.title]).toEqual(["action_required", "Human sign-off required: 1 of 2 signed"]);
    expect(check.summary).toContain("another sign-off already stands for @acme/ml-reviewers; distinct teams are required.");
    expect(check.summary).toContain("each from a different team");
  });

  it("an override by the governance lead passes both gates, recorded with who, why and the commit", async () => {
    const s = setUp({ changes: RANKER_MODEL });
    await s.open();
    await receive(t.probot, "issue_comment", (await s.comment("gov-lead", `/aims override ${REASON}`)).event);
    const oversight = s.oversightCheck();
    const assessment = s.assessmentCheck();
    expect([oversight.conclusion, oversight.title]).toEqual(["success", "Overridden by @gov-lead"]);
    expect([assessment.conclusion, assessment.title]).toEqual(["success", "Overridden by @gov-lead"]);
    expect(oversight.summary).toContain(`@gov-lead overrode this gate on 2026-06-01 at ${short(s.pr.head.sha)}: “${REASON}”`);
    expect(assessment.summary).toContain("Without the override: action_required");
    expect(s.replies()).toEqual([]);
  });

  it("an override by someone else changes nothing and gets a reply saying who may override", async () => {
    const s = setUp({ changes: RANKER_MODEL, permissions: { eve: "admin" } });
    await s.open();
    const { id, event } = await s.comment("eve", `/aims override ${REASON}`);
    await receive(t.probot, "issue_comment", event);
    expect(s.oversightCheck().conclusion).toBe("action_required");
    expect(s.assessmentCheck().title).not.toContain("Overridden");
    expect(s.oversightCheck().summary).toContain("@eve's override (2026-06-01) does not apply: @eve is not a listed user; overrides are for @gov-lead");
    expect(s.replies()).toHaveLength(1);
    expect(s.replies()[0]).toContain(`<!-- aims:reply-to=${id} -->`);
    expect(s.replies()[0]).toContain("@eve, your override was not applied: only @gov-lead may override the aims gates (you are not one of them).");
  });

  it("refusing an override by someone with write permission only reads as sentences, in the reply and the check", async () => {
    const s = setUp({ policy: POLICY.replace('  governance:\n    users: ["gov-lead"]\n', ""), changes: RANKER_MODEL, permissions: { bob: "write" } });
    await s.open();
    await receive(t.probot, "issue_comment", (await s.comment("bob", `/aims override ${REASON}`)).event);
    expect(s.oversightCheck().conclusion).toBe("action_required");
    expect(s.oversightCheck().summary).toContain("@bob's override (2026-06-01) does not apply: @bob has write permission only; overrides are for a repository admin");
    expect(s.replies()).toHaveLength(1);
    expect(s.replies()[0]).toContain("@bob, your override was not applied: only repository admins may override the aims gates (you have write access).");
  });

  it("an edited sign-off comment does not count and is reported", async () => {
    const s = setUp({ changes: CHAT_MODEL, teams: { "ml-reviewers": ["carol"] } });
    await s.open();
    const c = t.fake.addComment(SHOP, s.pr.number, { body: "/aims sign-off reviewed", user: "carol" });
    t.fake.advanceClock(30 * 60_000);
    t.fake.editComment(SHOP, c.id, "/aims sign-off reviewed everything");
    await receive(t.probot, "issue_comment", await s.events.comment("edited", s.pr.number, c, { extra: { changes: { body: { from: "/aims sign-off reviewed" } } } }));
    const check = s.oversightCheck();
    expect(check.conclusion).toBe("action_required");
    expect(check.summary).toContain(`@carol's \`/aims sign-off\` (2026-06-01 at ${short(s.pr.head.sha)}): the comment was edited after it was posted`);
  });

  it("replies with usage to an unknown command", async () => {
    const s = setUp({ changes: CHAT_MODEL });
    await s.open();
    await receive(t.probot, "issue_comment", (await s.comment("carol", "/aims bless")).event);
    expect(s.replies()).toHaveLength(1);
    expect(s.replies()[0]).toContain("`/aims bless` is not an aims command.");
    expect(s.replies()[0]).toContain("/aims sign-off <rationale>");
  });

  it("replies once with usage to a command that does not belong on a pull request, and not again on redelivery", async () => {
    const s = setUp({ changes: CHAT_MODEL });
    await s.open();
    const { event } = await s.comment("carol", "/aims approve");
    t.fake.reset();
    await receive(t.probot, "issue_comment", event);
    expect(s.replies()).toHaveLength(1);
    expect(s.replies()[0]).toContain("`/aims approve` is for the tracking issue of an AI change pushed without a pull request. On a pull request, sign off with `/aims sign-off <rationale>`.");
    expect(s.replies()[0]).toContain("/aims sign-off <rationale>");
    expect(s.checkWrites()).toEqual([]);
    await receive(t.probot, "issue_comment", event);
    expect(s.replies()).toHaveLength(1);
  });

  it("a comment with two commands gets one usage reply and neither takes effect: the approval stands, nothing is re-evaluated", async () => {
    const s = setUp({ changes: CHAT_MODEL, teams: { "ml-reviewers": ["carol"] } });
    await s.open();
    await receive(t.probot, "pull_request_review", await s.review("carol", "APPROVED"));
    const { event } = await s.comment("carol", "/aims sign-off ok\n/aims revoke");
    t.fake.reset();
    await receive(t.probot, "issue_comment", event);
    expect(s.replies()).toHaveLength(1);
    expect(s.replies()[0]).toContain(
      "@carol `/aims sign-off`: one command per comment: this comment holds `/aims sign-off` and `/aims revoke`, so none of them was applied; post each command in its own comment.",
    );
    expect(s.checkWrites()).toEqual([]);
    expect(s.oversightCheck().conclusion).toBe("success");
  });

  it("ignores comments from bots and comments on issues", async () => {
    const s = setUp({ changes: CHAT_MODEL, teams: { "ml-reviewers": ["carol"] } });
    t.fake.user("helper[bot]", "Bot");
    const fromBots = [
      await s.events.comment("created", s.pr.number, t.fake.addComment(SHOP, s.pr.number, { body: "/aims sign-off I am the app", user: t.fake.botLogin })),
      await s.events.comment("created", s.pr.number, t.fake.addComment(SHOP, s.pr.number, { body: "/aims sign-off I am a bot", user: "helper[bot]" })),
    ];
    const issue = t.fake.addIssue(SHOP, { title: "Question", user: "alice" });
    const onIssue = await s.events.comment("created", issue.number, t.fake.addComment(SHOP, issue.number, { body: "/aims sign-off fine", user: "carol" }));
    t.fake.reset();
    for (const event of [...fromBots, onIssue]) await receive(t.probot, "issue_comment", event);
    expect(t.fake.requests).toEqual([]);
  });

  it("a button click by a user without write access changes nothing and is answered once", async () => {
    const s = setUp({ changes: CHAT_MODEL, permissions: { eve: "read" } });
    await s.open();
    const click = await s.events.checkRunAction(s.oversightCheck().id, "request-review", "eve");
    t.fake.reset();
    await receive(t.probot, "check_run", click);
    expect(s.replies()).toHaveLength(1);
    expect(s.replies()[0]).toContain("@eve the “Request review” button of aims/human-oversight needs write access");
    // The exact requests (the installation token is still valid from the PR's opening): the PR, eve's
    // permission, the comments (to answer once), then the one write.
    expect(t.fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /repos/${SHOP}/pulls/${s.pr.number}`,
      `GET /repos/${SHOP}/collaborators/eve/permission`,
      `GET /repos/${SHOP}/issues/${s.pr.number}/comments`,
      `POST /repos/${SHOP}/issues/${s.pr.number}/comments`,
    ]);
    await receive(t.probot, "check_run", click);
    expect(s.replies()).toHaveLength(1);
  });

  it("Request review by a writer re-evaluates and requests the tier's teams", async () => {
    const s = setUp({ changes: CHAT_MODEL, teams: { "ml-reviewers": ["carol"] }, permissions: { carol: "write" } });
    await s.open();
    const click = await s.events.checkRunAction(s.oversightCheck().id, "request-review", "carol");
    t.fake.reset();
    await receive(t.probot, "check_run", click);
    expect(s.oversightCheck().conclusion).toBe("action_required");
    const requests = t.fake.requests.filter((r) => r.operationId === "pulls/request-reviewers");
    expect(requests.map((r) => r.body)).toEqual([{ reviewers: [], team_reviewers: ["ml-reviewers"] }]);
    expect(t.fake.getPull(SHOP, s.pr.number).requestedTeams).toEqual(["ml-reviewers"]);
  });
});
