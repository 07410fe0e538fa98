import { createHash } from "node:crypto";
import { ByteBoundedMap } from "../util/bounded-map.js";
import { declaredLength, inTurns, readInTurns, streamInTurns, withUrl } from "./body-in-turns.js";

/**
 * Conditional requests: GitHub answers a GET carrying the ETag of the copy we hold with 304 Not
 * Modified when nothing changed, and a 304 does not count against the rate limit. The copy is then
 * served as GitHub's answer, so an unchanged pull request, comment list or file costs no budget
 * on the next event. Nothing is ever served without asking GitHub first: correctness does not rest
 * on the cache.
 */
export interface ConditionalCacheLimits {
  /** Responses kept, least recently used dropped first. */
  maxEntries: number;
  /** Bytes of bodies kept in all. */
  maxBytes: number;
  /** A single body above this is not kept. */
  maxEntryBytes: number;
}

export const DEFAULT_CONDITIONAL_CACHE_LIMITS: ConditionalCacheLimits = { maxEntries: 2000, maxBytes: 64 * 1024 * 1024, maxEntryBytes: 2 * 1024 * 1024 };

export interface ConditionalEntry {
  etag: string;
  body: ArrayBuffer;
  headers: Array<[string, string]>;
}

type Entry = ConditionalEntry;

/**
 * A second level every replica shares (Redis): asked when this process holds no copy, told of
 * every copy kept. It is only ever a hint: an answer it cannot give is a miss.
 */
export interface SharedConditionalStore {
  accepts(bytes: number): boolean;
  get(key: string): Promise<ConditionalEntry | undefined>;
  set(key: string, entry: ConditionalEntry): Promise<void>;
}

export interface ConditionalFetchOptions {
  /** Who asks (an installation): answers are never shared between two. Default: a hash of the token. */
  who?: string;
  shared?: SharedConditionalStore;
  /** Told when the shared store failed; the request went on without it. */
  onSharedError?: (error: unknown) => void;
}

export interface ConditionalCacheStats {
  entries: number;
  bytes: number;
  /** Answers served from the cache after GitHub said 304. */
  revalidated: number;
}

/** Bounded, least-recently-used store of GET answers by who asked (an installation) and what. */
export class ConditionalCache {
  private readonly entries: ByteBoundedMap<Entry>;
  private revalidated = 0;

  constructor(limits: ConditionalCacheLimits = DEFAULT_CONDITIONAL_CACHE_LIMITS) {
    this.entries = new ByteBoundedMap(limits, (e) => e.body.byteLength);
  }

  get(key: string): Entry | undefined {
    return this.entries.get(key);
  }

  set(key: string, entry: Entry): void {
    this.entries.set(key, entry);
  }

  /** Whether a body of `bytes` would be kept. */
  accepts(bytes: number): boolean {
    return this.entries.accepts(bytes);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  countRevalidation(): void {
    this.revalidated++;
  }

  stats(): ConditionalCacheStats {
    return { entries: this.entries.size, bytes: this.entries.bytes, revalidated: this.revalidated };
  }
}

/** Headers of a fresh 304 that describe the request rather than the resource: they replace the kept ones. */
const FRESH = /^(x-ratelimit-|x-github-request-id$|date$)/i;

export function urlOf(input: Parameters<typeof fetch>[0]): string {
  return typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
}

/**
 * fetch that revalidates GETs with `If-None-Match` and serves the kept answer on 304. Answers are
 * kept per installation (or token, hashed), Accept header and URL, so one installation never sees
 * another's; with a shared store, a copy one replica kept serves every replica.
 */
export function conditionalFetch(cache: ConditionalCache, base: typeof fetch, options: ConditionalFetchOptions = {}): typeof fetch {
  const { shared, onSharedError = () => undefined } = options;
  const sharedGet = async (key: string) => {
    try {
      return await shared?.get(key);
    } catch (error) {
      onSharedError(error);
      return undefined;
    }
  };
  return async (input, init) => {
    const method = String(init?.method ?? "GET").toUpperCase();
    const headers = new Headers(init?.headers);
    if (method !== "GET" || headers.has("if-none-match") || headers.has("if-modified-since")) return base(input, init);
    const who = options.who ?? createHash("sha256").update(headers.get("authorization") ?? "").digest("hex").slice(0, 32);
    const key = `${who}\u0000${headers.get("accept") ?? ""}\u0000${urlOf(input)}`;
    const kept = cache.get(key) ?? (await sharedGet(key));
    if (kept) headers.set("if-none-match", kept.etag);
    const res = await base(input, { ...init, headers });
    if (res.status === 304 && kept) {
      cache.countRevalidation();
      cache.set(key, kept);
      const merged = new Headers(kept.headers);
      for (const [name, value] of res.headers) if (FRESH.test(name)) merged.set(name, value);
      return withUrl(new Response(streamInTurns(kept.body), { status: 200, statusText: "OK", headers: merged }), res.url || urlOf(input));
    }
    const etag = res.headers.get("etag");
    if (res.status !== 200 || !etag) {
      cache.delete(key);
      return res;
    }
    const length = declaredLength(res);
    if (length !== undefined && !cache.accepts(length)) {
      cache.delete(key);
      return inTurns(res);
    }
    const body = await readInTurns(res);
    const entry = { etag, body, headers: [...res.headers] };
    cache.set(key, entry);
    if (shared?.accepts(body.byteLength)) shared.set(key, entry).catch(onSharedError);
    return withUrl(new Response(streamInTurns(body), { status: res.status, statusText: res.statusText, headers: res.headers }), res.url || urlOf(input));
  };
}
