import { createServices } from "../../src/services.js";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Probot } from "probot";
import { planRedeliveries, type Delivery } from "../../src/reconcile/deliveries.js";
import { reconcileWithProbot } from "../../src/reconcile/index.js";
import { checkState } from "../../src/reconcile/pulls.js";
import { FakeGitHub, type FakeRepo } from "../support/fake-github.js";
import { createFakeProbot } from "../support/fake-probot.js";

const NOW = Date.parse("2026-11-30T12:00:00Z");
const at = (minutesAgo: number) => new Date(NOW - minutesAgo * 60_000).toISOString();
let nextId = 1;
const d = (guid: string, minutesAgo: number, status: number, redelivery = false): Delivery => ({
  id: nextId++,
  guid,
  delivered_at: at(minutesAgo),
  redelivery,
  status: status === 200 ? "OK" : "failed",
  status_code: status,
  event: "pull_request",
  action: "opened",
  installation_id: 1,
  repository_id: 1,
});

describe("which deliveries are redelivered", () => {
  it("redelivers only guids with no successful attempt, newest attempt, inside the 3-day window", () => {
    const deliveries = [
      d("ok", 10, 200),
      d("failed-then-ok", 30, 500),
      d("failed-then-ok", 20, 200, true),
      d("failed", 40, 502),
      d("failed", 35, 0, true),
      d("too-old", 3 * 24 * 60 + 5, 500),
      d("unreachable", 5, 0),
    ];
    const plan = planRedeliveries(deliveries, { now: NOW, cooldownMs: 0 });
    expect(plan.redeliver.map((x) => [x.guid, x.redelivery])).toEqual([
      ["failed", true],
      ["unreachable", false],
    ]);
    expect(plan.failedGuids).toBe(2);
  });

  it("leaves a guid another replica just redelivered, and gives up on a poison delivery", () => {
    const plan = planRedeliveries([d("recent", 60, 500), d("recent", 1, 500, true), ...[50, 40, 30, 20, 10].map((m) => d("poison", m, 500, m !== 50))], { now: NOW, cooldownMs: 5 * 60_000, maxAttempts: 5 });
    expect(plan.redeliver).toEqual([]);
    expect(plan.coolingDown).toEqual(["recent"]);
    expect(plan.gaveUp).toEqual(["poison"]);
  });

  it("knows when a PR's checks need repairing", () => {
    expect(checkState([])).toBe("missing");
    expect(checkState([{ name: "aims/impact-assessment", status: "completed" }])).toBe("missing");
    expect(checkState([{ name: "aims/impact-assessment", status: "completed" }, { name: "aims/human-oversight", status: "in_progress" }])).toBe("stuck");
    expect(checkState([{ name: "aims/impact-assessment", status: "completed" }, { name: "aims/human-oversight", status: "completed" }, { name: "ci", status: "queued" }])).toBe("current");
  });
});

const POLICY = `systems:
  - id: recommender
    name: Product recommender
    paths: ["models/**"]
    risk: limited
`;

describe("a reconcile pass against GitHub (fake)", () => {
  let fake: FakeGitHub;
  let probot: Probot;
  let repo: FakeRepo;
  let hook: Server;

  beforeAll(async () => {
    fake = new FakeGitHub();
    await fake.start();
    repo = fake.addRepo("acme/shop", { files: { ".github/aims.yml": POLICY, "README.md": "# Shop\n" } });
    probot = await createFakeProbot(fake);
    const middleware = await probot.getNodeMiddleware({ path: "/api/github/webhooks" });
    hook = createServer((req, res) => void middleware(req, res));
    await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
    fake.webhook = { url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/api/github/webhooks`, secret: "development" };
  });
  afterAll(async () => {
    hook?.close();
    await fake.stop();
  });

  const onHead = (pr: { head: { sha: string } }) => fake.checkRunsFor(repo, { headSha: pr.head.sha });

  it("repairs missing, stale and stuck checks, redelivers failed deliveries, and a second pass does nothing", async () => {
    fake.commit(repo, { branch: "a", files: { "models/a.onnx": "\u0000A" } });
    const missing = fake.addPullRequest(repo, { head: "a", user: "alice" });
    fake.commit(repo, { branch: "b", files: { "models/b.onnx": "\u0000B" } });
    const stale = fake.addPullRequest(repo, { head: "b", user: "alice" });
    fake.addCheckRun(repo, { name: "aims/impact-assessment", headSha: stale.head.sha, conclusion: "success" });
    fake.addCheckRun(repo, { name: "aims/human-oversight", headSha: stale.head.sha, conclusion: "success" });
    fake.pushToPull(repo, stale.number, { "models/b2.onnx": "\u0000B2" });
    fake.commit(repo, { branch: "c", files: { "README.md": "# Shop C\n" } });
    const stuck = fake.addPullRequest(repo, { head: "c", user: "alice" });
    fake.addCheckRun(repo, { name: "aims/impact-assessment", headSha: stuck.head.sha, status: "in_progress" });
    fake.addCheckRun(repo, { name: "aims/human-oversight", headSha: stuck.head.sha, conclusion: "success" });
    fake.commit(repo, { branch: "d", files: { "README.md": "# Shop D\n" } });
    const current = fake.addPullRequest(repo, { head: "d", user: "alice" });
    fake.addCheckRun(repo, { name: "aims/impact-assessment", headSha: current.head.sha, conclusion: "success", title: "No AI-relevant changes" });
    fake.addCheckRun(repo, { name: "aims/human-oversight", headSha: current.head.sha, conclusion: "success", title: "No AI-relevant changes" });

    // A delivery the app never got (it was down), and one that failed and then succeeded.
    const payload = (pr: number) => ({ action: "synchronize", number: pr, installation: { id: fake.installationId }, repository: { id: repo.id } });
    const lost = await fake.deliverWebhook("ping", { zen: "Keep it logically awesome.", hook_id: 1, installation: { id: fake.installationId } }, { unreachable: true });
    const recovered = await fake.deliverWebhook("pull_request", payload(99), { unreachable: true });
    await fake.deliverWebhook("ping", { zen: "again", hook_id: 1 }, { guid: recovered.guid, redelivery: true });
    expect(fake.deliveries.at(-1)!.statusCode).toBe(200);

    const first = await reconcileWithProbot(probot, createServices({ appId: fake.app.id, appSlug: fake.app.slug }), { cooldownMs: 0 });
    await fake.settled();
    expect(first.deliveries?.redelivered.map((r) => r.guid)).toEqual([lost.guid]);
    expect(fake.deliveries.filter((x) => x.guid === lost.guid).map((x) => x.statusCode)).toEqual([0, 200]);
    const repaired = first.repositories[0]!.reevaluated.map((r) => [r.number, r.reason]).sort();
    expect(repaired).toEqual([
      [missing.number, "missing"],
      [stale.number, "missing"],
      [stuck.number, "stuck"],
    ]);
    expect(onHead(missing).map((r) => r.conclusion)).toEqual(["action_required", "action_required"]);
    expect(onHead(stale).map((r) => r.conclusion)).toEqual(["action_required", "action_required"]);
    expect(onHead(stuck).map((r) => r.status)).toEqual(["completed", "completed"]);

    fake.reset();
    const second = await reconcileWithProbot(probot, createServices({ appId: fake.app.id, appSlug: fake.app.slug }), { cooldownMs: 0 });
    expect(second.deliveries?.redelivered).toEqual([]);
    expect(second.repositories[0]!.reevaluated).toEqual([]);
    expect(fake.writes("check-runs")).toBe(0);
    expect(fake.violations).toEqual([]);
    expect(fake.unhandled).toEqual([]);
  });

  it("is safe with replicas: two passes at once leave one run per check and head", async () => {
    fake.commit(repo, { branch: "e", files: { "models/e.onnx": "\u0000E" } });
    const pr = fake.addPullRequest(repo, { head: "e", user: "alice" });
    const services = createServices({ appId: fake.app.id, appSlug: fake.app.slug });
    await Promise.all([reconcileWithProbot(probot, services, { cooldownMs: 0 }), reconcileWithProbot(probot, services, { cooldownMs: 0 })]);
    const names = onHead(pr).map((r) => r.name).sort();
    // Both replicas may create a run before either sees the other's; GitHub's required check reads the latest.
    expect(new Set(names)).toEqual(new Set(["aims/human-oversight", "aims/impact-assessment"]));
    expect(onHead(pr).every((r) => r.conclusion === "action_required")).toBe(true);
  });

  it("finalises the evidence of a merged governed PR whose close event was lost, once", async () => {
    fake.commit(repo, { branch: "f", files: { "models/f.onnx": "\u0000F" } });
    const pr = fake.addPullRequest(repo, { head: "f", user: "alice" });
    const services = createServices({ appId: fake.app.id, appSlug: fake.app.slug });
    await reconcileWithProbot(probot, services, { cooldownMs: 0, redeliver: false });
    fake.mergePull(repo, pr.number, "bob");
    const first = await reconcileWithProbot(probot, services, { cooldownMs: 0, redeliver: false });
    expect(first.evidenceFinalisation).toBe(true);
    expect(first.repositories[0]!.finalised).toContain(pr.number);
    const records = [...repo.issues.values()].filter((i) => !i.isPull && i.labels.includes("aims:evidence") && (i.body ?? "").includes(`acme/shop#${pr.number}`));
    expect(records).toHaveLength(1);
    expect(records[0]!.labels).toContain("state:merged");
    const second = await reconcileWithProbot(probot, services, { cooldownMs: 0, redeliver: false });
    expect(second.repositories[0]!.finalised).not.toContain(pr.number);
  });

  it("refreshes an open governance dashboard, and opens none where there is none", async () => {
    const { dashboardMarker } = await import("../../src/render/dashboard.js");
    const isDashboard = (i: { body?: string | null; isPull?: boolean }) => !i.isPull && (i.body ?? "").startsWith(dashboardMarker("acme/shop"));
    const services = createServices({ appId: fake.app.id, appSlug: fake.app.slug });
    await reconcileWithProbot(probot, services, { cooldownMs: 0, redeliver: false });
    expect([...repo.issues.values()].filter(isDashboard)).toHaveLength(0);

    const stale = fake.addIssue("acme/shop", { title: "AI governance dashboard: acme/shop", body: `${dashboardMarker("acme/shop")}\nstale`, labels: ["aims:dashboard"], viaApp: true });
    const report = await reconcileWithProbot(probot, services, { cooldownMs: 0, redeliver: false });
    expect(report.repositories[0]!.dashboardError).toBeUndefined();
    expect(stale.body).toContain("## Annex A coverage");
    expect([...repo.issues.values()].filter(isDashboard)).toHaveLength(1);

    const off = fake.addIssue("acme/shop", { title: "AI governance dashboard: acme/shop", body: `${dashboardMarker("acme/shop")}\nleft alone`, labels: ["aims:dashboard"], viaApp: true });
    stale.state = "closed";
    await reconcileWithProbot(probot, services, { cooldownMs: 0, redeliver: false, dashboards: false });
    expect(off.body).toContain("left alone");
  });

  it("runs on start when the server asks for it, and not at all with an interval of 0", async () => {
    const { createFakeProbot: make } = await import("../support/fake-probot.js");
    fake.reset();
    await make(fake, { reconcileIntervalMinutes: 0 }, { reconcileOnStart: true });
    await make(fake, { reconcileIntervalMinutes: 60 });
    await new Promise((r) => setTimeout(r, 1500));
    expect(fake.requests.filter((r) => r.path === "/app/hook/deliveries")).toEqual([]);
    await make(fake, { reconcileIntervalMinutes: 60 }, { reconcileOnStart: true });
    const deadline = Date.now() + 20_000;
    while (!fake.requests.some((r) => r.path === "/app/hook/deliveries") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(fake.requests.some((r) => r.path === "/app/hook/deliveries")).toBe(true);
  });
});
