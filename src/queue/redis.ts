import { hostname } from "node:os";
import { DelayedError, Queue, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import { evaluationOnly, pullRequestKey, type Delivery } from "./delivery.js";
import type { DeadLetter, DeliveryHandler, Intake, IntakeAnswer, IntakeObserver, IntakeStats } from "./intake.js";
import { tryLock } from "./redis-lock.js";

/**
 * The durable intake on Redis (BullMQ on ioredis), for any number of replicas:
 *
 * - a verified delivery is stored as a job and answered 202 at once; a delivery GUID already
 *   stored is answered 202 and not stored again (a dead-lettered one is retried instead);
 * - any replica's worker takes the job; deliveries of one pull request are handled one at a time
 *   across replicas (a Redis lock per pull request, renewed while held, expiring when its holder
 *   dies; a job that finds it taken waits in the delayed set);
 * - a burst for one pull request is coalesced: each evaluation-only delivery takes a generation
 *   number of its pull request when it arrives; an evaluation records the newest generation it
 *   started after, and a delivery whose generation is already covered is done without evaluating;
 * - a replica that dies mid-job loses the job's lock; another replica's stalled-job check takes it;
 * - a failing job is retried with exponential back-off, then kept in a bounded failed set (the
 *   dead-letter list), which the reconciler reports and retries;
 * - Redis unreachable: the delivery is answered 503, so GitHub's delivery log shows the failure and
 *   the reconciler redelivers it.
 */
export interface RedisIntakeOptions {
  url: string;
  /** Key prefix of every key (BullMQ's and ours). */
  prefix: string;
  /** Jobs handled at once per replica. */
  concurrency: number;
  /** Attempts per job before it is dead-lettered. */
  attempts: number;
  /** First retry delay; doubles with every attempt. */
  backoffMs: number;
  /**
   * Job lock and pull-request lock expiry: how long a dead replica holds its work before another
   * takes it over (the stalled-job check runs this often too).
   */
  lockMs: number;
  /** Dead letters kept, newest first. */
  deadLetterMax: number;
  /**
   * A delivery still in hand after this long fails its attempt (and is retried), so a wedged
   * handler cannot hold its pull request's lock for ever.
   */
  jobTimeoutMs: number;
  handle: DeliveryHandler;
  observer?: IntakeObserver;
  log?: { info: (obj: object, msg: string) => void; warn: (obj: object, msg: string) => void; error: (obj: object, msg: string) => void };
}

export const DEFAULT_REDIS_INTAKE = { prefix: "aims", concurrency: 8, attempts: 5, backoffMs: 2000, lockMs: 30_000, deadLetterMax: 1000, jobTimeoutMs: 10 * 60_000 } as const;

const QUEUE = "intake";
/** GitHub's redelivery window: a GUID seen within it is a duplicate. */
const SEEN_SECONDS = 3 * 24 * 60 * 60;
/** Marker of a delivery being stored right now: a duplicate arriving meanwhile is refused (503) and redelivered later. */
const ACCEPTING_SECONDS = 60;
/** How long a generation counter of a quiet pull request is kept. */
const GENERATION_SECONDS = 7 * 24 * 60 * 60;
/** How long Redis may take to store a delivery before the intake answers 503. */
const STORE_TIMEOUT_MS = 5_000;
const SET_MAX = `local v = tonumber(redis.call("get", KEYS[1]) or "0") if tonumber(ARGV[1]) > v then redis.call("set", KEYS[1], ARGV[1], "EX", ARGV[2]) end return 1`;

interface JobData {
  delivery: Delivery;
  receivedAt: number;
  pull?: string;
  /** Present on evaluation-only deliveries: their pull request's generation when they arrived. */
  generation?: number;
}

type Outcome = "processed" | "coalesced";

export function envRedisIntakeOptions(env: NodeJS.ProcessEnv): Partial<Omit<RedisIntakeOptions, "url" | "handle">> {
  const n = (v: string | undefined, min: number): number | undefined => {
    const x = v === undefined || v.trim() === "" ? Number.NaN : Number(v);
    return Number.isFinite(x) && x >= min ? x : undefined;
  };
  const pick = <K extends string>(key: K, value: number | undefined) => (value === undefined ? {} : { [key]: value });
  return {
    ...pick("concurrency", n(env.AIMS_QUEUE_CONCURRENCY, 1)),
    ...pick("attempts", n(env.AIMS_QUEUE_ATTEMPTS, 1)),
    ...pick("backoffMs", n(env.AIMS_QUEUE_BACKOFF_MS, 0)),
    ...pick("lockMs", n(env.AIMS_QUEUE_LOCK_MS, 1000)),
    ...pick("deadLetterMax", n(env.AIMS_DEAD_LETTER_MAX, 1)),
    ...pick("jobTimeoutMs", n(env.AIMS_QUEUE_JOB_TIMEOUT_MS, 1000)),
    ...(env.AIMS_REDIS_PREFIX?.trim() ? { prefix: env.AIMS_REDIS_PREFIX.trim() } : {}),
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

/** A client that fails at once while Redis is unreachable (the intake answers 503 rather than wait). */
export function failFastRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false, retryStrategy: (times) => Math.min(times * 200, 2000) });
}

/** Resolves once `redis` is connected (at once if it is); rejects after `ms`. */
function connected(redis: Redis, ms: number): Promise<void> {
  if (redis.status === "ready") return Promise.resolve();
  return withTimeout(new Promise<void>((resolve) => redis.once("ready", () => resolve())), ms, "connecting to Redis");
}

export interface RedisIntake extends Intake {
  /** Put every dead-lettered job back in the queue; returns their delivery GUIDs. */
  retryDeadLetters(): Promise<string[]>;
  /** The client for the other shared state of this replica. */
  redis: Redis;
}

function deadLetterList(queue: Queue<JobData>, max: number): Pick<RedisIntake, "deadLetters" | "retryDeadLetters"> {
  return {
    async deadLetters(limit = 100) {
      const failed = await queue.getFailed(0, Math.min(limit, max) - 1);
      return failed.map(
        (j): DeadLetter => ({
          id: String(j.id),
          event: j.data.delivery.name,
          ...(j.data.pull ? { pullRequest: j.data.pull } : {}),
          failedAt: new Date(j.finishedOn ?? j.timestamp).toISOString(),
          attempts: j.attemptsMade,
          reason: j.failedReason ?? "unknown",
        }),
      );
    },
    async retryDeadLetters() {
      const failed = await queue.getFailed(0, max - 1);
      const retried: string[] = [];
      for (const job of failed) {
        await job.retry();
        retried.push(String(job.id));
      }
      return retried;
    },
  };
}

/** The dead letters of the intake at `url`, for a process that runs no intake (`aims reconcile`). */
export function openDeadLetters(url: string, prefix: string = DEFAULT_REDIS_INTAKE.prefix): Pick<RedisIntake, "deadLetters" | "retryDeadLetters" | "redis"> & { close: () => Promise<void> } {
  const redis = failFastRedis(url);
  redis.on("error", () => undefined);
  const queue = new Queue<JobData>(QUEUE, { connection: redis, prefix });
  return {
    ...deadLetterList(queue, DEFAULT_REDIS_INTAKE.deadLetterMax),
    redis,
    close: async () => {
      await queue.close().catch(() => undefined);
      redis.disconnect();
    },
  };
}

export function createRedisIntake(options: RedisIntakeOptions): RedisIntake {
  const o = options;
  const redis = failFastRedis(o.url);
  // BullMQ's worker blocks on its connection and must retry forever (its own requirement).
  const workerConnection = new Redis(o.url, { maxRetriesPerRequest: null });
  const queue = new Queue<JobData>(QUEUE, { connection: redis, prefix: o.prefix });
  let closing = false;
  const key = (...parts: string[]) => [o.prefix, ...parts].join(":");
  const redisErrors = (error: Error) => o.log?.warn({ err: error.message }, "Redis connection problem; deliveries are refused (503) until it is back");
  redis.on("error", redisErrors);
  queue.on("error", redisErrors);
  workerConnection.on("error", () => undefined);

  // Jobs in hand, so close() drains them itself: BullMQ's own graceful close can wait forever for a
  // blocking connection that Redis dropped, and a forced close stops every timer.
  const inHand = new Set<Promise<Outcome>>();
  const work = async (job: Job<JobData>, token?: string): Promise<Outcome> => {
    if (closing) {
      // Shutting down: back to the queue for another replica (or this one after its restart).
      await job.moveToDelayed(Date.now() + 100, token);
      throw new DelayedError();
    }
    const running = handleJob(job, token);
    inHand.add(running);
    try {
      return await running;
    } finally {
      inHand.delete(running);
    }
  };

  const handleJob = async (job: Job<JobData>, token?: string): Promise<Outcome> => {
    const { delivery, pull, generation } = job.data;
    const handle = (d: Delivery) => withTimeout(o.handle(d), o.jobTimeoutMs, `handling delivery ${d.id}`);
    if (!pull) {
      await handle(delivery);
      return "processed";
    }
    const lock = await tryLock(redis, key("pull-lock", pull), { ttlMs: o.lockMs, ...(o.log ? { log: o.log } : {}) });
    if (!lock) {
      // Another replica works on this pull request: wait in the delayed set, not in a worker slot.
      await job.moveToDelayed(Date.now() + 100 + Math.floor(Math.random() * 200), token);
      throw new DelayedError();
    }
    try {
      if (generation === undefined) {
        await handle(delivery);
        return "processed";
      }
      const [evaluated, requested] = await redis.mget(key("pull", pull, "evaluated"), key("pull", pull, "requested"));
      if (Number(evaluated ?? 0) >= generation) return "coalesced";
      await handle(delivery);
      await redis.eval(SET_MAX, 1, key("pull", pull, "evaluated"), String(Number(requested ?? generation)), String(GENERATION_SECONDS));
      return "processed";
    } finally {
      await lock.release().catch(() => undefined);
    }
  };

  const worker = new Worker<JobData, Outcome>(QUEUE, work, {
    connection: workerConnection,
    prefix: o.prefix,
    // Stored on each job it takes (`processedBy`): which replica handled a delivery.
    name: `${hostname()}:${process.pid}`,
    concurrency: o.concurrency,
    lockDuration: o.lockMs,
    stalledInterval: o.lockMs,
    maxStalledCount: 3,
    removeOnComplete: { count: 1000 },
    removeOnFail: { count: o.deadLetterMax },
  });
  worker.on("error", (error) => o.log?.warn({ err: error.message }, "intake worker error"));
  worker.on("completed", (job, outcome) => o.observer?.finished(job.data.delivery.name, outcome, (Date.now() - (job.processedOn ?? Date.now())) / 1000));
  worker.on("failed", (job, error) => {
    if (!job || error instanceof DelayedError || error?.name === "DelayedError") return;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1);
    o.observer?.finished(job.data.delivery.name, final ? "failed" : "retrying", (Date.now() - (job.processedOn ?? Date.now())) / 1000);
    const fields = { delivery: job.id, event: job.data.delivery.name, pull: job.data.pull, attempt: job.attemptsMade, err: error?.message };
    if (final) o.log?.error(fields, "a delivery failed on every attempt; it is kept as a dead letter, which the reconciler retries and reports");
    else o.log?.warn(fields, "a delivery failed; retrying with back-off");
  });

  const stats = async (): Promise<IntakeStats> => {
    const counts = await queue.getJobCounts("waiting", "active", "delayed", "prioritized", "failed");
    const oldest = await queue.getJobs(["waiting", "prioritized"], 0, 0, true);
    const since = oldest.reduce((min, j) => Math.min(min, j.timestamp), Date.now());
    const active = counts.active ?? 0;
    return {
      depth: (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0) + active,
      active,
      oldestAgeSeconds: (Date.now() - since) / 1000,
      deadLetters: counts.failed ?? 0,
    };
  };

  const store = async (delivery: Delivery): Promise<IntakeAnswer> => {
    // Just started or reconnecting: wait a moment rather than refuse a delivery Redis can take.
    await connected(redis, 2000);
    const seenKey = key("delivery", delivery.id);
    if ((await redis.set(seenKey, "accepting", "EX", ACCEPTING_SECONDS, "NX")) === null) {
      const marker = await redis.get(seenKey);
      if (marker === "accepting") return { status: 503, body: JSON.stringify({ error: "this delivery is being stored by another request; redeliver it later" }) };
      const job = await queue.getJob(delivery.id);
      if (job && (await job.getState()) === "failed") {
        await job.retry();
        return { status: 202, body: "queued again (it had failed)\n" };
      }
      o.observer?.deduplicated(delivery.name);
      return { status: 202, body: "duplicate delivery: already queued or handled\n" };
    }
    try {
      const pull = pullRequestKey(delivery);
      const generation = pull && evaluationOnly(delivery) ? await redis.incr(key("pull", pull, "requested")) : undefined;
      if (pull && generation !== undefined) await redis.expire(key("pull", pull, "requested"), GENERATION_SECONDS);
      const data: JobData = { delivery, receivedAt: Date.now(), ...(pull ? { pull } : {}), ...(generation !== undefined ? { generation } : {}) };
      await queue.add(delivery.name, data, { jobId: delivery.id, attempts: o.attempts, backoff: { type: "exponential", delay: o.backoffMs } });
      await redis.set(seenKey, "queued", "EX", SEEN_SECONDS);
      return { status: 202, body: "queued\n" };
    } catch (error) {
      await redis.del(seenKey).catch(() => undefined);
      throw error;
    }
  };

  return {
    kind: "redis",
    redis,
    async accept(delivery) {
      if (closing) return { status: 503, body: JSON.stringify({ error: "shutting down; redeliver this delivery" }) };
      o.observer?.received(delivery.name);
      try {
        return await withTimeout(store(delivery), STORE_TIMEOUT_MS, "storing the delivery in Redis");
      } catch (error) {
        o.log?.error({ err: (error as Error).message, delivery: delivery.id, event: delivery.name }, "delivery refused (503): Redis could not store it; GitHub shows it as failed and the reconciler redelivers it");
        return { status: 503, body: JSON.stringify({ error: "the queue (Redis) is unavailable; redeliver this delivery" }) };
      }
    },
    stats,
    async health() {
      try {
        await connected(redis, 2000);
        await withTimeout(redis.ping(), 2000, "PING");
        return { ok: !closing, queue: "redis", redis: "up", stats: await withTimeout(stats(), 2000, "queue counts") };
      } catch (error) {
        return { ok: false, queue: "redis", redis: "down", error: (error as Error).message };
      }
    },
    ...deadLetterList(queue, o.deadLetterMax),
    async close(timeoutMs = 30_000) {
      closing = true;
      // Finish the jobs in hand; past the timeout, stop (their locks expire and another replica takes them).
      await withTimeout(Promise.allSettled([...inHand]), timeoutMs, "draining the intake worker").catch(() => undefined);
      await withTimeout(worker.close(true), 2000, "stopping the intake worker").catch(() => undefined);
      await withTimeout(queue.close(), 2000, "closing the queue").catch(() => undefined);
      // Redis unreachable: the worker's own connections would keep reconnecting and keep the process alive.
      await withTimeout(worker.disconnect(), 2000, "disconnecting the worker").catch(() => undefined);
      redis.disconnect();
      workerConnection.disconnect();
    },
  };
}
