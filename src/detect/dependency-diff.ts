import { packageKey, type AiPackageMatcher } from "./catalogue.js";
import { collect, directoryOf, memoise, pickLocks, preference, projectId, resolve, type Collected, type ManifestSnapshot, type Resolved, type Sighting } from "./dependency-sightings.js";
import type { Ecosystem } from "./manifests/types.js";
import type { DependencyChange } from "./types.js";
import { compareVersions } from "./versioning/index.js";
import { compareStrings } from "./versioning/order.js";
import { isPep440Pin, samePep440Constraint } from "./versioning/pep440.js";
import { sameNpmRange } from "./versioning/semver.js";
import type { Bump } from "./versioning/types.js";

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
