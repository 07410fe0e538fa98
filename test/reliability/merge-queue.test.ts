import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Probot } from "probot";
import { pullNumberFromMergeGroupRef } from "../../src/handlers/merge-group.js";
import { FakeGitHub, type FakeRepo } from "../support/fake-github.js";
import { createFakeProbot, receive } from "../support/fake-probot.js";
import { payloads } from "../support/payloads.js";

const POLICY = `systems:
  - id: recommender
    name: Product recommender
    paths: ["models/**"]
    risk: limited
`;

describe("merge queue: merge_group.checks_requested reports the PR's real result on the merge-group commit", () => {
  let fake: FakeGitHub;
  let probot: Probot;
  let repo: FakeRepo;

  beforeAll(async () => {
    fake = new FakeGitHub();
    await fake.start();
    repo = fake.addRepo("acme/shop", { files: { ".github/aims.yml": POLICY, "README.md": "# Shop\n" } });
    probot = await createFakeProbot(fake);
  });
  afterAll(async () => fake.stop());

  /** A merge-group commit for the PR as GitHub builds it, and the event that asks for checks. */
  async function queue(number: number, headRef?: string) {
    const pull = fake.getPull(repo, number);
    const branch = (headRef ?? `gh-readonly-queue/main/pr-${number}-${fake.resolveRef(repo, "main")}`).replace(/^refs\/heads\//, "");
    const sha = fake.commit(repo, { branch, parents: [fake.resolveRef(repo, "main")!, pull.head.sha], files: {} });
    await receive(probot, "merge_group", await payloads(fake, repo.fullName).mergeGroup(branch));
    return Object.fromEntries(fake.checkRunsFor(repo, { headSha: sha }).map((r) => [r.name, r]));
  }

  it("carries a failing gate into the merge queue instead of passing it", async () => {
    fake.commit(repo, { branch: "model", files: { "models/ranker.onnx": "\u0000ONNX\u0001" } });
    const pr = fake.addPullRequest(repo, { head: "model", user: "alice" });
    const runs = await queue(pr.number);
    expect(Object.keys(runs).sort()).toEqual(["aims/human-oversight", "aims/impact-assessment"]);
    expect(runs["aims/impact-assessment"]!.conclusion).toBe("action_required");
    expect(runs["aims/human-oversight"]!.conclusion).toBe("action_required");
    expect(runs["aims/impact-assessment"]!.output.summary).toContain(`pull request #${pr.number}`);
    expect(runs["aims/impact-assessment"]!.output.summary).toContain("models/ranker.onnx");
  });

  it("passes a PR whose gates pass, on the merge-group commit (not on the PR head)", async () => {
    fake.commit(repo, { branch: "docs", files: { "README.md": "# Shop\nDocs\n" } });
    const pr = fake.addPullRequest(repo, { head: "docs", user: "alice" });
    const runs = await queue(pr.number);
    expect(Object.values(runs).map((r) => r.conclusion)).toEqual(["success", "success"]);
    expect(fake.checkRunsFor(repo, { headSha: pr.head.sha })).toHaveLength(0);
  });

  it("fails closed when the pull request cannot be found", async () => {
    const sha = fake.commit(repo, { branch: "gh-readonly-queue/main/pr-999-abcdef1", files: { "models/x.onnx": "\u0000" } });
    await receive(probot, "merge_group", await payloads(fake, repo.fullName).mergeGroup("gh-readonly-queue/main/pr-999-abcdef1"));
    const runs = fake.checkRunsFor(repo, { headSha: sha });
    expect(runs.map((r) => r.conclusion)).toEqual(["failure", "failure"]);
    expect(runs[0]!.output.summary).toContain("pull request #999 of this merge group was not found");
  });

  it("fails closed when the merge group's ref names no pull request", async () => {
    const sha = fake.commit(repo, { branch: "odd-queue", files: { "x.txt": "x" } });
    await receive(probot, "merge_group", await payloads(fake, repo.fullName).mergeGroup("odd-queue"));
    const runs = fake.checkRunsFor(repo, { headSha: sha });
    expect(runs.map((r) => r.conclusion)).toEqual(["failure", "failure"]);
    expect(runs[0]!.output.summary).toContain("does not name a pull request");
  });

  it("reads the PR number from gh-readonly-queue refs only", () => {
    expect(pullNumberFromMergeGroupRef("refs/heads/gh-readonly-queue/main/pr-104-929f8209d40f77f4abc622a499c93a83babdbe64")).toBe(104);
    expect(pullNumberFromMergeGroupRef("gh-readonly-queue/release/2.x/pr-7-929f820")).toBe(7);
    expect(pullNumberFromMergeGroupRef("refs/heads/feature/pr-104-929f8209")).toBeUndefined();
    expect(pullNumberFromMergeGroupRef("refs/heads/gh-readonly-queue/main/pr-0-929f8209")).toBeUndefined();
  });

  it("leaves no violations of GitHub's API description", () => {
    expect(fake.violations).toEqual([]);
    expect(fake.unhandled).toEqual([]);
  });
});
