import type { Detector } from "./detect/detect.js";
import type { DashboardSnapshot } from "./evidence/dashboard.js";
import { BoundedMap } from "./util/bounded-map.js";

/**
 * Caches of values derived from content that never changes under the same key (compiled
 * detection rules by policy content) or repaired by a periodic rebuild (dashboards).
 */

/** Policy versions whose compiled detector is kept (one per repository policy in use, in practice). */
export const MAX_COMPILED_POLICIES = 256;

/** Dashboards whose last rebuild is kept. */
export const MAX_DASHBOARDS = 1000;

/** The caches one process keeps (held by its Services). */
export interface ProcessCaches {
  /** Compiled detection rules by the policy's detection settings (see cachedDetector). */
  readonly detectors: BoundedMap<Detector>;
  /** The last rebuild of each dashboard, by host and source repository (see updateDashboard). */
  readonly dashboards: BoundedMap<DashboardSnapshot>;
}

export function createProcessCaches(): ProcessCaches {
  return { detectors: new BoundedMap<Detector>(MAX_COMPILED_POLICIES), dashboards: new BoundedMap<DashboardSnapshot>(MAX_DASHBOARDS) };
}
