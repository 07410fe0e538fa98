import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Probot } from "probot";
import { FakeGitHub, type FakeRepo } from "../support/fake-github.js";
import { createFakeProbot, pullRequestPayload, receive } from "../support/fake-probot.js";
import { payloads } from "../support/payloads.js";

const POLICY = `ignore: ["generated/**"]
systems:
  - id: recommender
    name: Product recommender
    paths: ["models/**"]
    risk: limited
oversight:
  governance:
    teams: ["acme/ai-governance"]
`;

/** `count` generated files: sorted by path they come before `models/` and `src/`, so GitHub lists them first. */
function generated(count: number, tag: string): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`generated/client/${tag}-${String(i).padStart(4, "0")}.ts`, `export const v${i} = "${tag}";\n`]));
}

/**
 * Pull requests above GitHub's 3000-file listing (in-process app, stateful fake GitHub): the rest of
 * the change comes from the git trees of merge base and head; only when GitHub cuts those short too
 * do the gates stay fail-closed, and then a governance lead's override still applies.
 */
describe("a pull request with more than 3000 changed files", () => {
  let fake: FakeGitHub;
  let probot: Probot;
  let repo: FakeRepo;

  beforeAll(async () => {
    fake = new FakeGitHub();
    await fake.start();
    repo = fake.addRepo("acme/shop", { files: { ".github/aims.yml": POLICY, "README.md": "# Shop\n", "src/app.py": "print(1)\n" } });
    fake.addTeam("acme", "ai-governance", { gina: "member" });
    fake.setPermission(repo, "gina", "write");
    probot = await createFakeProbot(fake);
  }, 30_000);
  afterAll(async () => fake.stop());

  const run = (sha: string, name: string) => fake.checkRunsFor(repo, { headSha: sha, name }).at(-1);
  const count = (operation: string) => fake.requests.filter((r) => r.operationId === operation).length;

  it("passes when the files beyond GitHub's listing are ignored generated paths, reading both trees once", async () => {
    // 3098 generated files + README.md + src/app.py = 3100; src/app.py sorts after the first 3000.
    fake.commit(repo, { branch: "regen", files: { ...generated(3098, "a"), "README.md": "# Shop v2\n", "src/app.py": "print(2)\n" } });
    const pr = fake.addPullRequest(repo, { head: "regen", user: "alice" });
    const payload = await pullRequestPayload(fake, "acme/shop", pr.number, "opened");
    expect((payload.pull_request as { changed_files: number }).changed_files).toBe(3100);
    fake.reset();
    await receive(probot, "pull_request", payload);

    for (const name of ["aims/impact-assessment", "aims/human-oversight"]) {
      expect([run(pr.head.sha, name)?.conclusion, run(pr.head.sha, name)?.output.title]).toEqual(["success", "No AI-relevant changes"]);
    }
    expect({
      listFiles: count("pulls/list-files"),
      getTree: count("git/get-tree"),
      total: fake.requests.length,
    }).toMatchObject({ listFiles: 30, getTree: 2 });
    // Recorded for the report: every request of the event by operation.
    const byOperation: Record<string, number> = {};
    for (const r of fake.requests) byOperation[r.operationId ?? r.path] = (byOperation[r.operationId ?? r.path] ?? 0) + 1;
    process.stdout.write(`3100-file PR requests: ${fake.requests.length} ${JSON.stringify(byOperation)}\n`);
  });

  it("detects an AI change that only the tree diff finds (past the first 3000 listed files)", async () => {
    fake.commit(repo, { branch: "regen-model", files: { ...generated(3099, "b"), "models/ranker.onnx": "\u0000ONNX\u0001" } });
    const pr = fake.addPullRequest(repo, { head: "regen-model", user: "alice" });
    await receive(probot, "pull_request", await pullRequestPayload(fake, "acme/shop", pr.number, "opened"));

    const assessment = run(pr.head.sha, "aims/impact-assessment")!;
    expect(assessment.conclusion).toBe("action_required");
    expect(assessment.output.summary).toContain("models/ranker.onnx");
    expect(assessment.output.summary).not.toContain("generated/client");
    expect(run(pr.head.sha, "aims/human-oversight")!.conclusion).toBe("action_required");
  });

  it("stays fail-closed when GitHub truncates a tree, offers only Re-check, and lets a governance lead override", async () => {
    fake.commit(repo, { branch: "huge", files: { ...generated(3100, "c") } });
    const pr = fake.addPullRequest(repo, { head: "huge", user: "alice" });
    fake.maxTreeEntries = 1000;
    try {
      await receive(probot, "pull_request", await pullRequestPayload(fake, "acme/shop", pr.number, "opened"));
      const oversight = run(pr.head.sha, "aims/human-oversight")!;
      expect([oversight.conclusion, oversight.output.title]).toEqual(["failure", "Pull request too large to govern: 3100 changed files"]);
      expect(oversight.actions.map((a) => a.identifier)).toEqual(["recheck"]);
      expect(oversight.output.summary).toContain("`/aims override <reason>`");
      expect(oversight.output.summary).not.toMatch(/add those paths to `ignore:`/);

      fake.advanceClock(60_000);
      const c = fake.addComment(repo, pr.number, { body: "/aims override one-off regeneration of the API client, reviewed offline", user: "gina" });
      await receive(probot, "issue_comment", await payloads(fake, "acme/shop").comment("created", pr.number, c));
      for (const name of ["aims/impact-assessment", "aims/human-oversight"]) {
        expect([run(pr.head.sha, name)?.conclusion, run(pr.head.sha, name)?.output.title]).toEqual(["success", "Overridden by @gina"]);
      }
    } finally {
      fake.maxTreeEntries = 100_000;
    }
  });
});
