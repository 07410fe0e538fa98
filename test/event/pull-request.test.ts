import { uncell } from "../../src/util/markdown.js";
import { describe, expect, it } from "@jest/globals";
import type { FakePullFile, FakeRepo } from "../support/fake-github.js";
import { receive, useFakeProbot } from "../support/fake-probot.js";
import { payloads } from "../support/payloads.js";

const POLICY = `
systems:
  - id: recommender
    name: Product recommender
    paths: ["models/recommender/**", "data/recommender/**"]
    risk: high
`;
const ASSESSMENT = "aims/impact-assessment";
const OVERSIGHT = "aims/human-oversight";

describe("pull_request events (in-process app, stateful fake GitHub)", () => {
  const t = useFakeProbot();

  /** acme/shop with `policy` (none when null) on main, and alice's PR changing `files`. */
  function pullRequest(policy: string | null, files: Record<string, string>, options: { listing?: FakePullFile[]; changedFiles?: number } = {}) {
    const repo = t.fake.addRepo("acme/shop", { files: { ...(policy === null ? {} : { ".github/aims.yml": policy }), "README.md": "# Shop\n" } });
    t.fake.commit(repo, { branch: "change", files, author: "alice" });
    const pr = t.fake.addPullRequest(repo, { head: "change", user: "alice", ...(options.listing ? { files: options.listing } : {}), ...(options.changedFiles ? { changedFiles: options.changedFiles } : {}) });
    return { repo, pr, events: payloads(t.fake, "acme/shop") };
  }
  const run = (repo: FakeRepo, sha: string, name: string) => t.fake.checkRunsFor(repo, { headSha: sha, name }).at(-1)!;
  /** The app's check-run writes, in order: method, name (or run id), conclusion, title. */
  const checkWrites = () =>
    t.fake.requests
      .filter((r) => r.operationId === "checks/create" || r.operationId === "checks/update")
      .map((r) => ({ method: r.method, path: r.path, body: r.body as { name?: string; head_sha?: string; conclusion?: string; output?: { title: string } } }));

  it("publishes two successful checks when nothing AI-relevant changed", async () => {
    const { repo, pr, events } = pullRequest(POLICY, { "README.md": "# Shop v2\n", "src/model.ts": "export const orders = [];\n" });
    await receive(t.probot, "pull_request", await events.pullRequest(pr.number, "opened"));
    expect(checkWrites().map((w) => [w.method, w.body.name, w.body.conclusion, w.body.output?.title])).toEqual([
      ["POST", ASSESSMENT, "success", "No AI-relevant changes"],
      ["POST", OVERSIGHT, "success", "No AI-relevant changes"],
    ]);
    expect(checkWrites()[0]!.body.head_sha).toBe(pr.head.sha);
    expect(run(repo, pr.head.sha, OVERSIGHT).conclusion).toBe("success");
  });

  it("requires action for a model change and names the system and the next step", async () => {
    const { repo, pr, events } = pullRequest(POLICY, {
      "models/recommender/model.safetensors": "\u0000SAFETENSORS",
      "data/recommender/train.parquet": "PAR1\u0000",
      "README.md": "# Shop v2\n",
    });
    await receive(t.probot, "pull_request", await events.pullRequest(pr.number, "opened"));
    const assessment = run(repo, pr.head.sha, ASSESSMENT);
    const oversight = run(repo, pr.head.sha, OVERSIGHT);
    expect(assessment.conclusion).toBe("action_required");
    expect(assessment.output.title).toBe("Impact assessment required for recommender");
    expect(uncell(assessment.output.summary!)).toContain("Impact-Assessment: governance/impact-assessments/recommender.md");
    expect(uncell(assessment.output.summary!)).toContain("models/recommender/model.safetensors");
    expect(uncell(assessment.output.summary!)).toContain("Product recommender (`recommender`, high risk)");
    expect(oversight.conclusion).toBe("action_required");
    expect(oversight.output.title).toBe("Human sign-off required");
  });

  it("reads the policy from the base branch and fails both checks closed when it is invalid", async () => {
    // The PR's own valid policy does not count: the base branch's invalid one decides.
    const { repo, pr, events } = pullRequest("systems:\n  - id: recommender\n    risk: huge\n", { "README.md": "# Shop v2\n", ".github/aims.yml": POLICY });
    await receive(t.probot, "pull_request", await events.pullRequest(pr.number, "opened"));
    for (const name of [ASSESSMENT, OVERSIGHT]) {
      const check = run(repo, pr.head.sha, name);
      expect(check.conclusion).toBe("failure");
      expect(check.output.title).toBe("aims configuration is invalid");
      expect(uncell(check.output.summary!)).toContain(".github/aims.yml:3:11 systems[0].risk: must be one of");
      expect(uncell(check.output.summary!)).toContain("systems[0].name is required");
    }
  });

  it("uses the built-in policy when neither the repository nor the organisation has one", async () => {
    const { repo, pr, events } = pullRequest(null, { "prompts/support.prompt.yml": "messages: []\n" });
    await receive(t.probot, "pull_request", await events.pullRequest(pr.number, "opened"));
    const assessment = run(repo, pr.head.sha, ASSESSMENT);
    expect(assessment.output.title).toBe("Impact assessment required for unregistered");
    expect(uncell(assessment.output.summary!)).toContain("Policy: built-in defaults");
  });

  it("writes nothing when both checks already show the same decision", async () => {
    const { pr, events } = pullRequest(POLICY, { "models/recommender/model.onnx": "\u0000ONNX" });
    await receive(t.probot, "pull_request", await events.pullRequest(pr.number, "opened"));
    expect(checkWrites()).toHaveLength(2);
    t.fake.reset();
    await receive(t.probot, "pull_request", await events.pullRequest(pr.number, "synchronize"));
    expect(t.fake.reads("checks/list-for-ref")).toBeGreaterThan(0);
    expect(checkWrites()).toEqual([]);
  });

  it("updates the existing run of the same name instead of creating a duplicate", async () => {
    const { repo, pr, events } = pullRequest(POLICY, { "models/recommender/model.onnx": "\u0000ONNX" });
    const stale = { headSha: pr.head.sha, conclusion: "success", title: "No AI-relevant changes", summary: "old" };
    const assessment = t.fake.addCheckRun(repo, { name: ASSESSMENT, ...stale });
    const oversight = t.fake.addCheckRun(repo, { name: OVERSIGHT, ...stale });
    await receive(t.probot, "pull_request", await events.pullRequest(pr.number, "synchronize"));
    expect(checkWrites().map((w) => [w.method, w.path.replace("/repos/acme/shop", "")])).toEqual([
      ["PATCH", `/check-runs/${assessment.id}`],
      ["PATCH", `/check-runs/${oversight.id}`],
    ]);
    expect(t.fake.checkRunsFor(repo, { headSha: pr.head.sha })).toHaveLength(2);
    expect(run(repo, pr.head.sha, ASSESSMENT).conclusion).toBe("action_required");
  });

  it("fails both checks closed above GitHub's 3000-file listing when the git trees are truncated too", async () => {
    // GitHub lists 3000 of the 3412 files; the head's tree is cut short too, so the rest is unknown.
    const listing: FakePullFile[] = Array.from({ length: 3000 }, (_, i) => ({ filename: `vendor/f${String(i).padStart(4, "0")}.js`, status: "added", additions: 1, deletions: 0 }));
    const vendored = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`vendor/f${String(i).padStart(4, "0")}.js`, `// ${i}\n`]));
    const { repo, pr, events } = pullRequest(POLICY, vendored, { listing, changedFiles: 3412 });
    t.fake.maxTreeEntries = 10;
    await receive(t.probot, "pull_request", await events.pullRequest(pr.number, "opened"));
    for (const name of [ASSESSMENT, OVERSIGHT]) {
      expect([run(repo, pr.head.sha, name).conclusion, run(repo, pr.head.sha, name).output.title]).toEqual(["failure", "Pull request too large to govern: 3412 changed files"]);
    }
    expect(t.fake.reads("git/get-tree")).toBeGreaterThan(0);
    // Only the comments are read (for an override); reviews cannot count on an unlisted change.
    expect(t.fake.reads("issues/list-comments")).toBeGreaterThan(0);
    expect(t.fake.reads("pulls/list-reviews")).toBe(0);
  });

  it("fails both checks closed with the cause when GitHub errors, and reports the failure", async () => {
    const { repo, pr, events } = pullRequest(POLICY, { "README.md": "# Shop v2\n" });
    t.fake.fault = (req) => (req.operationId === "pulls/list-files" ? { status: 502, body: { message: "Server Error" } } : undefined);
    await expect(receive(t.probot, "pull_request", await events.pullRequest(pr.number, "opened"))).rejects.toThrow();
    for (const name of [ASSESSMENT, OVERSIGHT]) {
      expect([run(repo, pr.head.sha, name).conclusion, run(repo, pr.head.sha, name).output.title]).toEqual(["failure", "aims could not evaluate this pull request"]);
    }
    expect(uncell(run(repo, pr.head.sha, ASSESSMENT).output.summary!)).toContain("HTTP 502");
  });

  it("check_suite.rerequested re-evaluates the pull request at that head", async () => {
    const { repo, pr, events } = pullRequest(POLICY, { "models/recommender/model.gguf": "GGUF\u0000" });
    await receive(t.probot, "check_suite", await events.checkSuite("rerequested", pr.head.sha, "alice"));
    expect([run(repo, pr.head.sha, ASSESSMENT).conclusion, run(repo, pr.head.sha, OVERSIGHT).conclusion]).toEqual(["action_required", "action_required"]);
  });
});
