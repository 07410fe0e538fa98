import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import type { GitHub } from "../../src/ports/pull-request-context.js";
import { onDefaultBranchPush, scheduleDashboardUpdate, updateDashboard } from "../../src/handlers/dashboard.js";
import { createServices, type Services } from "../../src/services.js";
import { dashboardMarker } from "../../src/render/dashboard.js";
import { FakeGitHub, type FakeIssue } from "../support/fake-github.js";
import { createFakeProbot } from "../support/fake-probot.js";
import { TestOctokit } from "../support/probot-app.js";
import { fixtureRecords, seedEvidence } from "../support/evidence-fixture.js";

const EVIDENCE = "acme/evidence";
const SHOP = { owner: "acme", repo: "shop" };
const SETTINGS = { appSlug: "aims-bot" };
let services: Services;
const POLICY = `evidence:
  repository: acme/evidence
  while_open: true
controls:
  exclude:
    - id: A.4.6
      justification: Competence records are kept in the HR system, outside this management system.
`;

let fake: FakeGitHub;
let octokit: GitHub;

function dashboards(): FakeIssue[] {
  return [...fake.getRepo(EVIDENCE).issues.values()].filter((i) => (i.body ?? "").startsWith(dashboardMarker("acme/shop")));
}

beforeAll(async () => {
  fake = new FakeGitHub({ now: "2026-04-01T09:00:00Z" });
  await fake.start();
  octokit = new TestOctokit({
    baseUrl: fake.apiBase,
    auth: { token: "installation-token" },
  }) as unknown as GitHub;
});

afterAll(async () => {
  await fake.stop();
});

beforeEach(() => {
  for (const name of [EVIDENCE, "acme/shop"]) if (fake.repos.has(name)) fake.repos.delete(name);
  fake.addRepo(EVIDENCE);
  fake.addRepo("acme/shop", { files: { ".github/aims.yml": POLICY } });
  seedEvidence(fake, EVIDENCE, fixtureRecords(60, { open: 4 }));
  fake.reset();
  services = createServices(SETTINGS);
});

afterEach(async () => {
  await services.background.flush();
});

describe("the governance dashboard issue", () => {
  it("is created with the coverage, exclusion justification, open PRs and inventory", async () => {
    const result = await updateDashboard(services, octokit, SHOP, Date.parse("2026-04-01T09:00:00Z"));
    expect(result).toEqual({ action: "created", issue: expect.any(Number), closedDuplicates: [] });
    const [issue] = dashboards();
    expect(issue!.title).toBe("AI governance dashboard: acme/shop");
    expect(issue!.labels).toEqual(["aims:dashboard"]);
    expect(issue!.user).toBe("aims-bot[bot]");
    expect(issue!.body).toContain("| A.4.6 | Human resources | **excluded**: Competence records are kept in the HR system, outside this management system. |");
    expect(issue!.body).toContain("## Open governed pull requests (4)");
    expect(issue!.body).toContain("### recommender (high risk)");
    expect(fake.reads(/search/)).toBe(0);
  });

  it("writes nothing on a second run when nothing changed", async () => {
    const now = Date.parse("2026-04-01T09:00:00Z");
    await updateDashboard(services, octokit, SHOP, now);
    fake.reset();
    const again = await updateDashboard(services, octokit, SHOP, now);
    expect(again!.action).toBe("unchanged");
    expect(fake.writes()).toBe(0);
    expect(dashboards()).toHaveLength(1);
  });

  it("rewrites the body when the evidence changes", async () => {
    const now = Date.parse("2026-04-01T09:00:00Z");
    const first = await updateDashboard(services, octokit, SHOP, now);
    const more = fixtureRecords(64, { open: 2 }).slice(60);
    seedEvidence(fake, EVIDENCE, more);
    fake.reset();
    const second = await updateDashboard(services, octokit, SHOP, now);
    expect(second).toEqual({ action: "updated", issue: first!.issue, closedDuplicates: [] });
    expect(fake.writes()).toBe(1);
    expect(dashboards()[0]!.body).toContain("(64 records,");
  });

  it("ages its 30- and 90-day counts on a refresh, and a refresh never opens a dashboard", async () => {
    const refresh = { onlyIfOpen: true };
    expect(await updateDashboard(services, octokit, SHOP, Date.parse("2026-04-01T09:00:00Z"), refresh)).toBeUndefined();
    expect(dashboards()).toHaveLength(0);
    expect(fake.writes()).toBe(0);

    const first = await updateDashboard(services, octokit, SHOP, Date.parse("2026-04-01T09:00:00Z"));
    const before = dashboards()[0]!.body;
    fake.reset();
    // Four months on, with no new evidence: the recent counts must fall.
    const later = await updateDashboard(services, octokit, SHOP, Date.parse("2026-08-01T09:00:00Z"), refresh);
    expect(later).toEqual({ action: "updated", issue: first!.issue, closedDuplicates: [] });
    expect(fake.writes()).toBe(1);
    expect(dashboards()[0]!.body).not.toBe(before);

    // Closed by a governance lead: a refresh leaves it closed.
    fake.getRepo(EVIDENCE).issues.get(first!.issue)!.state = "closed";
    fake.reset();
    expect(await updateDashboard(services, octokit, SHOP, Date.parse("2026-09-01T09:00:00Z"), refresh)).toBeUndefined();
    expect(fake.writes()).toBe(0);
  });

  it("closes duplicates and keeps the oldest", async () => {
    const body = `${dashboardMarker("acme/shop")}\nold`;
    const a = fake.addIssue(EVIDENCE, { title: "AI governance dashboard: acme/shop", body, labels: ["aims:dashboard"], viaApp: true });
    const b = fake.addIssue(EVIDENCE, { title: "AI governance dashboard: acme/shop", body, labels: ["aims:dashboard"], viaApp: true });
    // Someone else's issue with the marker is not the app's dashboard and is left alone.
    const foreign = fake.addIssue(EVIDENCE, { title: "copy", body, user: "mallory" });
    const result = await updateDashboard(services, octokit, SHOP);
    expect(result).toEqual({ action: "updated", issue: a.number, closedDuplicates: [b.number] });
    expect(b.state).toBe("closed");
    expect(b.body).toContain(`Duplicate of #${a.number}`);
    expect(a.state).toBe("open");
    expect(foreign.state).toBe("open");
    expect(foreign.body).toBe(body);
  });

  it("reopens a closed dashboard instead of opening another", async () => {
    const first = await updateDashboard(services, octokit, SHOP);
    const issue = fake.getRepo(EVIDENCE).issues.get(first!.issue)!;
    issue.state = "closed";
    const result = await updateDashboard(services, octokit, SHOP);
    expect(result!.action).toBe("reopened");
    expect(issue.state).toBe("open");
    expect(dashboards()).toHaveLength(1);
  });

  it("coalesces a burst of updates for one repository into one rebuild", async () => {
    const runs = Array.from({ length: 8 }, () => scheduleDashboardUpdate(services, octokit, SHOP, { delayMs: 30 }));
    await Promise.all(runs);
    expect(fake.requests.filter((r) => r.path.startsWith("/repos/acme/shop/contents/")).length).toBe(1);
    expect(fake.writes()).toBe(1);
    expect(dashboards()).toHaveLength(1);
  });

  it("follows the evidence ledger's writes through the app's hook", async () => {
    const app = createServices({ ...SETTINGS, dashboardDebounceMs: 10 });
    await createFakeProbot(fake, SETTINGS, { services: app });
    app.evidenceEvents.emit({ octokit, source: SHOP, evidence: { owner: "acme", repo: "evidence" }, action: "finalised" });
    app.evidenceEvents.emit({ octokit, source: SHOP, evidence: { owner: "acme", repo: "evidence" }, action: "created" });
    await app.background.flush();
    expect(dashboards()).toHaveLength(1);
    expect(fake.writes()).toBe(1);
  });
});

describe("AI outside every registered system on the dashboard", () => {
  it("lists what a scan of the default branch finds outside every system, build output left out", async () => {
    fake.commit(fake.getRepo("acme/shop"), {
      branch: "main",
      files: {
        "models/recommender/model.onnx": "\u0000ONNX",
        "services/chat/package.json": '{ "name": "chat", "dependencies": { "openai": "^4.52.0" } }\n',
        "prompts/triage.prompt.yml": "messages: []\n",
        "dist/prompts/copy.prompt.yml": "messages: []\n",
      },
    });
    await updateDashboard(services, octokit, SHOP, Date.parse("2026-04-01T09:00:00Z"));
    const body = dashboards()[0]!.body!;
    expect(body).toContain("## AI outside every registered system at `main` (3)");
    expect(body).toContain("| model | `models/recommender/model.onnx` | ONNX model |");
    expect(body).toContain("| prompt | `prompts/triage.prompt.yml` | GitHub Models prompt file |");
    expect(body).toContain("| dependency | npm openai in `services/chat/package.json` |");
    expect(body).not.toContain("dist/prompts");
    expect(fake.violations).toEqual([]);
  });

  it("says so when the default branch could not be scanned, and still writes the dashboard", async () => {
    fake.fault = (req) => (/\/git\/trees\//.test(req.path) ? { status: 500, body: { message: "tree unavailable" } } : undefined);
    try {
      await updateDashboard(services, octokit, SHOP, Date.parse("2026-04-01T09:00:00Z"));
    } finally {
      fake.fault = undefined;
    }
    const body = dashboards()[0]!.body!;
    expect(body).toContain("## AI outside every registered system at `the default branch` (not scanned)");
    expect(body).toContain("The default branch could not be scanned:");
  });

  it("is left out when AIMS_DASHBOARD_INVENTORY is off", async () => {
    await updateDashboard(createServices({ ...SETTINGS, dashboardInventory: false }), octokit, SHOP, Date.parse("2026-04-01T09:00:00Z"));
    expect(dashboards()[0]!.body).not.toContain("AI outside every registered system");
    expect(fake.reads(/\/git\/trees\//)).toBe(0);
  });

  it("follows pushes to the default branch on an open dashboard, and opens none on its own", async () => {
    const repository = { name: "shop", owner: { login: "acme" }, default_branch: "main" };
    await onDefaultBranchPush(services, octokit, { ref: "refs/heads/main", repository }, { delayMs: 0 });
    expect(dashboards()).toHaveLength(0);

    await updateDashboard(services, octokit, SHOP, Date.parse("2026-04-01T09:00:00Z"));
    expect(dashboards()[0]!.body).toContain("## AI outside every registered system at `main` (0)");
    fake.commit(fake.getRepo("acme/shop"), { branch: "main", files: { "models/ranker.onnx": "\u0000ONNX" } });
    await onDefaultBranchPush(services, octokit, { ref: "refs/heads/feature", repository }, { delayMs: 0 });
    expect(dashboards()[0]!.body).toContain("## AI outside every registered system at `main` (0)");
    await onDefaultBranchPush(services, octokit, { ref: "refs/heads/main", repository }, { delayMs: 0 });
    expect(dashboards()[0]!.body).toContain("## AI outside every registered system at `main` (1)");
    expect(dashboards()[0]!.body).toContain("| model | `models/ranker.onnx` | ONNX model |");
  });
});
