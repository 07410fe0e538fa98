import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { diffTreeEntries, mergeListings } from "../../src/github/changed-files.js";
import { pullRequestRef, type GitHub } from "../../src/ports/pull-request-context.js";
import { listPullFiles } from "../../src/github/octokit-context.js";
import { FakeGitHub, type FakePullFile } from "../support/fake-github.js";
import { TestOctokit } from "../support/probot-app.js";
import { maxInFlight } from "../../bench/metrics.js";

/** pulls.listFiles pages fetched side by side from the PR's own file count, against the fake GitHub. */
describe("listPullFiles", () => {
  let fake: FakeGitHub;
  let octokit: GitHub;

  beforeAll(async () => {
    fake = new FakeGitHub({ latencyMs: 20 });
    const { url } = await fake.start();
    fake.addRepo("acme/big");
    octokit = new TestOctokit({ auth: { token: "ghs_test" }, baseUrl: url }) as unknown as GitHub;
  });
  afterAll(async () => fake?.stop());

  const files = (n: number): FakePullFile[] =>
    Array.from({ length: n }, (_, i) => ({ filename: `src/f-${String(i).padStart(5, "0")}.ts`, status: "added" as const, additions: 1, deletions: 0 }));

  function pull(n: number, reported: number) {
    fake.commit("acme/big", { branch: `b${n}-${reported}`, files: { [`x-${n}-${reported}`]: "x" } });
    const p = fake.addPullRequest("acme/big", { head: `b${n}-${reported}`, files: files(n), changedFiles: n });
    return pullRequestRef({ number: p.number, title: "", user: { login: "a" }, head: { sha: p.head.sha }, base: { ref: "main", sha: p.base.sha }, changed_files: reported, state: "open" }, { owner: "acme", repo: "big" });
  }

  it.each([
    [1, 1, 1, false],
    [250, 250, 3, true],
    [3000, 3000, 30, true],
  ])("lists %d files (PR says %d) in %d pages, side by side: %s", async (n, reported, pages, parallel) => {
    fake.reset();
    const listed = await listPullFiles(octokit, pull(n, reported));
    expect(listed.map((f) => f.filename)).toEqual(files(n).map((f) => f.filename));
    expect(fake.reads("/files")).toBe(pages);
    // Each request waits 20 ms in the fake: pages asked for together overlap; never more than 8 at once.
    const inFlight = maxInFlight(fake.requests);
    expect(inFlight > 1).toBe(parallel);
    expect(inFlight).toBeLessThanOrEqual(8);
  });

  it("follows on page by page when the PR's file count was stale", async () => {
    fake.reset();
    const listed = await listPullFiles(octokit, pull(250, 120));
    expect(listed).toHaveLength(250);
    expect(fake.reads("/files")).toBe(3);
  });

  it("stops at GitHub's 3000-file listing cap", async () => {
    fake.reset();
    const listed = await listPullFiles(octokit, pull(3100, 3100));
    expect(listed).toHaveLength(3000);
    expect(fake.reads("/files")).toBe(30);
  });
});

describe("bench request-log metrics", () => {
  const r = (startedAt: number, endedAt: number) => ({ startedAt, endedAt });
  it("counts overlapping requests as one round trip and chained ones as many", async () => {
    const { sequentialDepth } = await import("../../bench/metrics.js");
    expect(sequentialDepth([])).toBe(0);
    expect(sequentialDepth([r(0, 10), r(1, 11), r(2, 12)])).toBe(1);
    expect(sequentialDepth([r(0, 10), r(10, 20), r(20, 30)])).toBe(3);
    // policy ‖ files, then checks list, then two writes side by side
    expect(sequentialDepth([r(0, 50), r(0, 50), r(50, 100), r(100, 150), r(101, 151)])).toBe(3);
  });
  it("finds the most requests in flight", () => {
    expect(maxInFlight([r(0, 10), r(10, 20)])).toBe(1);
    expect(maxInFlight([r(0, 10), r(5, 20), r(6, 7)])).toBe(3);
  });
});

describe("diffTreeEntries and mergeListings (the change beyond GitHub's 3000 listed files)", () => {
  const blob = (path: string, sha: string, mode = "100644") => ({ path, mode, type: "blob", sha: sha.repeat(40) });
  it("compares two recursive trees by path and SHA, leaving folders out", () => {
    const base = [blob("a.txt", "1"), blob("b.txt", "2"), blob("run.sh", "3"), { path: "d", mode: "040000", type: "tree", sha: "4".repeat(40) }, blob("d/gone.py", "5")];
    const head = [blob("a.txt", "1"), blob("b.txt", "6"), blob("run.sh", "3", "100755"), { path: "d", mode: "040000", type: "tree", sha: "7".repeat(40) }, blob("d/new.py", "8"), { path: "lib", mode: "160000", type: "commit", sha: "9".repeat(40) }];
    expect(diffTreeEntries(base, head).map((f) => [f.filename, f.status, f.patch])).toEqual([
      ["b.txt", "modified", undefined],
      ["d/gone.py", "removed", undefined],
      ["d/new.py", "added", undefined],
      ["lib", "added", undefined],
      ["run.sh", "changed", undefined],
    ]);
  });
  it("keeps the listed files (with patches) and adds only the paths they do not cover", () => {
    const listed = [
      { filename: "new/name.py", previousFilename: "old/name.py", status: "renamed" as const, additions: 0, deletions: 0 },
      { filename: "a.py", status: "modified" as const, additions: 1, deletions: 1, patch: "@@ -1 +1 @@\n-a\n+b" },
    ];
    const trees = diffTreeEntries([blob("old/name.py", "1"), blob("a.py", "2")], [blob("new/name.py", "1"), blob("a.py", "3"), blob("z/model.onnx", "4")]);
    expect(mergeListings(listed, trees).map((f) => [f.filename, f.status, f.patch !== undefined])).toEqual([
      ["new/name.py", "renamed", false],
      ["a.py", "modified", true],
      ["z/model.onnx", "added", false],
    ]);
  });
});
