import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { uncell } from "../../src/util/markdown.js";
import { FakeGitHub, type FakeCheckRun, type FakeRepo } from "../support/fake-github.js";
import { eventually, repoDeliveries, startApp, type RunningApp } from "../support/server.js";

const FIRST_POLICY = `systems:
  - id: recommender
    name: Product recommender
    paths: ["models/**"]
    risk: high
governance:
  owners:
    users: ["gwen"]
`;

/** Adopting and changing the policy end to end: the built server, signed webhooks, a stateful fake GitHub. */
describe("end to end: policy changes are governed as policy", () => {
  let fake: FakeGitHub;
  let app: RunningApp;
  let repo: FakeRepo;

  beforeAll(async () => {
    fake = new FakeGitHub();
    const { host } = await fake.start();
    // A repository without any policy yet.
    repo = fake.addRepo("acme/shop", { files: { "README.md": "# Shop\n", "models/ranker.onnx": "\u0000ONNX-0\u0001" } });
    fake.setPermission(repo, "ada", "admin");
    fake.setPermission(repo, "bob", "write");
    fake.setPermission(repo, "gwen", "write");
    app = await startApp(fake, host);
  }, 30_000);

  afterAll(async () => {
    await app?.stop();
    await fake?.stop();
  });

  const { get, common, send } = repoDeliveries(() => ({ fake, app }), "acme/shop");
  const opened = async (number: number) =>
    send("pull_request", { action: "opened", number, pull_request: await get(`/repos/acme/shop/pulls/${number}`), ...(await common()), sender: { login: "alice", type: "User" } });
  async function approve(number: number, user: string) {
    const review = fake.addReview(repo, number, { user, state: "APPROVED", body: "Read the policy change." });
    await send("pull_request_review", {
      action: "submitted",
      review: { id: review.id, user: { login: user, type: "User" } },
      pull_request: await get(`/repos/acme/shop/pulls/${number}`),
      ...(await common()),
      sender: { login: user, type: "User" },
    });
  }
  /** A check's summary as a reader sees it (the Markdown escapes of user text removed). */
  const shown = (r: FakeCheckRun) => uncell(r.output.summary ?? "");
  const run = (sha: string, name: string, conclusion: string) =>
    eventually(() => fake.checkRunsFor(repo, { headSha: sha, name }).find((r) => r.conclusion === conclusion));

  it("adopts the first policy with an admin's sign-off, then blocks a lowered risk tier until a governance owner signs off", async () => {
    // 1. The pull request that adds the first policy: no assessment asked, a repository admin signs off.
    fake.commit(repo, { branch: "adopt", files: { ".github/aims.yml": FIRST_POLICY } });
    const adopt = fake.addPullRequest(repo, { head: "adopt", user: "alice", title: "Adopt aims-bot" });
    await opened(adopt.number);
    const assessment = await run(adopt.head.sha, "aims/impact-assessment", "success");
    expect(assessment.output.title).toBe("Policy change: no impact assessment needed");
    expect(shown(assessment)).toContain("Policy change: system recommender added (high risk, paths `models/**`)");
    const waiting = await run(adopt.head.sha, "aims/human-oversight", "action_required");
    expect(waiting.output.title).toBe("Policy change: governance owner sign-off required");
    expect(shown(waiting)).toContain("one sign-off from a repository admin, other than the author");

    await approve(adopt.number, "bob");
    await new Promise((r) => setTimeout(r, 300));
    const notAdmin = await run(adopt.head.sha, "aims/human-oversight", "action_required");
    expect(shown(notAdmin)).toMatch(/Not counted: @bob's approval .*not eligible for the governance tier \(write permission only\); eligible: a repository admin/);

    await approve(adopt.number, "ada");
    const signed = await run(adopt.head.sha, "aims/human-oversight", "success");
    expect(signed.output.title).toBe("Policy change signed off by @ada");
    fake.mergePull(repo, adopt.number, "ada");

    // 2. A later pull request lowers a risk tier: a weakening, for the governance owners named in the base's policy.
    fake.commit(repo, { branch: "lower", files: { ".github/aims.yml": FIRST_POLICY.replace("risk: high", "risk: limited") } });
    const lower = fake.addPullRequest(repo, { head: "lower", user: "alice", title: "Recommender is limited risk" });
    await opened(lower.number);
    const blocked = await run(lower.head.sha, "aims/human-oversight", "action_required");
    expect(blocked.output.title).toBe("Policy change weakens the policy: governance owner sign-off required");
    expect(shown(blocked)).toContain("Weakens the policy: risk of recommender lowered from high to limited.");
    expect(shown(blocked)).toContain("It weakens the policy (risk of recommender lowered from high to limited): @gwen must approve it.");
    expect((await run(lower.head.sha, "aims/impact-assessment", "success")).output.title).toBe("Policy change: no impact assessment needed");

    // An admin is no governance owner once the policy names them.
    await approve(lower.number, "ada");
    await new Promise((r) => setTimeout(r, 300));
    expect(shown(await run(lower.head.sha, "aims/human-oversight", "action_required"))).toContain("@ada's approval");

    await approve(lower.number, "gwen");
    expect((await run(lower.head.sha, "aims/human-oversight", "success")).output.title).toBe("Policy change signed off by @gwen");
    expect(fake.violations).toEqual([]);
    expect(fake.unhandled).toEqual([]);
  }, 60_000);

  it("fails both checks on a pull request that breaks the policy, with the file, line and column", async () => {
    fake.commit(repo, { branch: "break", files: { ".github/aims.yml": FIRST_POLICY.replace("risk: high", "risk: hihg") } });
    const broken = fake.addPullRequest(repo, { head: "break", user: "alice", title: "Typo" });
    await opened(broken.number);
    for (const name of ["aims/impact-assessment", "aims/human-oversight"]) {
      const failed = await run(broken.head.sha, name, "failure");
      expect(failed.output.title).toBe("The policy in this pull request is invalid: 1 problem");
      expect(shown(failed)).toContain('.github/aims.yml:5:11 systems[0].risk: must be one of "minimal", "limited", "high", "prohibited"');
      expect(failed.output.annotationsCount).toBe(1);
    }
    expect(fake.violations).toEqual([]);
  }, 60_000);
});
