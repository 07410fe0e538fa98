import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Probot } from "probot";
import { ConditionalCache } from "../../src/github/conditional-cache.js";
import { createAimsOctokit, DEFAULT_OCTOKIT_SETTINGS } from "../../src/github/octokit.js";
import { isContentAddressed, ShaCache } from "../../src/github/sha-cache.js";
import { createApp } from "../../src/app.js";
import { createServices, type Services } from "../../src/services.js";
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
    const Octokit = createAimsOctokit({ ...DEFAULT_OCTOKIT_SETTINGS, retryBaseMs: 1, writePacing: false, contentIntervalMs: 0 }, { conditional: cache });
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

  it("keeps answers per installation (per token for a personal token): another's client never gets them without asking", async () => {
    const octokit = await probot.auth(fake.installationId);
    await octokit.rest.repos.get({ owner: "acme", repo: "shop" });
    fake.reset();
    const other = new (createAimsOctokit({ ...DEFAULT_OCTOKIT_SETTINGS, writePacing: false, contentIntervalMs: 0 }, { conditional: cache }))({ auth: "another-token", baseUrl: fake.apiBase });
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

describe("content-addressed answers: what a commit SHA fixes is asked once", () => {
  let fake: FakeGitHub;
  let probot: Probot;
  let head: string;
  const shaCache = new ShaCache({ maxBytes: 1024 * 1024, maxEntryBytes: 512 * 1024 });
  const settings = { ...DEFAULT_OCTOKIT_SETTINGS, retryBaseMs: 1, writePacing: false, contentIntervalMs: 0 };

  beforeAll(async () => {
    fake = new FakeGitHub();
    const { url } = await fake.start();
    fake.addRepo("acme/shop", { files: { "README.md": "# Shop\n" } });
    head = fake.commit("acme/shop", { branch: "feature", files: { "models/a.onnx": "\u0000A" } });
    probot = new Probot({ appId: fake.app.id, privateKey: generateTestPrivateKey(), baseUrl: url, Octokit: createAimsOctokit(settings, { conditional: new ConditionalCache(), sha: shaCache }), logLevel: "fatal" });
  });
  afterAll(async () => fake.stop());

  it("serves contents at a SHA, a 404 at a SHA and a compare of two SHAs without asking again; a branch is always asked", async () => {
    const octokit = await probot.auth(fake.installationId);
    const base = fake.resolveRef("acme/shop", "main")!;
    const reads = async () => {
      const file = await octokit.rest.repos.getContent({ owner: "acme", repo: "shop", path: "models/a.onnx", ref: head, mediaType: { format: "raw" } });
      const missing = await octokit.rest.repos.getContent({ owner: "acme", repo: "shop", path: "governance/impact-assessments", ref: head }).catch((e: { status: number }) => e.status);
      const compare = await octokit.rest.repos.compareCommitsWithBasehead({ owner: "acme", repo: "shop", basehead: `${base}...${head}`, per_page: 1 });
      return { file: String(file.data), missing, mergeBase: compare.data.merge_base_commit.sha };
    };
    const first = await reads();
    expect(first).toEqual({ file: "\u0000A", missing: 404, mergeBase: base });
    fake.reset();
    expect(await reads()).toEqual(first);
    expect(fake.requests).toEqual([]);
    expect(shaCache.stats().hits).toBe(3);

    // A branch name is not a SHA: asked every time (a 304 at best).
    await octokit.rest.repos.getContent({ owner: "acme", repo: "shop", path: "README.md", ref: "feature" });
    expect(fake.requests.map((r) => r.path)).toEqual(["/repos/acme/shop/contents/README.md"]);

    // Another installation's client never gets them without asking.
    const other = new (createAimsOctokit(settings, { conditional: new ConditionalCache(), sha: shaCache }))({ auth: "another-token", baseUrl: fake.apiBase });
    fake.reset();
    await other.rest.repos.getContent({ owner: "acme", repo: "shop", path: "models/a.onnx", ref: head, mediaType: { format: "raw" } });
    expect(fake.requests.map((r) => r.status)).toEqual([200]);
  });

  it("knows which answers a SHA fixes", () => {
    const sha = "a".repeat(40);
    expect(isContentAddressed(`https://api.github.com/repos/o/r/contents/x.txt?ref=${sha}`)).toBe(true);
    expect(isContentAddressed(`https://ghe.example/api/v3/repos/o/r/git/trees/${sha}?recursive=1`)).toBe(true);
    expect(isContentAddressed(`https://api.github.com/repos/o/r/compare/${sha}...${"b".repeat(40)}?per_page=1`)).toBe(true);
    expect(isContentAddressed("https://api.github.com/repos/o/r/contents/x.txt?ref=main")).toBe(false);
    expect(isContentAddressed("https://api.github.com/repos/o/r/contents/x.txt")).toBe(false);
    expect(isContentAddressed(`https://api.github.com/repos/o/r/compare/main...${sha}`)).toBe(false);
    expect(isContentAddressed(`https://api.github.com/repos/o/r/pulls/1?ref=${sha}`)).toBe(false);
  });
});

describe("a redelivered governed event: answered from 304s and the SHA cache, nothing written", () => {
  let fake: FakeGitHub;
  let probot: Probot;
  let services: Services;
  const cache = new ConditionalCache();

  beforeAll(async () => {
    fake = new FakeGitHub();
    const { url } = await fake.start();
    fake.addRepo("acme/shop", { files: { ".github/aims.yml": "systems:\n  - id: ranker\n    name: Ranker\n    paths: [\"models/**\"]\n    risk: limited\n", "README.md": "# Shop\n" } });
    fake.commit("acme/shop", { branch: "feature", files: { "models/a.onnx": "\u0000A" }, author: "alice" });
    fake.addPullRequest("acme/shop", { head: "feature", user: "alice", title: "Add the ranker" });
    const Octokit = createAimsOctokit({ ...DEFAULT_OCTOKIT_SETTINGS, retryBaseMs: 1, writePacing: false, contentIntervalMs: 0 }, { conditional: cache });
    probot = new Probot({ appId: fake.app.id, privateKey: generateTestPrivateKey(), baseUrl: url, Octokit, logLevel: "fatal" });
    services = createServices({ appId: fake.app.id, appSlug: fake.app.slug });
    await probot.load(createApp(services.settings, { services }), { cwd: process.cwd(), addHandler: () => {} });
  });
  afterAll(async () => fake.stop());

  it("serves the unchanged answers GitHub confirms with 304, and writes nothing", async () => {
    const get = async (path: string) => (await fetch(`${fake.apiBase}${path}`)).json() as Promise<Record<string, unknown>>;
    const payload = {
      action: "opened",
      number: 1,
      pull_request: await get("/repos/acme/shop/pulls/1"),
      repository: await get("/repos/acme/shop"),
      installation: { id: fake.installationId },
      sender: { login: "alice", id: 9001, type: "User" },
    };
    await probot.receive({ id: "delivery-1", name: "pull_request", payload } as never);
    await services.background.flush();
    expect(fake.checkRunsFor("acme/shop").map((r) => r.conclusion)).toEqual(["action_required", "action_required"]);
    // The evidence record is written when the pull request closes (evidence.while_open is off).
    const record = [...fake.getRepo("acme/shop").issues.values()].find((i) => i.labels.includes("aims:evidence"));
    expect(record).toBeUndefined();
    // Once the event's own writes are read back, a redelivery finds nothing new.
    await probot.receive({ id: "delivery-1", name: "pull_request", payload } as never);
    fake.reset();
    const revalidatedBefore = cache.stats().revalidated;
    await probot.receive({ id: "delivery-1", name: "pull_request", payload } as never);
    expect(fake.requests.filter((r) => r.method !== "GET")).toEqual([]);
    expect(fake.requests.filter((r) => r.status === 200).map((r) => r.operationId)).toEqual([]);
    expect(fake.notModified).toBeGreaterThan(0);
    expect(cache.stats().revalidated - revalidatedBefore).toBe(fake.notModified);
    // The 404 of the assessment folder at the base commit is not asked again either.
    expect(fake.requests.filter((r) => r.status === 404)).toEqual([]);
    expect(fake.checkRunsFor("acme/shop").map((r) => r.conclusion)).toEqual(["action_required", "action_required"]);
  });
});
