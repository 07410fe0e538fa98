/**
 * Fault-injection suite (`npm run test:faults`, run by .ci/run after `npm test`): the built server (`node lib/server.js`) against the stateful fake GitHub
 * while the fake injects 5xx answers, timeouts, dropped connections and rate limits (secondary with
 * retry-after, primary with x-ratelimit-reset), deterministically from a seed. More than 200 signed
 * webhook events for more than 30 pull requests arrive over HTTP, in concurrent batches, some twice,
 * some never (the app was "down") until the reconciler (`aims reconcile`, the built CLI) redelivers
 * them. Then the invariants are counted from GitHub's state, printed, and asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { appCliEnv, runBuiltCli } from "../support/cli.js";
import { FakeGitHub, signWebhook, type FakeRepo } from "../support/fake-github.js";
import { createFaultInjector, seededRandom, type FaultInjector } from "../support/faults.js";
import { addStoryRepo, countEvidence, createStories, gateConditions } from "../support/pull-stories.js";
import { startApp, WEBHOOK_SECRET, type RunningApp } from "../support/server.js";

const SEED = 20261201;
const PULLS = 32;
const FAULT_RATE = 0.15;
interface Counts {
  events: number;
  pulls: number;
  concurrentBatches: number;
  deliveredTwice: number;
  failedDeliveries: number;
  redelivered: number;
  faults: Record<string, number>;
  requestsSeen: number;
  faultRate: string;
  successWithoutConditions: number;
  wrongFinalConclusions: number;
  governedClosed: number;
  governedWithoutCorrectFinalRecord: number;
  duplicateEvidenceIssues: number;
  chainProblems: number;
  unhandledRejections: number;
  apiViolations: number;
}

/** Resolves once the fake has seen no request for `quietMs` (the app finished its work). */
async function quiet(fake: FakeGitHub, quietMs = 1500, maxMs = 60_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = -1;
  let since = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const n = fake.requests.length;
    if (n !== last) {
      last = n;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
    if (Date.now() > deadline) return;
  }
}

describe("fault injection: no wrongly passed gate, no lost evidence, under 5xx, timeouts, drops and rate limits", () => {
  let fake: FakeGitHub;
  let app: RunningApp;
  let repo: FakeRepo;
  let host: string;
  let injector: FaultInjector;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on("unhandledRejection", onUnhandled);
    fake = new FakeGitHub({ latencyMs: 2 });
    ({ host } = await fake.start());
    repo = addStoryRepo(fake);
    app = await startApp(fake, host, { AIMS_REQUEST_TIMEOUT_MS: "500", AIMS_RETRY_BASE_MS: "5", LOG_LEVEL: "warn", APP_SLUG: fake.app.slug });
    fake.webhook = { url: `${app.url}/api/github/webhooks`, secret: WEBHOOK_SECRET };
    injector = createFaultInjector({
      seed: SEED,
      rate: FAULT_RATE,
      retryAfter: 1,
      // The test's own unauthenticated reads (building payloads) and token creation (Probot's
      // auth request has no deadline of its own, see README) are not faulted.
      exempt: (req) => !req.headers.authorization || req.path.endsWith("/access_tokens"),
    });
  }, 60_000);

  afterAll(async () => {
    process.off("unhandledRejection", onUnhandled);
    await app?.stop();
    await fake?.stop();
  });

  it("rejects forged, missing and tampered signatures before any processing", async () => {
    fake.reset();
    const body = JSON.stringify({ action: "opened", number: 1, installation: { id: fake.installationId } });
    const post = (headers: Record<string, string>, payload = body) =>
      fetch(`${app.url}/api/github/webhooks`, { method: "POST", headers: { "content-type": "application/json", "x-github-event": "pull_request", "x-github-delivery": "sig-test", ...headers }, body: payload });
    const forged = await post({ "x-hub-signature-256": `sha256=${"0".repeat(64)}` });
    const missing = await post({});
    const tampered = await post({ "x-hub-signature-256": signWebhook(WEBHOOK_SECRET, body) }, body.replace('"opened"', '"closed"'));
    const otherSecret = await post({ "x-hub-signature-256": signWebhook("not-the-secret", body) });
    for (const res of [forged, missing, tampered, otherSecret]) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.requests).toEqual([]);
  });

  it("keeps every invariant through >200 events for >30 PRs with faults, duplicates and lost deliveries, then a reconcile pass", async () => {
    const random = seededRandom(SEED);
    const { scenarios, stories } = await createStories(fake, repo, PULLS, random);
    type Step = (typeof stories)[number][number];

    fake.reset();
    fake.fault = injector.hook;
    const counts: Partial<Counts> = { events: 0, deliveredTwice: 0, failedDeliveries: 0, concurrentBatches: 0 };
    const later: Array<() => Promise<unknown>> = [];
    const longest = Math.max(...stories.map((s) => s.length));
    for (let round = 0; round < longest; round++) {
      const due = stories.map((s) => s[round]).filter((s): s is Step => s !== undefined);
      // Build the round's events (state changes happen here), then deliver them in concurrent batches.
      const events = [];
      for (const step of due) {
        const e = await step();
        if (e) events.push(e);
      }
      for (let b = 0; b < events.length; b += 8) {
        counts.concurrentBatches!++;
        await Promise.all(
          events.slice(b, b + 8).map(async ({ event, payload }) => {
            counts.events!++;
            const r = random();
            if (r < 0.1) {
              // The app was unreachable: GitHub logs a failed delivery and never retries on its own.
              counts.failedDeliveries!++;
              await fake.deliverWebhook(event, payload, { unreachable: true });
              return;
            }
            const attempt = await fake.deliverWebhook(event, payload);
            if (r < 0.2) {
              // Delivered twice: GitHub retried, or an operator redelivered by hand (same guid).
              counts.deliveredTwice!++;
              later.push(() => fake.deliverWebhook(event, payload, { guid: attempt.guid, redelivery: true }));
            }
          }),
        );
      }
    }
    await Promise.all(later.map((send) => send()));
    await quiet(fake);

    // The reconciler, as cron runs it: the built CLI, once while GitHub still misbehaves, then
    // once after it recovered, then once more to show there is nothing left to do.
    const cliEnv = appCliEnv(fake, host, { AIMS_REQUEST_TIMEOUT_MS: "500" });
    const passes = [];
    for (const faulty of [true, false, false]) {
      injector.enabled = faulty;
      const res = await runBuiltCli(["reconcile", "--cooldown-minutes", "0"], cliEnv);
      await fake.settled();
      await quiet(fake);
      const line = res.stdout.split("\n").find((l) => l.startsWith("{"));
      passes.push({ faulty, code: res.code, summary: line ? (JSON.parse(line) as { reconcile: Record<string, number> }).reconcile : undefined, stderr: res.stderr });
    }
    fake.fault = undefined;

    // ---- Count the invariants from GitHub's state. ----
    let successWithoutConditions = 0;
    let wrongFinalConclusions = 0;
    const wrong: string[] = [];
    for (const { pull } of scenarios) {
      const met = gateConditions(fake, pull);
      for (const name of Object.keys(met)) {
        // Every run ever published on the PR's final head, and the one that stands.
        const runs = fake.checkRunsFor(repo, { headSha: pull.head.sha, name });
        successWithoutConditions += runs.filter((r) => r.conclusion === "success" && !met[name]).length;
        const standing = runs.at(-1);
        if (!standing || standing.status !== "completed" || (standing.conclusion === "success") !== met[name]) {
          wrongFinalConclusions++;
          wrong.push(`#${pull.number} ${name}: ${standing?.conclusion ?? "missing"} (conditions ${met[name] ? "met" : "unmet"})`);
        }
      }
    }

    const evidence = countEvidence(fake, repo, scenarios);
    const unhandledInApp = (app.output().match(/unhandled ?rejection/gi) ?? []).length;

    const result: Counts = {
      events: counts.events!,
      pulls: scenarios.length,
      concurrentBatches: counts.concurrentBatches!,
      deliveredTwice: counts.deliveredTwice!,
      failedDeliveries: counts.failedDeliveries!,
      redelivered: passes.reduce((n, p) => n + (p.summary?.redelivered ?? 0), 0),
      faults: injector.injected,
      requestsSeen: injector.seen(),
      faultRate: `${((100 * Object.values(injector.injected).reduce((a, b) => a + b, 0)) / Math.max(1, injector.seen())).toFixed(1)}%`,
      successWithoutConditions,
      wrongFinalConclusions,
      governedClosed: evidence.governedClosed,
      governedWithoutCorrectFinalRecord: evidence.missingFinal.length,
      duplicateEvidenceIssues: evidence.duplicateEvidenceIssues,
      chainProblems: evidence.chainProblems,
      unhandledRejections: unhandled.length + unhandledInApp,
      apiViolations: fake.violations.length,
    };
    const report = [
      "fault-injection suite",
      `  events delivered: ${result.events} for ${result.pulls} PRs in ${result.concurrentBatches} concurrent batches; delivered twice: ${result.deliveredTwice}; failed then redelivered: ${result.failedDeliveries} (reconciler redelivered ${result.redelivered})`,
      `  faults injected: ${JSON.stringify(result.faults)} over ${result.requestsSeen} authenticated requests (${result.faultRate})`,
      `  reconcile passes: ${JSON.stringify(passes.map((p) => ({ faulty: p.faulty, exit: p.code, ...p.summary })))}`,
      `  gates concluded success without their conditions met = ${result.successWithoutConditions}`,
      `  standing conclusions that differ from the conditions after reconcile = ${result.wrongFinalConclusions}${wrong.length ? ` (${wrong.slice(0, 5).join("; ")})` : ""}`,
      `  governed PRs without a correct final evidence record = ${result.governedWithoutCorrectFinalRecord} (of ${result.governedClosed} merged or closed)${evidence.missingFinal.length ? ` (${evidence.missingFinal.slice(0, 5).join("; ")})` : ""}`,
      `  duplicate evidence issues = ${result.duplicateEvidenceIssues}; evidence chain problems = ${result.chainProblems}`,
      `  unhandled rejections = ${result.unhandledRejections}`,
      `  requests departing from GitHub's API description = ${result.apiViolations}`,
    ].join("\n");
    process.stdout.write(`\n${report}\n\n`);

    expect(result.events).toBeGreaterThanOrEqual(200);
    expect(result.pulls).toBeGreaterThanOrEqual(30);
    expect(result.deliveredTwice).toBeGreaterThan(0);
    expect(result.failedDeliveries).toBeGreaterThan(0);
    expect(Number.parseFloat(result.faultRate)).toBeGreaterThanOrEqual(10);
    for (const kind of ["5xx", "timeout", "drop", "secondary", "primary"] as const) expect(result.faults[kind]).toBeGreaterThan(0);
    expect(result.successWithoutConditions).toBe(0);
    expect(result.wrongFinalConclusions).toBe(0);
    expect(result.governedClosed).toBeGreaterThan(0);
    expect(result.governedWithoutCorrectFinalRecord).toBe(0);
    expect(result.duplicateEvidenceIssues).toBe(0);
    expect(result.chainProblems).toBe(0);
    expect(result.unhandledRejections).toBe(0);
    expect(result.apiViolations).toBe(0);
    // The last pass found nothing left to repair.
    expect(passes.at(-1)!.summary).toMatchObject({ redelivered: 0, reevaluated: 0, finalised: 0, errors: 0 });
  }, 300_000);
});
