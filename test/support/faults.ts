/**
 * A deterministic fault injector for the fake GitHub (`fake.fault = injector.hook`): 5xx answers,
 * timeouts (no answer), dropped connections, secondary-limit 403s with `retry-after` and primary
 * limit 403s with `x-ratelimit-remaining: 0`. Decisions come from a seeded hash of the request and
 * how many times the same request was seen, so a run replays the same faults whatever the
 * interleaving of concurrent requests.
 */
import { createHash } from "node:crypto";
import type { FakeRequest, FaultHook, FaultResult } from "./fake-github.js";

export type FaultKind = "5xx" | "timeout" | "drop" | "secondary" | "primary";

export interface FaultOptions {
  seed: number;
  /** Probability that a request gets a fault, 0..1. */
  rate: number;
  /** Relative weights of the kinds; default 5xx 5, timeout 1, drop 1, secondary 2, primary 1. */
  weights?: Partial<Record<FaultKind, number>>;
  /** Requests never faulted (e.g. the test's own seeding reads). */
  exempt?: (req: FakeRequest) => boolean;
  /** `retry-after` seconds sent with secondary limits. */
  retryAfter?: number;
}

export interface FaultInjector {
  hook: FaultHook;
  /** Faults injected, by kind. */
  injected: Record<FaultKind, number>;
  /** Requests seen by the hook (faulted or not). */
  seen: () => number;
  enabled: boolean;
}

/** A number in [0, 1) from a seed and a string: the same inputs give the same number. */
export function seededUnit(seed: number, key: string): number {
  const digest = createHash("sha256").update(`${seed}\u0000${key}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

/** mulberry32: a small seeded PRNG for choosing test scenarios. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function createFaultInjector(options: FaultOptions): FaultInjector {
  const weights: Record<FaultKind, number> = { "5xx": 5, timeout: 1, drop: 1, secondary: 2, primary: 1, ...options.weights };
  const kinds = Object.keys(weights) as FaultKind[];
  const total = kinds.reduce((n, k) => n + weights[k], 0);
  const attempts = new Map<string, number>();
  const injected: Record<FaultKind, number> = { "5xx": 0, timeout: 0, drop: 0, secondary: 0, primary: 0 };
  let seen = 0;
  const injector: FaultInjector = {
    injected,
    seen: () => seen,
    enabled: true,
    hook: (req): FaultResult => {
      if (!injector.enabled || options.exempt?.(req)) return undefined;
      seen++;
      const key = `${req.method} ${req.path}?${new URLSearchParams(req.query).toString()} ${typeof req.body === "string" ? req.body : JSON.stringify(req.body ?? "")}`;
      const n = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, n);
      if (seededUnit(options.seed, `${key}#${n}`) >= options.rate) return undefined;
      let pick = seededUnit(options.seed, `${key}#${n}/kind`) * total;
      let kind: FaultKind = kinds[0]!;
      for (const k of kinds) {
        if (pick < weights[k]) {
          kind = k;
          break;
        }
        pick -= weights[k];
      }
      injected[kind]++;
      switch (kind) {
        case "5xx": {
          const status = [500, 502, 503][Math.floor(seededUnit(options.seed, `${key}#${n}/status`) * 3)]!;
          return { status, body: { message: status === 502 ? "Server Error" : "Service Unavailable" } };
        }
        case "timeout":
          return "timeout";
        case "drop":
          return "drop";
        case "secondary":
          return {
            status: 403,
            headers: { "retry-after": String(options.retryAfter ?? 1) },
            body: {
              message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
              documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
              status: "403",
            },
          };
        case "primary":
          return {
            status: 403,
            headers: { "x-ratelimit-remaining": "0", "x-ratelimit-used": "5000", "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 1) },
            body: { message: "API rate limit exceeded for installation ID 1.", documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api", status: "403" },
          };
      }
    },
  };
  return injector;
}
