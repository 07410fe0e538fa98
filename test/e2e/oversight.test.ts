import { uncell } from "../../src/util/markdown.js";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { FakeGitHub, type FakeRepo } from "../support/fake-github.js";
import { eventually, repoDeliveries, startApp, type RunningApp } from "../support/server.js";

const POLICY = `systems:
  - id: recommender
    name: Product recommender
    paths: ["models/**"]
    risk: limited
oversight:
  tiers:
    limited:
      teams: ["acme/ml-reviewers"]
`;

/** The human-oversight gate end to end: the built server, signed webhooks, a stateful fake GitHub. */
describe("end to end: human oversight", () => {
  let fake: FakeGitHub;
  let app: RunningApp;
  let base: string;
  let repo: FakeRepo;

  beforeAll(async () => {
    fake = new FakeGitHub();
    const { url, host } = await fake.start();
    base = url;
    repo = fake.addRepo("acme/shop", { files: { ".github/aims.yml": POLICY, "README.md": "# Shop\n" } });
    fake.addTeam("acme", "ml-reviewers", { carol: "member" });
    app = await startApp(fake, host);
  }, 30_000);

  afterAll(async () => {
    await app?.stop();
    await fake?.stop();
  });

  const { get, common, send } = repoDeliveries(() => ({ fake, app }), "acme/shop");

  /** The oversight run on a commit once its conclusion is the expected one. */
  async function oversightOn(sha: string, conclusion: string) {
    return eventually(() => fake.checkRunsFor(repo, { headSha: sha, name: "aims/human-oversight" }).find((r) => r.conclusion === conclusion));
  }

  it("signs off by review, is invalidated by a push that changes the model, and signs off again by comment", async () => {
    fake.commit(repo, { branch: "ranker", files: { "models/ranker.onnx": "\u0000ONNX-1\u0001" } });
    const pr = fake.addPullRequest(repo, { head: "ranker", user: "alice", title: "Add ranker" });
    await send("pull_request", { action: "opened", number: pr.number, pull_request: await get(`/repos/acme/shop/pulls/${pr.number}`), ...(await common()), sender: { login: "alice", type: "User" } });
    const waiting = await oversightOn(pr.head.sha, "action_required");
    expect(waiting.output.title).toBe("Human sign-off required");
    expect(waiting.actions.map((a) => a.identifier)).toEqual(["request-review", "recheck"]);

    const review = fake.addReview(repo, pr.number, { user: "carol", state: "APPROVED", body: "Checked the eval report." });
    await send("pull_request_review", {
      action: "submitted",
      review: { id: review.id, user: { login: "carol", type: "User" } },
      pull_request: await get(`/repos/acme/shop/pulls/${pr.number}`),
      ...(await common()),
      sender: { login: "carol", type: "User" },
    });
    const signed = await oversightOn(pr.head.sha, "success");
    expect(signed.output.title).toBe("Signed off by @carol (limited risk)");

    const second = fake.pushToPull(repo, pr.number, { "models/ranker.onnx": "\u0000ONNX-2\u0001" });
    await send("pull_request", { action: "synchronize", number: pr.number, pull_request: await get(`/repos/acme/shop/pulls/${pr.number}`), ...(await common()), sender: { login: "alice", type: "User" } });
    const stale = await oversightOn(second, "action_required");
    expect(uncell(stale.output.summary!)).toContain("stale, the head is now");
    expect(uncell(stale.output.summary!)).toContain("AI-relevant files changed since: models/ranker.onnx");

    // A comment posted after aims saw the new head binds to it.
    fake.advanceClock(60_000);
    const comment = fake.addComment(repo, pr.number, { body: "/aims sign-off Re-checked the new weights.", user: "carol" });
    await send("issue_comment", {
      action: "created",
      issue: { number: pr.number, pull_request: { url: `${base}/repos/acme/shop/pulls/${pr.number}` } },
      comment: { id: comment.id, body: comment.body, user: { login: "carol", type: "User" } },
      ...(await common()),
      sender: { login: "carol", type: "User" },
    });
    const again = await oversightOn(second, "success");
    expect(uncell(again.output.summary!)).toContain("@carol signed off by `/aims sign-off`");
    expect(fake.violations).toEqual([]);
    expect(fake.unhandled).toEqual([]);
  });
});
