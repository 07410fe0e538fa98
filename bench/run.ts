/**
 * `npm run bench`: what one aims-bot process costs per event, measured against the stateful fake
 * GitHub on 127.0.0.1 with the built server (`probot run ./lib/index.js`) receiving signed webhooks.
 * Writes bench/results.json and prints a table. Not part of `npm test`; no timing is asserted.
 *
 *   npm run bench                 build, then measure everything
 *   npm run bench -- --no-build   reuse lib/
 *   npm run bench -- --quick      fewer throughput events
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeGitHub, generateTestPrivateKey, signWebhook, type LoggedRequest } from "../test/support/fake-github.js";
import { maxInFlight, sequentialDepth } from "./metrics.js";
import { budgetEvents, pingDuring, typicalLife, type BudgetRow } from "./budget.js";
import { REPO, SCENARIOS, seedRepo, type Delivery, type Scenario } from "./scenarios.js";

const ROOT = new URL("..", import.meta.url).pathname;
const SECRET = "bench-webhook-secret";
const RATE_LIMIT_PER_HOUR = 5000;
const LATENCIES = [0, 50];
const args = new Set(process.argv.slice(2));
const THROUGHPUT_EVENTS = args.has("--quick") ? 100 : 400;
const THROUGHPUT_CONCURRENCY = 16;
const VERBOSE = args.has("--verbose");
const ONLY = process.argv.find((a) => a.startsWith("--only="))?.slice("--only=".length).split(",");
const SKIP_THROUGHPUT = args.has("--no-throughput");
const SKIP_RESOURCES = args.has("--no-resources") || args.has("--budget-only");
/** Only the request budget and /ping (no per-scenario table, throughput, resources or code detection). */
const BUDGET_ONLY = args.has("--budget-only");
/** `--profile=<dir>`: the server writes a V8 CPU profile there when it stops. */
const PROFILE_DIR = process.argv.find((a) => a.startsWith("--profile="))?.slice("--profile=".length);

// ---------------------------------------------------------------------------------------------
// Harness

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      srv.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

interface Server {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * A server on 127.0.0.1 pointed at the fake GitHub: aims-bot as `npm start` runs it
 * (`node lib/server.js`), or a plain Probot app file through `probot run <entry>`.
 */
async function startServer(entry: string, fake: FakeGitHub, host: string): Promise<Server> {
  const port = await freePort();
  const profile = PROFILE_DIR ? [`--cpu-prof`, `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  const command = [...profile, ...(entry.endsWith("server.js") ? [entry] : ["node_modules/probot/bin/probot.js", "run", entry])];
  const child = spawn(process.execPath, command, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "production",
      APP_ID: String(fake.app.id),
      APP_SLUG: fake.app.slug,
      PRIVATE_KEY: generateTestPrivateKey(),
      WEBHOOK_SECRET: SECRET,
      GHE_HOST: host,
      GHE_PROTOCOL: "http",
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "warn",
      LOG_FORMAT: "json",
      AIMS_RECONCILE_INTERVAL_MINUTES: "0",
      // The dashboard issue is rebuilt after the event, debounced per repository: counted as the
      // event's deferred work (a short debounce, so the bench need not wait five seconds).
      AIMS_DASHBOARD_DEBOUNCE_MS: "100",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${entry} exited early (${child.exitCode}):\n${output}`);
    try {
      if ((await fetch(`${url}/ping`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${entry} did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        // Probot closes its server gracefully; idle keep-alive connections from the load generator can hold it open.
        const force = setTimeout(() => child.kill("SIGKILL"), 3000);
        child.once("exit", () => {
          clearTimeout(force);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}

let deliverySeq = 0;
async function send(server: Server, d: Delivery): Promise<number> {
  const body = JSON.stringify(d.payload);
  const res = await fetch(`${server.url}/api/github/webhooks`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": d.name,
      "x-github-delivery": `bench-${++deliverySeq}`,
      "x-hub-signature-256": signWebhook(SECRET, body),
    },
    body,
  });
  await res.text();
  return res.status;
}

/** Probot answers a delivery once its handlers finish (or 202 after 9 s): then wait for quiet (the dashboard's debounce included). */
async function sendAndSettle(server: Server, fake: FakeGitHub, d: Delivery): Promise<number> {
  const status = await send(server, d);
  let seen = -1;
  for (;;) {
    await new Promise((r) => setTimeout(r, status === 202 ? 500 : 300));
    if (fake.requests.length === seen) return status;
    seen = fake.requests.length;
  }
}

// ---------------------------------------------------------------------------------------------
// Metrics from the fake's request log

const isTokenExchange = (r: LoggedRequest) => r.path.startsWith("/app/installations/") && r.path.endsWith("/access_tokens");
const isRead = (r: LoggedRequest) => r.method === "GET" || r.method === "HEAD";
const isCheckWrite = (r: LoggedRequest) => !isRead(r) && r.path.includes("/check-runs");

interface EventMeasure {
  status: number;
  /** Reads GitHub counts against the rate limit (a 304 Not Modified does not count). */
  reads: number;
  notModified: number;
  writes: number;
  tokenExchanges: number;
  sequential: number;
  maxInFlight: number;
  latencyMs: number;
  operations: string[];
}

async function measure(server: Server, fake: FakeGitHub, d: Delivery): Promise<EventMeasure> {
  fake.reset();
  const t0 = performance.timeOrigin + performance.now();
  const status = await sendAndSettle(server, fake, d);
  const all = [...fake.requests];
  const api = all.filter((r) => !isTokenExchange(r));
  const checkWrites = api.filter(isCheckWrite);
  const end = checkWrites.length > 0 ? Math.max(...checkWrites.map((r) => r.endedAt)) : Math.max(t0, ...api.map((r) => r.endedAt));
  return {
    status,
    reads: api.filter((r) => isRead(r) && r.status !== 304).length,
    notModified: api.filter((r) => r.status === 304).length,
    writes: api.filter((r) => !isRead(r)).length,
    tokenExchanges: all.length - api.length,
    sequential: sequentialDepth(api),
    maxInFlight: maxInFlight(api),
    latencyMs: Math.round(end - t0),
    operations: api.map((r) => `${r.method} ${r.operationId ?? r.path} ${r.status}`),
  };
}

// ---------------------------------------------------------------------------------------------
// Throughput

async function throughput(server: Server, deliveries: () => Delivery, events: number, concurrency: number): Promise<{ events: number; seconds: number; perSecond: number; failures: number }> {
  let next = 0;
  let failures = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < events) {
        next++;
        const status = await send(server, deliveries());
        if (status >= 300) failures++;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { events, seconds, perSecond: events / seconds, failures };
}

// ---------------------------------------------------------------------------------------------
// CPU and memory in a child process

async function cpuAndMemory(fake: FakeGitHub, api: string, scenario: Scenario, warmup: Scenario, dir: string, deliver: (d: Delivery) => Promise<void>) {
  const warm = await warmup.setup(fake, api, deliver);
  const measured = await scenario.setup(fake, api, deliver);
  const warmPath = join(dir, `${scenario.id}-warmup.json`);
  const eventPath = join(dir, `${scenario.id}.json`);
  writeFileSync(warmPath, JSON.stringify(warm));
  writeFileSync(eventPath, JSON.stringify(measured));
  const keyPath = join(dir, "key.pem");
  writeFileSync(keyPath, generateTestPrivateKey());
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ["--expose-gc", "bench/measure-event.mjs", warmPath, eventPath], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", BENCH_API: api, BENCH_APP_ID: String(fake.app.id), BENCH_KEY_PATH: keyPath, NODE_ENV: "production", AIMS_DASHBOARD_DEBOUNCE_MS: "off" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`measure-event exited ${code}: ${stderr}`))));
  });
  return JSON.parse(out) as { cpuMs: number; wallMs: number; rssBeforeMb: number; peakRssMb: number };
}

// ---------------------------------------------------------------------------------------------
// Main

function progress(message: string): void {
  process.stdout.write(`  ${message}\n`);
}

const pad = (s: string | number, n: number) => String(s).padEnd(n);
const padL = (s: string | number, n: number) => String(s).padStart(n);

async function main(): Promise<void> {
  if (!args.has("--no-build")) {
    process.stdout.write("building lib/ (npm run build)…\n");
    execFileSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "inherit" });
  }
  const fake = new FakeGitHub({ validateResponses: false });
  const { url: api, host } = await fake.start();
  process.stdout.write("seeding the fake GitHub (20 MB lockfiles)…\n");
  seedRepo(fake);
  const dir = mkdtempSync(join(tmpdir(), "aims-bench-"));

  const server = await startServer("./lib/server.js", fake, host);
  const deliver = async (d: Delivery) => {
    await sendAndSettle(server, fake, d);
  };
  const results: Record<string, unknown> = { node: process.version, date: new Date().toISOString(), rateLimitPerHour: RATE_LIMIT_PER_HOUR };
  try {
    // The first events exchange the installation token (cached for an hour) and create the evidence
    // labels of the repository (once per repository): keep both out of the per-event counts.
    await deliver(await SCENARIOS[0]!.setup(fake, api, deliver));
    await deliver(await SCENARIOS[1]!.setup(fake, api, deliver));

    // The request budget: one governed pull request's events, at 50 ms per request.
    const sendTimed = async (d: Delivery) => {
      const status = await send(server, d);
      return { status, answeredAt: performance.timeOrigin + performance.now() };
    };
    fake.latencyMs = 50;
    process.stdout.write("request budget: the events of a governed pull request at 50 ms per request…\n");
    const budget = await budgetEvents(fake, api, sendTimed, REPO);
    for (const r of budget) {
      progress(`${r.id}: ${r.measure.counted} counted (${r.measure.reads} reads, ${r.measure.writes} writes), answered in ${r.measure.answeredMs} ms`);
      if (VERBOSE) process.stdout.write(`${r.measure.operations.map((o) => `      ${o}`).join("\n")}\n`);
    }
    const life = await typicalLife(fake, api, sendTimed, REPO);
    fake.latencyMs = 0;
    progress("/ping during the 20 MB lockfile event");
    const lockfile = await SCENARIOS.find((s) => s.id === "ai-dependency-20mb-lock")!.setup(fake, api, deliver);
    const ping = await pingDuring(server.url, fake, sendTimed, lockfile);
    results.budget = { events: budget, typicalLife: life, pingDuringLockfile: ping };

    const perScenario: Array<Record<string, unknown>> = [];
    for (const scenario of SCENARIOS.filter((s) => (!ONLY || ONLY.includes(s.id)) && !BUDGET_ONLY)) {
      const row: Record<string, unknown> = { id: scenario.id, title: scenario.title };
      for (const latency of LATENCIES) {
        fake.latencyMs = 0;
        const first = await scenario.setup(fake, api, deliver);
        fake.latencyMs = latency;
        const m = await measure(server, fake, first);
        const again = await measure(server, fake, await scenario.again(fake, api, first));
        fake.latencyMs = 0;
        row[`latency${latency}`] = { first: m, again };
        process.stdout.write(`  ${scenario.id} @${latency} ms: ${m.reads} reads, ${m.notModified} not modified, ${m.writes} writes, ${m.sequential} sequential, ${m.latencyMs} ms; again ${again.reads}/${again.writes}\n`);
        if (VERBOSE) process.stdout.write(`${[...m.operations, "    again:", ...again.operations].map((o) => `      ${o}`).join("\n")}\n`);
      }
      perScenario.push(row);
    }
    results.scenarios = perScenario;

    // Throughput: redeliveries of a governed PR's event (nothing changed, so reads only) through the real server.
    fake.latencyMs = 0;
    if (!SKIP_THROUGHPUT && !BUDGET_ONLY) {
    // One evaluation per pull request runs at a time (later deliveries for it wait): spread the load
    // over as many governed PRs as there are concurrent senders, as real traffic is.
    const edits: Delivery[] = [];
    for (let i = 0; i < THROUGHPUT_CONCURRENCY; i++) {
      const governed = await SCENARIOS[1]!.setup(fake, api, deliver);
      await deliver(governed);
      edits.push(await SCENARIOS[1]!.again(fake, api, governed));
    }
    let turn = 0;
    const edited = () => edits[turn++ % edits.length]!;
    fake.reset();
    process.stdout.write(`throughput: ${THROUGHPUT_EVENTS} signed deliveries, ${THROUGHPUT_CONCURRENCY} concurrent…\n`);
    progress("aims-bot server");
    const aims = await throughput(server, edited, THROUGHPUT_EVENTS, THROUGHPUT_CONCURRENCY);
    progress(`aims-bot: ${aims.perSecond.toFixed(1)} events/s; no-op app server`);
    await server.stop();
    const noopServer = await startServer("./bench/noop-app.js", fake, host);
    progress("no-op app started");
    const noop = await throughput(noopServer, edited, THROUGHPUT_EVENTS, THROUGHPUT_CONCURRENCY);
    progress(`no-op app: ${noop.perSecond.toFixed(1)} events/s`);
    await noopServer.stop();
    results.throughput = { event: `pull_request.edited on ${THROUGHPUT_CONCURRENCY} governed PRs, nothing changed`, concurrency: THROUGHPUT_CONCURRENCY, aims, noop, ratio: aims.perSecond / noop.perSecond };
    }

    // CPU and peak RSS for the large scenarios, each in a fresh child process.
    const resources: Record<string, unknown> = {};
    if (!SKIP_RESOURCES) {
    const tmpServer = await startServer("./lib/server.js", fake, host);
    const deliverTmp = async (d: Delivery) => {
      await sendAndSettle(tmpServer, fake, d);
    };
    try {
      for (const scenario of SCENARIOS.filter((s) => s.large)) {
        progress(`CPU and memory: ${scenario.id}`);
        resources[scenario.id] = await cpuAndMemory(fake, api, scenario, SCENARIOS[0]!, dir, deliverTmp);
      }
    } finally {
      await tmpServer.stop();
    }
    }
    results.resources = resources;
  } finally {
    await server.stop();
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  if (!BUDGET_ONLY) progress("code detection: 3,000-file pull request, 500 source files, 20 using AI SDKs");
  if (!BUDGET_ONLY) results.codeDetection = JSON.parse(execFileSync(process.execPath, ["--import", "tsx", "bench/code-detection.ts"], { cwd: ROOT, encoding: "utf8" }));
  writeFileSync(new URL("./results.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
  printTable(results);
}

function printBudget(results: Record<string, any>, lines: string[]): void {
  const budget = results.budget as { events: BudgetRow[]; typicalLife: { events: number; counted: number; writes: number; graphqlPoints: number }; pingDuringLockfile: { samples: number; failures: number; p50: number; p99: number; max: number } } | undefined;
  if (!budget) return;
  lines.push("");
  lines.push("| event | reads (404) | 304 | writes | after answer | GraphQL q/pts | seq RT | answered | events/h/installation |");
  lines.push("|---|---|---|---|---|---|---|---|---|");
  for (const { title, measure: m } of budget.events) {
    const perHour = Math.floor(RATE_LIMIT_PER_HOUR / Math.max(1, m.counted));
    lines.push(`| ${title} | ${m.reads} (${m.notFound}) | ${m.notModified} | ${m.writes} | ${m.deferred} | ${m.graphqlQueries}/${m.graphqlPoints} | ${m.sequential} | ${m.answeredMs} ms | ${perHour} |`);
  }
  const l = budget.typicalLife;
  lines.push("");
  lines.push(`one typical PR life (${l.events} events: opened, three pushes, a redelivery, a review, a comment): ${l.counted} counted requests (${l.writes} writes), ${l.graphqlPoints} GraphQL points`);
  const p = budget.pingDuringLockfile;
  lines.push(`/ping during the 20 MB lockfile event: p50 ${p.p50} ms, p99 ${p.p99} ms, max ${p.max} ms (${p.samples} pings, ${p.failures} failed)`);
  lines.push("reads and writes count every REST request of the event at 50 ms per request, the work after the answer included");
  lines.push("(label styling, the dashboard); 304s are free; events/h/installation: 5000 ÷ counted requests.");
}

function printTable(results: Record<string, any>): void {
  const lines: string[] = [];
  printBudget(results, lines);
  lines.push("");
  lines.push(
    `${pad("scenario", 34)}${padL("reads", 6)}${padL("304", 5)}${padL("writes", 7)}${padL("seq RT", 7)}${padL("again r/w/304", 14)}${padL("latency 0ms", 12)}${padL("@50ms", 8)}${padL("events/h", 10)}`,
  );
  lines.push("-".repeat(103));
  for (const s of results.scenarios as any[]) {
    const a = s.latency0.first;
    const b = s.latency50.first;
    const again = s.latency0.again;
    // Request counts from the second run of the scenario: the first one also creates the
    // repository's evidence labels, which happens once per label and repository, not per event.
    const perHour = Math.floor(RATE_LIMIT_PER_HOUR / Math.max(1, b.reads + b.writes));
    lines.push(
      `${pad(s.title, 34)}${padL(b.reads, 6)}${padL(b.notModified ?? 0, 5)}${padL(b.writes, 7)}${padL(b.sequential, 7)}${padL(`${again.reads}/${again.writes}/${again.notModified ?? 0}`, 14)}${padL(`${a.latencyMs} ms`, 12)}${padL(`${b.latencyMs} ms`, 8)}${padL(perHour, 10)}`,
    );
  }
  lines.push("");
  lines.push("reads/writes: GitHub requests for the first evaluation of a new head (installation token cached);");
  lines.push("304: reads GitHub answered Not Modified from the process's conditional cache (not counted against the rate limit);");
  lines.push("again: the same event redelivered; seq RT: sequential round trips at 50 ms per request;");
  lines.push(`events/h: ${RATE_LIMIT_PER_HOUR} requests/hour ÷ requests per event.`);
  const t = results.throughput;
  lines.push("");
  if (t) lines.push(
    `throughput (${t.event}, ${t.concurrency} concurrent): aims-bot ${t.aims.perSecond.toFixed(1)} events/s, no-op Probot app ${t.noop.perSecond.toFixed(1)} events/s, ratio ${t.ratio.toFixed(2)}`,
  );
  lines.push("");
  lines.push(`${pad("large scenario (child process)", 40)}${padL("CPU", 10)}${padL("wall", 10)}${padL("peak RSS", 11)}`);
  for (const [id, r] of Object.entries((results.resources ?? {}) as Record<string, any>)) {
    lines.push(`${pad(id, 40)}${padL(`${Math.round(r.cpuMs)} ms`, 10)}${padL(`${Math.round(r.wallMs)} ms`, 10)}${padL(`${Math.round(r.peakRssMb)} MB`, 11)}`);
  }
  const code = results.codeDetection as Record<string, any> | undefined;
  if (code) {
    lines.push("");
    lines.push(`${pad("code detection (child process)", 40)}${padL("reads", 7)}${padL("CPU", 10)}${padL("wall", 10)}${padL("peak RSS +", 12)}`);
    const rows: Array<[string, any]> = [
      ["3,000 files, 20 AI: first event", code.first],
      ["3,000 files, 20 AI: next event", code.second],
      ["3,000 files, no AI candidates", code.noAi],
    ];
    for (const [label, r] of rows) {
      lines.push(`${pad(label, 40)}${padL(r.reads, 7)}${padL(`${Math.round(r.cpuMs)} ms`, 10)}${padL(`${Math.round(r.wallMs)} ms`, 10)}${padL(`${Math.round(r.extraPeakRssMb)} MB`, 12)}`);
    }
    lines.push("reads: file reads code detection asks for (one GitHub contents request each); the first event also loads rules and grammars.");
  }
  lines.push("");
  lines.push("results: bench/results.json");
  process.stdout.write(`${lines.join("\n")}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
