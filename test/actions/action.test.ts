import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { runAction } from "../../src/actions/main.js";
import { FakeGitHub, type FakeRepo } from "../support/fake-github.js";
import { TestOctokit } from "../support/probot-app.js";

const POLICY = `systems:
  - id: recommender
    name: Product recommender
    paths: ["models/**"]
    risk: limited
`;


/** The workflow's event file and environment, as the Actions runner provides them, against the fake API. */
describe("GitHub Actions mode", () => {
  let fake: FakeGitHub;
  let api: string;
  let repo: FakeRepo;
  let dir: string;

  beforeAll(async () => {
    fake = new FakeGitHub();
    api = (await fake.start()).url;
    repo = fake.addRepo("acme/shop", { files: { ".github/aims.yml": POLICY, "README.md": "# Shop\n" } });
    fake.addWorkflowToken("ghs_workflowtoken");
    dir = mkdtempSync(join(tmpdir(), "aims-action-"));
  });

  afterAll(async () => {
    await fake?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A pull_request event as GitHub writes it to GITHUB_EVENT_PATH: no `installation`, the PR and repository objects. */
  async function pullRequestEvent(number: number, action: string): Promise<string> {
    const get = async (path: string) => (await fetch(`${api}${path}`)).json();
    const event = {
      action,
      number,
      pull_request: await get(`/repos/acme/shop/pulls/${number}`),
      repository: await get(`/repos/acme/shop`),
      sender: { login: "alice", id: 2, type: "User" },
    };
    const file = join(dir, `event-${number}-${action}.json`);
    writeFileSync(file, JSON.stringify(event));
    return file;
  }

  function run(env: Record<string, string | undefined>) {
    const lines: string[] = [];
    const errors: string[] = [];
    const done = runAction(
      { GITHUB_API_URL: api, GITHUB_TOKEN: "ghs_workflowtoken", GITHUB_RUN_ID: "77", AIMS_DASHBOARD_DEBOUNCE_MS: "off", ...env },
      { info: (l) => lines.push(l), error: (l) => errors.push(l) },
      { Octokit: TestOctokit, logLevel: "fatal" },
    );
    return done.then((code) => ({ code, lines, errors }));
  }

  it("publishes both check runs for a pull_request event with the workflow token", async () => {
    fake.commit(repo, { branch: "add-model", files: { "models/ranker.onnx": "\u0000ONNX\u0001" } });
    const pr = fake.addPullRequest(repo, { head: "add-model", user: "alice" });
    const path = await pullRequestEvent(pr.number, "opened");
    fake.reset();

    const { code, errors, lines } = await run({ GITHUB_EVENT_NAME: "pull_request", GITHUB_EVENT_PATH: path });
    expect(errors).toEqual([]);
    expect(code).toBe(0);
    expect(lines).toEqual(["aims-bot handled pull_request.opened"]);
    const runs = fake.checkRunsFor(repo, { headSha: pr.head.sha });
    expect(runs.map((r) => [r.name, r.conclusion]).sort()).toEqual([
      ["aims/human-oversight", "action_required"],
      ["aims/impact-assessment", "action_required"],
    ]);
    // Everything went through the token, never an app JWT or installation-token exchange.
    expect(fake.requests.some((r) => r.path.startsWith("/app"))).toBe(false);
    expect(new Set(fake.requests.map((r) => r.actor)).size).toBe(1);
    expect(fake.violations).toEqual([]);
    expect(fake.unhandled).toEqual([]);

    // A second run on the same commit writes nothing: the runs are upserted by name.
    fake.reset();
    const again = await run({ GITHUB_EVENT_NAME: "pull_request", GITHUB_EVENT_PATH: await pullRequestEvent(pr.number, "edited") });
    expect(again.code).toBe(0);
    expect(fake.writes()).toBe(0);
    expect(fake.checkRunsFor(repo, { headSha: pr.head.sha })).toHaveLength(2);
  });

  it("fails the step (exit 1) and annotates the error when a handler fails", async () => {
    fake.commit(repo, { branch: "docs", files: { "README.md": "# Shop\nmore\n" } });
    const pr = fake.addPullRequest(repo, { head: "docs", user: "alice" });
    const path = await pullRequestEvent(pr.number, "synchronize");
    fake.fault = (req) => (req.method === "POST" && req.path.endsWith("/check-runs") ? { status: 403, body: { message: "Resource not accessible by integration" } } : undefined);
    try {
      const { code, errors } = await run({ GITHUB_EVENT_NAME: "pull_request", GITHUB_EVENT_PATH: path });
      expect(code).toBe(1);
      expect(errors.join("\n")).toMatch(/handling pull_request\.synchronize failed: GitHub answered HTTP 403: Resource not accessible by integration/);
    } finally {
      fake.fault = undefined;
    }
  });

  it("does nothing for an event the app does not handle, and succeeds", async () => {
    const file = join(dir, "push.json");
    writeFileSync(file, JSON.stringify({ ref: "refs/heads/main", repository: { name: "shop", owner: { login: "acme" } } }));
    fake.reset();
    const { code } = await run({ GITHUB_EVENT_NAME: "push", GITHUB_EVENT_PATH: file });
    expect(code).toBe(0);
    expect(fake.requests).toHaveLength(0);
  });

  it.each([
    ["no event name", { GITHUB_EVENT_NAME: undefined, GITHUB_EVENT_PATH: "/x" }, /GITHUB_EVENT_NAME and GITHUB_EVENT_PATH/],
    ["no token", { GITHUB_EVENT_NAME: "pull_request", GITHUB_EVENT_PATH: "/x", GITHUB_TOKEN: "" }, /no token/],
    ["an unreadable event file", { GITHUB_EVENT_NAME: "pull_request", GITHUB_EVENT_PATH: "/nonexistent/event.json" }, /cannot read the event payload/],
  ])("exits 2 with %s", async (_name, env, message) => {
    const { code, errors } = await run(env);
    expect(code).toBe(2);
    expect(errors.join("\n")).toMatch(message);
  });

  it("action.yml builds the action in its own path and runs the built entry with the token", () => {
    const action = parse(readFileSync("action.yml", "utf8")) as {
      inputs: Record<string, { default?: string }>;
      runs: { using: string; steps: Array<{ run?: string; shell?: string; env?: Record<string, string>; "working-directory"?: string }> };
    };
    expect(action.runs.using).toBe("composite");
    expect(action.inputs["github-token"]?.default).toBe("${{ github.token }}");
    const script = action.runs.steps.map((s) => s.run ?? "").join("\n");
    expect(script).toMatch(/npm ci/);
    expect(script).toMatch(/lib\/actions\/run\.js/);
    for (const step of action.runs.steps) if (step.run) expect(step.shell).toBe("bash");
    expect(JSON.stringify(action.runs.steps)).toContain("inputs.github-token");
  });

  it("runs as the action does: the built entry in a child process, exit code and annotations", async () => {
    fake.commit(repo, { branch: "model-2", files: { "models/other.onnx": "\u0000ONNX\u0002" } });
    const pr = fake.addPullRequest(repo, { head: "model-2", user: "alice" });
    const path = await pullRequestEvent(pr.number, "opened");
    // `npm test` builds lib/ first, as the action's own build step does.
    const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ["lib/actions/run.js"], {
        env: { PATH: process.env.PATH ?? "", GITHUB_EVENT_NAME: "pull_request", GITHUB_EVENT_PATH: path, GITHUB_API_URL: api, INPUT_GITHUB_TOKEN: "ghs_workflowtoken" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      child.on("exit", (code) => resolve({ code, out }));
    });
    expect(result.out).toContain("aims-bot handled pull_request.opened");
    expect(result.code).toBe(0);
    expect(fake.checkRunsFor(repo, { headSha: pr.head.sha })).toHaveLength(2);

    const broken = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ["lib/actions/run.js"], { env: { PATH: process.env.PATH ?? "" }, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.on("exit", (code) => resolve({ code, out }));
    });
    expect(broken.code).toBe(2);
    expect(broken.out).toMatch(/^::error title=aims-bot::GITHUB_EVENT_NAME/m);
  });
});
