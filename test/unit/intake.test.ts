import { describe, expect, it } from "@jest/globals";
import { evaluationOnly, pullRequestKey } from "../../src/queue/delivery.js";
import { createInProcessIntake } from "../../src/queue/in-process.js";
import { createMetrics, routeTemplate } from "../../src/metrics/index.js";

const repository = { full_name: "Acme/Shop" };
const person = { login: "alice", type: "User" };

describe("which pull request a delivery is about", () => {
  it.each([
    ["pull_request", { action: "synchronize", number: 7, pull_request: { number: 7 }, repository, sender: person }, "acme/shop#7"],
    ["pull_request_review", { action: "submitted", pull_request: { number: 8 }, repository, sender: person }, "acme/shop#8"],
    ["issue_comment", { action: "created", issue: { number: 9, pull_request: { url: "x" } }, repository, sender: person }, "acme/shop#9"],
    ["issue_comment", { action: "created", issue: { number: 9 }, repository, sender: person }, undefined],
    ["check_run", { action: "rerequested", check_run: { pull_requests: [{ number: 3 }] }, repository, sender: person }, "acme/shop#3"],
    ["check_run", { action: "rerequested", check_run: { pull_requests: [{ number: 3 }, { number: 4 }] }, repository, sender: person }, undefined],
    ["push", { ref: "refs/heads/main", repository, sender: person }, undefined],
    ["pull_request", { action: "opened", number: 7, pull_request: { number: 7 } }, undefined],
    ["pull_request", { action: "opened", pull_request: { number: "7" }, repository }, undefined],
  ])("%s %j → %s", (name, payload, key) => {
    expect(pullRequestKey({ name, payload })).toBe(key);
  });

  it("merges only deliveries whose whole effect is one evaluation, never a bot's", () => {
    const pr = (action: string, sender = person) => ({ name: "pull_request", payload: { action, pull_request: { number: 1 }, repository, sender } });
    expect(evaluationOnly(pr("synchronize"))).toBe(true);
    expect(evaluationOnly(pr("edited"))).toBe(true);
    // Closing finalises the evidence record: never stood in for by another delivery.
    expect(evaluationOnly(pr("closed"))).toBe(false);
    // The app ignores its own events: a bot's delivery must not cover a person's.
    expect(evaluationOnly(pr("synchronize", { login: "aims-bot[bot]", type: "Bot" }))).toBe(false);
    expect(evaluationOnly({ name: "pull_request_review", payload: { action: "edited", pull_request: { number: 1 }, repository, sender: person } })).toBe(false);
    expect(evaluationOnly({ name: "issue_comment", payload: { action: "created", issue: { number: 1, pull_request: {} }, repository, sender: person } })).toBe(false);
  });
});

describe("the in-process intake", () => {
  const delivery = { id: "guid-1", name: "pull_request", payload: { action: "opened" } };

  it("answers once the delivery was handled: 200, or 500 with the handler's error so GitHub logs a failure", async () => {
    const ok = createInProcessIntake(async () => undefined);
    expect(await ok.accept(delivery)).toEqual({ status: 200, body: "ok\n" });
    const failing = createInProcessIntake(async () => {
      throw new AggregateError([new Error("GitHub answered 502")]);
    });
    expect(await failing.accept(delivery)).toEqual({ status: 500, body: JSON.stringify({ error: "Error: GitHub answered 502" }) });
  });

  it("answers 202 when the work outlasts GitHub's patience, counts it in flight, and drains it on close", async () => {
    let finish!: () => void;
    const intake = createInProcessIntake(() => new Promise<void>((resolve) => (finish = resolve)), { answerAfterMs: 20 });
    expect(await intake.accept(delivery)).toEqual({ status: 202, body: "still processing\n" });
    expect((await intake.stats()).depth).toBe(1);
    const closed = intake.close(5_000);
    // Shutting down: new deliveries are refused so GitHub logs them and the reconciler redelivers them.
    expect((await intake.accept({ ...delivery, id: "guid-2" })).status).toBe(503);
    finish();
    await closed;
    expect((await intake.stats()).depth).toBe(0);
  });
});

describe("metrics", () => {
  it("labels GitHub requests by route template, never by a concrete path", () => {
    expect(routeTemplate("/repos/{owner}/{repo}/pulls/{pull_number}")).toBe("/repos/{owner}/{repo}/pulls/{pull_number}");
    expect(routeTemplate("https://api.github.com/repositories/42/issues?page=2")).toBe("/repositories/{id}/issues");
    expect(routeTemplate("http://ghe.local/api/v3/repos/acme/shop/commits/0123456789abcdef0123456789abcdef01234567/check-runs")).toBe("/repos/{owner}/{repo}/commits/{sha}/check-runs");
  });

  it("counts deliveries, outcomes and GitHub requests in Prometheus text", async () => {
    const metrics = createMetrics(async () => ({ depth: 3, active: 1, oldestAgeSeconds: 2.5, deadLetters: 1 }), { defaultMetrics: false });
    metrics.intake.received("pull_request");
    metrics.intake.deduplicated("pull_request");
    metrics.intake.finished("pull_request", "coalesced", 0);
    metrics.intake.finished("pull_request", "processed", 0.3);
    metrics.githubRequest("GET", "/repos/{owner}/{repo}", 200, { "x-ratelimit-remaining": "4999", "x-ratelimit-resource": "core" });
    const text = await metrics.registry.metrics();
    expect(text).toContain('aims_webhook_deliveries_received_total{event="pull_request"} 1');
    expect(text).toContain('aims_webhook_deliveries_deduplicated_total{event="pull_request"} 1');
    expect(text).toContain('aims_webhook_deliveries_processed_total{event="pull_request",outcome="coalesced"} 1');
    expect(text).toContain('aims_evaluation_duration_seconds_count{event="pull_request"} 1');
    expect(text).toContain("aims_queue_depth 3");
    expect(text).toContain("aims_queue_oldest_age_seconds 2.5");
    expect(text).toContain("aims_queue_dead_letters 1");
    expect(text).toContain('aims_github_requests_total{method="GET",route="/repos/{owner}/{repo}",status="200"} 1');
    expect(text).toContain('aims_github_rate_limit_remaining{resource="core"} 4999');
  });
});
