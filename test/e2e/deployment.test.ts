import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { main } from "../../src/cli/main.js";
import { parseDeploymentBody } from "../../src/evidence/deployment.js";
import { parseRecordBody } from "../../src/evidence/record.js";
import { assessmentMarkdown } from "../support/assessments.js";
import { protectionRulePayload } from "../support/deployments.js";
import { FakeGitHub, type FakeRepo } from "../support/fake-github.js";
import { eventually, repoDeliveries, startApp, type RunningApp } from "../support/server.js";

const POLICY = `systems:
  - id: recommender
    name: Product recommender
    paths: ["models/**"]
    risk: limited
assessment:
  assessors:
    users: ["bob"]
oversight:
  tiers:
    limited:
      users: ["carol"]
governance:
  owners:
    users: ["gov-lead"]
deployments:
  environments: [production]
`;
const AIA_PATH = "governance/impact-assessments/AIA-2026-014.md";
const AIA = assessmentMarkdown({ risk: "limited", approver: "bob" });

/**
 * The deployment gate end to end: the built server, signed webhooks, a stateful fake GitHub. Two
 * governed pull requests merged and deployed (approved, both records gain the deployment), then an
 * AI change pushed straight to main and deployed (rejected, tracking issue opened).
 */
describe("end to end: deployment gate", () => {
  let fake: FakeGitHub;
  let app: RunningApp;
  let repo: FakeRepo;

  /** The governance lead's own token for `aims deploy-check`, so its requests are told from the server's. */
  const CLI_TOKEN = "gwen-personal-token";
  const writesByCli = () => fake.requests.filter((r) => r.method !== "GET" && r.method !== "HEAD" && r.actor === "gwen").length;

  beforeAll(async () => {
    fake = new FakeGitHub();
    const { host } = await fake.start();
    repo = fake.addRepo("acme/shop", { files: { ".github/aims.yml": POLICY, [AIA_PATH]: AIA, "README.md": "# Shop\n" } });
    // The set-up commit is what production runs today.
    fake.setDeploymentStatus(fake.addDeployment(repo, { environment: "production" }), "success");
    fake.addUserToken(CLI_TOKEN, "gwen");
    fake.setPermission(repo, "gwen", "read");
    app = await startApp(fake, host);
  }, 30_000);

  afterAll(async () => {
    await app?.stop();
    await fake?.stop();
  });

  const { get, common, send } = repoDeliveries(() => ({ fake, app }), "acme/shop");
  const issues = () => [...repo.issues.values()].filter((i) => !i.isPull);
  const pullEvent = async (action: string, number: number) => ({ action, number, pull_request: await get(`/repos/acme/shop/pulls/${number}`), ...(await common()), sender: { login: "alice", type: "User" } });

  async function mergeGoverned(name: string): Promise<number> {
    fake.commit(repo, { branch: name, files: { [`models/${name}.onnx`]: `\u0000ONNX-${name}\u0001` } });
    const pr = fake.addPullRequest(repo, { head: name, user: "alice", title: `Add ${name}`, body: `Impact-Assessment: ${AIA_PATH}` });
    fake.addReview(repo, pr.number, { user: "carol", state: "APPROVED", body: "Offline eval within tolerance." });
    await send("pull_request", await pullEvent("opened", pr.number));
    await eventually(() => fake.checkRunsFor(repo, { headSha: pr.head.sha }).filter((r) => r.conclusion === "success").length === 2);
    fake.mergePull(repo, pr.number, "carol");
    await send("pull_request", await pullEvent("closed", pr.number));
    await eventually(() => issues().find((i) => i.labels.includes("aims:evidence") && i.state === "closed" && i.body?.includes(`acme/shop#${pr.number} -->`)), 30_000);
    return pr.number;
  }

  async function deploy() {
    const d = fake.addDeployment(repo, { environment: "production", creator: "dana" });
    await send("deployment_protection_rule", protectionRulePayload(fake, d));
    return { deployment: d, review: await eventually(() => fake.protectionReviews.find((r) => r.runId === d.runId), 30_000) };
  }

  it("approves two governed pull requests for production, and both evidence records gain the deployment", async () => {
    const first = await mergeGoverned("ranker");
    const second = await mergeGoverned("reranker");
    const { deployment, review } = await deploy();
    expect(review).toMatchObject({ environment: "production", state: "approved" });
    expect(review.comment).toContain(`Governed pull requests shipped: #${first}, #${second}.`);

    const record = issues().find((i) => i.labels.includes("aims:deployment"));
    const parsed = parseDeploymentBody(record?.body);
    if (!parsed.ok) throw new Error(parsed.problem);
    expect(parsed.record).toMatchObject({ sha: deployment.sha, environment: "production", decision: "approved", creator: "dana", runId: deployment.runId });
    expect(parsed.record.controls.map((c) => c.id)).toEqual(["A.6.2.5"]);
    expect(record!.labels).toContain("annex-a:A.6.2.5");
    for (const number of [first, second]) {
      const evidence = issues().find((i) => i.labels.includes("aims:evidence") && i.body?.includes(`acme/shop#${number} -->`))!;
      const sealed = parseRecordBody(evidence.body);
      if (!sealed.ok) throw new Error(sealed.problem);
      // Bound to the exact sealed record it shipped.
      expect(parsed.record.shipped.find((s) => s.number === number)).toMatchObject({ issue: evidence.number, hash: sealed.record.hash });
      // The sealed record itself does not claim the deployment: only the deployment record does.
      expect(sealed.record.controls.map((c) => c.id)).not.toContain("A.6.2.5");
      const appended = await eventually(() => evidence.comments.find((c) => c.body.startsWith(`<!-- aims:deployed ${parsed.record.id} -->`)));
      expect(appended.body).toContain("to `production` approved");
    }
    fake.setDeploymentStatus(deployment, "success");
    expect(fake.violations).toEqual([]);
    expect(fake.unhandled).toEqual([]);
  }, 120_000);

  async function deployCheck(sha: string): Promise<{ code: number; out: string }> {
    let out = "";
    const io = { stdout: (t: string) => (out += t), stderr: (t: string) => (out += t), cwd: process.cwd(), env: { GITHUB_TOKEN: CLI_TOKEN, GITHUB_API_URL: fake.apiBase } };
    const code = await main(["deploy-check", "--repo", "acme/shop", "--environment", "production", "--sha", sha], io);
    return { code, out };
  }

  it("rejects an AI change pushed straight to main and opens its tracking issue", async () => {
    const pushed = fake.commit(repo, { branch: "main", files: { "models/hotfix.onnx": "\u0000ONNX-hotfix\u0001" }, author: "mallory", message: "hotfix weights" });
    // aims deploy-check gives the same decision without deploying, and writes nothing (the server's
    // own background writes may land meanwhile: only the command's token is counted).
    const writes = writesByCli();
    const checked = await deployCheck(pushed);
    expect(checked.code).toBe(1);
    expect(checked.out).toContain(`REJECTED: ${pushed} to production`);
    expect(checked.out).toContain(`blocks commit ${pushed.slice(0, 7)}: @mallory pushed AI changes`);
    expect(fake.requests.some((r) => r.actor === "gwen")).toBe(true);
    expect(writesByCli()).toBe(writes);

    const { review } = await deploy();
    expect(review.state).toBe("rejected");
    const tracking = issues().find((i) => i.labels.includes("aims:direct-push"));
    expect(tracking?.body).toContain(`<!-- aims:direct-push ${pushed} -->`);
    expect(review.comment).toContain(`**commit ${pushed.slice(0, 7)}**: @mallory pushed AI changes (\`models/hotfix.onnx\`) without a pull request`);
    expect(review.comment).toContain(`\`/aims approve <reason>\` on #${tracking!.number}`);
    // Only the commits since the approved deployment count: the two governed pull requests are not listed again.
    const rejected = issues().filter((i) => i.labels.includes("deployment:rejected")).map((i) => parseDeploymentBody(i.body));
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.ok && rejected[0]!.record.shipped).toEqual([]);

    // A governance owner approves it on the tracking issue: a nonconformity; the re-run is approved.
    const body = "/aims approve Incident INC-9: the weights were restored from the last release.";
    const c = fake.addComment(repo, tracking!.number, { body, user: "gov-lead" });
    await send("issue_comment", {
      action: "created",
      issue: await get(`/repos/acme/shop/issues/${tracking!.number}`),
      comment: { id: c.id, body, user: { login: "gov-lead", id: fake.user("gov-lead").id, type: "User" }, created_at: c.createdAt, updated_at: c.updatedAt, html_url: "" },
      ...(await common()),
      sender: { login: "gov-lead", id: fake.user("gov-lead").id, type: "User" },
    });
    await eventually(() => tracking!.state === "closed" && tracking!.labels.includes("aims:nonconformity"));
    expect(tracking!.comments.at(-1)!.body).toContain("Recorded as a nonconformity (ISO/IEC 42001 clause 10.2)");
    const again = await deploy();
    expect(again.review.state).toBe("approved");
    expect(again.review.comment).toContain(`@gov-lead approved it on #${tracking!.number} (recorded as a nonconformity)`);
    const approved = await deployCheck(pushed);
    expect(approved.code).toBe(0);
    expect(approved.out).toContain(`APPROVED: ${pushed} to production`);
    expect(fake.violations).toEqual([]);
  }, 60_000);
});
