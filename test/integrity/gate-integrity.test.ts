import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Probot } from "probot";
import { uncell } from "../../src/util/markdown.js";
import { FakeGitHub, type FakeRepo } from "../support/fake-github.js";
import { createFakeProbot, pullRequestPayload, receive } from "../support/fake-probot.js";
import { teamPolicy } from "../support/team-policy.js";

const POLICY = teamPolicy();
const OVERSIGHT = "aims/human-oversight";
const ASSESSMENT = "aims/impact-assessment";

describe("gate integrity against people with write access (in-process app, stateful fake GitHub)", () => {
  let fake: FakeGitHub;
  let probot: Probot;
  let repo: FakeRepo;
  let repository: Record<string, unknown>;
  let branches = 0;

  beforeAll(async () => {
    fake = new FakeGitHub();
    await fake.start();
    repo = fake.addRepo("acme/shop", { files: { ".github/aims.yml": POLICY, "README.md": "# Shop\n" }, ownerType: "Organization" });
    for (const login of ["alice", "carol", "dave", "mallory"]) fake.setPermission(repo, login, "write");
    fake.addTeam("acme", "ml-reviewers", { carol: "member", dave: "member" });
    probot = await createFakeProbot(fake);
    repository = (await (await fetch(`${fake.apiBase}/repos/acme/shop`)).json()) as Record<string, unknown>;
  });
  afterAll(async () => fake.stop());

  const user = (login: string) => ({ login, id: fake.user(login).id, type: fake.user(login).type });
  const envelope = (sender: string) => ({ repository, installation: { id: fake.installationId }, sender: user(sender) });
  const latest = (sha: string, name: string) => fake.checkRunsFor(repo, { headSha: sha, name }).at(-1);

  /** A governed PR by alice whose checks aims has published. */
  async function governedPull() {
    const branch = `change-${++branches}`;
    fake.commit(repo, { branch, files: { [`models/m${branches}.onnx`]: `\u0000M${branches}` } });
    const pr = fake.addPullRequest(repo, { head: branch, user: "alice" });
    await receive(probot, "pull_request", await pullRequestPayload(fake, "acme/shop", pr.number, "opened"));
    return pr;
  }

  function commentEvent(action: "created" | "edited" | "deleted", number: number, comment: { id: number; body: string; user: string }, sender: string, extra: Record<string, unknown> = {}) {
    return {
      action,
      issue: { number, pull_request: { url: "x" }, user: user("alice") },
      comment: { id: comment.id, body: comment.body, user: user(comment.user) },
      ...envelope(sender),
      ...extra,
    };
  }

  async function signOff(number: number, who: string, text = "/aims sign-off Reviewed the model card and the evaluation.") {
    const c = fake.addComment(repo, number, { body: text, user: who });
    await receive(probot, "issue_comment", commentEvent("created", number, c, who));
    return c;
  }

  it("a reviewer's comment turned into a sign-off by someone else's edit, even seconds later, does not count", async () => {
    const pr = await governedPull();
    const original = fake.addComment(repo, pr.number, { body: "Looking at this now.", user: "carol" });
    await receive(probot, "issue_comment", commentEvent("created", pr.number, original, "carol"));
    // mallory (write access) edits carol's fresh comment into a sign-off; GitHub keeps carol as its author.
    const edited = fake.editComment(repo, original.id, "/aims sign-off Reviewed the model card and the evaluation.");
    expect(Date.parse(edited.updatedAt) - Date.parse(edited.createdAt)).toBeLessThanOrEqual(10_000);
    await receive(probot, "issue_comment", commentEvent("edited", pr.number, edited, "mallory", { changes: { body: { from: "Looking at this now." } } }));
    const run = latest(pr.head.sha, OVERSIGHT)!;
    expect(run.conclusion).toBe("action_required");
    expect(run.output.summary).toContain("the comment was edited after it was posted");
  });

  it("deleting a sign-off comment takes the gate back to action_required at once", async () => {
    const pr = await governedPull();
    const c = await signOff(pr.number, "carol");
    expect(latest(pr.head.sha, OVERSIGHT)!.conclusion).toBe("success");
    fake.deleteComment(repo, c.id);
    await receive(probot, "issue_comment", commentEvent("deleted", pr.number, c, "mallory"));
    expect(latest(pr.head.sha, OVERSIGHT)!.conclusion).toBe("action_required");
  });

  it("a withdrawn sign-off stays withdrawn when someone deletes or edits the /aims revoke, or the app's receipt of it", async () => {
    const pr = await governedPull();
    await signOff(pr.number, "carol");
    expect(latest(pr.head.sha, OVERSIGHT)!.conclusion).toBe("success");
    const revoke = fake.addComment(repo, pr.number, { body: "/aims revoke", user: "carol" });
    await receive(probot, "issue_comment", commentEvent("created", pr.number, revoke, "carol"));
    expect(latest(pr.head.sha, OVERSIGHT)!.conclusion).toBe("action_required");
    const receipts = () => fake.getIssue(repo, pr.number).comments.filter((c) => c.user === fake.botLogin && c.body.includes("aims:revoke-receipt"));
    expect(receipts()).toHaveLength(1);
    expect(receipts()[0]!.body).toContain("@carol withdrew, with `/aims revoke`");

    // mallory deletes carol's revoke: the receipt keeps the withdrawal.
    fake.deleteComment(repo, revoke.id);
    await receive(probot, "issue_comment", commentEvent("deleted", pr.number, revoke, "mallory"));
    expect(latest(pr.head.sha, OVERSIGHT)!.conclusion).toBe("action_required");

    // mallory deletes the receipt too: the app posts it again.
    const receipt = receipts()[0]!;
    fake.deleteComment(repo, receipt.id);
    await receive(probot, "issue_comment", commentEvent("deleted", pr.number, { id: receipt.id, body: receipt.body, user: fake.botLogin }, "mallory"));
    expect(receipts()).toHaveLength(1);
    expect(latest(pr.head.sha, OVERSIGHT)!.conclusion).toBe("action_required");

    // mallory edits the new receipt to name someone else: an edited receipt counts for nothing, and is posted again.
    const again = receipts()[0]!;
    const from = again.body;
    fake.editComment(repo, again.id, from.replace("login=carol", "login=dave"));
    await receive(probot, "issue_comment", commentEvent("edited", pr.number, { id: again.id, body: fake.getIssue(repo, pr.number).comments.find((c) => c.id === again.id)!.body, user: fake.botLogin }, "mallory", { changes: { body: { from } } }));
    expect(receipts().filter((c) => c.createdAt === c.updatedAt && c.body.includes("login=carol"))).toHaveLength(1);
    expect(latest(pr.head.sha, OVERSIGHT)!.conclusion).toBe("action_required");
    expect(latest(pr.head.sha, OVERSIGHT)!.output.summary).toContain("withdrawn with `/aims revoke`");
  });

  it("an approval dismissed by another app, or its reason deleted, is re-evaluated at once", async () => {
    const pr = await governedPull();
    const review = fake.addReview(repo, pr.number, { user: "dave", state: "APPROVED", body: "Checked the evaluation report." });
    const reviewPayload = async (action: string, sender: { login: string; id: number; type: string }) => ({
      action,
      review: { id: review.id, state: review.state.toLowerCase(), user: user("dave"), commit_id: review.commitId, body: review.body },
      pull_request: await (await fetch(`${fake.apiBase}/repos/acme/shop/pulls/${pr.number}`)).json(),
      ...envelope("dave"),
      sender,
    });
    await receive(probot, "pull_request_review", await reviewPayload("submitted", user("dave")));
    expect(latest(pr.head.sha, OVERSIGHT)!.conclusion).toBe("success");
    fake.dismissReview(repo, pr.number, review.id);
    await receive(probot, "pull_request_review", await reviewPayload("dismissed", { login: "stale-reviews[bot]", id: 77, type: "Bot" }));
    expect(latest(pr.head.sha, OVERSIGHT)!.conclusion).toBe("action_required");
  });

  it("a review's text edited by someone else is not the reviewer's rationale, even when the receipt is deleted", async () => {
    const high = fake.addRepo("acme/ranker", { files: { ".github/aims.yml": POLICY.replace("risk: limited", "risk: high").replace("limited:", "high:\n      required: 1\n      require_rationale: true") }, ownerType: "Organization" });
    for (const login of ["alice", "carol", "mallory"]) fake.setPermission(high, login, "write");
    const highRepository = (await (await fetch(`${fake.apiBase}/repos/acme/ranker`)).json()) as Record<string, unknown>;
    fake.commit(high, { branch: "rank", files: { "models/rank.onnx": "\u0000R" } });
    const pr = fake.addPullRequest(high, { head: "rank", user: "alice" });
    await receive(probot, "pull_request", await pullRequestPayload(fake, "acme/ranker", pr.number, "opened"));
    const review = fake.addReview(high, pr.number, { user: "carol", state: "APPROVED", body: "" });
    const reviewEvent = async (action: string, sender: string, extra: Record<string, unknown> = {}) => ({
      action,
      review: { id: review.id, state: "approved", user: user("carol"), commit_id: review.commitId, body: review.body },
      pull_request: await (await fetch(`${fake.apiBase}/repos/acme/ranker/pulls/${pr.number}`)).json(),
      repository: highRepository,
      installation: { id: fake.installationId },
      sender: user(sender),
      ...extra,
    });
    await receive(probot, "pull_request_review", await reviewEvent("submitted", "carol"));
    const run = () => fake.checkRunsFor(high, { headSha: pr.head.sha, name: OVERSIGHT }).at(-1)!;
    expect(run().conclusion).toBe("action_required");
    expect(run().output.summary).toContain("no rationale");

    // mallory writes a rationale into carol's approval.
    review.body = "Reviewed the ranking evaluation and the rollback plan.";
    await receive(probot, "pull_request_review", await reviewEvent("edited", "mallory", { changes: { body: { from: "" } } }));
    expect(run().conclusion).toBe("action_required");
    expect(uncell(run().output.summary!)).toContain("@carol's review text: edited by @mallory, so it is not counted as @carol's rationale.");
    const receipt = fake.getIssue(high, pr.number).comments.find((c) => c.user === fake.botLogin && c.body.includes("aims:review-edited"))!;
    expect(receipt.body).toContain("@mallory edited the text of @carol's review");

    // mallory deletes the receipt: the app posts it again and the rationale still does not count.
    fake.deleteComment(high, receipt.id);
    await receive(probot, "issue_comment", { action: "deleted", issue: { number: pr.number, pull_request: { url: "x" }, user: user("alice") }, comment: { id: receipt.id, body: receipt.body, user: user(fake.botLogin) }, repository: highRepository, installation: { id: fake.installationId }, sender: user("mallory") });
    expect(fake.getIssue(high, pr.number).comments.filter((c) => c.user === fake.botLogin && c.body.includes("aims:review-edited"))).toHaveLength(1);
    expect(run().conclusion).toBe("action_required");

    // carol's own edit of her review is hers: a new review with a rationale counts.
    fake.addReview(high, pr.number, { user: "carol", state: "APPROVED", body: "Reviewed it myself: evaluation and rollback are fine." });
    await receive(probot, "pull_request_review", await reviewEvent("submitted", "carol"));
    expect(run().conclusion).toBe("success");
  });

  it("a signer who loses write access or leaves the listed team no longer counts, at once", async () => {
    const pr = await governedPull();
    await signOff(pr.number, "dave");
    expect(latest(pr.head.sha, OVERSIGHT)!.conclusion).toBe("success");
    // Removed from the team: membership.removed carries the organisation, not the repository.
    fake.teams.get("acme/ml-reviewers")!.members.delete("dave");
    await receive(probot, "membership", { action: "removed", scope: "team", member: user("dave"), team: { slug: "ml-reviewers", name: "ml-reviewers" }, organization: { login: "acme" }, installation: { id: fake.installationId }, sender: user("octocat") });
    expect(latest(pr.head.sha, OVERSIGHT)!.conclusion).toBe("action_required");

    const other = await governedPull();
    await signOff(other.number, "carol");
    expect(latest(other.head.sha, OVERSIGHT)!.conclusion).toBe("success");
    // Write access lowered to read: member.edited carries the repository.
    fake.setPermission(repo, "carol", "read");
    fake.teams.get("acme/ml-reviewers")!.members.delete("carol");
    await receive(probot, "member", { action: "edited", member: user("carol"), changes: { permission: { from: "write" } }, ...envelope("octocat") });
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
    await receive(probot, "issue_comment", commentEvent("created", pr.number, c, "dave"));
    const replies = fake.getIssue(repo, pr.number).comments.filter((x) => x.user === fake.botLogin);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.body).toContain("your override was not applied");

    // A query on an issue: the marker in another user's comment is ignored there too.
    const issue = fake.addIssue(repo, { title: "Audit questions", user: "carol" });
    const planted = fake.addComment(repo, issue.number, { body: "x", user: "mallory" });
    fake.editComment(repo, planted.id, `x <!-- aims:reply-to=${planted.id + 1} -->`);
    const q = fake.addComment(repo, issue.number, { body: "/aims query control:A.6.2.4", user: "carol" });
    expect(q.id).toBe(planted.id + 1);
    await receive(probot, "issue_comment", { action: "created", issue: { number: issue.number, user: user("carol") }, comment: { id: q.id, body: q.body, user: user("carol") }, ...envelope("carol") });
    expect(fake.getIssue(repo, issue.number).comments.filter((x) => x.user === fake.botLogin)).toHaveLength(1);
  });
});
