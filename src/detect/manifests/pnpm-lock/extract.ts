/**
 * pnpm-lock.yaml reader for lockfile versions 5.x (`/name/1.0.0_peer` keys), 6.x
 * (`/name@1.0.0(peer)`) and 9.x (`name@1.0.0`, with peer variants under `snapshots`).
 * Direct = referenced by the root importer. Scope comes from the `dev`/`optional` flags up to 6.x;
 * 9.x dropped them, so it is worked out from the snapshot graph.
 */
import { parseAllDocuments, type YAMLError } from "yaml";
import {
  ManifestParseError,
  type Dependency,
  type DependencyScope,
  type ExtractResult,
} from "../types.js";
import { DependencyCollector, strongerScope } from "../shared/npm-collect.js";
import { isBlank, isObject, positionAt, type JsonObject } from "../shared/json.js";
import { reachScopes } from "../shared/npm-reach.js";
import { isDefaultRegistryUrl, splitIdent } from "../shared/npm-spec.js";
import { redactUrl } from "../shared/url.js";

const SECTIONS: ReadonlyArray<readonly [string, DependencyScope]> = [
  ["dependencies", "prod"],
  ["devDependencies", "dev"],
  ["optionalDependencies", "optional"],
];

interface Lockfile {
  text: string;
  /** 5 for `/name/version` keys; 6 and later use `name@version`. */
  major: number;
  packages: JsonObject;
}

export function extractPnpmLock(text: string): ExtractResult {
  if (isBlank(text)) return { dependencies: [] };
  const doc = parse(text);
  if (doc === undefined) return { dependencies: [] };

  const version = doc.lockfileVersion;
  const major = typeof version === "number" || typeof version === "string" ? parseFloat(String(version)) : NaN;
  if (!Number.isFinite(major)) {
    throw new ManifestParseError("lockfileVersion is missing or not a number", lineOf(text, "lockfileVersion"));
  }
  const packages = doc.packages ?? {};
  if (!isObject(packages)) throw new ManifestParseError(`"packages" must be a mapping`, lineOf(text, "packages:"));
  const lock: Lockfile = { text, major: Math.floor(major), packages };

  // Without `importers`, a single-project lockfile keeps the root's sections at the top level.
  const importers = doc.importers === undefined ? { ".": doc } : doc.importers;
  if (!isObject(importers)) throw new ManifestParseError(`"importers" must be a mapping`, lineOf(text, "importers:"));

  const direct = new Set<string>();
  const root = importers["."];
  if (isObject(root)) {
    for (const [section] of SECTIONS) {
      for (const [name, ref] of importerRefs(lock, root, section)) {
        const key = packageKeyOf(lock, name, ref);
        if (key !== undefined) direct.add(key);
      }
    }
  }

  const graphScope = isObject(doc.snapshots) ? snapshotScopes(lock, importers, doc.snapshots) : undefined;

  const collected = new DependencyCollector();
  for (const key of Object.keys(packages)) {
    const raw = packages[key];
    // An entry with nothing under it parses as null.
    const entry = raw === null ? {} : raw;
    if (!isObject(entry)) throw new ManifestParseError(`package "${key}" must be a mapping`, lineOf(text, key));
    const dep = toDependency(lock, key, entry);
    dep.scope = graphScope ? (graphScope.get(key) ?? "dev") : flagScope(entry);
    dep.direct = direct.has(key);
    // Peer variants of one version (5.x/6.x keys) collapse into one dependency.
    collected.add(dep);
  }
  return { dependencies: collected.list() };
}

/** The main document; pnpm 10 may put a separate env lockfile document before it. */
function parse(text: string): JsonObject | undefined {
  const docs = parseAllDocuments(text);
  for (const d of docs) {
    const error = d.errors[0];
    if (error) throw toParseError(error);
  }
  const main = docs[docs.length - 1];
  if (!main) return undefined;
  const value: unknown = main.toJS();
  if (value === null || value === undefined) return undefined;
  if (!isObject(value)) throw new ManifestParseError("pnpm-lock.yaml must be a mapping", 1, 1);
  return value;
}

function toParseError(error: YAMLError): ManifestParseError {
  const reason = (error.message.split("\n")[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, "");
  const at = error.linePos?.[0];
  return new ManifestParseError(reason, at?.line, at?.col);
}

function toDependency(lock: Lockfile, key: string, entry: JsonObject): Dependency {
  const fail = (problem: string) => new ManifestParseError(`package "${key}" ${problem}`, lineOf(lock.text, key));
  const named = scalar(entry.name);
  const parsed = parseKey(lock, key);
  // Non-registry packages (git, tarball, directory) carry their name and version as fields.
  const name = named ?? parsed?.name;
  if (name === undefined) throw fail("has no name in its key or fields");
  const ref = parsed ? stripPeers(lock, parsed.ref) : undefined;
  const plain = ref !== undefined && ref !== "" && !/[:/]/.test(ref);

  const dep: Dependency = { name, scope: "prod", direct: false };
  const version = scalar(entry.version) ?? (plain ? ref : undefined);
  if (version !== undefined) dep.version = version;
  const source =
    resolutionSource(entry.resolution) ?? (named === undefined && !plain && ref ? redactUrl(ref) : undefined);
  if (source !== undefined) dep.source = source;
  return dep;
}

function parseKey(lock: Lockfile, key: string): { name: string; ref: string } | undefined {
  if (lock.major < 6 && key.startsWith("/")) {
    const parts = key.slice(1).split("/");
    const n = parts[0]?.startsWith("@") ? 2 : 1;
    if (parts.length <= n) return undefined;
    return { name: parts.slice(0, n).join("/"), ref: parts.slice(n).join("/") };
  }
  const split = splitIdent(key.startsWith("/") ? key.slice(1) : key);
  return split ? { name: split.name, ref: split.rest } : undefined;
}

/** `1.0.0_react@18.2.0` (5.x) and `1.0.0(react@18.2.0)` (6.x and later) are both 1.0.0. */
function stripPeers(lock: Lockfile, ref: string): string {
  return lock.major < 6 ? ref.replace(/_.*$/s, "") : ref.replace(/\(.*$/s, "");
}

function flagScope(entry: JsonObject): DependencyScope {
  if (entry.dev === true) return "dev";
  if (entry.optional === true) return "optional";
  return "prod";
}

function resolutionSource(resolution: unknown): string | undefined {
  if (!isObject(resolution)) return undefined;
  const { tarball, type, repo, commit, directory } = resolution;
  if (typeof tarball === "string") return isDefaultRegistryUrl(tarball) ? undefined : redactUrl(tarball);
  if (type === "git" && typeof repo === "string") {
    const url = /^git[+:@]/.test(repo) ? repo : `git+${repo}`;
    return redactUrl(typeof commit === "string" ? `${url}#${commit}` : url);
  }
  if (type === "directory" && typeof directory === "string") return `file:${directory}`;
  return undefined;
}

/** `name: ref` pairs of one importer section; 5.x writes the ref, later versions `{specifier, version}`. */
function importerRefs(lock: Lockfile, importer: JsonObject, section: string): Array<[string, string]> {
  const map = importer[section];
  if (map === undefined || map === null) return [];
  if (!isObject(map)) throw new ManifestParseError(`"${section}" must be a mapping`, lineOf(lock.text, `${section}:`));
  const out: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(map)) {
    const ref = scalar(value) ?? (isObject(value) ? scalar(value.version) : undefined);
    if (ref === undefined) {
      throw new ManifestParseError(`"${name}" in "${section}" has no version`, lineOf(lock.text, name));
    }
    out.push([name, ref]);
  }
  return out;
}

/**
 * The `packages` key an importer or snapshot reference points at. References are a version
 * (`1.0.0`, with peers), an alias or non-registry id (`/openai@4.2.0`, `openai@4.2.0`,
 * `github.com/a/b/<sha>`), or `link:` for a workspace folder, which has no entry.
 */
function packageKeyOf(lock: Lockfile, name: string, ref: string): string | undefined {
  if (ref.startsWith("link:")) return undefined;
  const bare = stripPeers(lock, ref);
  for (const key of [`/${name}/${ref}`, `/${name}@${ref}`, `${name}@${ref}`, ref, `${name}@${bare}`, bare]) {
    if (Object.hasOwn(lock.packages, key)) return key;
  }
  return undefined;
}

/**
 * 9.x: prod when reachable from any importer's dependencies through snapshot dependencies,
 * optional when only optional edges reach it, dev otherwise. Keyed by `packages` key.
 */
function snapshotScopes(lock: Lockfile, importers: JsonObject, snapshots: JsonObject): Map<string, DependencyScope> {
  const snapshotKey = (name: string, ref: string): string | undefined => {
    if (ref.startsWith("link:")) return undefined;
    const key = `${name}@${ref}`;
    if (Object.hasOwn(snapshots, key)) return key;
    return Object.hasOwn(snapshots, ref) ? ref : undefined;
  };
  const refsOf = (owner: JsonObject, section: string): string[] =>
    importerRefs(lock, owner, section).flatMap(([n, r]) => snapshotKey(n, r) ?? []);

  const prodRoots: string[] = [];
  const optionalRoots: string[] = [];
  for (const importer of Object.values(importers)) {
    if (!isObject(importer)) continue;
    prodRoots.push(...refsOf(importer, "dependencies"));
    optionalRoots.push(...refsOf(importer, "optionalDependencies"));
  }
  const reached = reachScopes(prodRoots, optionalRoots, (node) => {
    const snapshot = snapshots[node];
    if (!isObject(snapshot)) return { required: [], optional: [] };
    return { required: refsOf(snapshot, "dependencies"), optional: refsOf(snapshot, "optionalDependencies") };
  });

  const byPackage = new Map<string, DependencyScope>();
  for (const [node, scope] of reached) {
    const parsed = parseKey(lock, node);
    const key = parsed ? `${parsed.name}@${stripPeers(lock, parsed.ref)}` : node;
    const had = byPackage.get(key);
    byPackage.set(key, had === undefined ? scope : strongerScope(had, scope));
  }
  return byPackage;
}

/** YAML scalars that pnpm means as strings may come back as numbers when written unquoted. */
function scalar(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/** First line containing the needle; only used to place an error. */
function lineOf(source: string, needle: string): number | undefined {
  const at = source.indexOf(needle);
  return at < 0 ? undefined : positionAt(source, at).line;
}
