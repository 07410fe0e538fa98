/**
 * Multi-replica suite (`npm run test:replicas`, run by .ci/run): a real Redis on 127.0.0.1, three
 * replicas of the built server (`node lib/server.js` with REDIS_URL) behind a round-robin balancer,
 * the stateful fake GitHub answering about 10% of requests with faults. More than 300 deliveries for
 * more than 30 pull requests arrive in concurrent bursts, some repeated (same GUID), some
 * reordered, some never (GitHub logged them failed: the reconciler redelivers them); one replica is
 * killed with SIGKILL mid-run and started again. Then the counts are read from GitHub's state and
 * from the queue, printed, and asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import type { Probot } from "probot";
import { pullRequestRef, type GitHub } from "../../src/ports/pull-request-context.js";
import { createPullRequestContext } from "../../src/github/octokit-context.js";
import { evaluatePullRequest } from "../../src/pipeline.js";
import { createServices } from "../../src/services.js";
import { startBalancer, type Balancer } from "../support/balancer.js";
import { appCliEnv, runBuiltCli } from "../support/cli.js";
import { FakeGitHub, type FakePull, type FakeRepo } from "../support/fake-github.js";
import { createFakeProbot } from "../support/fake-probot.js";
import { createFaultInjector, seededRandom, type FaultInjector } from "../support/faults.js";
import { addStoryRepo, countEvidence, createStories, gateConditions, type StoryEvent } from "../support/pull-stories.js";
import { redisServerInstalled, startRedis, type RunningRedis } from "../support/redis.js";
import { startApp, WEBHOOK_SECRET, type RunningApp } from "../support/server.js";

const SEED = 20261203;
const PULLS = 36;
const REPLICAS = 3;
const FAULT_RATE = 0.1;
const CHECKS = ["aims/impact-assessment", "aims/human-oversight"];

type Event = StoryEvent;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const installed = redisServerInstalled();
if (!installed) console.warn("Skipping the multi-replica suite: redis-server is not installed (apt-get install -y redis-server; .ci/run installs it).");

(installed ? describe : describe.skip)("three replicas on one Redis: one truth under faults, repeats, reordering and a killed replica", () => {
  let redis: RunningRedis;
  let fake: FakeGitHub;
  let host: string;
  let repo: FakeRepo;
  let injector: FaultInjector;
  let balancer: Balancer;
  let queueClient: Redis;
  let queue: Queue;
  const replicas: RunningApp[] = [];
  const everStarted: RunningApp[] = [];
  const replicaEnv = () => ({
    REDIS_URL: redis.url,
    APP_SLUG: fake.app.slug,
    LOG_LEVEL: "warn",
    // Long enough that a busy machine's slow answer is not retried as a timeout (a retried POST can
    // create a second check run); the fake's "timeout" faults still cost this much.
    AIMS_REQUEST_TIMEOUT_MS: "5000",
    AIMS_RETRY_BASE_MS: "5",
    // A dead replica's jobs and pull-request locks are taken over after 10 s, not 30.
    AIMS_QUEUE_LOCK_MS: "10000",
    AIMS_QUEUE_BACKOFF_MS: "200",
    AIMS_SHUTDOWN_TIMEOUT_MS: "5000",
  });

  beforeAll(async () => {
    redis = await startRedis();
    fake = new FakeGitHub({ latencyMs: 2 });
    ({ host } = await fake.start());
    repo = addStoryRepo(fake);
    for (let i = 0; i < REPLICAS; i++) replicas.push(await startApp(fake, host, replicaEnv()));
    everStarted.push(...replicas);
    balancer = await startBalancer(replicas.map((r) => r.url));
    fake.webhook = { url: `${balancer.url}/api/github/webhooks`, secret: WEBHOOK_SECRET };
    queueClient = new Redis(redis.url, { maxRetriesPerRequest: null });
    queue = new Queue("intake", { connection: queueClient, prefix: "aims" });
    injector = createFaultInjector({ seed: SEED, rate: FAULT_RATE, retryAfter: 1, exempt: (req) => !req.headers.authorization || req.path.endsWith("/access_tokens") });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await queue?.close();
    queueClient?.disconnect();
    await balancer?.stop();
    await fake?.stop();
    await redis?.stop();
  }, 60_000);

  /** Resolves once the queue is empty and the fake has seen no request for a while. */
  async function drained(maxMs = 120_000): Promise<void> {
    const deadline = Date.now() + maxMs;
    let last = -1;
    let since = Date.now();
    for (;;) {
      await sleep(200);
      const counts = await queue.getJobCounts("waiting", "active", "delayed", "prioritized");
      const pending = Object.values(counts).reduce((a, b) => a + b, 0);
      const n = fake.requests.length;
      if (pending > 0 || n !== last) {
        last = n;
        since = Date.now();
      } else if (Date.now() - since >= 1500) return;
      if (Date.now() > deadline) return;
    }
  }

  it("ends with no duplicate check run, no gate passed wrongly, no delivery without effect, checks equal to a fresh evaluation and a clean chain", async () => {
    const random = seededRandom(SEED);
    const pullJson = async (pull: FakePull) => (await fetch(`${fake.apiBase}/repos/acme/shop/pulls/${pull.number}`)).json();
    const { scenarios, stories } = await createStories(fake, repo, PULLS, random);

    fake.reset();
    const postLog: Array<{ key: string; token: string; at: number; fault: string }> = [];
    fake.fault = (req) => {
      const f = injector.hook(req);
      if (req.method === "POST" && req.path.endsWith("/check-runs")) {
        const b = req.body as { head_sha?: string; name?: string };
        postLog.push({ key: `${b.head_sha} ${b.name}`, token: String(req.headers.authorization).slice(-6), at: Math.round(performance.now()), fault: typeof f === "string" ? f : f ? String(f.status) : "-" });
      }
      return f;
    };
    const counts = { deliveries: 0, bursts: 0, repeated: 0, reordered: 0, coalescable: 0, unreachable: 0, rejected: 0 };
    const guids = new Set<string>();
    const repeats: Array<{ e: Event; guid: string }> = [];
    const deliver = async (e: Event, options: { unreachable?: boolean; guid?: string; redelivery?: boolean } = {}) => {
      counts.deliveries++;
      const attempt = await fake.deliverWebhook(e.event, e.payload, options);
      guids.add(attempt.guid);
      if (!options.unreachable && (attempt.statusCode < 200 || attempt.statusCode >= 300)) counts.rejected++;
      return attempt;
    };
    const longest = Math.max(...stories.map((s) => s.length));
    const killRound = Math.floor(longest / 2);
    let killed: Promise<void> | undefined;
    const inHandWhenKilled: string[] = [];
    let killedPid = 0;
    for (let round = 0; round < longest; round++) {
      // Build the round: per PR its next step; sometimes also the one after, delivered first (reordered),
      // and sometimes a second delivery of the same change under a new GUID (a burst to coalesce).
      const bursts: Event[][] = [];
      for (const story of stories) {
        const step = story.shift();
        if (!step) continue;
        const burst = [await step()];
        if (story.length > 1 && random() < 0.25) {
          burst.unshift(await story.shift()!());
          counts.reordered++;
        }
        if (random() < 0.35) burst.push({ ...burst.at(-1)! });
        bursts.push(burst);
      }
      if (round === killRound) {
        // SIGKILL one replica as soon as it has deliveries of this round in hand; it comes back a moment later.
        const victim = replicas[1]!;
        killedPid = victim.pid;
        killed = (async () => {
          const deadline = Date.now() + 10_000;
          while (Date.now() < deadline) {
            const active = await queue.getJobs(["active"]);
            const mine = active.filter((j) => j.processedBy?.endsWith(`:${victim.pid}`)).map((j) => String(j.id));
            if (mine.length > 0) {
              inHandWhenKilled.push(...mine);
              break;
            }
            await sleep(20);
          }
          await victim.kill();
        })();
      }
      for (let b = 0; b < bursts.length; b += 12) {
        await Promise.all(
          bursts.slice(b, b + 12).map(async (burst) => {
            counts.bursts++;
            await Promise.all(
              burst.map(async (e) => {
                const r = random();
                if (r < 0.05) {
                  counts.unreachable++;
                  await deliver(e, { unreachable: true });
                  return;
                }
                const attempt = await deliver(e);
                if (r < 0.2) repeats.push({ e, guid: attempt.guid });
              }),
            );
          }),
        );
      }
      if (killed) {
        await killed;
        killed = undefined;
        replicas[1] = await startApp(fake, host, replicaEnv());
        everStarted.push(replicas[1]);
        balancer.targets[1] = replicas[1].url;
      }
    }
    // Repeats: GitHub or an operator sends the same GUID again, late and in another order.
    for (const { e, guid } of repeats.reverse()) {
      counts.repeated++;
      await deliver(e, { guid, redelivery: true });
    }
    await drained();

    // The reconciler as cron runs it (REDIS_URL set: it also retries dead letters): while GitHub still
    // misbehaves, after it recovered, and once more to show nothing is left.
    const cliEnv = appCliEnv(fake, host, { AIMS_REQUEST_TIMEOUT_MS: "5000", REDIS_URL: redis.url });
    const passes = [];
    for (const faulty of [true, false, false]) {
      injector.enabled = faulty;
      const res = await runBuiltCli(["reconcile", "--cooldown-minutes", "0"], cliEnv);
      await fake.settled();
      await drained();
      const line = res.stdout.split("\n").find((l) => l.startsWith("{"));
      passes.push({ faulty, exit: res.code, ...(line ? (JSON.parse(line) as { reconcile: Record<string, number> }).reconcile : { stderr: res.stderr }) });
    }
    fake.fault = undefined;

    // ---- Counts ----
    const runs = fake.checkRuns.filter((r) => r.repo === repo);
    const keys = runs.map((r) => `${r.headSha} ${r.name}`);
    const duplicateCheckRuns = keys.length - new Set(keys).size;
    const duplicated = [...new Set(keys.filter((k, i) => keys.indexOf(k) !== i))].map((k) => `${k.slice(0, 12)} ${k.split(" ")[1]} by ${[...new Set(postLog.filter((p) => p.key === k && p.fault === "-").map((p) => p.token))].length} process(es)`);

    let passedWithoutConditions = 0;
    for (const { pull } of scenarios) {
      const met = gateConditions(fake, pull);
      for (const name of CHECKS) passedWithoutConditions += fake.checkRunsFor(repo, { headSha: pull.head.sha, name }).filter((r) => r.conclusion === "success" && !met[name]).length;
    }

    // Every GUID GitHub sent must have been answered 2xx at least once and its job completed.
    const withoutEffect: string[] = [];
    for (const guid of guids) {
      const answered = fake.deliveries.some((d) => d.guid === guid && d.statusCode >= 200 && d.statusCode < 300);
      const job = await queue.getJob(guid);
      const state = job ? await job.getState() : "missing";
      if (!answered || state !== "completed" || !["processed", "coalesced"].includes(String(job?.returnvalue))) withoutEffect.push(`${guid} (${(job?.data as { pull?: string } | undefined)?.pull ?? "no PR"}): ${answered ? "answered" : "never answered 2xx"}, job ${state}`);
    }
    const lockWarnings = everStarted.reduce((n, r) => n + (r.output().match(/expired while held|could not renew lock/g) ?? []).length, 0);
    const recovered: string[] = [];
    for (const guid of inHandWhenKilled) {
      const job = await queue.getJob(guid);
      if (job && (await job.getState()) === "completed" && !job.processedBy?.endsWith(`:${killedPid}`)) recovered.push(guid);
    }
    const outcomes: Record<string, number> = {};
    for (const guid of guids) {
      const job = await queue.getJob(guid);
      const outcome = String(job?.returnvalue ?? "none");
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }

    // The standing checks of every open PR against a fresh evaluation of GitHub's state now.
    const probot: Probot = await createFakeProbot(fake);
    const octokit = (await probot.auth(fake.installationId)) as unknown as GitHub;
    const differing: string[] = [];
    let freshlyEvaluated = 0;
    for (const { pull } of scenarios) {
      if (pull.issue.state !== "open") continue;
      freshlyEvaluated++;
      const fresh = await evaluatePullRequest(createPullRequestContext(octokit, pullRequestRef((await pullJson(pull)) as never, { owner: "acme", repo: "shop" }, { fresh: true }), createServices({ appId: fake.app.id, appSlug: fake.app.slug })));
      for (const name of CHECKS) {
        const standing = fake.checkRunsFor(repo, { headSha: pull.head.sha, name }).at(-1);
        const decided = fresh.gates.find((g) => g.name === name)!;
        if (!standing || standing.status !== "completed" || standing.conclusion !== decided.conclusion || standing.output.title !== decided.title) {
          differing.push(`#${pull.number} ${name}: standing ${standing?.conclusion ?? "missing"} "${standing?.output.title ?? ""}", fresh ${decided.conclusion} "${decided.title}"`);
        }
      }
    }
    // A closed PR is not evaluated again (its gates are done; its record is finalised): a head pushed just
    // before closing may keep no check or an earlier decision. What holds for it: no gate ever passed
    // without its conditions (above), and its final evidence record (below).

    // Evidence: one live record per PR, a correct final record per governed closed PR, `aims verify` clean.
    const evidence = countEvidence(fake, repo, scenarios);
    const verify = await runBuiltCli(["verify", "--repo", "acme/shop", "--app", fake.app.slug], { GITHUB_TOKEN: "test-token", GITHUB_API_URL: fake.apiBase });

    const faults = Object.values(injector.injected).reduce((a, b) => a + b, 0);
    const report = [
      "multi-replica suite",
      `  replicas: ${REPLICAS} behind one balancer on one Redis; replica 2 killed with SIGKILL in round ${killRound + 1} of ${longest} holding ${inHandWhenKilled.length} deliveries (${recovered.length} of them finished by another replica, the rest just before it died) and restarted; requests served per replica URL: ${JSON.stringify([...balancer.served.values()])}`,
      `  deliveries: ${counts.deliveries} (${guids.size} GUIDs) for ${PULLS} PRs in ${counts.bursts} bursts; reordered pairs: ${counts.reordered}; repeated GUIDs: ${counts.repeated}; unreachable then redelivered: ${counts.unreachable}; answered non-2xx: ${counts.rejected}`,
      `  job outcomes per GUID: ${JSON.stringify(outcomes)}`,
      `  faults injected: ${JSON.stringify(injector.injected)} over ${injector.seen()} authenticated requests (${((100 * faults) / Math.max(1, injector.seen())).toFixed(1)}%)`,
      `  reconcile passes: ${JSON.stringify(passes)}`,
      `  check runs: ${runs.length}; duplicate check runs (same name and head SHA) = ${duplicateCheckRuns}${duplicated.length ? ` (${duplicated.slice(0, 5).join("; ")})` : ""}; lock warnings in replica logs: ${lockWarnings}`,
      `  gates passed without their conditions = ${passedWithoutConditions}`,
      `  deliveries without effect = ${withoutEffect.length}${withoutEffect.length ? ` (${withoutEffect.slice(0, 5).join("; ")})` : ""}`,
      `  standing checks differing from a fresh evaluation (${freshlyEvaluated} open PRs) = ${differing.length}${differing.length ? ` (${differing.slice(0, 5).join("; ")})` : ""}`,
      `  duplicate evidence issues = ${evidence.duplicateEvidenceIssues}; governed closed PRs without a correct final record = ${evidence.missingFinal.length} of ${evidence.governedClosed}; chain problems = ${evidence.chainProblems}; aims verify exit ${verify.code}`,
    ].join("\n");
    process.stdout.write(`\n${report}\n\n`);
    if (verify.code !== 0) process.stdout.write(`aims verify:\n${verify.stdout}${verify.stderr}\n`);

    expect(counts.deliveries).toBeGreaterThanOrEqual(300);
    expect(PULLS).toBeGreaterThanOrEqual(30);
    expect(counts.repeated).toBeGreaterThan(0);
    // The killed replica had deliveries in hand; those it did not finish before dying were finished by
    // another replica (stalled-job recovery; every GUID's job completed is asserted below).
    expect(inHandWhenKilled.length).toBeGreaterThan(0);
    expect(recovered.length).toBeGreaterThan(0);
    expect(counts.reordered).toBeGreaterThan(0);
    expect(faults / Math.max(1, injector.seen())).toBeGreaterThanOrEqual(0.08);
    expect(outcomes.coalesced ?? 0).toBeGreaterThan(0);
    expect(duplicateCheckRuns).toBe(0);
    expect(passedWithoutConditions).toBe(0);
    expect(withoutEffect).toEqual([]);
    expect(differing).toEqual([]);
    expect(evidence.duplicateEvidenceIssues).toBe(0);
    expect(evidence.missingFinal).toEqual([]);
    expect(evidence.chainProblems).toBe(0);
    expect(verify.code).toBe(0);
    expect(fake.violations).toEqual([]);
    expect(passes.at(-1)).toMatchObject({ exit: 0, redelivered: 0, reevaluated: 0, finalised: 0, errors: 0 });
  }, 600_000);
});
