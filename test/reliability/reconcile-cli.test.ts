import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { apiBaseUrl, reconcileCommand } from "../../src/reconcile/cli.js";
import { FakeGitHub, generateTestPrivateKey } from "../support/fake-github.js";

describe("aims reconcile", () => {
  let fake: FakeGitHub;
  let host: string;
  beforeAll(async () => {
    fake = new FakeGitHub();
    ({ host } = await fake.start());
    fake.addRepo("acme/shop");
  });
  afterAll(async () => fake.stop());

  const io = () => {
    const out = { stdout: "", stderr: "" };
    return { out, io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t) } };
  };

  it("needs the app's credentials", async () => {
    const { out, io: sink } = io();
    expect(await reconcileCommand([], sink, {})).toBe(2);
    expect(out.stderr).toContain("APP_ID and PRIVATE_KEY");
  });

  it("finds the API from GHE_HOST, GITHUB_API_URL or defaults to github.com", () => {
    expect(apiBaseUrl({ GHE_HOST: "ghe.example", GHE_PROTOCOL: "http" })).toBe("http://ghe.example/api/v3");
    expect(apiBaseUrl({ GITHUB_API_URL: "https://api.example" })).toBe("https://api.example");
    expect(apiBaseUrl({})).toBeUndefined();
  });

  it("runs one pass as the app and prints its counts as one JSON line", async () => {
    const { out, io: sink } = io();
    const code = await reconcileCommand(["--cooldown-minutes", "0"], sink, { APP_ID: String(fake.app.id), PRIVATE_KEY: generateTestPrivateKey(), GHE_HOST: host, GHE_PROTOCOL: "http", APP_SLUG: fake.app.slug });
    expect(out.stderr).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(out.stdout).reconcile).toMatchObject({ installations: 1, repositories: 1, redelivered: 0, errors: 0 });
  });

  it("exits 1 when a part of the pass failed", async () => {
    fake.fault = (req) => (req.path === "/app/hook/deliveries" ? { status: 404, body: { message: "Not Found" } } : undefined);
    const { out, io: sink } = io();
    const code = await reconcileCommand([], sink, { APP_ID: String(fake.app.id), PRIVATE_KEY: generateTestPrivateKey(), GHE_HOST: host, GHE_PROTOCOL: "http", AIMS_SERVER_ERROR_RETRIES: "0" });
    fake.fault = undefined;
    expect(code).toBe(1);
    expect(out.stderr).toContain("deliveries:");
  });
});
