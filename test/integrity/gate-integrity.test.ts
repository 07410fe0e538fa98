import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Probot } from "probot";
import { uncell } from "../../src/util/markdown.js";
import { FakeGitHub, type FakeRepo } from "../support/fake-github.js";
import { createFakeProbot, pullRequestPayload, receive } from "../support/fake-probot.js";
import { payloads } from "../support/payloads.js";
import { teamPolicy } from "../support/team-policy.js";

const POLICY = teamPolicy();
const OVERSIGHT = "aims/human-oversight";
const ASSESSMENT = "aims/impact-assessment";

describe("gate integrity against people with write access (in-process app, stateful fake GitHub)", () => {
  let fake: FakeGitHub;
  let probot: Probot;
  let repo: FakeRepo;
  let branches = 0;

  beforeAll(async () => {
    fake = new FakeGitHub();
    await fake.start();
    repo = fake.addRepo("acme/shop", { files: { ".github/aims.yml": POLICY, "README.md": "# Shop\n" }, ownerType: "Organization" });
    for (const login of ["alice", "carol", "dave", "mallory"]) fake.setPermission(repo, login, "write");
    fake.addTeam("acme", "ml-reviewers", { carol: "member", dave: "member" });
    probot = await createFakeProbot(fake);
  });
  afterAll(async () => fake.stop());

  const events = () => payloads(fake, "acme/shop");
  const latest = (sha: string, name: string) => fake.checkRunsFor(repo, { headSha: sha, name }).at(-1);

  /** A governed PR by alice whose checks aims has published. */
  async function governedPull() {
    const branch = `change-${++branches}`;
    fake.commit(repo, { branch, files: { [`models/m${branches}.onnx`]: `\u0000M${branches}` } });
    const pr = fake.addPullRequest(repo, { head: branch, user: "alice" });
    await receive(probot, "pull_request", await pullRequestPayload(fake, "acme/shop", pr.number, "opened"));
    return pr;
  }

  async function signOff(number: number, who: string, text = "/aims sign-off Reviewed the model card and the evaluation.") {
    const c = fake.addComment(repo, number, { body: text, user: who });
    await receive(probot, "issue_comment", await events().comment("created", number, c));
    return c;
  }

  it("a reviewer's comment turned into a sign-off by someone else's edit, even seconds later, does not count", async () => {
    const pr = await governedPull();
    const original = fake.addComment(repo, pr.number, { body: "Looking at this now.", user: "carol" });
    await receive(probot, "issue_comment", await events().comment("created", pr.number, original, { sender: "carol" }));
    // mallory (write access) edits carol's fresh comment into a sign-off; GitHub keeps carol as its author.
    const edited = fake.editComment(repo, original.id, "/aims sign-off Reviewed the model card and the evaluation.");
    expect(Date.parse(edited.updatedAt) - Date.parse(edited.createdAt)).toBeLessThanOrEqual(10_000);
    await receive(probot, "issue_comment", await events().comment("edited", pr.number, edited, { sender: "mallory", extra: { changes: { body: { from: "Looking at this now." } } } }));
    const run = latest(pr.head.sha, OVERSIGHT)!;
    expect(run.conclusion).toBe("action_required");
    expect(run.output.summary).toContain("the comment was edited after it was posted");
  });

  it("deleting a sign-off comment takes the gate back to action_required at once", async () => {
    const pr = await governedPull();
    const c = await signOff(pr.number, "carol");
    expect(latest(pr.head.sha, OVERSIGHT)!.conclusion).toBe("success");
    fake.deleteComment(repo, c.id);
    await receive(probot, "issue_comment", await events().comment("deleted", pr.number, c, { sender: "mallory" }));
    expect(latest(pr.head.sha, OVERSIGHT)!.conclusion).toBe("action_required");
  });

  it("a withdrawn sign-off stays withdrawn when someone deletes or edits the /aims revoke, or the app's receipt of it", async () => {
    const pr = await governedPull();
    await signOff(pr.number, "carol");
    expect(latest(pr.head.sha, OVERSIGHT)!.conclusion).toBe("success");
    const revoke = fake.addComment(repo, pr.number, { body: "/aims revoke", user: "carol" });
    await receive(probot, "issue_comment", await events().comment("created", pr.number, revoke, { sender: "carol" }));
    expect(latest(pr.head.sha, OVERSIGHT)!.conclusion).toBe("action_required");
    const receipts = () => fake.getIssue(repo, pr.number).comments.filter((c) => c.user === fake.botLogin && c.body.includes("aims:revoke-receipt"));
    expect(receipts()).toHaveLength(1);
    expect(receipts()[0]!.body).toContain("@carol withdrew, with `/aims revoke`");

    // mallory deletes carol's revoke: the receipt keeps the withdrawal.
    fake.deleteComment(repo, revoke.id);
    await receive(probot, "issue_comment", await events().comment("deleted", pr.number, revoke, { sender: "mallory" }));
    expect(latest(pr.head.sha, OVERSIGHT)!.conclusion).toBe("action_required");

    // mallory deletes the receipt too: the app posts it again.
    const receipt = receipts()[0]!;
    fake.deleteComment(repo, receipt.id);
    await receive(probot, "issue_comment", await events().comment("deleted", pr.number, receipt, { sender: "mallory" }));
    expect(receipts()).toHaveLength(1);
    expect(latest(pr.head.sha, OVERSIGHT)!.conclusion).toBe("action_required");

    // mallory edits the new receipt to name someone else: an edited receipt counts for nothing, and is posted again.
    const again = receipts()[0]!;
    const from = again.body;
    fake.editComment(repo, again.id, from.replace("login=carol", "login=dave"));
    await receive(probot, "issue_comment", await events().comment("edited", pr.number, again, { sender: "mallory", extra: { changes: { body: { from } } } }));
    expect(receipts().filter((c) => c.createdAt === c.updatedAt && c.body.includes("login=carol"))).toHaveLength(1);
    expect(latest(pr.head.sha, OVERSIGHT)!.conclusion).toBe("action_required");
    expect(latest(pr.head.sha, OVERSIGHT)!.output.summary).toContain("withdrawn with `/aims revoke`");
  });

  it("an approval dismissed by another app, or its reason deleted, is re-evaluated at once", async () => {
    const pr = await governedPull();
    const review = fake.addReview(repo, pr.number, { user: "dave", state: "APPROVED", body: "Checked the evaluation report." });
    await receive(probot, "pull_request_review", await events().review("submitted", pr.number, review.id));
    expect(latest(pr.head.sha, OVERSIGHT)!.conclusion).toBe("success");
    fake.dismissReview(repo, pr.number, review.id);
    fake.user("stale-reviews[bot]", "Bot");
    await receive(probot, "pull_request_review", await events().review("dismissed", pr.number, review.id, { sender: "stale-reviews[bot]" }));
    expect(latest(pr.head.sha, OVERSIGHT)!.conclusion).toBe("action_required");
  });

  it("a review's text edited by someone else is not the reviewer's rationale, even when the receipt is deleted", async () => {
    const high = fake.addRepo("acme/ranker", { files: { ".github/aims.yml": POLICY.replace("risk: limited", "risk: high").replace("limited:", "high:\n      required: 1\n      require_rationale: true") }, ownerType: "Organization" });
    for (const login of ["alice", "carol", "mallory"]) fake.setPermission(high, login, "write");
    fake.commit(high, { branch: "rank", files: { "models/rank.onnx": "\u0000R" } });
    const pr = fake.addPullRequest(high, { head: "rank", user: "alice" });
    await receive(probot, "pull_request", await pullRequestPayload(fake, "acme/ranker", pr.number, "opened"));
    const review = fake.addReview(high, pr.number, { user: "carol", state: "APPROVED", body: "" });
    const ranker = payloads(fake, "acme/ranker");
    await receive(probot, "pull_request_review", await ranker.review("submitted", pr.number, review.id));
    const run = () => fake.checkRunsFor(high, { headSha: pr.head.sha, name: OVERSIGHT }).at(-1)!;
    expect(run().conclusion).toBe("action_required");
    expect(run().output.summary).toContain("no rationale");

    // mallory writes a rationale into carol's approval.
    review.body = "Reviewed the ranking evaluation and the rollback plan.";
    await receive(probot, "pull_request_review", await ranker.review("edited", pr.number, review.id, { sender: "mallory", extra: { changes: { body: { from: "" } } } }));
    expect(run().conclusion).toBe("action_required");
    expect(uncell(run().output.summary!)).toContain("@carol's review text: edited by @mallory, so it is not counted as @carol's rationale.");
    const receipt = fake.getIssue(high, pr.number).comments.find((c) => c.user === fake.botLogin && c.body.includes("aims:review-edited"))!;
    expect(receipt.body).toContain("@mallory edited the text of @carol's review");

    // mallory deletes the receipt: the app posts it again and the rationale still does not count.
    fake.deleteComment(high, receipt.id);
    await receive(probot, "issue_comment", await ranker.comment("deleted", pr.number, receipt, { sender: "mallory" }));
    expect(fake.getIssue(high, pr.number).comments.filter((c) => c.user === fake.botLogin && c.body.includes("aims:review-edited"))).toHaveLength(1);
    expect(run().conclusion).toBe("action_required");

    // carol's own edit of her review is hers: a new review with a rationale counts.
    const own = fake.addReview(high, pr.number, { user: "carol", state: "APPROVED", body: "Reviewed it myself: evaluation and rollback are fine." });
    await receive(probot, "pull_request_review", await ranker.review("submitted", pr.number, own.id));
    expect(run().conclusion).toBe("success");
  });

  it("a signer who loses write access or leaves the listed team no longer counts, at once", async () => {
    const pr = await governedPull();
    await signOff(pr.number, "dave");
    expect(latest(pr.head.sha, OVERSIGHT)!.conclusion).toBe("success");
    // Removed from the team: membership.removed carries the organisation, not the repository.
    fake.teams.get("acme/ml-reviewers")!.members.delete("dave");
    await receive(probot, "membership", await events().membership("removed", "ml-reviewers", "dave", "octocat"));
    expect(latest(pr.head.sha, OVERSIGHT)!.conclusion).toBe("action_required");

    const other = await governedPull();
    await signOff(other.number, "carol");
    expect(latest(other.head.sha, OVERSIGHT)!.conclusion).toBe("success");
    // Write access lowered to read: member.edited carries the repository.
    fake.setPermission(repo, "carol", "read");
    fake.teams.get("acme/ml-reviewers")!.members.delete("carol");
    await receive(probot, "member", await events().member("edited", "carol", "octocat", { changes: { permission: { from: "write" } } }));
    expect(latest(other.head.sha, OVERSIGHT)!.conclusion).toBe("action_required");
    fake.setPermission(repo, "carol", "write");
    fake.teams.get("acme/ml-reviewers")!.members.set("carol", { role: "member", state: "active" });
    fake.teams.get("acme/ml-reviewers")!.members.set("dave", { role: "member", state: "active" });
  });

  it("concurrent, duplicate and reordered deliveries for one head leave exactly one run of each check", async () => {
    for (let trial = 0; trial < 10; trial++) {
      const branch = `race-${trial}`;
      fake.commit(repo, { branch, files: { [`models/race${trial}.onnx`]: `\u0000R${trial}` } });
      const pr = fake.addPullRequest(repo, { head: branch, user: "alice" });
      const opened = await pullRequestPayload(fake, "acme/shop", pr.number, "opened");
      const synchronize = await pullRequestPayload(fake, "acme/shop", pr.number, "synchronize");
      const deliveries = [
        receive(probot, "pull_request", opened, `race-${trial}-a`),
        receive(probot, "pull_request", synchronize, `race-${trial}-b`),
        receive(probot, "pull_request", opened, `race-${trial}-a`),
      ];
      if (trial % 2 === 1) deliveries.reverse();
      await Promise.all(deliveries);
      for (const name of [ASSESSMENT, OVERSIGHT]) expect(fake.checkRunsFor(repo, { headSha: pr.head.sha, name })).toHaveLength(1);
    }
  });

  it("a reply marker planted in someone's own comment does not silence the app's reply", async () => {
    const pr = await governedPull();
    // mallory knows the next comment id and plants the reply marker for it.
    const plant = fake.addComment(repo, pr.number, { body: "FYI", user: "mallory" });
    const next = plant.id + 1;
    fake.editComment(repo, plant.id, `FYI <!-- aims:reply-to=${next} -->`);
    const c = fake.addComment(repo, pr.number, { body: "/aims override ship it now please, the release is waiting on this", user: "dave" });
    expect(c.id).toBe(next);
    await receive(probot, "issue_comment", await events().comment("created", pr.number, c, { sender: "dave" }));
    const replies = fake.getIssue(repo, pr.number).comments.filter((x) => x.user === fake.botLogin);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.body).toContain("your override was not applied");

    // A query on an issue: the marker in another user's comment is ignored there too.
    const issue = fake.addIssue(repo, { title: "Audit questions", user: "carol" });
    const planted = fake.addComment(repo, issue.number, { body: "x", user: "mallory" });
    fake.editComment(repo, planted.id, `x <!-- aims:reply-to=${planted.id + 1} -->`);
    const q = fake.addComment(repo, issue.number, { body: "/aims query control:A.6.2.4", user: "carol" });
    expect(q.id).toBe(planted.id + 1);
    await receive(probot, "issue_comment", await events().comment("created", issue.number, q));
    expect(fake.getIssue(repo, issue.number).comments.filter((x) => x.user === fake.botLogin)).toHaveLength(1);
  });
});
