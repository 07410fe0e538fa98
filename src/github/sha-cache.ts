import { declaredLength, inTurns, readInTurns, streamInTurns, withUrl } from "./body-in-turns.js";
import { urlOf } from "./conditional-cache.js";
import { ByteBoundedMap } from "../util/bounded-map.js";

/**
 * Content-addressed answers: what GitHub says about a commit named by its SHA (a file's contents,
 * a folder listing, a compare of two commits, a tree) can never change, so it is asked once and
 * kept, a 404 included ("no assessment folder at this commit" stays true). Nothing else is kept:
 * a ref that is a branch name, or any other request, always goes to GitHub.
 */
export interface ShaCacheLimits {
  /** Bytes of bodies kept in all; the least recently used answer goes first. */
  maxBytes: number;
  /** A single body above this is not kept. */
  maxEntryBytes: number;
}

export const DEFAULT_SHA_CACHE_LIMITS: ShaCacheLimits = { maxBytes: 96 * 1024 * 1024, maxEntryBytes: 32 * 1024 * 1024 };

interface Kept {
  status: 200 | 404;
  body: ArrayBuffer;
  headers: Array<[string, string]>;
}

export interface ShaCacheStats {
  entries: number;
  bytes: number;
  /** Answers served without asking GitHub. */
  hits: number;
}

const SHA = "[0-9a-f]{40}";
/** Paths (after `/api/v3` on GitHub Enterprise) whose answer is fixed by the commit SHAs they name. */
const IMMUTABLE_PATH = new RegExp(`^/repos/[^/]+/[^/]+/(?:compare/${SHA}\\.\\.\\.${SHA}|git/trees/${SHA}|git/blobs/${SHA})$`);
const CONTENTS_PATH = /^\/repos\/[^/]+\/[^/]+\/contents(?:\/|$)/;
const SHA_REF = new RegExp(`^${SHA}$`);

/**
 * True for a GET whose answer a commit SHA fixes: contents with `?ref=<sha>`, compare of two SHAs,
 * a tree or blob by SHA. Exported for tests.
 */
export function isContentAddressed(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const path = parsed.pathname.replace(/^\/api\/v3(?=\/)/, "");
  if (IMMUTABLE_PATH.test(path)) return true;
  return CONTENTS_PATH.test(path) && SHA_REF.test(parsed.searchParams.get("ref") ?? "");
}

/** Bounded, least-recently-used store of content-addressed answers, keyed by installation, media type and URL. */
export class ShaCache {
  private readonly entries: ByteBoundedMap<Kept>;
  private hits = 0;

  constructor(limits: ShaCacheLimits = DEFAULT_SHA_CACHE_LIMITS) {
    this.entries = new ByteBoundedMap(limits, (kept) => kept.body.byteLength);
  }

  get(key: string): Kept | undefined {
    const kept = this.entries.get(key);
    if (kept) this.hits++;
    return kept;
  }

  /** Whether a body of `bytes` would be kept. */
  accepts(bytes: number): boolean {
    return this.entries.accepts(bytes);
  }

  set(key: string, kept: Kept): void {
    this.entries.set(key, kept);
  }

  stats(): ShaCacheStats {
    return { entries: this.entries.size, bytes: this.entries.bytes, hits: this.hits };
  }
}

/** Headers that describe one answer rather than the resource: not replayed from the cache. */
const PER_ANSWER = /^(x-ratelimit-|x-github-request-id$|date$|content-length$)/i;

/**
 * fetch that answers content-addressed GETs from `cache` once GitHub answered them (200 or 404).
 * `who` keeps installations apart: a repository one installation may read is never served to another.
 */
export function shaCachedFetch(cache: ShaCache, who: string, base: typeof fetch): typeof fetch {
  return async (input, init) => {
    const method = String(init?.method ?? "GET").toUpperCase();
    const url = urlOf(input);
    if (method !== "GET" || !isContentAddressed(url)) return base(input, init);
    const headers = new Headers(init?.headers);
    const key = `${who}\u0000${headers.get("accept") ?? ""}\u0000${url}`;
    const kept = cache.get(key);
    if (kept) return withUrl(new Response(streamInTurns(kept.body), { status: kept.status, headers: new Headers(kept.headers) }), url);
    const res = await base(input, init);
    if (res.status !== 200 && res.status !== 404) return res;
    const length = declaredLength(res);
    if (length !== undefined && !cache.accepts(length)) return inTurns(res);
    const body = await readInTurns(res);
    cache.set(key, { status: res.status, body, headers: [...res.headers].filter(([name]) => !PER_ANSWER.test(name)) });
    return withUrl(new Response(streamInTurns(body), { status: res.status, statusText: res.statusText, headers: res.headers }), res.url || url);
  };
}
