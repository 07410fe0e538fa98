import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { Probot } from "probot";
import { createAimsOctokit, isContentCreating, octokitSettingsFromEnv, pacedAsContent, shouldRetryRateLimit, type OctokitSettings } from "../../src/github/octokit.js";
import { FakeGitHub, generateTestPrivateKey, type FakeRequest, type FaultResult } from "../support/fake-github.js";

const SETTINGS: OctokitSettings = {
  rateLimitRetries: 3,
  maxRetryAfterSeconds: 60,
  serverErrorRetries: 3,
  retryBaseMs: 2,
  requestTimeoutMs: 1500,
  writePacing: false,
  contentIntervalMs: 0,
  conditionalCache: false,
  shaCacheBytes: 0,
};

const secondary = (retryAfter = "1"): FaultResult => ({
  status: 403,
  headers: { "retry-after": retryAfter },
  body: { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." },
});

/** Faults for the first `n` requests matching `path` (method and path), then real answers. */
function firstN(n: number, path: string, fault: () => FaultResult) {
  let count = 0;
  return (req: FakeRequest): FaultResult => (req.path === path && ++count <= n ? fault() : undefined);
}

describe("GitHub rate limits and server errors are retried (aims Octokit through Probot)", () => {
  let fake: FakeGitHub;
  let probot: Probot;
  const Octokit = createAimsOctokit(SETTINGS);

  beforeAll(async () => {
    fake = new FakeGitHub();
    const { url } = await fake.start();
    fake.addRepo("acme/shop");
    fake.addIssue("acme/shop", { title: "Evidence" });
    probot = new Probot({ appId: fake.app.id, privateKey: generateTestPrivateKey(), baseUrl: url, Octokit, logLevel: "fatal" });
  });
  afterAll(async () => fake.stop());
  beforeEach(() => {
    fake.fault = undefined;
    fake.latencyMs = 0;
    fake.reset();
  });

  const statuses = (path: string) => fake.requests.filter((r) => r.path === path).map((r) => r.status);

  it("retries a secondary rate limit after retry-after on an installation client (Probot alone does not)", async () => {
    fake.fault = firstN(2, "/repos/acme/shop", () => secondary());
    const octokit = await probot.auth(fake.installationId);
    const { data } = await octokit.rest.repos.get({ owner: "acme", repo: "shop" });
    expect(data.full_name).toBe("acme/shop");
    expect(statuses("/repos/acme/shop")).toEqual([403, 403, 200]);
  });

  it("retries a primary rate limit (x-ratelimit-remaining: 0) after x-ratelimit-reset", async () => {
    fake.fault = firstN(1, "/repos/acme/shop", () => ({
      status: 403,
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.floor(Date.now() / 1000)) },
      body: { message: "API rate limit exceeded for installation ID 1." },
    }));
    const octokit = await probot.auth(fake.installationId);
    await octokit.rest.repos.get({ owner: "acme", repo: "shop" });
    expect(statuses("/repos/acme/shop")).toEqual([403, 200]);
  });

  it("retries 5xx, dropped connections and requests that never answer", async () => {
    const octokit = await probot.auth(fake.installationId);
    fake.fault = firstN(2, "/repos/acme/shop", () => ({ status: 502, body: { message: "Server Error" } }));
    await octokit.rest.repos.get({ owner: "acme", repo: "shop" });
    expect(statuses("/repos/acme/shop")).toEqual([502, 502, 200]);

    fake.reset();
    fake.fault = firstN(1, "/repos/acme/shop", () => "drop");
    await octokit.rest.repos.get({ owner: "acme", repo: "shop" });
    expect(statuses("/repos/acme/shop")).toEqual([0, 200]);

    fake.reset();
    fake.fault = firstN(1, "/repos/acme/shop", () => "timeout");
    await octokit.rest.repos.get({ owner: "acme", repo: "shop" });
    expect(statuses("/repos/acme/shop")).toEqual([0, 200]);
  });

  it("gives up after the configured retries and surfaces the 403", async () => {
    fake.fault = (req) => (req.path === "/repos/acme/shop" ? secondary() : undefined);
    const octokit = await probot.auth(fake.installationId);
    await expect(octokit.rest.repos.get({ owner: "acme", repo: "shop" })).rejects.toMatchObject({ status: 403 });
    expect(statuses("/repos/acme/shop")).toEqual([403, 403, 403, 403]);
  });

  it("does not wait for a retry-after beyond the bound: fails at once, the reconciler repairs later", async () => {
    fake.fault = (req) => (req.path === "/repos/acme/shop" ? secondary("3600") : undefined);
    const octokit = await probot.auth(fake.installationId);
    await expect(octokit.rest.repos.get({ owner: "acme", repo: "shop" })).rejects.toMatchObject({ status: 403 });
    expect(statuses("/repos/acme/shop")).toEqual([403]);
  });

  it("retries writes too, so a comment is created exactly once after a secondary limit", async () => {
    const octokit = await probot.auth(fake.installationId);
    fake.fault = firstN(1, "/repos/acme/shop/issues/1/comments", () => secondary());
    await octokit.rest.issues.createComment({ owner: "acme", repo: "shop", issue_number: 1, body: "recorded" });
    expect(statuses("/repos/acme/shop/issues/1/comments")).toEqual([403, 201]);
    expect(fake.getIssue("acme/shop", 1).comments.map((c) => c.body)).toEqual(["recorded"]);
  });

  it("paces content-creating requests of one installation one at a time", async () => {
    fake.latencyMs = 15;
    const octokit = await probot.auth(fake.installationId);
    await Promise.all(
      Array.from({ length: 6 }, (_, i) => octokit.rest.issues.createComment({ owner: "acme", repo: "shop", issue_number: 1, body: `c${i}` })),
    );
    const writes = fake.requests.filter((r) => r.method === "POST" && r.path.endsWith("/comments"));
    expect(writes).toHaveLength(6);
    // Never two in flight at once: each starts after the previous one finished.
    for (let i = 1; i < writes.length; i++) expect(writes[i]!.startedAt).toBeGreaterThanOrEqual(writes[i - 1]!.endedAt);
  });
});

describe("write pacing (on, as in production) spaces content creation only", () => {
  let fake: FakeGitHub;
  let probot: Probot;

  beforeAll(async () => {
    fake = new FakeGitHub();
    const { url } = await fake.start();
    fake.addRepo("acme/shop");
    probot = new Probot({ appId: fake.app.id, privateKey: generateTestPrivateKey(), baseUrl: url, Octokit: createAimsOctokit({ ...SETTINGS, writePacing: true, contentIntervalMs: 1000 }), logLevel: "fatal" });
  });
  afterAll(async () => fake.stop());

  it("writes two check runs side by side: GitHub does not count them as content creation", async () => {
    const octokit = await probot.auth(fake.installationId);
    const sha = [...fake.repos.get("acme/shop")!.branches.values()][0]!;
    const started = Date.now();
    await Promise.all(
      ["a", "b"].map((name) => octokit.rest.checks.create({ owner: "acme", repo: "shop", name, head_sha: sha, status: "completed", conclusion: "success" })),
    );
    // The plugin's former 1 s spacing of every write would take at least 1000 ms here.
    expect(Date.now() - started).toBeLessThan(900);
  });

  it("knows which paths are content", () => {
    expect(isContentCreating("POST", "/repos/acme/shop/check-runs")).toBe(false);
    expect(isContentCreating("PATCH", "/repos/acme/shop/check-runs/5")).toBe(false);
    expect(isContentCreating("POST", "/repos/acme/shop/issues")).toBe(true);
    expect(isContentCreating("POST", "/repos/acme/shop/labels")).toBe(true);
    expect(isContentCreating("POST", "/repos/acme/shop/pulls/3/requested_reviewers")).toBe(true);
    expect(pacedAsContent("/repos/%7Bowner%7D/%7Brepo%7D/issues/%7Bissue_number%7D/comments")).toBe(true);
    expect(pacedAsContent("/repos/%7Bowner%7D/%7Brepo%7D/check-runs")).toBe(false);
  });
});

describe("rate-limit settings", () => {
  it("reads AIMS_* variables and keeps defaults for missing or malformed ones", () => {
    const s = octokitSettingsFromEnv({ AIMS_RETRY_BASE_MS: "5", AIMS_RATE_LIMIT_RETRIES: "x", AIMS_WRITE_PACING: "off", AIMS_CONTENT_INTERVAL_MS: "250" });
    expect(s.retryBaseMs).toBe(5);
    expect(s.rateLimitRetries).toBe(4);
    expect(s.writePacing).toBe(false);
    expect(s.contentIntervalMs).toBe(250);
    expect(octokitSettingsFromEnv({}).writePacing).toBe(true);
    expect(octokitSettingsFromEnv({}).retryBaseMs).toBe(1000);
  });

  it("retries while under the limit and the wait is bounded", () => {
    const opts = (retryCount: number) => ({ method: "GET", url: "/x", request: { retryCount } });
    expect(shouldRetryRateLimit(SETTINGS, "secondary", 1, opts(0))).toBe(true);
    expect(shouldRetryRateLimit(SETTINGS, "secondary", 1, opts(3))).toBe(false);
    expect(shouldRetryRateLimit(SETTINGS, "primary", 61, opts(0))).toBe(false);
  });
});
