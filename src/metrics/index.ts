import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { IntakeObserver, IntakeStats } from "../queue/intake.js";

/**
 * The server's Prometheus metrics (`GET /metrics`), one registry per server: deliveries received,
 * deduplicated and handled, the intake queue's depth and age, how long handling a delivery takes,
 * and every GitHub request by route and status with the rate limit GitHub reports.
 */
export interface Metrics {
  registry: Registry;
  intake: IntakeObserver;
  /** One GitHub request finished: `route` is Octokit's template (`/repos/{owner}/{repo}/pulls`), never a concrete path. */
  githubRequest(method: string, route: string, status: number | "error", headers?: Record<string, string | number | undefined>): void;
}

export function createMetrics(queueStats: () => Promise<IntakeStats>, options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: "aims_" });
  const received = new Counter({ name: "aims_webhook_deliveries_received_total", help: "Verified webhook deliveries received, by event", labelNames: ["event"], registers: [registry] });
  const deduplicated = new Counter({
    name: "aims_webhook_deliveries_deduplicated_total",
    help: "Deliveries whose GUID was already queued or handled (not queued again), by event",
    labelNames: ["event"],
    registers: [registry],
  });
  const processed = new Counter({
    name: "aims_webhook_deliveries_processed_total",
    help: "Delivery attempts that ended, by event and outcome (processed, coalesced into another evaluation, retrying, failed)",
    labelNames: ["event", "outcome"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "aims_evaluation_duration_seconds",
    help: "Time to handle one delivery (its evaluation and writes), by event",
    labelNames: ["event"],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  // One read of the queue per scrape, shared by the three gauges below.
  let pending: Promise<IntakeStats | undefined> | undefined;
  const snapshot = () => {
    pending ??= queueStats()
      .catch(() => undefined)
      .finally(() => setTimeout(() => (pending = undefined), 0));
    return pending;
  };
  const gauge = (name: string, help: string, pick: (s: IntakeStats) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const s = await snapshot();
        if (s) this.set(pick(s));
      },
    });
  gauge("aims_queue_depth", "Deliveries accepted and not yet handled (waiting, delayed or in hand)", (s) => s.depth);
  gauge("aims_queue_oldest_age_seconds", "Age of the oldest delivery waiting to be handled", (s) => s.oldestAgeSeconds);
  gauge("aims_queue_dead_letters", "Deliveries given up on after every retry (the reconciler retries and reports them)", (s) => s.deadLetters);
  const requests = new Counter({ name: "aims_github_requests_total", help: "GitHub API requests, by method, route template and status", labelNames: ["method", "route", "status"], registers: [registry] });
  const remaining = new Gauge({ name: "aims_github_rate_limit_remaining", help: "Requests left in the current rate-limit window, as GitHub last reported, by resource", labelNames: ["resource"], registers: [registry] });

  return {
    registry,
    intake: {
      received: (event) => received.inc({ event }),
      deduplicated: (event) => deduplicated.inc({ event }),
      finished: (event, outcome, seconds) => {
        processed.inc({ event, outcome });
        if (outcome !== "coalesced") duration.observe({ event }, seconds);
      },
    },
    githubRequest(method, route, status, headers = {}) {
      requests.inc({ method, route, status: String(status) });
      const left = Number(headers["x-ratelimit-remaining"]);
      if (headers["x-ratelimit-remaining"] !== undefined && Number.isFinite(left)) remaining.set({ resource: String(headers["x-ratelimit-resource"] ?? "core") }, left);
    },
  };
}

/**
 * Octokit's template as is; a concrete path (a request written out, a pagination link) with its
 * host, query, owner/repo and numbers or SHAs replaced, so labels stay few.
 */
export function routeTemplate(url: string): string {
  const path = url.replace(/^https?:\/\/[^/]+/, "").replace(/^\/api\/v3(?=\/)/, "").replace(/\?.*$/, "");
  if (path.includes("{")) return path;
  return path
    .replace(/^\/repos\/[^/]+\/[^/]+/, "/repos/{owner}/{repo}")
    .replace(/\/[0-9a-f]{40}(?=\/|$)/g, "/{sha}")
    .replace(/\/\d+(?=\/|$)/g, "/{id}");
}

type RequestHook = { wrap: (name: "request", fn: (request: (options: any) => any, options: any) => Promise<any>) => void };

/**
 * An Octokit plugin counting each request (after its retries) in `metrics`: Octokit's route
 * template keeps the label set small.
 */
export function githubRequestMetrics(metrics: Pick<Metrics, "githubRequest">) {
  return (octokit: { hook: RequestHook }) => {
    octokit.hook.wrap("request", async (request, options) => {
      const method = String(options.method ?? "GET");
      const route = routeTemplate(String(options.url ?? "unknown"));
      try {
        const response = await request(options);
        metrics.githubRequest(method, route, response.status, response.headers);
        return response;
      } catch (error) {
        const e = error as { status?: number; response?: { headers?: Record<string, string> } };
        metrics.githubRequest(method, route, typeof e.status === "number" ? e.status : "error", e.response?.headers);
        throw error;
      }
    });
  };
}
