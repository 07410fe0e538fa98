import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { main } from "../../src/cli/main.js";
import { FakeGitHub, type FakeIssue, type FakeRepo } from "../support/fake-github.js";
import { eventually, startApp, type RunningApp } from "../support/server.js";

const POLICY = `systems:
  - id: recommender
    name: Product recommender
    paths: ["models/**"]
    risk: limited
controls:
  exclude:
    - id: A.4.6
      justification: Competence records are kept in the HR system, outside this management system.
evidence:
  while_open: true
`;

/** The governance lead's tools end to end: the built server writes records and the dashboard, answers a query; the CLI reads them back. */
describe("end to end: dashboard, query, export and verify", () => {
  let fake: FakeGitHub;
  let app: RunningApp;
  let base: string;
  let repo: FakeRepo;

  beforeAll(async () => {
    fake = new FakeGitHub();
    const { url, host } = await fake.start();
    base = url;
    repo = fake.addRepo("acme/shop", { files: { ".github/aims.yml": POLICY, "README.md": "# Shop\n" } });
    fake.setPermission(repo, "lead", "triage");
    app = await startApp(fake, host, { AIMS_DASHBOARD_DEBOUNCE_MS: "50" });
  }, 30_000);

  afterAll(async () => {
    await app?.stop();
    await fake?.stop();
  });

  const get = async (path: string) => (await fetch(`${base}${path}`)).json();
  const issues = () => [...repo.issues.values()].filter((i) => !i.isPull);

  it("keeps a dashboard for the open record, answers /aims query on it, and exports and verifies the records", async () => {
    fake.commit(repo, { branch: "ranker", files: { "models/ranker.onnx": "\u0000ONNX-1\u0001" } });
    const pr = fake.addPullRequest(repo, { head: "ranker", user: "alice", title: "Add ranker" });
    const res = await app.send("pull_request", {
      action: "opened",
      number: pr.number,
      pull_request: await get(`/repos/acme/shop/pulls/${pr.number}`),
      repository: await get("/repos/acme/shop"),
      installation: { id: fake.installationId },
      sender: { login: "alice", type: "User" },
    });
    expect(res.status).toBeLessThan(300);

    const dashboard = await eventually(() => issues().find((i) => (i.body ?? "").startsWith("<!-- aims:dashboard acme/shop -->")));
    expect(dashboard.title).toBe("AI governance dashboard: acme/shop");
    await eventually(() => ((dashboard.body ?? "").includes("## Open governed pull requests (1)") ? true : undefined));
    expect(dashboard.body).toContain("**excluded**: Competence records are kept in the HR system");
    expect(dashboard.body).toContain("`aims/human-oversight`");

    const comment = { id: 987654, body: "/aims query system:recommender state:open", user: { login: "lead", id: fake.user("lead").id, type: "User" }, created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z", html_url: "" };
    const payload = { action: "created", issue: await get(`/repos/acme/shop/issues/${dashboard.number}`), comment, repository: await get("/repos/acme/shop"), installation: { id: fake.installationId }, sender: comment.user };
    expect((await app.send("issue_comment", payload)).status).toBeLessThan(300);
    const reply = await eventually(() => dashboard.comments.find((c) => c.body.includes("<!-- aims:reply-to=987654 -->")));
    expect(reply.body).toContain("@lead **1 evidence record** matches `system:recommender state:open`");
    expect(reply.body).toContain(`[acme/shop#${pr.number}]`);
    // Redelivered: still one reply.
    expect((await app.send("issue_comment", payload)).status).toBeLessThan(300);
    await new Promise((r) => setTimeout(r, 300));
    expect(dashboard.comments.filter((c: FakeIssue["comments"][number]) => c.body.includes("<!-- aims:reply-to=987654 -->"))).toHaveLength(1);

    let out = "";
    let err = "";
    const io = { stdout: (t: string) => (out += t), stderr: (t: string) => (err += t), cwd: process.cwd(), env: { GITHUB_TOKEN: "t", GITHUB_API_URL: base } };
    expect(await main(["verify", "--repo", "acme/shop"], io)).toBe(0);
    expect(out).toContain("aims verify acme/shop: 1 record (0 final), chain of 0.");
    expect(err).toBe("");
  }, 60_000);
});
