import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";

/**
 * A lock shared by every replica through Redis: `SET key token NX PX ttl`, renewed while the holder
 * runs, released only by its holder (compare-and-delete). A holder that dies stops renewing, so the
 * lock expires `ttlMs` later and the next taker goes ahead. Each acquisition also takes a fencing
 * number (strictly increasing per key), which the holder can compare with the current one to learn
 * that its lock expired and someone else took it.
 */
export interface HeldLock {
  /** Increases by one with every acquisition of the key. */
  fence: number;
  /** False once the lock expired or was taken by another holder. */
  stillHeld(): Promise<boolean>;
  release(): Promise<void>;
}

const RENEW = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;
const ACQUIRE = `if redis.call("set", KEYS[1], ARGV[1], "NX", "PX", ARGV[2]) then return redis.call("incr", KEYS[2]) else return 0 end`;

export interface RedisLockOptions {
  /** How long the lock outlives a holder that stopped renewing. */
  ttlMs: number;
  log?: { warn: (obj: object, msg: string) => void };
}

/** Try once; undefined when another holder has the key. */
export async function tryLock(redis: Redis, key: string, options: RedisLockOptions): Promise<HeldLock | undefined> {
  const token = randomBytes(12).toString("hex");
  const fence = Number(await redis.eval(ACQUIRE, 2, key, `${key}:fence`, token, String(options.ttlMs)));
  if (!fence) return undefined;
  let held = true;
  // Renew at a third of the expiry, so two missed renewals still leave the lock in place.
  const timer = setInterval(() => {
    redis
      .eval(RENEW, 1, key, token, String(options.ttlMs))
      .then((renewed) => {
        if (Number(renewed) === 0 && held) {
          held = false;
          options.log?.warn({ lock: key, fence }, "a Redis lock expired while held; another replica may have taken it");
        }
      })
      .catch(() => undefined);
  }, Math.max(50, Math.floor(options.ttlMs / 3)));
  timer.unref();
  return {
    fence,
    stillHeld: async () => held && (await redis.get(key)) === token,
    release: async () => {
      held = false;
      clearInterval(timer);
      await redis.eval(RELEASE, 1, key, token);
    },
  };
}

/** Wait for the lock (polling with jittered back-off) up to `waitMs`; throws when it stays taken. */
export async function withLock<T>(redis: Redis, key: string, options: RedisLockOptions & { waitMs: number }, fn: (lock: HeldLock) => Promise<T>): Promise<T> {
  const deadline = Date.now() + options.waitMs;
  let wait = 50;
  for (;;) {
    const lock = await tryLock(redis, key, options);
    if (lock) {
      try {
        return await fn(lock);
      } finally {
        await lock.release().catch(() => undefined);
      }
    }
    if (Date.now() > deadline) throw new Error(`${key} stayed locked for ${Math.round(options.waitMs / 1000)} s`);
    await new Promise((resolve) => setTimeout(resolve, wait + Math.random() * wait));
    wait = Math.min(wait * 2, 1000);
  }
}
