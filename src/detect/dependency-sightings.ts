import { packageKey, type AiPackageMatcher, type CatalogueEntry } from "./catalogue.js";
import type { Dependency, DependencyScope, Ecosystem } from "./manifests/types.js";
import { rankVersions } from "./versioning/index.js";
import { compareStrings } from "./versioning/order.js";
import { satisfies } from "./versioning/semver.js";

/**
 * Every reading of an AI package on one side of a pull request, grouped by project, and the copy
 * that stands for it: the declared one, or the lockfile copy the project installs for itself.
 */

/** What one manifest or lockfile declared, on one side of the pull request. */
export interface ManifestSnapshot {
  path: string;
  /** The path on the base side when the file was renamed, so it is compared with its old self. */
  previousPath?: string;
  ecosystem: Ecosystem;
  kind: "manifest" | "lockfile";
  dependencies: Dependency[];
}

/** One reading of a package in one file. */
export interface Sighting {
  name: string;
  version?: string;
  source?: string;
  scope: DependencyScope;
  direct: boolean;
  lockfile: boolean;
  path: string;
  /** Manifests: the declaration's identity on both sides, its file (by base path) and group. */
  origin: string;
  group?: string;
  /** Lockfiles: the declared ranges the entry resolves. */
  ranges?: string[];
}

/** A package as one project (ecosystem + folder) sees it on one side. */
export interface Resolved {
  name: string;
  version?: string;
  source?: string;
  scope: DependencyScope;
  direct: boolean;
  manifests: string[];
  entry: CatalogueEntry;
}

export interface Collected {
  entry: CatalogueEntry;
  sightings: Sighting[];
}

export type Project = Map<string, Collected>;

const SCOPE_RANK: Record<DependencyScope, number> = { prod: 0, optional: 1, dev: 2 };

export function directoryOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}

export function projectId(ecosystem: Ecosystem, dir: string): string {
  return `${ecosystem}\0${dir}`;
}

/**
 * The lockfile copy that stands for the package on each side. A copy the lockfile marks direct, or
 * whose recorded ranges include a range the project's manifest declares, or (npm) whose version
 * satisfies it, is the one the project installs for itself. When neither side knows which copy
 * the project uses (the lockfile changed alone), like is compared with like: the copies that
 * resolve the same range on both sides, preferring a pair that moved, then the highest.
 */
export function pickLocks(
  ecosystem: Ecosystem,
  was: readonly Sighting[],
  now: readonly Sighting[],
): [Sighting | undefined, Sighting | undefined] {
  const a = ranked(ecosystem, was);
  const b = ranked(ecosystem, now);
  if (a.anchored && b.anchored) return [a.list[0], b.list[0]];
  if (!a.anchored && !b.anchored) {
    let best: [Sighting, Sighting] | undefined;
    const ranges = new Set(a.list.flatMap((s) => s.ranges ?? []));
    for (const range of [...ranges].sort(compareStrings)) {
      const x = a.list.find((s) => s.ranges?.includes(range));
      const y = b.list.find((s) => s.ranges?.includes(range));
      if (x && y && (!best || pairOrder(ecosystem, [x, y], best) < 0)) best = [x, y];
    }
    if (best) return best;
  } else {
    const [anchor, other] = a.anchored ? [a.list[0]!, b] : [b.list[0]!, a];
    const like = other.list.find((s) => s.ranges?.some((r) => anchor.ranges?.includes(r)));
    if (like) return a.anchored ? [anchor, like] : [like, anchor];
  }
  return [a.list[0], b.list[0]];
}

/** Best pair first: one whose version moved, then the higher versions (ties keep the first range in text order). */
function pairOrder(ecosystem: Ecosystem, p: [Sighting, Sighting], q: [Sighting, Sighting]): number {
  const moved = (x: [Sighting, Sighting]) => Number((x[0].version ?? "") !== (x[1].version ?? ""));
  const [pLow, pHigh] = sortedVersions(ecosystem, p);
  const [qLow, qHigh] = sortedVersions(ecosystem, q);
  return moved(q) - moved(p) || rankVersions(ecosystem, qHigh, pHigh) || rankVersions(ecosystem, qLow, pLow);
}

function sortedVersions(ecosystem: Ecosystem, p: [Sighting, Sighting]): [string, string] {
  const x = p[0].version ?? "";
  const y = p[1].version ?? "";
  return rankVersions(ecosystem, x, y) <= 0 ? [x, y] : [y, x];
}

/** A side's lockfile copies with a version, best first, and whether the first is known to be the project's own. */
function ranked(ecosystem: Ecosystem, sightings: readonly Sighting[]): { list: Sighting[]; anchored: boolean } {
  const declared = sightings.filter((s) => !s.lockfile && s.version !== undefined).map((s) => s.version!);
  const claim = (s: Sighting): number =>
    s.direct
      ? 3
      : s.ranges?.some((r) => declared.includes(r))
        ? 2
        : ecosystem === "npm" && declared.some((r) => satisfies(s.version!, r))
          ? 1
          : 0;
  const list = sightings
    .filter((s) => s.lockfile && s.version !== undefined)
    .map((s) => ({ s, claim: claim(s) }))
    .sort((x, y) => y.claim - x.claim || preference(ecosystem, x.s, y.s));
  return { list: list.map((x) => x.s), anchored: (list[0]?.claim ?? 0) > 0 };
}

export type Match = (ecosystem: Ecosystem, name: string) => { key: string; entry: CatalogueEntry } | undefined;

/** Lockfiles repeat the same names many times over; normalise and match each name once. */
export function memoise(matcher: AiPackageMatcher): Match {
  const cache = new Map<Ecosystem, Map<string, { key: string; entry: CatalogueEntry } | null>>();
  return (ecosystem, name) => {
    let byName = cache.get(ecosystem);
    if (!byName) cache.set(ecosystem, (byName = new Map()));
    let hit = byName.get(name);
    if (hit === undefined) {
      const entry = matcher(ecosystem, name);
      hit = entry ? { key: packageKey(ecosystem, name), entry } : null;
      byName.set(name, hit);
    }
    return hit ?? undefined;
  };
}

export function collect(
  snapshots: readonly ManifestSnapshot[],
  match: Match,
  project: (id: string) => string,
): Map<string, Project> {
  const projects = new Map<string, Project>();
  for (const s of snapshots) {
    const id = project(projectId(s.ecosystem, directoryOf(s.path)));
    let packages = projects.get(id);
    for (const d of s.dependencies) {
      const hit = match(s.ecosystem, d.name);
      if (!hit) continue;
      if (!packages) projects.set(id, (packages = new Map()));
      let c = packages.get(hit.key);
      if (!c) packages.set(hit.key, (c = { entry: hit.entry, sightings: [] }));
      const sighting: Sighting = {
        name: d.name,
        version: d.version,
        source: d.source,
        scope: d.scope,
        // A manifest declares its dependencies directly, whatever its parser set.
        direct: d.direct || s.kind === "manifest",
        lockfile: s.kind === "lockfile",
        path: s.path,
        // A renamed file's declarations are compared with those of its old path.
        origin: `${s.previousPath ?? s.path}\0${d.group ?? ""}`,
      };
      if (d.group !== undefined) sighting.group = d.group;
      if (d.ranges !== undefined) sighting.ranges = d.ranges;
      c.sightings.push(sighting);
    }
  }
  return projects;
}

/**
 * One package's state in one project. The version comes from the lockfile when one resolves it
 * (the copy the project's own range installs, else a direct one, else the highest of several);
 * scope from the manifests, which know dev from prod better than most lockfiles do.
 */
export function resolve(ecosystem: Ecosystem, c: Collected): Resolved {
  const best = [...c.sightings].sort((a, b) => preference(ecosystem, a, b));
  const primary = ranked(ecosystem, c.sightings).list[0] ?? best[0]!;
  const declared = c.sightings.filter((s) => !s.lockfile);
  const scopes = (declared.length > 0 ? declared : c.sightings).map((s) => s.scope);
  const scope = scopes.reduce((best, s) => (SCOPE_RANK[s] < SCOPE_RANK[best] ? s : best));
  return {
    name: primary.name,
    version: primary.version ?? best.find((s) => s.version !== undefined)?.version,
    source: primary.source ?? best.find((s) => s.source !== undefined)?.source,
    scope,
    direct: c.sightings.some((s) => s.direct),
    manifests: [...new Set(c.sightings.map((s) => s.path))].sort(compareStrings),
    entry: c.entry,
  };
}

/** Orders sightings best first; total, so the result never depends on input order. */
export function preference(ecosystem: Ecosystem, a: Sighting, b: Sighting): number {
  return (
    Number(b.lockfile) - Number(a.lockfile) ||
    Number(b.direct) - Number(a.direct) ||
    Number(b.version !== undefined) - Number(a.version !== undefined) ||
    (a.version !== undefined && b.version !== undefined ? rankVersions(ecosystem, b.version, a.version) : 0) ||
    compareStrings(a.source ?? "", b.source ?? "") ||
    SCOPE_RANK[a.scope] - SCOPE_RANK[b.scope] ||
    compareStrings(a.path, b.path) ||
    compareStrings(a.name, b.name) ||
    compareStrings(a.group ?? "", b.group ?? "") ||
    compareStrings((a.ranges ?? []).join("\0"), (b.ranges ?? []).join("\0"))
  );
}
