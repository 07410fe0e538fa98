/**
 * Replicas on one Redis: throughput of 1 and of 3 replicas of the built server (`node lib/server.js`
 * with REDIS_URL, behind a round-robin balancer) and delivery-to-final-check latency, against the
 * stateful fake GitHub answering every request after `--latency-ms` (default 20). Each wave pushes a
 * commit to every pull request and delivers its `synchronize` event (all at once); a delivery is done
 * when both checks of its new head are completed. No timing is asserted anywhere.
 *
 *   npx tsx bench/replicas.ts [--no-build] [--pulls=24] [--waves=4] [--latency-ms=20]
 *
 * `runReplicaBench()` is exported for bench/run.ts; it needs `redis-server` on the PATH.
 */
import { execFileSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { startBalancer } from "../test/support/balancer.js";
import { FakeGitHub, type FakePull, type FakeRepo } from "../test/support/fake-github.js";
import { redisServerInstalled, startRedis } from "../test/support/redis.js";
import { startApp, WEBHOOK_SECRET, type RunningApp } from "../test/support/server.js";

const POLICY = `systems:
  - id: recommender
    name: Product recommender
    paths: ["models/**"]
    risk: limited
`;
const CHECKS = ["aims/impact-assessment", "aims/human-oversight"];

export interface ReplicaRun {
  replicas: number;
  deliveries: number;
  seconds: number;
  perSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
}

export interface ReplicaBench {
  pulls: number;
  waves: number;
  githubLatencyMs: number;
  runs: ReplicaRun[];
  /** Throughput of 3 replicas over 1. */
  ratio: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function measure(replicaCount: number, options: { pulls: number; waves: number; latencyMs: number }): Promise<ReplicaRun> {
  const redis = await startRedis();
  const fake = new FakeGitHub({ latencyMs: options.latencyMs, validateResponses: false });
  const { host } = await fake.start();
  const replicas: RunningApp[] = [];
  try {
    const repo: FakeRepo = fake.addRepo("acme/shop", { files: { ".github/aims.yml": POLICY, "README.md": "# Shop\n" } });
    const env = { REDIS_URL: redis.url, APP_SLUG: fake.app.slug, LOG_LEVEL: "warn", AIMS_REQUEST_TIMEOUT_MS: "10000" };
    for (let i = 0; i < replicaCount; i++) replicas.push(await startApp(fake, host, env));
    const balancer = await startBalancer(replicas.map((r) => r.url));
    fake.webhook = { url: `${balancer.url}/api/github/webhooks`, secret: WEBHOOK_SECRET };
    const repository = await (await fetch(`${fake.apiBase}/repos/acme/shop`)).json();
    const pulls: FakePull[] = [];
    for (let i = 0; i < options.pulls; i++) {
      fake.commit(repo, { branch: `pr-${i}`, files: { [`models/recommender/m${i}.onnx`]: `\u0000ONNX-${i}` }, author: "alice" });
      pulls.push(fake.addPullRequest(repo, { head: `pr-${i}`, user: "alice", title: `Change ${i}` }));
    }
    const deliver = async (pull: FakePull, action: string) => {
      const payload = { action, number: pull.number, pull_request: await (await fetch(`${fake.apiBase}/repos/acme/shop/pulls/${pull.number}`)).json(), repository, installation: { id: fake.installationId }, sender: { login: "alice", id: fake.user("alice").id, type: "User" } };
      const attempt = await fake.deliverWebhook("pull_request", payload);
      if (attempt.statusCode < 200 || attempt.statusCode >= 300) throw new Error(`delivery answered ${attempt.statusCode}`);
    };
    const done = (pull: FakePull) => CHECKS.every((name) => fake.checkRunsFor(repo, { headSha: pull.head.sha, name }).at(-1)?.status === "completed");
    const waitAll = async (since: number, latencies?: number[]) => {
      const pending = new Set(pulls);
      while (pending.size > 0) {
        for (const pull of [...pending]) {
          if (!done(pull)) continue;
          pending.delete(pull);
          latencies?.push(performance.now() - since);
        }
        if (performance.now() - since > 120_000) throw new Error(`${pending.size} pull requests still without checks after 120 s`);
        await sleep(5);
      }
    };
    // Warm-up (token, labels, first evaluation of each PR), not measured.
    const warm = performance.now();
    await Promise.all(pulls.map((p) => deliver(p, "opened")));
    await waitAll(warm);

    const latencies: number[] = [];
    const start = performance.now();
    for (let w = 0; w < options.waves; w++) {
      for (const [i, pull] of pulls.entries()) fake.pushToPull(repo, pull.number, { [`models/recommender/m${i}-${w}.onnx`]: `\u0000ONNX-${i}-${w}` }, `push ${w}`);
      const sent = performance.now();
      await Promise.all(pulls.map((p) => deliver(p, "synchronize")));
      await waitAll(sent, latencies);
    }
    const seconds = (performance.now() - start) / 1000;
    await balancer.stop();
    latencies.sort((a, b) => a - b);
    const deliveries = options.pulls * options.waves;
    return {
      replicas: replicaCount,
      deliveries,
      seconds,
      perSecond: deliveries / seconds,
      latencyMs: { p50: Math.round(percentile(latencies, 50)), p99: Math.round(percentile(latencies, 99)), max: Math.round(latencies.at(-1) ?? 0) },
    };
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
    await fake.stop();
    await redis.stop();
  }
}

export async function runReplicaBench(options: { pulls?: number; waves?: number; latencyMs?: number } = {}): Promise<ReplicaBench> {
  const o = { pulls: options.pulls ?? 24, waves: options.waves ?? 4, latencyMs: options.latencyMs ?? 20 };
  const runs = [await measure(1, o), await measure(3, o)];
  return { pulls: o.pulls, waves: o.waves, githubLatencyMs: o.latencyMs, runs, ratio: runs[1]!.perSecond / runs[0]!.perSecond };
}

export function formatReplicaBench(b: ReplicaBench): string {
  const rows = b.runs.map(
    (r) => `${String(r.replicas).padStart(8)} ${String(r.deliveries).padStart(10)} ${r.perSecond.toFixed(1).padStart(12)} ${String(r.latencyMs.p50).padStart(9)} ${String(r.latencyMs.p99).padStart(9)} ${String(r.latencyMs.max).padStart(9)}`,
  );
  return [
    `replicas on one Redis (pull_request.synchronize on ${b.pulls} governed PRs at once, ${b.waves} waves, GitHub answering after ${b.githubLatencyMs} ms):`,
    `replicas deliveries  evaluations/s  p50 (ms)  p99 (ms)  max (ms)`,
    ...rows,
    `throughput 3 replicas / 1 replica: ${b.ratio.toFixed(2)}; latency: from sending the delivery to both checks of its head completed`,
  ].join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  const num = (name: string) => {
    const v = args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
    return v === undefined ? undefined : Number(v);
  };
  if (!redisServerInstalled()) {
    process.stderr.write("bench/replicas.ts needs redis-server on the PATH (apt-get install -y redis-server)\n");
    process.exit(2);
  }
  if (!args.includes("--no-build")) execFileSync("npm", ["run", "build", "--silent"], { stdio: "inherit" });
  const result = await runReplicaBench({ ...(num("pulls") ? { pulls: num("pulls")! } : {}), ...(num("waves") ? { waves: num("waves")! } : {}), ...(num("latency-ms") !== undefined ? { latencyMs: num("latency-ms")! } : {}) });
  process.stdout.write(`${formatReplicaBench(result)}\n`);
  process.exit(0);
}
