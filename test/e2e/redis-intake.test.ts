import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Redis } from "ioredis";
import type { Delivery } from "../../src/queue/delivery.js";
import type { IntakeObserver } from "../../src/queue/intake.js";
import { createRedisIntake, DEFAULT_REDIS_INTAKE, type RedisIntake } from "../../src/queue/redis.js";
import { createRedisLabelCache, createRedisLocks } from "../../src/queue/redis-services.js";
import { redisServerInstalled, startRedis, type RunningRedis } from "../support/redis.js";

const installed = redisServerInstalled();
if (!installed) console.warn("Skipping the Redis intake tests: redis-server is not installed (apt-get install -y redis-server; .ci/run installs it).");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let ids = 0;
const pr = (number: number, action = "synchronize", id = `d-${++ids}`): Delivery => ({
  id,
  name: "pull_request",
  payload: { action, number, pull_request: { number }, repository: { full_name: "acme/shop" }, sender: { login: "alice", type: "User" } },
});

async function until(check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(20);
  }
}

function recorder() {
  const outcomes: string[] = [];
  const observer: IntakeObserver = { received: () => undefined, deduplicated: () => outcomes.push("deduplicated"), finished: (_e, outcome) => outcomes.push(outcome) };
  return { outcomes, observer };
}

(installed ? describe : describe.skip)("the Redis intake (BullMQ) against a real redis-server", () => {
  let redis: RunningRedis;
  let prefixes = 0;
  const open: RedisIntake[] = [];
  const intake = (handle: (d: Delivery) => Promise<void>, extra: Partial<Parameters<typeof createRedisIntake>[0]> = {}, prefix = `t${++prefixes}`) => {
    const i = createRedisIntake({ ...DEFAULT_REDIS_INTAKE, prefix, lockMs: 2000, backoffMs: 20, url: redis.url, handle, ...extra });
    open.push(i);
    return i;
  };

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(open.map((i) => i.close(2000).catch(() => undefined)));
    await redis?.stop();
  });

  it("answers 202 once stored, and stores a delivery GUID once", async () => {
    const handled: string[] = [];
    const { outcomes, observer } = recorder();
    const q = intake(async (d) => void handled.push(d.id), { observer });
    const d = pr(1);
    expect(await q.accept(d)).toEqual({ status: 202, body: "queued\n" });
    await until(() => handled.length === 1);
    expect((await q.accept(d)).status).toBe(202);
    await sleep(200);
    expect(handled).toEqual([d.id]);
    expect(outcomes).toEqual(["processed", "deduplicated"]);
  });

  it("coalesces a burst for one pull request into one more evaluation, and never runs two of its evaluations at once across replicas", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let running = 0;
    let most = 0;
    const handled: string[] = [];
    const handle = async (d: Delivery) => {
      running++;
      most = Math.max(most, running);
      if (handled.length === 0) await gate;
      await sleep(20);
      handled.push(d.id);
      running--;
    };
    const prefix = `t${++prefixes}`;
    const { outcomes, observer } = recorder();
    const a = intake(handle, { observer }, prefix);
    const b = intake(handle, { observer }, prefix);
    const first = pr(7);
    await a.accept(first);
    await until(() => running === 1);
    // While the first evaluation runs: four more deliveries, to either replica.
    const burst = [pr(7), pr(7, "edited"), pr(7), pr(7, "opened")];
    for (const [n, d] of burst.entries()) await (n % 2 ? a : b).accept(d);
    release();
    await until(() => outcomes.length === 5);
    expect(most).toBe(1);
    // The first, then one evaluation of the state after the burst; the other three were covered by it.
    expect(handled.length).toBe(2);
    expect(outcomes.filter((o) => o === "coalesced").length).toBe(3);
  });

  it("never coalesces a closing delivery (it finalises evidence)", async () => {
    const handled: string[] = [];
    const { outcomes, observer } = recorder();
    const q = intake(async (d) => void handled.push(String(d.payload.action)), { observer });
    await q.accept(pr(9));
    await q.accept(pr(9, "closed"));
    await until(() => outcomes.length === 2);
    expect(handled).toEqual(["synchronize", "closed"]);
  });

  it("retries a failing delivery with back-off, then keeps it as a dead letter that the reconciler queues again", async () => {
    let calls = 0;
    let healthy = false;
    const { outcomes, observer } = recorder();
    const q = intake(
      async () => {
        calls++;
        if (!healthy) throw new Error("GitHub answered 502");
      },
      { observer, attempts: 3 },
    );
    const d = pr(11);
    await q.accept(d);
    await until(async () => (await q.deadLetters()).length === 1);
    expect(calls).toBe(3);
    expect(outcomes).toEqual(["retrying", "retrying", "failed"]);
    expect((await q.deadLetters())[0]).toMatchObject({ id: d.id, event: "pull_request", pullRequest: "acme/shop#11", attempts: 3, reason: "GitHub answered 502" });
    expect((await q.stats()).deadLetters).toBe(1);
    healthy = true;
    expect(await q.retryDeadLetters()).toEqual([d.id]);
    await until(() => outcomes.at(-1) === "processed");
    expect(await q.deadLetters()).toEqual([]);
  });

  it("close() finishes the delivery in hand, then refuses new ones with 503", async () => {
    const handled: string[] = [];
    let started = false;
    const q = intake(async (d) => {
      started = true;
      await sleep(300);
      handled.push(d.id);
    });
    const d = pr(14);
    await q.accept(d);
    await until(() => started);
    await q.close(5000);
    expect(handled).toEqual([d.id]);
    expect((await q.accept(pr(15))).status).toBe(503);
  });

  it("reports Redis on /healthz, refuses deliveries with 503 while Redis is down, and takes them again once it is back", async () => {
    let own = await startRedis();
    const q = createRedisIntake({ ...DEFAULT_REDIS_INTAKE, url: own.url, handle: async () => undefined });
    open.push(q);
    await until(async () => (await q.health()).redis === "up");
    expect(await q.health()).toMatchObject({ ok: true, queue: "redis", redis: "up", stats: { depth: 0, deadLetters: 0 } });
    await own.stop();
    const answer = await q.accept(pr(12));
    expect(answer.status).toBe(503);
    expect(answer.body).toContain("redeliver");
    expect(await q.health()).toMatchObject({ ok: false, redis: "down" });
    own = await startRedis(Number(new URL(own.url).port));
    try {
      await until(async () => (await q.accept(pr(13))).status === 202);
      expect(await q.health()).toMatchObject({ ok: true, redis: "up" });
    } finally {
      await q.close(2000);
      await own.stop();
    }
  }, 30_000);
});

(installed ? describe : describe.skip)("Services on Redis: locks and label cache shared by replicas", () => {
  let redis: RunningRedis;
  const clients: Redis[] = [];
  const client = () => {
    const c = new Redis(redis.url);
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await redis?.stop();
  });

  it("one holder per key across two replicas' locks; a holder that stops renewing loses the lock after its expiry", async () => {
    const options = { prefix: "s", lockTtlMs: 300, lockWaitMs: 10_000 };
    const one = createRedisLocks(client(), options);
    const two = createRedisLocks(client(), options);
    expect(one.shared).toBe(true);
    const order: string[] = [];
    await Promise.all(
      [one, two, one, two].map((locks, i) =>
        locks.run("pull:acme/shop#1", async () => {
          order.push(`start ${i}`);
          await sleep(120);
          order.push(`end ${i}`);
        }),
      ),
    );
    for (let i = 0; i < order.length; i += 2) expect(order[i + 1]).toBe(order[i]!.replace("start", "end"));
    // A crashed holder: the key set without renewal expires, and the next taker goes ahead.
    const raw = client();
    await raw.set("s:lock:chain:acme/evidence", "dead-replica", "PX", 300);
    const started = Date.now();
    await two.run("chain:acme/evidence", async () => undefined);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  });

  it("label cache: unknown until listed, then shared", async () => {
    const a = createRedisLabelCache(client(), "s");
    const b = createRedisLabelCache(client(), "s");
    expect(await a.get("acme/shop")).toBeUndefined();
    await a.add("acme/shop", ["aims:evidence", "risk:high"]);
    expect(await b.get("acme/shop")).toEqual(new Set(["aims:evidence", "risk:high"]));
  });
});
