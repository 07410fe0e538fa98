import type { Detector } from "./detect/detect.js";
import type { DashboardSnapshot } from "./handlers/dashboard.js";

/**
 * Caches of values derived from content that never changes under the same key (compiled
 * detection rules by policy content) or repaired by a periodic rebuild (dashboards).
 */

/** Least recently used entries go first once more than `max` are kept. */
export class BoundedMap<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.max) break;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** Policy versions whose compiled detector is kept (one per repository policy in use, in practice). */
export const MAX_COMPILED_POLICIES = 256;

/** Dashboards whose last rebuild is kept. */
export const MAX_DASHBOARDS = 1000;

export type DetectorCache = BoundedMap<Detector>;

/** The caches one process keeps (held by its Services). */
export interface ProcessCaches {
  /** Compiled detection rules by the policy's detection settings (see cachedDetector). */
  readonly detectors: DetectorCache;
  /** The last rebuild of each dashboard, by host and source repository (see updateDashboard). */
  readonly dashboards: BoundedMap<DashboardSnapshot>;
}

export function createProcessCaches(): ProcessCaches {
  return { detectors: new BoundedMap<Detector>(MAX_COMPILED_POLICIES), dashboards: new BoundedMap<DashboardSnapshot>(MAX_DASHBOARDS) };
}
