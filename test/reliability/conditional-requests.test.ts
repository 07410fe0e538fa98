import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Probot } from "probot";
import { ConditionalCache } from "../../src/github/conditional-cache.js";
import { createAimsOctokit, DEFAULT_OCTOKIT_SETTINGS } from "../../src/github/octokit.js";
import { FakeGitHub, generateTestPrivateKey } from "../support/fake-github.js";

describe("conditional requests: GitHub's 304 Not Modified is served from the kept answer", () => {
  let fake: FakeGitHub;
  let probot: Probot;
  const cache = new ConditionalCache({ maxEntries: 3, maxBytes: 1024 * 1024, maxEntryBytes: 512 * 1024 });

  beforeAll(async () => {
    fake = new FakeGitHub();
    const { url } = await fake.start();
    fake.addRepo("acme/shop", { files: { "README.md": "# Shop\n" } });
    fake.commit("acme/shop", { branch: "feature", files: { "models/a.onnx": "\u0000A" } });
    fake.addPullRequest("acme/shop", { head: "feature", user: "alice", title: "Add the ranker" });
    const Octokit = createAimsOctokit({ ...DEFAULT_OCTOKIT_SETTINGS, retryBaseMs: 1, writePacing: false, contentIntervalMs: 0 }, cache);
    probot = new Probot({ appId: fake.app.id, privateKey: generateTestPrivateKey(), baseUrl: url, Octokit, logLevel: "fatal" });
  });
  afterAll(async () => fake.stop());

  it("revalidates with If-None-Match, serves the kept body on 304, and reads afresh once the resource changed", async () => {
    const octokit = await probot.auth(fake.installationId);
    const get = () => octokit.rest.pulls.get({ owner: "acme", repo: "shop", pull_number: 1 });
    const first = await get();
    fake.reset();
    const second = await get();
    expect(fake.requests.map((r) => r.status)).toEqual([304]);
    expect(fake.notModified).toBe(1);
    expect(second.status).toBe(200);
    expect(second.data).toEqual(first.data);
    expect(cache.stats().revalidated).toBe(1);

    // The title changes on GitHub: the ETag no longer matches, and the new copy is read and kept.
    fake.getPull("acme/shop", 1).issue.title = "Add the ranker, v2";
    fake.reset();
    const third = await get();
    expect(fake.requests.map((r) => r.status)).toEqual([200]);
    expect(third.data.title).toBe("Add the ranker, v2");
    fake.reset();
    expect((await get()).data.title).toBe("Add the ranker, v2");
    expect(fake.requests.map((r) => r.status)).toEqual([304]);
  });

  it("keeps answers per token: another installation's client never gets them without asking", async () => {
    const octokit = await probot.auth(fake.installationId);
    await octokit.rest.repos.get({ owner: "acme", repo: "shop" });
    fake.reset();
    const other = new (createAimsOctokit({ ...DEFAULT_OCTOKIT_SETTINGS, writePacing: false, contentIntervalMs: 0 }, cache))({ auth: "another-token", baseUrl: fake.apiBase });
    await other.rest.repos.get({ owner: "acme", repo: "shop" });
    expect(fake.requests.map((r) => r.status)).toEqual([200]);
  });

  it("stays within its bounds: the least recently used answer goes first", async () => {
    const octokit = await probot.auth(fake.installationId);
    for (const path of ["README.md", "models/a.onnx"]) await octokit.rest.repos.getContent({ owner: "acme", repo: "shop", path, ref: "feature" });
    await octokit.rest.repos.get({ owner: "acme", repo: "shop" });
    await octokit.rest.issues.listComments({ owner: "acme", repo: "shop", issue_number: 1 });
    expect(cache.stats().entries).toBeLessThanOrEqual(3);
    fake.reset();
    // The pull request was used longest ago: it is read in full again.
    await octokit.rest.pulls.get({ owner: "acme", repo: "shop", pull_number: 1 });
    expect(fake.requests.map((r) => r.status)).toEqual([200]);
  });
});
