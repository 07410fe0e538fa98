/**
 * Lockfiles list one package version several times (install locations, peer variants, one
 * entry per descriptor); report it once. Shared by the npm-ecosystem lockfile managers.
 */
import type { Dependency, DependencyScope } from "../types.js";

const SCOPE_RANK: Record<DependencyScope, number> = { prod: 0, optional: 1, dev: 2 };

export class DependencyCollector {
  private readonly byIdentity = new Map<string, Dependency>();

  /** Same name, version and source: keep the first, direct if any copy is, with the strongest scope and every range. */
  add(dep: Dependency): void {
    const identity = `${dep.name}\0${dep.version ?? ""}\0${dep.source ?? ""}`;
    const seen = this.byIdentity.get(identity);
    if (!seen) {
      this.byIdentity.set(identity, dep);
      return;
    }
    seen.direct ||= dep.direct;
    for (const range of dep.ranges ?? []) {
      if (!seen.ranges) seen.ranges = [range];
      else if (!seen.ranges.includes(range)) seen.ranges.push(range);
    }
    if (SCOPE_RANK[dep.scope] < SCOPE_RANK[seen.scope]) seen.scope = dep.scope;
  }

  list(): Dependency[] {
    return [...this.byIdentity.values()];
  }
}

export function strongerScope(a: DependencyScope, b: DependencyScope): DependencyScope {
  return SCOPE_RANK[a] <= SCOPE_RANK[b] ? a : b;
}
