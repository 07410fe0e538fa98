import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { request } from "node:http";
import { FakeGitHub, type FakeRepo } from "../support/fake-github.js";
import { eventually, startApp, type RunningApp } from "../support/server.js";

const POLICY = `systems:
  - id: recommender
    name: Product recommender
    paths: ["models/**", "data/**"]
    risk: limited
`;

/** Runs the built server (`node lib/server.js`, as `npm start` does) against a stateful fake GitHub on loopback. */
describe("end to end: signed webhooks into the real server", () => {
  let fake: FakeGitHub;
  let app: RunningApp;
  let base: string;
  let repo: FakeRepo;

  beforeAll(async () => {
    fake = new FakeGitHub();
    const { url, host } = await fake.start();
    base = url;
    repo = fake.addRepo("acme/shop", { files: { ".github/aims.yml": POLICY, "README.md": "# Shop\n", "src/index.ts": "export {};\n" } });
    app = await startApp(fake, host);
  }, 30_000);

  afterAll(async () => {
    await app?.stop();
    await fake?.stop();
  });

  async function pullRequestEvent(number: number, action: string) {
    const get = async (path: string) => (await fetch(`${base}${path}`)).json();
    return {
      action,
      number,
      pull_request: await get(`/repos/acme/shop/pulls/${number}`),
      repository: await get(`/repos/acme/shop`),
      installation: { id: fake.installationId },
      sender: { login: "alice", id: 2, type: "User" },
    };
  }

  function checks(sha: string) {
    return Object.fromEntries(fake.checkRunsFor(repo, { headSha: sha }).map((r) => [r.name, r]));
  }

  it("rejects a forged signature before any processing", async () => {
    fake.reset();
    const res = await app.send("pull_request", { action: "opened" }, { signature: "sha256=" + "0".repeat(64) });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.requests).toHaveLength(0);
  });

  /** Log lines (pino JSON) the server printed after `from` characters of output. */
  function logLines(from: number): Array<{ level: number; msg?: string; delivery?: string; event?: string }> {
    return app
      .output()
      .slice(from)
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l));
  }

  it("logs a forged signature as one warn line with the delivery id and event, no error stack traces", async () => {
    fake.reset();
    const from = app.output().length;
    const res = await app.send("issue_comment", { action: "created" }, { signature: "sha256=" + "1".repeat(64), delivery: "forged-1" });
    expect(res.status).toBe(400);
    await new Promise((r) => setTimeout(r, 300));
    const lines = logLines(from);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    const warns = lines.filter((l) => l.level === 40);
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({ delivery: "forged-1", event: "issue_comment", msg: expect.stringContaining("signature does not match") });
    expect(app.output().slice(from)).not.toContain("    at ");
    expect(fake.requests).toHaveLength(0);
  });

  it("refuses a body above GitHub's 25 MB payload cap with 413 before reading it, signed or not", async () => {
    fake.reset();
    const from = app.output().length;
    // Only the headers are sent: the answer must come from the declared size alone, before any body byte.
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${app.url}/api/github/webhooks`);
      const req = request({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        headers: {
          "content-type": "application/json",
          "content-length": String(30 * 1024 * 1024),
          "x-github-event": "push",
          "x-github-delivery": "huge-1",
          "x-hub-signature-256": "sha256=" + "0".repeat(64),
        },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on("error", (error) => reject(error));
      req.flushHeaders();
    });
    expect(status).toBe(413);
    const lines = await eventually(() => {
      const all = logLines(from);
      return all.some((l) => l.level === 40) ? all : undefined;
    });
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(lines.filter((l) => l.level === 40)).toEqual([expect.objectContaining({ delivery: "huge-1", event: "push" })]);
    // A signed delivery of ordinary size still goes through Probot's own verification.
    expect((await app.send("ping", { zen: "Keep it logically awesome.", hook_id: 1 })).status).toBe(200);
  });

  it("gates a model change, then converges without duplicates on redelivery", async () => {
    fake.commit(repo, { branch: "add-model", files: { "models/ranker.onnx": "\u0000ONNX-binary\u0001", "README.md": "# Shop\nranker\n" } });
    const pr = fake.addPullRequest(repo, { head: "add-model", user: "alice", title: "Add ranker model" });
    fake.reset();

    const res = await app.send("pull_request", await pullRequestEvent(pr.number, "opened"));
    expect(res.status).toBeLessThan(300);
    const runs = await eventually(() => {
      const c = checks(pr.head.sha);
      return Object.keys(c).length === 2 ? c : undefined;
    });
    expect(runs["aims/impact-assessment"]!.conclusion).toBe("action_required");
    expect(runs["aims/impact-assessment"]!.output.title).toBe("Impact assessment required for recommender");
    expect(runs["aims/impact-assessment"]!.output.summary).toContain("models/ranker.onnx");
    expect(runs["aims/human-oversight"]!.conclusion).toBe("action_required");
    expect(fake.violations).toEqual([]);
    expect(fake.unhandled).toEqual([]);
    const firstWrites = fake.writes("check-runs");

    // The same delivery again, and a re-run request: nothing changed, so nothing is written.
    fake.reset();
    await app.send("pull_request", await pullRequestEvent(pr.number, "edited"));
    await eventually(() => fake.requests.some((r) => r.path.includes("/check-runs")) || undefined);
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.writes("check-runs")).toBe(0);
    expect(fake.checkRunsFor(repo, { headSha: pr.head.sha })).toHaveLength(2);
    expect(firstWrites).toBe(2);
  });

  it("judges a PR that edits the policy by the base branch's policy", async () => {
    fake.commit(repo, {
      branch: "weaken-policy",
      files: { ".github/aims.yml": "detect:\n  gate: []\n", "data/train.parquet": "PAR1\u0000\u0001PAR1" },
    });
    const pr = fake.addPullRequest(repo, { head: "weaken-policy", user: "mallory" });
    await app.send("pull_request", await pullRequestEvent(pr.number, "opened"));
    const runs = await eventually(() => {
      const c = checks(pr.head.sha);
      return Object.keys(c).length === 2 ? c : undefined;
    });
    expect(runs["aims/impact-assessment"]!.conclusion).toBe("action_required");
    expect(runs["aims/impact-assessment"]!.output.summary).toContain("governance-policy");
    expect(runs["aims/impact-assessment"]!.output.summary).toContain("data/train.parquet");
  });

  it("passes a docs-only pull request", async () => {
    fake.commit(repo, { branch: "docs", files: { "README.md": "# Shop\n\nHow to run.\n" } });
    const pr = fake.addPullRequest(repo, { head: "docs", user: "alice" });
    await app.send("pull_request", await pullRequestEvent(pr.number, "opened"));
    const runs = await eventually(() => {
      const c = checks(pr.head.sha);
      return Object.keys(c).length === 2 ? c : undefined;
    });
    expect(Object.values(runs).map((r) => [r.conclusion, r.output.title])).toEqual([
      ["success", "No AI-relevant changes"],
      ["success", "No AI-relevant changes"],
    ]);
  });
});
