/**
 * uv.lock: one `[[package]]` per resolved distribution, with the dependency edges between them.
 * The project itself and workspace members are `editable`/`virtual` packages: they are not
 * reported, but their edges say which packages are direct and, by walking the graph, whether a
 * package is reached from the main dependencies (prod), only from extras (optional) or only from
 * dependency groups (dev).
 */
import type { Dependency, DependencyScope, ExtractResult } from "../types.js";
import { ManifestParseError } from "../types.js";
import { gitSource, isDefaultIndex, isRecord, lineOf, normalizeName, parseTomlDocument } from "../shared/python.js";

type Fail = (message: string, needle?: string) => never;

interface DepRef {
  name: string;
  version?: string;
  extras: string[];
}

interface LockPackage {
  name: string;
  version?: string;
  source?: string;
  /** The project or a workspace member. */
  local: boolean;
  deps: DepRef[];
  extras: Map<string, DepRef[]>;
  groups: Map<string, DepRef[]>;
}

export function extractUvLock(text: string): ExtractResult {
  const doc = parseTomlDocument(text);
  const raw = doc["package"];
  if (raw === undefined) return { dependencies: [] };
  if (!Array.isArray(raw)) throw new ManifestParseError("`package` must be an array of tables", lineOf(text, "package"));

  const packages = raw.map((pkg: unknown, index) => {
    const fail: Fail = (message, needle) => {
      throw new ManifestParseError(`package #${index + 1}: ${message}`, needle === undefined ? undefined : lineOf(text, needle));
    };
    return readPackage(pkg, fail);
  });

  const byName = new Map<string, LockPackage[]>();
  for (const pkg of packages) {
    const key = normalizeName(pkg.name);
    byName.set(key, [...(byName.get(key) ?? []), pkg]);
  }
  const resolve = (ref: DepRef): LockPackage[] =>
    (byName.get(normalizeName(ref.name)) ?? []).filter((p) => ref.version === undefined || p.version === ref.version);

  const scopes = new Map<LockPackage, DependencyScope>();
  const direct = new Set<LockPackage>();
  const roots = packages.filter((p) => p.local);
  const walk = (starts: DepRef[], scope: DependencyScope): void => {
    const seen = new Set<string>();
    const queue = [...starts];
    for (let ref = queue.shift(); ref !== undefined; ref = queue.shift()) {
      for (const pkg of resolve(ref)) {
        if (!scopes.has(pkg)) scopes.set(pkg, scope);
        const id = `${pkg.name}@${pkg.version ?? ""}`;
        if (!seen.has(id)) {
          seen.add(id);
          queue.push(...pkg.deps);
        }
        for (const extra of ref.extras) {
          if (seen.has(`${id}[${extra}]`)) continue;
          seen.add(`${id}[${extra}]`);
          queue.push(...(pkg.extras.get(extra) ?? []));
        }
      }
    }
  };
  const rootRefs = (pick: (p: LockPackage) => DepRef[]): DepRef[] => {
    const refs = roots.flatMap(pick);
    for (const ref of refs) for (const pkg of resolve(ref)) direct.add(pkg);
    return refs;
  };
  walk(rootRefs((p) => p.deps), "prod");
  walk(rootRefs((p) => [...p.extras.values()].flat()), "optional");
  walk(rootRefs((p) => [...p.groups.values()].flat()), "dev");

  const dependencies: Dependency[] = [];
  for (const pkg of packages) {
    if (pkg.local) continue;
    const dep: Dependency = { name: pkg.name, scope: scopes.get(pkg) ?? "prod", direct: direct.has(pkg) };
    if (pkg.version !== undefined) dep.version = pkg.version;
    if (pkg.source !== undefined) dep.source = pkg.source;
    dependencies.push(dep);
  }
  return { dependencies };
}

function readPackage(pkg: unknown, fail: Fail): LockPackage {
  if (!isRecord(pkg)) fail("must be a table");
  const name = pkg["name"];
  if (typeof name !== "string" || name === "") fail("has no name");
  const version = pkg["version"];
  if (version !== undefined && typeof version !== "string") fail(`"${name}": version must be a string`, `name = "${name}"`);
  const source = pkg["source"];
  if (source !== undefined && !isRecord(source)) fail(`"${name}": source must be a table`, `name = "${name}"`);
  const refs = (value: unknown, where: string): DepRef[] => {
    if (value === undefined) return [];
    if (!Array.isArray(value)) fail(`"${name}": ${where} must be an array`, `name = "${name}"`);
    return value.map((d: unknown) => {
      if (!isRecord(d) || typeof d["name"] !== "string") fail(`"${name}": ${where} entries need a name`, `name = "${name}"`);
      const extras = Array.isArray(d["extra"]) ? d["extra"].filter((e): e is string => typeof e === "string") : [];
      const ref: DepRef = { name: d["name"], extras };
      if (typeof d["version"] === "string") ref.version = d["version"];
      return ref;
    });
  };
  const named = (value: unknown, where: string): Map<string, DepRef[]> => {
    if (value === undefined) return new Map();
    if (!isRecord(value)) fail(`"${name}": ${where} must be a table`, `name = "${name}"`);
    return new Map(Object.entries(value).map(([key, list]) => [key, refs(list, `${where}.${key}`)]));
  };
  const result: LockPackage = {
    name,
    local: source !== undefined && ("editable" in source || "virtual" in source),
    deps: refs(pkg["dependencies"], "dependencies"),
    extras: named(pkg["optional-dependencies"], "optional-dependencies"),
    groups: named(pkg["dev-dependencies"], "dev-dependencies"),
  };
  if (typeof version === "string") result.version = version;
  const where = source === undefined ? undefined : sourceOf(source);
  if (where !== undefined) result.source = where;
  return result;
}

function sourceOf(source: Record<string, unknown>): string | undefined {
  const str = (key: string): string | undefined => (typeof source[key] === "string" ? source[key] : undefined);
  const registry = str("registry");
  if (registry !== undefined) return isDefaultIndex(registry) ? undefined : registry;
  const git = str("git");
  if (git !== undefined) return gitSource(git);
  return str("url") ?? str("path") ?? str("directory");
}
