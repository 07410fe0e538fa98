import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Redis } from "ioredis";
import { Probot } from "probot";
import { ConditionalCache, conditionalFetch } from "../../src/github/conditional-cache.js";
import { createAimsOctokit, DEFAULT_OCTOKIT_SETTINGS } from "../../src/github/octokit.js";
import { createRedisHttpCache } from "../../src/queue/redis-http-cache.js";
import { FakeGitHub, generateTestPrivateKey } from "../support/fake-github.js";
import { redisServerInstalled, startRedis, type RunningRedis } from "../support/redis.js";

const installed = redisServerInstalled();
const SETTINGS = { ...DEFAULT_OCTOKIT_SETTINGS, retryBaseMs: 1, writePacing: false, contentIntervalMs: 0 };

(installed ? describe : describe.skip)("the conditional cache shared by replicas through Redis", () => {
  let fake: FakeGitHub;
  let redis: RunningRedis;
  const clients: Redis[] = [];

  /** One replica: its own memory cache, the shared store on its own Redis connection, installation auth. */
  function replica(prefix: string, limits = { maxBytes: 1024 * 1024, maxEntryBytes: 256 * 1024 }) {
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    clients.push(client);
    const shared = createRedisHttpCache(client, { prefix, ...limits });
    const memory = new ConditionalCache();
    const Octokit = createAimsOctokit(SETTINGS, { conditional: memory, shared });
    const probot = new Probot({ appId: fake.app.id, privateKey: generateTestPrivateKey(), baseUrl: fake.apiBase, Octokit, logLevel: "fatal" });
    return { probot, memory, shared };
  }

  beforeAll(async () => {
    redis = await startRedis();
    fake = new FakeGitHub();
    await fake.start();
    fake.addRepo("acme/shop", { files: { "README.md": "# Shop\n" } });
    fake.commit("acme/shop", { branch: "feature", files: { "models/a.onnx": "\u0000A" } });
    fake.addPullRequest("acme/shop", { head: "feature", user: "alice", title: "Add the ranker" });
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await fake.stop();
    await redis.stop();
  });

  it("a copy one replica kept is revalidated by another: GitHub answers 304 and the body is whole", async () => {
    const a = replica("aims-a");
    const b = replica("aims-a");
    const first = await (await a.probot.auth(fake.installationId)).rest.pulls.get({ owner: "acme", repo: "shop", pull_number: 1 });
    await new Promise((resolve) => setTimeout(resolve, 50)); // the shared write is not awaited by the request
    fake.reset();
    const second = await (await b.probot.auth(fake.installationId)).rest.pulls.get({ owner: "acme", repo: "shop", pull_number: 1 });
    expect(fake.requests.filter((r) => r.path.includes("/pulls/1")).map((r) => r.status)).toEqual([304]);
    expect(second.data).toEqual(first.data);
    expect(b.memory.stats().revalidated).toBe(1);
  });

  it("a changed resource is read afresh by every replica, whatever the shared copy says", async () => {
    const a = replica("aims-b");
    const b = replica("aims-b");
    const get = async (r: ReturnType<typeof replica>) => (await (await r.probot.auth(fake.installationId)).rest.pulls.get({ owner: "acme", repo: "shop", pull_number: 1 })).data;
    await get(a);
    await new Promise((resolve) => setTimeout(resolve, 50));
    fake.getPull("acme/shop", 1).issue.title = "Add the ranker, v2";
    fake.reset();
    expect((await get(b)).title).toBe("Add the ranker, v2");
    expect(fake.requests.filter((r) => r.path.includes("/pulls/1")).map((r) => r.status)).toEqual([200]);
  });

  it("stays within its byte bound in Redis, the least recently used copy dropped first", async () => {
    const a = replica("aims-c", { maxBytes: 9000, maxEntryBytes: 8000 });
    const octokit = await a.probot.auth(fake.installationId);
    await octokit.rest.pulls.get({ owner: "acme", repo: "shop", pull_number: 1 });
    await octokit.rest.repos.get({ owner: "acme", repo: "shop" });
    await octokit.rest.issues.get({ owner: "acme", repo: "shop", issue_number: 1 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stats = await a.shared.stats();
    expect(stats.bytes).toBeLessThanOrEqual(9000);
    expect(stats.entries).toBeGreaterThanOrEqual(1);
  });

  it("a Redis that cannot answer costs nothing but the shared copy: the request goes to GitHub", async () => {
    const client = new Redis(redis.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true });
    const shared = createRedisHttpCache(client, { prefix: "aims-d", maxBytes: 1024 * 1024, maxEntryBytes: 256 * 1024 });
    const failures: unknown[] = [];
    const base = (async () => new Response('{"ok":true}', { headers: { etag: '"e"', "content-type": "application/json" } })) as typeof fetch;
    const fetcher = conditionalFetch(new ConditionalCache(), base, { who: "installation:1", shared, onSharedError: (e) => failures.push(e) });
    const res = await fetcher("https://api.github.com/repos/acme/shop", { headers: {} });
    expect(await res.json()).toEqual({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(failures.length).toBeGreaterThanOrEqual(1);
    client.disconnect();
  });
});
