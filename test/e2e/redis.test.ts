import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { builtinModules } from "node:module";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { FakeGitHub, type FakeRepo } from "../support/fake-github.js";
import { redisServerInstalled, startRedis, type RunningRedis } from "../support/redis.js";
import { eventually, startApp, type RunningApp } from "../support/server.js";

const POLICY = `systems:
  - id: recommender
    name: Product recommender
    paths: ["models/**"]
    risk: limited
`;

const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8"));

describe("REDIS_URL: the dependency Probot loads for Redis-backed throttling", () => {
  it("is a production dependency at the exact version Probot imports", () => {
    // Probot loads it lazily with `npxImport("ioredis@<version>")`; outside npx that is a plain
    // import, so the production install (Dockerfile: `npm ci --omit=dev`) must carry it.
    const loader = readFileSync("node_modules/probot/lib/octokit/get-octokit-throttle-options.js", "utf8");
    const imported = /["']ioredis@([^"']+)["']/.exec(loader)?.[1];
    expect(imported).toBeDefined();
    expect(readJson("package.json").dependencies?.ioredis).toBe(imported);
    expect(readJson("package-lock.json").packages["node_modules/ioredis"]).toMatchObject({ version: imported });
    expect(readJson("package-lock.json").packages["node_modules/ioredis"].dev).toBeUndefined();
  });
});

/** Every file under `dir` (lib/ as `npm run build` writes it). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

describe("the production install carries every package the server imports", () => {
  it("every bare import in lib/ is a production dependency (the image runs `npm ci --omit=dev`)", () => {
    const dependencies = Object.keys(readJson("package.json").dependencies ?? {});
    const builtin = new Set(builtinModules);
    const imported = new Set<string>();
    for (const file of filesUnder("lib").filter((f) => f.endsWith(".js"))) {
      // Comments name packages too (detection rules): only code counts.
      const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
      for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"'./][^"']*)["']|import\(\s*["']([^"'./][^"']*)["']\s*\)/g)) {
        const spec = (m[1] ?? m[2])!;
        if (spec.startsWith("node:") || builtin.has(spec)) continue;
        imported.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!);
      }
    }
    // The intake queue and metrics are imported by lib/server.js: a dev-only install would stop every replica.
    expect([...imported]).toEqual(expect.arrayContaining(["bullmq", "ioredis", "prom-client"]));
    expect([...imported].filter((p) => !dependencies.includes(p))).toEqual([]);
  });
});

const installed = redisServerInstalled();
if (!installed) console.warn("Skipping the REDIS_URL server test: redis-server is not installed (apt-get install -y redis-server; .ci/run installs it).");

/** The built server (`node lib/server.js`) with REDIS_URL pointing at a real Redis on 127.0.0.1. */
(installed ? describe : describe.skip)("end to end: the server with REDIS_URL", () => {
  let redis: RunningRedis;
  let fake: FakeGitHub;
  let app: RunningApp;
  let base: string;
  let repo: FakeRepo;

  beforeAll(async () => {
    redis = await startRedis();
    fake = new FakeGitHub();
    const { url, host } = await fake.start();
    base = url;
    repo = fake.addRepo("acme/shop", { files: { ".github/aims.yml": POLICY, "README.md": "# Shop\n" } });
    // Write pacing on: with Redis, the throttling plugin's limiter lives in Redis.
    app = await startApp(fake, host, { REDIS_URL: redis.url, AIMS_WRITE_PACING: "on" });
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    await fake?.stop();
    await redis?.stop();
  });

  it("starts, answers /ping and holds a connection to Redis", async () => {
    const res = await fetch(`${app.url}/ping`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("PONG");
    const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await client.connect();
      // One line per connection: this test's and at least one of the server's.
      const connections = async () => String(await client.client("LIST")).trim().split("\n").length;
      const deadline = Date.now() + 10_000;
      while ((await connections()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(await connections()).toBeGreaterThanOrEqual(2);
    } finally {
      client.disconnect();
    }
    expect(app.output()).not.toContain("Cannot find package");
  });

  it("gates a governed pull request through the Redis-backed throttle (content writes spaced 3 s apart)", async () => {
    fake.commit(repo, { branch: "add-model", files: { "models/ranker.onnx": "\u0000ONNX\u0001" } });
    const pr = fake.addPullRequest(repo, { head: "add-model", user: "alice", title: "Add ranker model" });
    const get = async (path: string) => (await fetch(`${base}${path}`)).json();
    const res = await app.send("pull_request", {
      action: "opened",
      number: pr.number,
      pull_request: await get(`/repos/acme/shop/pulls/${pr.number}`),
      repository: await get("/repos/acme/shop"),
      installation: { id: fake.installationId },
      sender: { login: "alice", id: 2, type: "User" },
    });
    expect(res.status).toBeLessThan(300);
    const runs = await eventually(() => {
      const r = fake.checkRunsFor(repo, { headSha: pr.head.sha });
      return r.length === 2 ? r : undefined;
    }, 30_000);
    expect(runs.map((r) => r.conclusion)).toEqual(["action_required", "action_required"]);
    expect(fake.unhandled).toEqual([]);
  }, 45_000);
});
