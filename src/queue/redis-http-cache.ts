import type { Redis } from "ioredis";
import type { ConditionalEntry, SharedConditionalStore } from "../github/conditional-cache.js";

/**
 * The conditional cache shared by every replica through Redis: what one replica learned (a body
 * and its ETag) lets another ask GitHub with `If-None-Match` and be answered 304, free of rate
 * limit. Bounded by bytes in all, least recently used first, by the store itself: the Redis that
 * holds the delivery queue must not be left to evict keys (BullMQ needs `noeviction`).
 */
export interface RedisHttpCacheOptions {
  prefix: string;
  /** Bytes of bodies kept in Redis in all. */
  maxBytes: number;
  /** A single body above this is not shared. */
  maxEntryBytes: number;
}

export const DEFAULT_REDIS_HTTP_CACHE = { maxBytes: 64 * 1024 * 1024, maxEntryBytes: 512 * 1024 };

/**
 * KEYS: entry, recency index (sorted set), byte total. ARGV: etag, headers, body, size, now, maxBytes.
 * Writes the entry, then drops the least recently used ones until the total fits.
 */
const PUT = `
local old = redis.call('HGET', KEYS[1], 'size')
if old then redis.call('DECRBY', KEYS[3], old) end
redis.call('HSET', KEYS[1], 'etag', ARGV[1], 'headers', ARGV[2], 'body', ARGV[3], 'size', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[5], KEYS[1])
local total = redis.call('INCRBY', KEYS[3], ARGV[4])
while total > tonumber(ARGV[6]) do
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
  if not oldest then break end
  local size = tonumber(redis.call('HGET', oldest, 'size') or '0')
  redis.call('DEL', oldest)
  redis.call('ZREM', KEYS[2], oldest)
  total = redis.call('DECRBY', KEYS[3], size)
end
return total
`;

export interface RedisHttpCache extends SharedConditionalStore {
  /** Bytes and answers held in Redis now. */
  stats(): Promise<{ entries: number; bytes: number }>;
}

export function createRedisHttpCache(redis: Redis, options: RedisHttpCacheOptions): RedisHttpCache {
  const base = `${options.prefix}:http-cache`;
  const index = `${base}:recency`;
  const total = `${base}:bytes`;
  const entryKey = (key: string) => `${base}:entry:${key}`;
  return {
    accepts: (bytes) => bytes <= options.maxEntryBytes && options.maxBytes > 0,

    async get(key) {
      const k = entryKey(key);
      const [[, fields]] = (await redis.multi().hgetallBuffer(k).zadd(index, "XX", Date.now(), k).exec()) as [[Error | null, Record<string, Buffer>]];
      if (!fields?.etag || !fields.body || !fields.headers) return undefined;
      const body = fields.body;
      return {
        etag: fields.etag.toString("utf8"),
        headers: JSON.parse(fields.headers.toString("utf8")) as Array<[string, string]>,
        body: body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer,
      };
    },

    async set(key, entry: ConditionalEntry) {
      const size = entry.body.byteLength;
      if (size > options.maxEntryBytes || options.maxBytes <= 0) return;
      await redis.eval(PUT, 3, entryKey(key), index, total, entry.etag, JSON.stringify(entry.headers), Buffer.from(entry.body), size, Date.now(), options.maxBytes);
    },

    async stats() {
      const [entries, bytes] = await Promise.all([redis.zcard(index), redis.get(total)]);
      return { entries, bytes: Number(bytes ?? 0) };
    },
  };
}
