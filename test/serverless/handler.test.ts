import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Probot } from "probot";
import { createApp } from "../../src/app.js";
import { createWebhookHandler, type HttpEvent } from "../../src/serverless.js";
import { FakeGitHub, generateTestPrivateKey, signWebhook, type FakeRepo } from "../support/fake-github.js";
import { TestOctokit } from "../support/probot-app.js";

const SECRET = "serverless-secret";
const POLICY = `systems:
  - id: recommender
    name: Product recommender
    paths: ["models/**"]
    risk: limited
`;


/** AWS Lambda (API Gateway / function URL) events into the ESM handler, against a fake GitHub. */
describe("serverless handler", () => {
  let fake: FakeGitHub;
  let api: string;
  let host: string;
  let repo: FakeRepo;
  let inits = 0;
  let handle: ReturnType<typeof createWebhookHandler>;
  let delivery = 0;

  beforeAll(async () => {
    fake = new FakeGitHub();
    ({ url: api, host } = await fake.start());
    repo = fake.addRepo("acme/shop", { files: { ".github/aims.yml": POLICY, "README.md": "# Shop\n" } });
    handle = createWebhookHandler(async () => {
      inits++;
      const probot = new Probot({
        appId: fake.app.id,
        privateKey: generateTestPrivateKey(),
        secret: SECRET,
        baseUrl: api,
        logLevel: "fatal",
        Octokit: TestOctokit,
      });
      await probot.load(createApp({ appId: fake.app.id }), { cwd: process.cwd(), addHandler: () => {} });
      return probot;
    });
  });

  afterAll(async () => {
    await fake?.stop();
  });

  async function openedEvent(branch: string, files: Record<string, string>) {
    fake.commit(repo, { branch, files });
    const pr = fake.addPullRequest(repo, { head: branch, user: "alice" });
    const get = async (path: string) => (await fetch(`${api}${path}`)).json();
    const payload = {
      action: "opened",
      number: pr.number,
      pull_request: await get(`/repos/acme/shop/pulls/${pr.number}`),
      repository: await get(`/repos/acme/shop`),
      installation: { id: fake.installationId },
      sender: { login: "alice", id: 2, type: "User" },
    };
    fake.reset();
    return { pr, body: JSON.stringify(payload) };
  }

  function event(body: string, headers: Record<string, string | undefined>, base64 = false): HttpEvent {
    return {
      // API Gateway keeps header case as sent; function URLs lower-case them.
      headers: { "Content-Type": "application/json", "X-GitHub-Event": "pull_request", "X-GitHub-Delivery": `d-${++delivery}`, ...headers },
      body: base64 ? Buffer.from(body, "utf8").toString("base64") : body,
      isBase64Encoded: base64,
    };
  }

  it("verifies a signed delivery and publishes the checks before answering 200", async () => {
    const { pr, body } = await openedEvent("model-a", { "models/a.onnx": "\u0000ONNX\u0001" });
    const res = await handle(event(body, { "X-Hub-Signature-256": signWebhook(SECRET, body) }));
    expect(res).toMatchObject({ statusCode: 200, headers: { "content-type": "application/json" } });
    // The function awaited the handlers: the checks exist when it answers (no work after the reply).
    const runs = fake.checkRunsFor(repo, { headSha: pr.head.sha });
    expect(runs.map((r) => [r.name, r.conclusion]).sort()).toEqual([
      ["aims/human-oversight", "action_required"],
      ["aims/impact-assessment", "action_required"],
    ]);
    expect(fake.violations).toEqual([]);
  });

  it("accepts a base64-encoded body, signed over the decoded bytes", async () => {
    const { pr, body } = await openedEvent("model-b", { "models/b.onnx": "\u0000ONNX\u0002", "docs/ü.md": "Grüße\n" });
    const res = await handle(event(body, { "x-hub-signature-256": signWebhook(SECRET, body) }, true));
    expect(res.statusCode).toBe(200);
    expect(fake.checkRunsFor(repo, { headSha: pr.head.sha })).toHaveLength(2);
  });

  it("rejects a bad signature with 401 and never calls GitHub", async () => {
    const { pr, body } = await openedEvent("model-c", { "models/c.onnx": "\u0000ONNX\u0003" });
    const res = await handle(event(body, { "X-Hub-Signature-256": signWebhook("wrong-secret", body) }));
    expect(res.statusCode).toBe(401);
    expect(JSON.parse(res.body).message).toMatch(/signature does not match/);
    expect(fake.requests).toHaveLength(0);
    expect(fake.checkRunsFor(repo, { headSha: pr.head.sha })).toHaveLength(0);
  });

  it("rejects a base64 body whose signature was computed over the encoded text", async () => {
    const { body } = await openedEvent("model-d", { "models/d.onnx": "\u0000ONNX\u0004" });
    const encoded = Buffer.from(body).toString("base64");
    const res = await handle({ ...event(body, {}, true), headers: { "x-github-event": "pull_request", "x-github-delivery": "d-x", "x-hub-signature-256": signWebhook(SECRET, encoded) } });
    expect(res.statusCode).toBe(401);
    expect(fake.requests).toHaveLength(0);
  });

  it.each([
    ["no signature", { "X-Hub-Signature-256": undefined }, 401, /missing x-hub-signature-256/],
    ["no delivery id", { "X-GitHub-Delivery": undefined }, 400, /not a GitHub webhook/],
    ["no event name", { "X-GitHub-Event": undefined }, 400, /not a GitHub webhook/],
  ])("answers %s with the right status", async (_name, headers, status, message) => {
    const body = JSON.stringify({ action: "opened" });
    const base = event(body, { "X-Hub-Signature-256": signWebhook(SECRET, body) });
    const res = await handle({ ...base, headers: { ...base.headers, ...headers } });
    expect(res.statusCode).toBe(status);
    expect(JSON.parse(res.body).message).toMatch(message);
  });

  it("answers 500 when a handler fails, so the delivery shows as failed and can be redelivered", async () => {
    const { body } = await openedEvent("model-e", { "models/e.onnx": "\u0000ONNX\u0005" });
    fake.fault = (req) => (req.method === "POST" && req.path.endsWith("/check-runs") ? { status: 403, body: { message: "Resource not accessible by integration" } } : undefined);
    try {
      const res = await handle(event(body, { "X-Hub-Signature-256": signWebhook(SECRET, body) }));
      expect(res.statusCode).toBe(500);
    } finally {
      fake.fault = undefined;
    }
  });

  it("creates Probot once per container, however many invocations", () => {
    expect(inits).toBe(1);
  });

  it("the exported handler builds Probot from the environment and awaits ready() before the first delivery", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      APP_ID: String(fake.app.id),
      PRIVATE_KEY: generateTestPrivateKey(),
      WEBHOOK_SECRET: SECRET,
      GHE_HOST: host,
      GHE_PROTOCOL: "http",
      LOG_LEVEL: "fatal",
    });
    try {
      const { handler } = await import("../../src/serverless.js");
      const { pr, body } = await openedEvent("docs-f", { "README.md": "# Shop\nfunction\n" });
      const res = await handler(event(body, { "x-hub-signature-256": signWebhook(SECRET, body) }, true));
      expect(res.statusCode).toBe(200);
      expect(fake.checkRunsFor(repo, { headSha: pr.head.sha }).map((r) => r.conclusion)).toEqual(["success", "success"]);
      const forged = await handler(event(body, { "x-hub-signature-256": signWebhook("nope", body) }));
      expect(forged.statusCode).toBe(401);
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });
});
