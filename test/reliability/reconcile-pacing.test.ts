import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { appCliEnv, runBuiltCli } from "../support/cli.js";
import { FakeGitHub, type FakePull, type FakeRepo } from "../support/fake-github.js";

const POLICY = `systems:
  - id: recommender
    name: Product recommender
    paths: ["models/**"]
    risk: limited
`;

const PULLS = 6;

/**
 * `aims reconcile` as cron runs it (the built CLI, `node lib/cli/bin.js`) with content writes paced:
 * the pass must finish every pull request and print its summary, however long the pacing holds a
 * write back, even when nothing but the pacing is pending.
 */
describe("aims reconcile with content pacing", () => {
  let fake: FakeGitHub;
  let host: string;
  let repo: FakeRepo;
  let pulls: FakePull[];

  beforeAll(async () => {
    fake = new FakeGitHub();
    ({ host } = await fake.start());
    repo = fake.addRepo("acme/shop", { files: { ".github/aims.yml": POLICY, "README.md": "# Shop\n" } });
    pulls = Array.from({ length: PULLS }, (_, i) => {
      fake.commit(repo, { branch: `model-${i}`, files: { [`models/m${i}.onnx`]: `\u0000M${i}` } });
      return fake.addPullRequest(repo, { head: `model-${i}`, user: "alice", title: `Add model ${i}` });
    });
  });
  afterAll(async () => fake?.stop());

  // The throttling plugin's own 3 s notification spacing stays off; the content queue spaces each
  // content write 150 ms after the previous one finished.
  const env = () => appCliEnv(fake, host, { AIMS_CONTENT_INTERVAL_MS: "150" });
  const args = ["reconcile", "--no-redeliver", "--cooldown-minutes", "0"];

  it("exits non-zero and says so when the pass is cut short, never 0 without its summary", async () => {
    // Every request to GitHub hangs on a promise nothing settles: the event loop runs dry mid-pass.
    const run = await runBuiltCli(args, env(), ["--import", "data:text/javascript,globalThis.fetch = () => new Promise(() => {});"]);
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 3, stdout: "" });
    expect(run.stderr).toContain("aims: stopped before the command finished");
    expect(fake.checkRunsFor(repo)).toEqual([]);
  }, 30_000);

  it("checks every governed pull request, prints its summary and exits 0", async () => {
    const run = await runBuiltCli(args, env());
    const checked = pulls.filter((pr) => fake.checkRunsFor(repo, { headSha: pr.head.sha }).filter((r) => r.status === "completed").length === 2);
    expect({ checked: checked.length, code: run.code, signal: run.signal, stderr: run.stderr }).toEqual({ checked: PULLS, code: 0, signal: null, stderr: "" });
    const summary = run.stdout.split("\n").find((l) => l.startsWith("{"));
    expect(summary).toBeDefined();
    expect(JSON.parse(summary!).reconcile).toMatchObject({ installations: 1, repositories: 1, reevaluated: PULLS, errors: 0 });
    expect(fake.violations).toEqual([]);
    expect(fake.unhandled).toEqual([]);
  }, 60_000);
});
