import semver from "semver";
import { packageKey, type AiPackageMatcher, type CatalogueEntry } from "./catalogue.js";
import type { Dependency, DependencyScope, Ecosystem } from "./manifests/types.js";
import type { DependencyChange } from "./types.js";

/** What one manifest or lockfile declared, on one side of the pull request. */
export interface ManifestSnapshot {
  path: string;
  /** The path on the base side when the file was renamed, so it is compared with its old self. */
  previousPath?: string;
  ecosystem: Ecosystem;
  kind: "manifest" | "lockfile";
  dependencies: Dependency[];
}

export type Bump = NonNullable<DependencyChange["bump"]>;

/** One reading of a package in one file. */
interface Sighting {
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
interface Resolved {
  name: string;
  version?: string;
  source?: string;
  scope: DependencyScope;
  direct: boolean;
  manifests: string[];
  entry: CatalogueEntry;
}

interface Collected {
  entry: CatalogueEntry;
  sightings: Sighting[];
}

type Project = Map<string, Collected>;

const SCOPE_RANK: Record<DependencyScope, number> = { prod: 0, optional: 1, dev: 2 };

function directoryOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}

function projectId(ecosystem: Ecosystem, dir: string): string {
  return `${ecosystem}\0${dir}`;
}

/**
 * The AI packages whose presence, version, constraint, scope or source differs between the base
 * and head of a pull request. Each ecosystem and folder is a project of its own (a monorepo's two
 * package.json files are compared separately); within a project the manifest and the lockfile
 * describe one set of packages, so a package in both is reported once, with the lockfile's
 * resolved version. Without a resolved version change, each declaration (file and group) is
 * compared with its own old self, so a constraint moved in one extra is not read as a version
 * change of another. Only catalogued packages are kept, so the cost is one Map lookup per dependency.
 */
export function diffAiDependencies(
  base: readonly ManifestSnapshot[],
  head: readonly ManifestSnapshot[],
  matcher: AiPackageMatcher,
): DependencyChange[] {
  const match = memoise(matcher);

  // A manifest moved to another folder carries its folder's project with it.
  const moved = new Map<string, string>();
  for (const s of [...head].sort((a, b) => compareStrings(a.path, b.path))) {
    if (s.previousPath === undefined) continue;
    const from = directoryOf(s.previousPath);
    const to = directoryOf(s.path);
    const id = projectId(s.ecosystem, to);
    if (from !== to && !moved.has(id)) moved.set(id, projectId(s.ecosystem, from));
  }

  const before = collect(base, match, (id) => id);
  const after = collect(head, match, (id) => moved.get(id) ?? id);

  const changes: DependencyChange[] = [];
  const projects = new Set([...before.keys(), ...after.keys()]);
  for (const id of projects) {
    const ecosystem = id.slice(0, id.indexOf("\0")) as Ecosystem;
    const old = before.get(id) ?? new Map<string, Collected>();
    const now = after.get(id) ?? new Map<string, Collected>();
    for (const [key, c] of now) {
      const was = old.get(key);
      if (!was) {
        const to = resolve(ecosystem, c);
        changes.push(change(ecosystem, to, "added", { to: to.version, toSource: to.source }));
        continue;
      }
      changes.push(...comparePackage(ecosystem, was, c));
    }
    for (const [key, c] of old) {
      if (now.has(key)) continue;
      const from = resolve(ecosystem, c);
      changes.push(change(ecosystem, from, "removed", { from: from.version, fromSource: from.source }));
    }
  }
  return changes.sort(compareChanges);
}

type Detail = Pick<DependencyChange, "from" | "to" | "bump" | "fromSource" | "toSource" | "fromScope" | "group"> &
  Partial<Pick<DependencyChange, "scope">>;

/**
 * One package present on both sides. In order: the lockfiles' resolved versions (one change for
 * the package); else each declaration against its old self (a change per file and group); else,
 * when no declaration has an old self, the package's best-known versions. Then what is left: a
 * moved source, or a scope that changed (dev → prod ships the package to production).
 */
function comparePackage(ecosystem: Ecosystem, was: Collected, now: Collected): DependencyChange[] {
  const from = resolve(ecosystem, was);
  const to = resolve(ecosystem, now);
  const sources = from.source !== to.source ? { fromSource: from.source, toSource: to.source } : {};
  const fromScope = from.scope !== to.scope ? { fromScope: from.scope } : {};

  const [lockFrom, lockTo] = pickLocks(ecosystem, was.sightings, now.sightings);
  const locked = lockFrom?.version !== undefined && lockTo?.version !== undefined;
  if (locked) {
    const moved = compareVersionChange(ecosystem, lockFrom.version, lockTo.version);
    if (moved) {
      return [
        change(ecosystem, to, moved.order < 0 ? "upgraded" : "downgraded", {
          from: lockFrom.version,
          to: lockTo.version,
          bump: moved.bump,
          ...sources,
          ...fromScope,
        }),
      ];
    }
  }

  const out: DependencyChange[] = [];
  const oldDeclarations = declarations(ecosystem, was.sightings);
  const newDeclarations = declarations(ecosystem, now.sightings);
  let matched = false;
  for (const [origin, d1] of [...newDeclarations].sort(([a], [b]) => compareStrings(a, b))) {
    const d0 = oldDeclarations.get(origin);
    if (!d0) continue;
    matched = true;
    const moved = compareDeclared(ecosystem, d0.version, d1.version, locked);
    if (!moved) continue;
    out.push(
      change(ecosystem, to, moved.change, {
        from: d0.version,
        to: d1.version,
        ...(moved.bump !== undefined ? { bump: moved.bump } : {}),
        scope: d1.scope,
        ...(d0.scope !== d1.scope ? { fromScope: d0.scope } : {}),
        ...(d1.group !== undefined ? { group: d1.group } : {}),
      }),
    );
  }
  if (!matched && !locked) {
    const moved = compareDeclared(ecosystem, from.version, to.version, false);
    if (moved) {
      out.push(
        change(ecosystem, to, moved.change, {
          from: from.version,
          to: to.version,
          ...(moved.bump !== undefined ? { bump: moved.bump } : {}),
          ...fromScope,
        }),
      );
    }
  }

  if (out.length > 0) {
    if (sources.fromSource !== undefined || sources.toSource !== undefined) {
      for (const c of out) Object.assign(c, definedOnly(sources));
    }
    // A package-wide scope change no declaration's change carries is reported on its own.
    if (fromScope.fromScope === undefined || out.some((c) => c.fromScope !== undefined)) return out;
  } else if (from.source !== to.source) {
    return [change(ecosystem, to, "source-changed", { from: from.version, to: to.version, ...sources, ...fromScope })];
  }
  if (fromScope.fromScope !== undefined) {
    out.push(change(ecosystem, to, "scope-changed", { from: from.version, to: to.version, ...fromScope }));
  }
  return out;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Each manifest declaration of the package by origin (file and group), the strongest when a group repeats it. */
function declarations(ecosystem: Ecosystem, sightings: readonly Sighting[]): Map<string, Sighting> {
  const out = new Map<string, Sighting>();
  for (const s of sightings) {
    if (s.lockfile) continue;
    const had = out.get(s.origin);
    if (!had || preference(ecosystem, s, had) < 0) out.set(s.origin, s);
  }
  return out;
}

/**
 * How a declaration moved. PyPI: only exact pins (`==2.1.0`, or a bare version) are versions, so
 * two pins compare as versions and anything else that reads differently (`vllm` → `vllm>=0.10.2`,
 * a `<1.0.0` cap dropped) is a constraint change. npm: ranges compare by their lowest version, and
 * a range whose lowest version stayed but whose limits moved (`^4.2.0` → `>=4.2.0`) is a
 * constraint change. With a lockfile whose resolved version did not move, a moved range is a
 * constraint change too: nothing installed changed version. Other ecosystems compare versions.
 */
function compareDeclared(
  ecosystem: Ecosystem,
  from: string | undefined,
  to: string | undefined,
  locked: boolean,
): { change: "upgraded" | "downgraded" | "constraint-changed"; bump?: Bump } | undefined {
  if (from === to) return undefined;
  if (ecosystem === "pypi") {
    if (from !== undefined && to !== undefined && isPep440Pin(from) && isPep440Pin(to)) {
      const moved = compareVersionChange(ecosystem, from, to);
      return moved ? { change: moved.order < 0 ? "upgraded" : "downgraded", bump: moved.bump } : undefined;
    }
    return samePep440Constraint(from, to) ? undefined : { change: "constraint-changed" };
  }
  const moved = compareVersionChange(ecosystem, from, to);
  if (moved) {
    if (locked && ecosystem === "npm") return { change: "constraint-changed" };
    return { change: moved.order < 0 ? "upgraded" : "downgraded", bump: moved.bump };
  }
  if (ecosystem === "npm" && from !== undefined && to !== undefined && !sameNpmRange(from, to)) {
    return { change: "constraint-changed" };
  }
  return undefined;
}

const PEP440_PIN = /^(?:===?)?\s*v?\d[^\s,;<>=!~*]*$/i;

function isPep440Pin(spec: string): boolean {
  const v = spec.trim();
  return PEP440_PIN.test(v) && PEP440.test(v.replace(/^===?\s*/, ""));
}

/** Constraint clauses in a canonical spelling: `<3, >=2.0` and `>=2,<3` read alike. */
function pep440Clauses(spec: string | undefined): string[] {
  if (spec === undefined) return [];
  return (spec.split(";")[0] ?? "")
    .split(",")
    .map((c) => c.replace(/\s+/g, "").toLowerCase())
    .filter((c) => c !== "" && c !== "*")
    .map((c) => {
      const m = /^(===|==|~=|>=|<=|!=|>|<)?(.*)$/.exec(c)!;
      // `1.0` and `1.0.0` are one version; `2.0.*` keeps its zero.
      const version = (m[2] ?? "").replace(/^(\d+(?:\.\d+)*?)(?:\.0+)+(?=$|[^\d.])/, "$1");
      return `${m[1] === "===" || m[1] === undefined ? "==" : m[1]}${version}`;
    })
    .sort(compareStrings);
}

function samePep440Constraint(a: string | undefined, b: string | undefined): boolean {
  const x = pep440Clauses(a);
  const y = pep440Clauses(b);
  return x.length === y.length && x.every((c, i) => c === y[i]);
}

function sameNpmRange(a: string, b: string): boolean {
  try {
    return new semver.Range(a, { loose: true }).range === new semver.Range(b, { loose: true }).range;
  } catch {
    return a.trim() === b.trim();
  }
}

/**
 * The lockfile copy that stands for the package on each side. A copy the lockfile marks direct, or
 * whose recorded ranges include a range the project's manifest declares, or (npm) whose version
 * satisfies it, is the one the project installs for itself. When neither side knows which copy
 * the project uses (the lockfile changed alone), like is compared with like: the copies that
 * resolve the same range on both sides, preferring a pair that moved, then the highest.
 */
function pickLocks(
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

function satisfies(version: string, range: string): boolean {
  try {
    return semver.validRange(range, { loose: true }) !== null && semver.satisfies(version, range, { loose: true, includePrerelease: true });
  } catch {
    return false;
  }
}

type Match = (ecosystem: Ecosystem, name: string) => { key: string; entry: CatalogueEntry } | undefined;

/** Lockfiles repeat the same names many times over; normalise and match each name once. */
function memoise(matcher: AiPackageMatcher): Match {
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

function collect(
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
function resolve(ecosystem: Ecosystem, c: Collected): Resolved {
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
function preference(ecosystem: Ecosystem, a: Sighting, b: Sighting): number {
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

function change(ecosystem: Ecosystem, r: Resolved, kind: DependencyChange["change"], detail: Detail): DependencyChange {
  const out: DependencyChange = {
    ecosystem,
    name: r.name,
    kind: r.entry.kind,
    supplier: r.entry.supplier,
    change: kind,
    direct: r.direct,
    scope: detail.scope ?? r.scope,
    manifests: r.manifests,
  };
  // Only the keys that carry a value, so records and snapshots stay small and stable.
  if (detail.fromScope !== undefined) out.fromScope = detail.fromScope;
  if (detail.group !== undefined) out.group = detail.group;
  if (detail.from !== undefined) out.from = detail.from;
  if (detail.to !== undefined) out.to = detail.to;
  if (detail.bump !== undefined) out.bump = detail.bump;
  if (detail.fromSource !== undefined) out.fromSource = detail.fromSource;
  if (detail.toSource !== undefined) out.toSource = detail.toSource;
  if (r.entry.note !== undefined) out.note = r.entry.note;
  return out;
}

function compareChanges(a: DependencyChange, b: DependencyChange): number {
  return (
    compareStrings(a.ecosystem, b.ecosystem) ||
    compareStrings(packageKey(a.ecosystem, a.name), packageKey(b.ecosystem, b.name)) ||
    compareStrings(a.name, b.name) ||
    compareStrings(a.manifests[0] ?? "", b.manifests[0] ?? "") ||
    compareStrings(a.change, b.change) ||
    compareStrings(a.group ?? "", b.group ?? "") ||
    compareStrings(a.from ?? "", b.from ?? "") ||
    compareStrings(a.scope, b.scope) ||
    compareStrings(a.fromScope ?? "", b.fromScope ?? "") ||
    compareStrings(a.to ?? "", b.to ?? "")
  );
}

/** Code-unit order: unlike localeCompare, the same on every machine. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Whether a version moved, and how far. Nothing when either side declares no version (there is
 * nothing to compare) or both denote the same version (`1.0` and `1.0.0`, `^1.2.0` and `~1.2.0`).
 */
function compareVersionChange(
  ecosystem: Ecosystem,
  from: string | undefined,
  to: string | undefined,
): { order: number; bump: Bump } | undefined {
  if (from === undefined || to === undefined || from === to) return undefined;
  const result = compareVersions(ecosystem, from, to);
  return result.order === 0 ? undefined : { order: result.order, bump: result.bump ?? "other" };
}

/** How two versions of one package relate: order < 0 when the first is lower. */
export interface VersionComparison {
  order: number;
  bump?: Bump;
}

/** Reads versions of one ecosystem; `compare` answers only when both sides can be read. */
interface Scheme {
  parses(v: string): boolean;
  compare(a: string, b: string): VersionComparison | undefined;
}

function scheme<T>(parse: (v: string) => T | undefined, compare: (a: T, b: T) => VersionComparison): Scheme {
  return {
    parses: (v) => parse(v) !== undefined,
    compare: (a, b) => {
      const pa = parse(a);
      const pb = parse(b);
      return pa === undefined || pb === undefined ? undefined : compare(pa, pb);
    },
  };
}

/**
 * Compare two versions or constraints as the ecosystem orders them: semver for npm, Cargo and Go;
 * PEP 440 for PyPI; dotted numbers with a qualifier for Maven, NuGet, image tags and action refs.
 * Versions that cannot be read as numbers (`latest`, a branch, a commit) still get a stable order,
 * so swapping the two sides always swaps the direction; their bump is `other`.
 */
export function compareVersions(ecosystem: Ecosystem, a: string, b: string): VersionComparison {
  if (a === b) return { order: 0 };
  return schemeFor(ecosystem).compare(a, b) ?? { order: rankVersions(ecosystem, a, b), bump: "other" };
}

/**
 * A total order: readable versions above unreadable ones (`latest`, `main`, a commit), readable
 * ones in version order, the rest by text. Used to pick the highest of several copies and to give
 * incomparable changes a direction; mixing the kinds in one comparison would not be transitive.
 */
function rankVersions(ecosystem: Ecosystem, a: string, b: string): number {
  const s = schemeFor(ecosystem);
  const ra = s.parses(a);
  const rb = s.parses(b);
  if (ra !== rb) return ra ? 1 : -1;
  return (ra ? s.compare(a, b)?.order : undefined) || naturalCompare(a, b);
}

// Range operators and brackets before the first version of a constraint, and the version's digits,
// which must not run on into letters: `8e5e7e5` is a commit, not version 8.
const LEADING = /^[\s^~<>=!([]*v?(?=\d+(?:\.\d+)*(?:$|[^0-9A-Za-z]))/i;

function coerceSemver(v: string): semver.SemVer | undefined {
  // Only a string that starts with a version: coerce would find digits anywhere in a branch name.
  const m = LEADING.exec(v);
  if (!m) return undefined;
  return semver.coerce(v.slice(m[0].length), { includePrerelease: true }) ?? undefined;
}

const SEMVER = scheme(coerceSemver, (pa, pb) => {
  const order = semver.compare(pa, pb);
  if (order === 0) return { order };
  const bump: Bump =
    pa.major !== pb.major ? "major" : pa.minor !== pb.minor ? "minor" : pa.patch !== pb.patch ? "patch" : "prerelease";
  return { order, bump };
});

/** Dotted numeric release compared part by part, so 4-part NuGet versions keep their 4th part. */
function compareRelease(a: readonly string[], b: readonly string[]): { order: number; index: number } {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const order = compareDigits(a[i] ?? "0", b[i] ?? "0");
    if (order !== 0) return { order, index: i };
  }
  return { order: 0, index: -1 };
}

function releaseBump(index: number): Bump {
  return index === 0 ? "major" : index === 1 ? "minor" : "patch";
}

function compareDigits(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, "");
  const y = b.replace(/^0+(?=\d)/, "");
  return x.length !== y.length ? Math.sign(x.length - y.length) : compareStrings(x, y);
}

const DOTTED = /^(\d+(?:\.\d+)*)(.*)$/;

function parseDotted(v: string): { release: string[]; qualifier: string } | undefined {
  const m = LEADING.exec(v);
  if (!m) return undefined;
  const d = DOTTED.exec(v.slice(m[0].length));
  if (!d) return undefined;
  // A range's upper bound (`[1.0,2.0)`) or a second alternative is not part of the version.
  const qualifier = (d[2] ?? "").split(/[\s,)\]]/)[0]!.replace(/^[-.]/, "");
  return { release: (d[1] ?? "").split("."), qualifier };
}

function dotted(qualifierIsPrerelease: boolean): Scheme {
  return scheme(parseDotted, (pa, pb) => {
    const release = compareRelease(pa.release, pb.release);
    if (release.order !== 0) return { order: release.order, bump: releaseBump(release.index) };
    if (pa.qualifier === pb.qualifier) return { order: 0 };
    if (qualifierIsPrerelease) {
      // Maven and NuGet: `1.0.0-M6` and `1.0.0-beta.2` come before `1.0.0`.
      if (pa.qualifier === "") return { order: 1, bump: "prerelease" };
      if (pb.qualifier === "") return { order: -1, bump: "prerelease" };
      return { order: compareIdentifiers(pa.qualifier, pb.qualifier), bump: "prerelease" };
    }
    // Image tags and action refs: `2.3.1-cuda12.1-runtime` vs `2.3.1-cpu` is a variant, not an order.
    return { order: naturalCompare(pa.qualifier, pb.qualifier), bump: "other" };
  });
}

const QUALIFIED = dotted(true);
const TAGGED = dotted(false);

function compareIdentifiers(a: string, b: string): number {
  const xa = a.split(/[.-]/);
  const xb = b.split(/[.-]/);
  for (let i = 0; i < Math.min(xa.length, xb.length); i++) {
    const order = semver.compareIdentifiers(xa[i]!, xb[i]!);
    if (order !== 0) return order;
  }
  return Math.sign(xa.length - xb.length) || compareStrings(a, b);
}

// PEP 440, leniently: epoch, release, pre, post, dev and local segments.
const PEP440 =
  /^v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d*))?(?:-(\d+)|[-_.]?(?:post|rev|r)[-_.]?(\d*))?(?:[-_.]?dev[-_.]?(\d*))?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?(?:\.\*)?$/i;

interface Pep440 {
  epoch: string;
  release: string[];
  pre?: [number, string];
  post?: string;
  dev?: string;
  local?: string;
}

const PRE_PHASE: Record<string, number> = { a: 0, alpha: 0, b: 1, beta: 1, c: 2, rc: 2, pre: 2, preview: 2 };

/** The version a requirement pins or starts from: `==2.1`, `>=2.1,<3`, `~=2.1; python_version>"3.8"`. */
function pep440Of(spec: string): Pep440 | undefined {
  const clauses = (spec.split(";")[0] ?? "")
    .split(",")
    .map((c) => c.trim())
    .filter((c) => c.length > 0);
  // A constraint with only upper bounds or exclusions (`<1.100.0`) names no version it starts from.
  const lower = clauses.find((c) => !/^(<|!=)/.test(c));
  if (lower === undefined) return undefined;
  const m = PEP440.exec(lower.replace(/^(===|==|~=|>=|<=|!=|>|<)\s*/, ""));
  if (!m) return undefined;
  const out: Pep440 = { epoch: m[1] ?? "0", release: (m[2] ?? "0").split(".") };
  if (m[3] !== undefined) out.pre = [PRE_PHASE[m[3].toLowerCase()] ?? 2, m[4] || "0"];
  const post = m[5] ?? m[6];
  if (post !== undefined) out.post = post || "0";
  if (m[7] !== undefined) out.dev = m[7] || "0";
  if (m[8] !== undefined) out.local = m[8].toLowerCase();
  return out;
}

const PEP440_SCHEME = scheme(pep440Of, (pa, pb): VersionComparison => {
  const epoch = compareDigits(pa.epoch, pb.epoch);
  if (epoch !== 0) return { order: epoch, bump: "other" };
  const release = compareRelease(pa.release, pb.release);
  if (release.order !== 0) return { order: release.order, bump: releaseBump(release.index) };
  const pre = comparePre(pa, pb);
  if (pre !== 0) return { order: pre, bump: "prerelease" };
  const post = compareOptional(pa.post, pb.post, -1);
  if (post !== 0) return { order: post, bump: "patch" };
  const dev = compareOptional(pa.dev, pb.dev, 1);
  if (dev !== 0) return { order: dev, bump: "prerelease" };
  // `2.3.1+cu121` and `2.3.1+cpu` are builds of one release for different hardware.
  const local = compareOptional(pa.local, pb.local, -1, naturalCompare);
  return local !== 0 ? { order: local, bump: "other" } : { order: 0 };
});

function schemeFor(ecosystem: Ecosystem): Scheme {
  switch (ecosystem) {
    case "pypi":
      return PEP440_SCHEME;
    case "npm":
    case "cargo":
    case "go":
      return SEMVER;
    case "maven":
    case "nuget":
      return QUALIFIED;
    case "docker":
    case "github-actions":
      return TAGGED;
  }
}

/** A dev release without a pre segment sorts before every pre-release of its release. */
function comparePre(a: Pep440, b: Pep440): number {
  const rank = (v: Pep440): [number, number, string] =>
    v.pre ? [1, v.pre[0], v.pre[1]] : v.dev !== undefined && v.post === undefined ? [0, 0, "0"] : [2, 0, "0"];
  const [x0, x1, x2] = rank(a);
  const [y0, y1, y2] = rank(b);
  return Math.sign(x0 - y0) || Math.sign(x1 - y1) || compareDigits(x2, y2);
}

/** Compare optional segments; `absent` says where a missing segment sorts (-1 first, 1 last). */
function compareOptional(
  a: string | undefined,
  b: string | undefined,
  absent: -1 | 1,
  compare: (x: string, y: string) => number = compareDigits,
): number {
  if (a === undefined && b === undefined) return 0;
  if (a === undefined) return absent;
  if (b === undefined) return -absent;
  return compare(a, b);
}

/**
 * Total order on arbitrary strings: digit runs compare as numbers, the rest by code unit, and
 * only equal strings compare equal, so the direction of a change always flips with its sides.
 */
function naturalCompare(a: string, b: string): number {
  const ta = a.match(/\d+|\D+/g) ?? [];
  const tb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    const x = ta[i]!;
    const y = tb[i]!;
    const digits = /^\d/.test(x) && /^\d/.test(y);
    const order = digits ? compareDigits(x, y) : compareStrings(x, y);
    if (order !== 0) return order;
  }
  return Math.sign(ta.length - tb.length) || compareStrings(a, b);
}
