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
import { readRecords, verifyChain } from "../../src/evidence/verify.js";
import { hashMatches } from "../../src/evidence/record.js";
import { createPullRequestContext, pullRequestRef, type GitHub } from "../../src/github/pull-request-context.js";
import { evaluatePullRequest } from "../../src/pipeline.js";
import { assessmentMarkdown } from "../support/assessments.js";
import { startBalancer, type Balancer } from "../support/balancer.js";
import { appCliEnv, runBuiltCli } from "../support/cli.js";
import { FakeGitHub, type FakePull, type FakeRepo } from "../support/fake-github.js";
import { createFakeProbot } from "../support/fake-probot.js";
import { createFaultInjector, seededRandom, type FaultInjector } from "../support/faults.js";
import { redisServerInstalled, startRedis, type RunningRedis } from "../support/redis.js";
import { startApp, WEBHOOK_SECRET, type RunningApp } from "../support/server.js";

const SEED = 20261203;
const PULLS = 36;
const REPLICAS = 3;
const FAULT_RATE = 0.1;
const AIA = "governance/impact-assessments/aia-2026-014.md";
const POLICY = `systems:
  - id: recommender
    name: Product recommender
    paths: ["models/**"]
    risk: limited
`;
const CHECKS = ["aims/impact-assessment", "aims/human-oversight"];

type Kind = "docs" | "model-unlinked" | "model-linked" | "model-reviewed" | "policy-edit";
const KINDS: Kind[] = ["docs", "model-unlinked", "model-linked", "model-reviewed", "policy-edit"];
type Ending = "open" | "merged" | "closed";
type Event = { event: string; payload: Record<string, unknown> };

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
    repo = fake.addRepo("acme/shop", {
      files: { ".github/aims.yml": POLICY, "README.md": "# Shop\n", [AIA]: assessmentMarkdown({ approver: "carol", systems: ["recommender"], risk: "limited" }) },
    });
    for (const login of ["alice", "dave", "carol", "bob"]) fake.setPermission(repo, login, "write");
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
    const repository = await (await fetch(`${fake.apiBase}/repos/acme/shop`)).json();
    const installation = { id: fake.installationId };
    const sender = (login: string) => ({ login, id: fake.user(login).id, type: "User" });
    const pullJson = async (pull: FakePull) => (await fetch(`${fake.apiBase}/repos/acme/shop/pulls/${pull.number}`)).json();
    const payloadOf = async (pull: FakePull, action: string, extra: Record<string, unknown> = {}) => ({ action, number: pull.number, pull_request: await pullJson(pull), repository, installation, sender: sender(pull.issue.user), ...extra });

    const scenarios: Array<{ pull: FakePull; kind: Kind; ending: Ending }> = [];
    for (let i = 0; i < PULLS; i++) {
      const kind = KINDS[i % KINDS.length]!;
      const user = i % 2 === 0 ? "alice" : "dave";
      const files: Record<string, string> =
        kind === "docs" ? { [`docs/page-${i}.md`]: `# Page ${i}\n` } : kind === "policy-edit" ? { ".github/aims.yml": `${POLICY}# tuned by PR ${i}\n`, [`docs/policy-${i}.md`]: "why\n" } : { [`models/recommender/m${i}.onnx`]: `\u0000ONNX-${i}` };
      fake.commit(repo, { branch: `pr-${i}`, files, author: user });
      const pull = fake.addPullRequest(repo, { head: `pr-${i}`, user, title: `Change ${i}`, body: `Change number ${i}.` });
      const r = random();
      scenarios.push({ pull, kind, ending: r < 0.4 ? "merged" : r < 0.5 ? "closed" : "open" });
    }

    // Each PR's story; GitHub's state changes first, then the event goes out, as on GitHub.
    type Step = () => Promise<Event>;
    const stories = scenarios.map(({ pull, kind, ending }, i): Step[] => {
      const steps: Step[] = [async () => ({ event: "pull_request", payload: await payloadOf(pull, "opened") })];
      const pushes = 3 + Math.floor(random() * 3);
      for (let p = 0; p < pushes; p++) {
        steps.push(async () => {
          const change = kind === "docs" || kind === "policy-edit" ? { [`docs/page-${i}-${p}.md`]: `rev ${p}\n` } : { [`models/recommender/m${i}-${p}.onnx`]: `\u0000ONNX-${i}-${p}` };
          fake.pushToPull(repo, pull.number, change, `push ${p}`);
          return { event: "pull_request", payload: await payloadOf(pull, "synchronize") };
        });
      }
      steps.push(async () => {
        const linked = kind === "model-linked" || kind === "model-reviewed";
        pull.issue.body = linked ? `Change number ${i}.\n\nImpact-Assessment: ${AIA}` : `Change number ${i}, described better.`;
        return { event: "pull_request", payload: await payloadOf(pull, "edited", { changes: { body: { from: `Change number ${i}.` } } }) };
      });
      if (kind === "model-reviewed" || (kind === "docs" && random() < 0.5)) {
        steps.push(async () => {
          const review = fake.addReview(repo, pull.number, { user: "bob", state: "APPROVED", body: "Looks right." });
          return {
            event: "pull_request_review",
            payload: {
              action: "submitted",
              review: { id: review.id, node_id: "r", user: sender("bob"), body: review.body, state: "approved", commit_id: review.commitId, submitted_at: review.submittedAt, html_url: "x", pull_request_url: "x", author_association: "MEMBER", _links: {} },
              pull_request: await pullJson(pull),
              repository,
              installation,
              sender: sender("bob"),
            },
          };
        });
      }
      if (ending !== "open") {
        steps.push(async () => {
          if (ending === "merged") fake.mergePull(repo, pull.number, "carol");
          else (fake as unknown as { closeIssue: (i: unknown, a: string, v: boolean, r: string) => void }).closeIssue(pull.issue, pull.issue.user, false, "completed");
          return { event: "pull_request", payload: await payloadOf(pull, "closed", { sender: sender("carol") }) };
        });
      }
      return steps;
    });

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
        // SIGKILL one replica while this round is in its hands; it comes back a moment later.
        killed = sleep(150).then(() => replicas[1]!.kill());
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

    const diff = (pull: FakePull) => fake.diffTrees(fake.mergeBase(pull.base.sha, pull.head.sha), pull.head.sha).map((f) => f.filename);
    const gated = (pull: FakePull) => diff(pull).some((f) => f.startsWith("models/") || f === ".github/aims.yml");
    const conditions = (pull: FakePull): Record<string, boolean> => {
      const files = diff(pull);
      const ai = gated(pull);
      const linked = (pull.issue.body ?? "").includes(`Impact-Assessment: ${AIA}`);
      const policyEdit = files.includes(".github/aims.yml");
      const approved = pull.reviews.some((r) => r.state === "APPROVED" && r.user !== pull.issue.user && r.commitId === pull.head.sha);
      return { "aims/impact-assessment": !ai || policyEdit || linked, "aims/human-oversight": !ai || (approved && !policyEdit) };
    };
    let passedWithoutConditions = 0;
    for (const { pull } of scenarios) {
      const met = conditions(pull);
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
      const fresh = await evaluatePullRequest(createPullRequestContext(octokit, pullRequestRef((await pullJson(pull)) as never, { owner: "acme", repo: "shop" }, { fresh: true }), { appId: fake.app.id }));
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
    const issues = [...repo.issues.values()].filter((i) => !i.isPull);
    const stored = issues.map((i) => ({ number: i.number, author: i.user, body: i.body, state: i.state, stateReason: i.stateReason, labels: i.labels }));
    const { records } = readRecords(stored, fake.botLogin);
    const liveById = new Map<string, number>();
    for (const r of records) {
      const issue = repo.issues.get(r.issue)!;
      if (issue.state === "closed" && issue.stateReason === "duplicate") continue;
      liveById.set(r.record.id, (liveById.get(r.record.id) ?? 0) + 1);
    }
    const duplicateEvidenceIssues = [...liveById.values()].reduce((n, c) => n + (c - 1), 0);
    const governedClosed = scenarios.filter((s) => s.ending !== "open" && gated(s.pull));
    const missingFinal = governedClosed.filter(({ pull, ending }) => {
      const correct = records.filter(
        (r) => r.record.pullRequest.number === pull.number && r.record.state === ending && r.record.pullRequest.headSha === pull.head.sha && r.record.pullRequest.mergeSha === (ending === "merged" ? pull.mergeCommitSha : null) && hashMatches(r.record),
      );
      return correct.length !== 1;
    });
    const chain = verifyChain(stored, { appLogin: fake.botLogin });
    const verify = await runBuiltCli(["verify", "--repo", "acme/shop", "--app", fake.app.slug], { GITHUB_TOKEN: "test-token", GITHUB_API_URL: fake.apiBase });

    const faults = Object.values(injector.injected).reduce((a, b) => a + b, 0);
    const report = [
      "multi-replica suite",
      `  replicas: ${REPLICAS} behind one balancer on one Redis; replica 2 killed with SIGKILL in round ${killRound + 1} of ${longest} and restarted; requests served per replica URL: ${JSON.stringify([...balancer.served.values()])}`,
      `  deliveries: ${counts.deliveries} (${guids.size} GUIDs) for ${PULLS} PRs in ${counts.bursts} bursts; reordered pairs: ${counts.reordered}; repeated GUIDs: ${counts.repeated}; unreachable then redelivered: ${counts.unreachable}; answered non-2xx: ${counts.rejected}`,
      `  job outcomes per GUID: ${JSON.stringify(outcomes)}`,
      `  faults injected: ${JSON.stringify(injector.injected)} over ${injector.seen()} authenticated requests (${((100 * faults) / Math.max(1, injector.seen())).toFixed(1)}%)`,
      `  reconcile passes: ${JSON.stringify(passes)}`,
      `  check runs: ${runs.length}; duplicate check runs (same name and head SHA) = ${duplicateCheckRuns}${duplicated.length ? ` (${duplicated.slice(0, 5).join("; ")})` : ""}; lock warnings in replica logs: ${lockWarnings}`,
      `  gates passed without their conditions = ${passedWithoutConditions}`,
      `  deliveries without effect = ${withoutEffect.length}${withoutEffect.length ? ` (${withoutEffect.slice(0, 5).join("; ")})` : ""}`,
      `  standing checks differing from a fresh evaluation (${freshlyEvaluated} open PRs) = ${differing.length}${differing.length ? ` (${differing.slice(0, 5).join("; ")})` : ""}`,
      `  duplicate evidence issues = ${duplicateEvidenceIssues}; governed closed PRs without a correct final record = ${missingFinal.length} of ${governedClosed.length}; chain problems = ${chain.problems.length}; aims verify exit ${verify.code}`,
    ].join("\n");
    process.stdout.write(`\n${report}\n\n`);
    if (verify.code !== 0) process.stdout.write(`aims verify:\n${verify.stdout}${verify.stderr}\n`);

    expect(counts.deliveries).toBeGreaterThanOrEqual(300);
    expect(PULLS).toBeGreaterThanOrEqual(30);
    expect(counts.repeated).toBeGreaterThan(0);
    expect(counts.reordered).toBeGreaterThan(0);
    expect(faults / Math.max(1, injector.seen())).toBeGreaterThanOrEqual(0.08);
    expect(outcomes.coalesced ?? 0).toBeGreaterThan(0);
    expect(duplicateCheckRuns).toBe(0);
    expect(passedWithoutConditions).toBe(0);
    expect(withoutEffect).toEqual([]);
    expect(differing).toEqual([]);
    expect(duplicateEvidenceIssues).toBe(0);
    expect(missingFinal.length).toBe(0);
    expect(chain.problems).toEqual([]);
    expect(verify.code).toBe(0);
    expect(fake.violations).toEqual([]);
    expect(passes.at(-1)).toMatchObject({ exit: 0, redelivered: 0, reevaluated: 0, finalised: 0, errors: 0 });
  }, 600_000);
});
