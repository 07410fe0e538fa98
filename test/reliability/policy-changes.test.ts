import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Probot } from "probot";
import { FakeGitHub, type FakeRepo } from "../support/fake-github.js";
import { createFakeProbot, pullRequestPayload, receive } from "../support/fake-probot.js";
import { payloads } from "../support/payloads.js";

const GATING = `systems:
  - id: recommender
    name: Product recommender
    paths: ["models/**"]
    risk: limited
`;
const IGNORING = `ignore: ["models/**"]\n`;

describe("policy changes re-evaluate the pull requests they judge", () => {
  let fake: FakeGitHub;
  let probot: Probot;
  let repo: FakeRepo;

  beforeAll(async () => {
    fake = new FakeGitHub();
    await fake.start();
    repo = fake.addRepo("acme/shop", { files: { ".github/aims.yml": GATING, "README.md": "# Shop\n" } });
    fake.commit(repo, { branch: "release", files: { "CHANGELOG.md": "1.0\n" } });
    probot = await createFakeProbot(fake);
  });
  afterAll(async () => fake.stop());

  const conclusions = (sha: string) => fake.checkRunsFor(repo, { headSha: sha }).map((r) => `${r.name}=${r.conclusion}`).sort();

  const push = (branch: string, before: string, after: string) => payloads(fake, "acme/shop").push(branch, before, after, "gov-lead");

  it("a push that changes .github/aims.yml re-evaluates the open PRs targeting that branch, and only those", async () => {
    fake.commit(repo, { branch: "model", files: { "models/ranker.onnx": "\u0000ONNX\u0001" } });
    const onMain = fake.addPullRequest(repo, { head: "model", user: "alice" });
    fake.commit(repo, { branch: "model-release", parent: "release", files: { "models/ranker.onnx": "\u0000ONNX\u0002" } });
    const onRelease = fake.addPullRequest(repo, { head: "model-release", base: "release", user: "alice" });
    await receive(probot, "pull_request", await pullRequestPayload(fake, "acme/shop", onMain.number, "opened"));
    await receive(probot, "pull_request", await pullRequestPayload(fake, "acme/shop", onRelease.number, "opened"));
    expect(conclusions(onMain.head.sha)).toEqual(["aims/human-oversight=action_required", "aims/impact-assessment=action_required"]);
    const releaseRuns = conclusions(onRelease.head.sha);

    const before = fake.resolveRef(repo, "main")!;
    const after = fake.commit(repo, { branch: "main", files: { ".github/aims.yml": IGNORING } });
    fake.reset();
    await receive(probot, "push", await push("main", before, after));
    expect(conclusions(onMain.head.sha)).toEqual(["aims/human-oversight=success", "aims/impact-assessment=success"]);
    expect(conclusions(onRelease.head.sha)).toEqual(releaseRuns);
    expect(fake.requests.some((r) => r.path === `/repos/acme/shop/pulls/${onRelease.number}`)).toBe(false);
    expect(fake.violations).toEqual([]);
  });

  it("a push that does not touch the policy lists no pull requests", async () => {
    const before = fake.resolveRef(repo, "main")!;
    const after = fake.commit(repo, { branch: "main", files: { "README.md": "# Shop v2\n" } });
    fake.reset();
    await receive(probot, "push", await push("main", before, after));
    expect(fake.requests.filter((r) => r.path.includes("/pulls"))).toEqual([]);
  });

  it("a push with more commits than the payload lists asks the compare API whether the policy changed", async () => {
    const before = fake.resolveRef(repo, "release")!;
    // The policy changes in the first of 21 commits; the payload lists the last 20.
    fake.commit(repo, { branch: "release", files: { ".github/aims.yml": IGNORING } });
    for (let i = 0; i < 20; i++) fake.commit(repo, { branch: "release", files: { "other.txt": `${i}\n` } });
    const event = await push("release", before, fake.resolveRef(repo, "release")!);
    expect(event.commits.flatMap((c: { modified: string[] }) => c.modified)).not.toContain(".github/aims.yml");
    fake.reset();
    await receive(probot, "push", event);
    expect(fake.requests.some((r) => r.path.startsWith("/repos/acme/shop/compare/"))).toBe(true);
    expect(fake.requests.some((r) => r.path === "/repos/acme/shop/pulls" && r.query.base === "release")).toBe(true);
  });

  it("retargeting a PR's base re-evaluates it with the new base's policy", async () => {
    // release's policy now ignores models; main's too. Give main a gating policy again, then move a PR from release to main.
    const mainBefore = fake.resolveRef(repo, "main")!;
    fake.commit(repo, { branch: "main", files: { ".github/aims.yml": GATING } });
    fake.commit(repo, { branch: "retarget", parent: "release", files: { "models/other.onnx": "\u0000ONNX\u0003" } });
    const pr = fake.addPullRequest(repo, { head: "retarget", base: "release", user: "alice" });
    await receive(probot, "pull_request", await pullRequestPayload(fake, "acme/shop", pr.number, "opened"));
    expect(conclusions(pr.head.sha)).toEqual(["aims/human-oversight=success", "aims/impact-assessment=success"]);

    pr.base = { repo, ref: "main", sha: fake.resolveRef(repo, "main")! };
    await receive(probot, "pull_request", await pullRequestPayload(fake, "acme/shop", pr.number, "edited", "alice", { changes: { base: { ref: { from: "release" }, sha: { from: mainBefore } } } }));
    expect(conclusions(pr.head.sha)).toEqual(["aims/human-oversight=action_required", "aims/impact-assessment=action_required"]);
    const summary = fake.checkRunsFor(repo, { headSha: pr.head.sha, name: "aims/impact-assessment" })[0]!.output.summary;
    expect(summary).toContain("models/other.onnx");
  });
});
