import { createEvidenceEvents, type EvidenceEvents } from "./evidence/events.js";
import type { LabelCache } from "./evidence/store.js";
import { createIdentity } from "./github/identity.js";
import type { Identity } from "./ports/identity.js";
import { createProcessCaches, type ProcessCaches } from "./process-caches.js";
import type { AppSettings } from "./settings.js";
import { createCoalescer, type Coalescer } from "./util/coalescer.js";
import { KeyedMutex, type Locks } from "./util/keyed-mutex.js";

export type { Locks } from "./util/keyed-mutex.js";
export type { LabelCache } from "./evidence/store.js";

/**
 * Everything process-wide, built once where the process starts (the server, the CLI, the Action,
 * the serverless handler) and passed down. No module keeps state of its own: a test builds a
 * fresh Services and sees nothing left over from another test.
 */
export interface Services {
  readonly settings: AppSettings;
  /** Milliseconds since the epoch: the one clock handlers and the ledger read. */
  readonly now: () => number;
  /**
   * One holder at a time per key: pull requests (`pull:`), evidence records (`record:`), evidence
   * chains (`chain:`), query comments (`comment:`). In process by default.
   */
  readonly locks: Locks;
  /** The app's own bot login per GitHub host. */
  readonly identity: Identity;
  /** Label names known to exist, per repository. */
  readonly labels: LabelCache;
  /** Evidence writes, for derived views (the dashboard) that follow them. */
  readonly evidenceEvents: EvidenceEvents;
  /** Debounced background work keyed by name (the dashboard's rebuilds). */
  readonly background: Coalescer;
  /** Compiled detection rules and the dashboards' last rebuilds. */
  readonly caches: ProcessCaches;
}


/** Labels known in this process. */
export function createLabelCache(): LabelCache {
  const known = new Map<string, Set<string>>();
  return {
    get: async (repo) => known.get(repo),
    add: async (repo, names) => {
      const set = known.get(repo) ?? new Set<string>();
      for (const name of names) set.add(name);
      known.set(repo, set);
    },
  };
}

export interface ServiceOverrides {
  now?: () => number;
  locks?: Locks;
  labels?: LabelCache;
}

export function createServices(settings: AppSettings = {}, overrides: ServiceOverrides = {}): Services {
  return {
    settings,
    now: overrides.now ?? Date.now,
    locks: overrides.locks ?? new KeyedMutex(),
    identity: createIdentity(settings),
    labels: overrides.labels ?? createLabelCache(),
    evidenceEvents: createEvidenceEvents(),
    background: createCoalescer(),
    caches: createProcessCaches(),
  };
}
