import { ProbotOctokit } from "probot";
import { createHash } from "node:crypto";
import { ConditionalCache, conditionalFetch, type SharedConditionalStore } from "./conditional-cache.js";
import { DEFAULT_SHA_CACHE_LIMITS, ShaCache, shaCachedFetch } from "./sha-cache.js";

/**
 * How aims-bot talks to GitHub under load and faults. Probot 14's own throttle options retry a
 * primary rate limit twice and never retry a secondary limit; these settings replace both so every
 * call honours `retry-after` / `x-ratelimit-reset`, and add a per-request timeout so a hung
 * connection becomes a retryable error instead of a stuck handler.
 */
export interface OctokitSettings {
  /** Retries after a primary or secondary rate limit (403/429), each waiting what GitHub asks. */
  rateLimitRetries: number;
  /** Longest wait GitHub may ask for before we give up instead (seconds). */
  maxRetryAfterSeconds: number;
  /** Retries after a 5xx, a dropped connection or a timeout (@octokit/plugin-retry). */
  serverErrorRetries: number;
  /**
   * Milliseconds per "second" of waiting: 1000 in production. Tests lower it so `retry-after: 1`
   * and the retry plugin's (n+1)² back-off take milliseconds. Scales both plugins.
   */
  retryBaseMs: number;
  /** A request with no answer after this long is aborted and retried. */
  requestTimeoutMs: number;
  /**
   * The throttling plugin's spacing of content-creating writes per installation (3 s between the
   * requests it knows notify people; with REDIS_URL, every content-creating request, shared across
   * replicas). Other writes, check runs above all, are not content creation in GitHub's sense
   * (docs: ≤80 content-generating requests a minute) and are never spaced. On by default; tests
   * turn it off (`AIMS_WRITE_PACING=off`) and keep only the content queue below.
   */
  writePacing: boolean;
  /**
   * Content-creating requests (POST/PATCH/PUT on issues, comments, labels, reviews) of one
   * installation go through a small queue: one at a time, each this long after the previous one
   * finished (retries included). Default 1000 ms, below GitHub's 80 a minute.
   */
  contentIntervalMs: number;
  /** Revalidate GETs with ETags and serve unchanged answers from memory (`AIMS_HTTP_CACHE=off` turns it off). */
  conditionalCache: boolean;
  /**
   * Bytes kept of answers fixed by a commit SHA (contents at a SHA, compares, trees), asked once and
   * never again (`AIMS_SHA_CACHE_MB`, default 96; 0 turns it off).
   */
  shaCacheBytes: number;
}

export const DEFAULT_OCTOKIT_SETTINGS: OctokitSettings = {
  rateLimitRetries: 4,
  maxRetryAfterSeconds: 15 * 60,
  serverErrorRetries: 3,
  retryBaseMs: 1000,
  requestTimeoutMs: 30_000,
  writePacing: true,
  contentIntervalMs: 1000,
  conditionalCache: true,
  shaCacheBytes: DEFAULT_SHA_CACHE_LIMITS.maxBytes,
};

function numberFrom(value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined || value.trim() === "") return fallback;
  const n = Number(value);
  return Number.isFinite(n) && n >= min ? n : fallback;
}

/** AIMS_* environment variables; anything missing or malformed keeps its default. */
export function octokitSettingsFromEnv(env: NodeJS.ProcessEnv): OctokitSettings {
  const d = DEFAULT_OCTOKIT_SETTINGS;
  return {
    rateLimitRetries: numberFrom(env.AIMS_RATE_LIMIT_RETRIES, d.rateLimitRetries),
    maxRetryAfterSeconds: numberFrom(env.AIMS_MAX_RETRY_AFTER_SECONDS, d.maxRetryAfterSeconds),
    serverErrorRetries: numberFrom(env.AIMS_SERVER_ERROR_RETRIES, d.serverErrorRetries),
    retryBaseMs: numberFrom(env.AIMS_RETRY_BASE_MS, d.retryBaseMs),
    requestTimeoutMs: numberFrom(env.AIMS_REQUEST_TIMEOUT_MS, d.requestTimeoutMs, 1),
    contentIntervalMs: numberFrom(env.AIMS_CONTENT_INTERVAL_MS, d.contentIntervalMs),
    writePacing: !/^(off|false|0|no)$/i.test(env.AIMS_WRITE_PACING ?? ""),
    conditionalCache: !/^(off|false|0|no)$/i.test(env.AIMS_HTTP_CACHE ?? ""),
    shaCacheBytes: Math.round(numberFrom(env.AIMS_SHA_CACHE_MB, d.shaCacheBytes / 1048576) * 1048576),
  };
}

type RequestOptions = { method: string; url: string; request: { retryCount: number } };
type Logger = { warn: (...args: unknown[]) => void };
type OctokitLike = { log: Logger };

/**
 * Decide whether to retry a rate-limited request. Exported for unit tests: retries while under
 * the limit and while the wait GitHub asks for is bounded.
 */
export function shouldRetryRateLimit(settings: OctokitSettings, kind: "primary" | "secondary", retryAfter: number, options: RequestOptions, octokit?: OctokitLike): boolean {
  const attempt = options.request.retryCount;
  const retry = attempt < settings.rateLimitRetries && retryAfter <= settings.maxRetryAfterSeconds;
  octokit?.log.warn(
    { kind, method: options.method, url: options.url, retryAfter, attempt, retry },
    retry
      ? `${kind} rate limit on ${options.method} ${options.url}: retrying in ${retryAfter} s (attempt ${attempt + 1} of ${settings.rateLimitRetries})`
      : `${kind} rate limit on ${options.method} ${options.url}: giving up; the next event or the reconciler repairs the state`,
  );
  return retry;
}

/** fetch with a per-request deadline; an aborted request surfaces as HTTP 500 and is retried. */
export function fetchWithTimeout(timeoutMs: number, base: typeof fetch = fetch): typeof fetch {
  return (input, init) => {
    const signal = init?.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
    return base(input, { ...init, signal });
  };
}

/** A stand-in for a Bottleneck group that lets every job through at once (write pacing off). */
const unpaced = { key: () => ({ schedule: (_options: unknown, fn: (...args: unknown[]) => unknown, ...args: unknown[]) => Promise.resolve(fn(...args)) }) };

const CONTENT_PATH = /^(?:https?:\/\/[^/]+(?:\/api\/v3)?)?\/repos\/[^/]+\/[^/]+\/(?:issues|labels|pulls\/[^/]+\/(?:reviews|comments|requested_reviewers))(?:\/|$|\?)/;

/** True for requests GitHub counts as content creation (they notify people). */
export function isContentCreating(method: string, url: string): boolean {
  return (method === "POST" || method === "PATCH" || method === "PUT") && CONTENT_PATH.test(url);
}

/**
 * The throttling plugin's write limiter, made to pace only content: it asks this for every write
 * (any method but GET/HEAD) with the path, and spaces the writes it says yes to. Used with Redis,
 * where the plugin's limiter is shared by replicas and the process-local content queue is not.
 */
export function pacedAsContent(pathname: string): boolean {
  return CONTENT_PATH.test(pathname);
}

/** Tail of each installation's content queue, shared by every client of that installation. */
export type ContentQueues = Map<string, Promise<void>>;

/**
 * `promise`, with the process kept running until it settles. A queued request waits for the slot
 * that the previous one frees on an unref'd timer; without this, a CLI whose only pending work is
 * that wait would see its event loop empty and exit mid-pass.
 */
async function keepingAlive<T>(promise: Promise<T>): Promise<T> {
  const keepAlive = setInterval(() => {}, 60_000);
  try {
    return await promise;
  } finally {
    clearInterval(keepAlive);
  }
}

/**
 * fetch through the per-installation content queue: content-creating requests of one installation
 * go one at a time, each `intervalMs` after the previous one finished; other requests pass straight
 * through. It sits below the retry and throttle plugins, so every attempt queues.
 */
export function pacedFetch(contentQueues: ContentQueues, key: string, intervalMs: number, base: typeof fetch): typeof fetch {
  return async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (!isContentCreating(String(init?.method ?? "GET").toUpperCase(), url)) return base(input, init);
    const previous = contentQueues.get(key);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous ? previous.then(() => mine) : mine;
    contentQueues.set(key, tail);
    void tail.then(() => {
      if (contentQueues.get(key) === tail) contentQueues.delete(key);
    });
    if (previous) await keepingAlive(previous);
    try {
      const res = await base(input, init);
      // Read the body inside the slot so "finished" means the whole answer arrived.
      const body = await res.arrayBuffer();
      return new Response(res.status === 204 || res.status === 304 ? null : body, { status: res.status, statusText: res.statusText, headers: res.headers });
    } finally {
      // Unref'd: nobody waiting means nothing to keep the process for; a waiter keeps it alive itself.
      if (intervalMs > 0) setTimeout(release, intervalMs).unref();
      else release();
    }
  };
}

/**
 * Who reads, for the content-addressed cache: the installation, or a hash of a plain token. The
 * app's own client (JWT) shares one key: it reads no repository contents.
 */
function readerOf(options: Record<string, any>): string {
  const installation = options.auth?.installationId;
  if (installation !== undefined) return `installation:${installation}`;
  const token = typeof options.auth === "string" ? options.auth : typeof options.auth?.token === "string" ? options.auth.token : "";
  return token ? `token:${createHash("sha256").update(token).digest("hex").slice(0, 32)}` : "app";
}

/**
 * ProbotOctokit with aims-bot's throttle and retry options. It is applied after Probot's own
 * defaults (the function form of `defaults`), so it wins over Probot's non-retrying secondary-limit
 * handler both for the app client and for every installation client Probot derives from it.
 * An explicit `throttle: { enabled: false }` or `retry: { enabled: false }` (tests) is kept.
 */
export interface OctokitCaches {
  /** Answers GitHub confirms unchanged (ETag). */
  conditional?: ConditionalCache;
  /** Answers fixed by a commit SHA. */
  sha?: ShaCache;
  /** The conditional cache's second level, shared by replicas (Redis). */
  shared?: SharedConditionalStore;
}

export function createAimsOctokit(settings: OctokitSettings = DEFAULT_OCTOKIT_SETTINGS, caches: OctokitCaches = {}): typeof ProbotOctokit {
  const cache = caches.conditional ?? new ConditionalCache();
  const shaCache = caches.sha ?? new ShaCache({ ...DEFAULT_SHA_CACHE_LIMITS, maxBytes: settings.shaCacheBytes ?? DEFAULT_SHA_CACHE_LIMITS.maxBytes });
  const shared = caches.shared;
  // One content queue per installation for every client made from this class (one per process).
  const contentQueues: ContentQueues = new Map();
  return ProbotOctokit.defaults((options: Record<string, any>) => {
    const throttle = options.throttle ?? {};
    const retry = options.retry ?? {};
    const request = options.request ?? {};
    // The app client, then each installation client, passes through here: wrap the caller's fetch
    // once, keyed by installation.
    const base: typeof fetch = request.aimsBaseFetch ?? request.fetch ?? fetch;
    const key = String(options.auth?.installationId ?? "app");
    const revalidating = (f: typeof fetch): typeof fetch => (settings.conditionalCache ? conditionalFetch(cache, f, { who: readerOf(options), ...(shared ? { shared } : {}) }) : f);
    const contentAddressed = (f: typeof fetch): typeof fetch => (settings.shaCacheBytes > 0 ? shaCachedFetch(shaCache, readerOf(options), f) : f);
    return {
      ...options,
      request: {
        ...request,
        aimsBaseFetch: base,
        fetch: contentAddressed(revalidating(pacedFetch(contentQueues, key, settings.contentIntervalMs, fetchWithTimeout(settings.requestTimeoutMs, base)))),
      },
      retry:
        retry.enabled === false
          ? retry
          : { ...retry, retries: settings.serverErrorRetries, retryAfterBaseValue: settings.retryBaseMs },
      throttle:
        throttle.enabled === false
          ? throttle
          : {
              ...throttle,
              // GitHub limits content creation, not writes: the plugin's 1 s spacing of every write
              // (check runs included) is dropped. Content keeps the content queue (per process) and
              // the plugin's notification limiter: its own list of notifying paths, or with Redis
              // (replicas share it) every content-creating path.
              write: unpaced,
              ...(settings.writePacing ? (throttle.connection ? { triggersNotification: pacedAsContent } : {}) : { notifications: unpaced }),
              retryAfterBaseValue: settings.retryBaseMs,
              fallbackSecondaryRateRetryAfter: 60,
              onRateLimit: (after: number, opts: RequestOptions, octokit: OctokitLike) => shouldRetryRateLimit(settings, "primary", after, opts, octokit),
              onSecondaryRateLimit: (after: number, opts: RequestOptions, octokit: OctokitLike) => shouldRetryRateLimit(settings, "secondary", after, opts, octokit),
            },
    };
  }) as typeof ProbotOctokit;
}
