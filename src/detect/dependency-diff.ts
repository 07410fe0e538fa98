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
 * The AI packages whose presence, version or source differs between the base and head of a pull
 * request. Each ecosystem and folder is a project of its own (a monorepo's two package.json files
 * are compared separately); within a project the manifest and the lockfile describe one set of
 * packages, so a package in both is reported once, with the lockfile's resolved version.
 * Only catalogued packages are kept, so the cost is one Map lookup per dependency.
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
      const to = resolve(ecosystem, c);
      if (!was) {
        changes.push(change(ecosystem, to, "added", { to: to.version, toSource: to.source }));
        continue;
      }
      const from = resolve(ecosystem, was);
      const versionChange = compareVersionChange(ecosystem, from.version, to.version);
      const sourceChanged = from.source !== to.source;
      const sources = sourceChanged ? { fromSource: from.source, toSource: to.source } : {};
      if (versionChange) {
        changes.push(
          change(ecosystem, to, versionChange.order < 0 ? "upgraded" : "downgraded", {
            from: from.version,
            to: to.version,
            bump: versionChange.bump,
            ...sources,
          }),
        );
      } else if (sourceChanged) {
        changes.push(change(ecosystem, to, "source-changed", { from: from.version, to: to.version, ...sources }));
      }
    }
    for (const [key, c] of old) {
      if (now.has(key)) continue;
      const from = resolve(ecosystem, c);
      changes.push(change(ecosystem, from, "removed", { from: from.version, fromSource: from.source }));
    }
  }
  return changes.sort(compareChanges);
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
      c.sightings.push({
        name: d.name,
        version: d.version,
        source: d.source,
        scope: d.scope,
        // A manifest declares its dependencies directly, whatever its parser set.
        direct: d.direct || s.kind === "manifest",
        lockfile: s.kind === "lockfile",
        path: s.path,
      });
    }
  }
  return projects;
}

/**
 * One package's state in one project. The version comes from the lockfile when one resolves it
 * (preferring a direct entry, then the highest version when a lockfile holds several copies);
 * scope from the manifests, which know dev from prod better than most lockfiles do.
 */
function resolve(ecosystem: Ecosystem, c: Collected): Resolved {
  const ranked = [...c.sightings].sort((a, b) => preference(ecosystem, a, b));
  const primary = ranked[0]!;
  const declared = c.sightings.filter((s) => !s.lockfile);
  const scopes = (declared.length > 0 ? declared : c.sightings).map((s) => s.scope);
  const scope = scopes.reduce((best, s) => (SCOPE_RANK[s] < SCOPE_RANK[best] ? s : best));
  return {
    name: primary.name,
    version: primary.version ?? ranked.find((s) => s.version !== undefined)?.version,
    source: primary.source ?? ranked.find((s) => s.source !== undefined)?.source,
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
    compareStrings(a.name, b.name)
  );
}

function change(
  ecosystem: Ecosystem,
  r: Resolved,
  kind: DependencyChange["change"],
  detail: Pick<DependencyChange, "from" | "to" | "bump" | "fromSource" | "toSource">,
): DependencyChange {
  const out: DependencyChange = {
    ecosystem,
    name: r.name,
    kind: r.entry.kind,
    supplier: r.entry.supplier,
    change: kind,
    direct: r.direct,
    scope: r.scope,
    manifests: r.manifests,
  };
  // Only the keys that carry a value, so records and snapshots stay small and stable.
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
    compareStrings(a.change, b.change)
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
  const lower = clauses.find((c) => !/^(<|!=)/.test(c)) ?? clauses[0];
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
