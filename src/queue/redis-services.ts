import type { Redis } from "ioredis";
import type { LabelCache, ServiceOverrides } from "../services.js";
import { KeyedMutex, type Locks } from "../util/keyed-mutex.js";
import { withLock } from "./redis-lock.js";

/** How long a label listing is trusted before it is read from GitHub again (a label deleted by hand is recreated then). */
const LABELS_SECONDS = 24 * 60 * 60;

export interface RedisServiceOptions {
  prefix: string;
  /** Expiry of a lock whose holder stopped renewing it (a dead replica). */
  lockTtlMs: number;
  /** Longest wait for a lock before the work fails (and is retried). */
  lockWaitMs: number;
  log?: { warn: (obj: object, msg: string) => void };
}

/**
 * The Services parts that replicas share through Redis: the locks (pull requests, evidence records,
 * evidence chains, query comments: one holder at a time across every replica, waiting first in
 * process so one replica does not poll Redis against itself) and the label cache.
 */
export function redisServiceOverrides(redis: Redis, options: RedisServiceOptions): Required<Pick<ServiceOverrides, "locks" | "labels">> {
  return { locks: createRedisLocks(redis, options), labels: createRedisLabelCache(redis, options.prefix) };
}

export function createRedisLocks(redis: Redis, options: RedisServiceOptions): Locks {
  const local = new KeyedMutex();
  const lockOptions = { ttlMs: options.lockTtlMs, waitMs: options.lockWaitMs, ...(options.log ? { log: options.log } : {}) };
  return {
    shared: true,
    run: (key, fn) => local.run(key, () => withLock(redis, `${options.prefix}:lock:${key}`, lockOptions, () => fn())),
  };
}

export function createRedisLabelCache(redis: Redis, prefix: string): LabelCache {
  const keyOf = (repo: string) => `${prefix}:labels:${repo}`;
  return {
    async get(repo) {
      const names = await redis.smembers(keyOf(repo));
      return names.length > 0 ? new Set(names) : undefined;
    },
    async add(repo, names) {
      const list = [...names];
      if (list.length === 0) return;
      await redis.multi().sadd(keyOf(repo), ...list).expire(keyOf(repo), LABELS_SECONDS).exec();
    },
  };
}
