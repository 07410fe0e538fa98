/**
 * bun.lock reader (the text lockfile: JSON with trailing commas, read with jsonc-parser).
 * `workspaces[""]` is the root package; `packages` maps an install path (`openai`,
 * `@langchain/openai/openai` for a copy nested under another package) to
 * `["name@version", registry, info, integrity]` for npm packages and `["name@<spec>", info, ...]`
 * for git, GitHub, tarball, file and link packages. bun records no dev/optional flags, so scope
 * is worked out from the dependency graph.
 */
import { ManifestParseError, type Dependency, type DependencyScope, type ExtractResult } from "../types.js";
import { DependencyCollector } from "../shared/npm-collect.js";
import { DEPENDENCY_SECTIONS } from "../shared/npm-spec.js";
import { isBlank, isObject, lineOfKeys, parseJsonWithComments, type JsonObject } from "../shared/json.js";
import { reachScopes } from "../shared/npm-reach.js";
import { isDefaultRegistryUrl, splitIdent } from "../shared/npm-spec.js";
import { redactUrl } from "../shared/url.js";

interface Entry {
  key: string;
  name: string;
  ref: string;
  /** Second element of an npm entry: "" for the default registry, else a registry or tarball URL. */
  registry?: string;
  info: JsonObject;
}

export function extractBunLock(text: string): ExtractResult {
  if (isBlank(text)) return { dependencies: [] };
  const doc = parseJsonWithComments(text);
  if (!isObject(doc)) throw new ManifestParseError("bun.lock must be a JSON object", 1, 1);
  if (typeof doc.lockfileVersion !== "number") {
    throw new ManifestParseError("lockfileVersion is missing or not a number", lineOfKeys(text, ["lockfileVersion"]));
  }
  const workspaces = objectField(text, doc, "workspaces");
  const packages = objectField(text, doc, "packages");

  const entries = new Map<string, Entry>();
  for (const [key, value] of Object.entries(packages)) entries.set(key, toEntry(text, key, value));

  const rootWorkspace = workspaces[""];
  const direct = new Set<string>();
  if (isObject(rootWorkspace)) {
    for (const [section] of DEPENDENCY_SECTIONS) {
      const declared = rootWorkspace[section];
      if (isObject(declared)) for (const name of Object.keys(declared)) direct.add(name);
    }
  }

  const scopes = graphScopes(entries, workspaces);
  const collected = new DependencyCollector();
  for (const entry of entries.values()) {
    // Workspace members and the root are the repository's own packages.
    if (entry.ref.startsWith("workspace:") || entry.ref.startsWith("root:")) continue;
    const dep: Dependency = {
      name: entry.name,
      scope: scopes.get(entry.key) ?? "dev",
      // A nested key (`parent/name`) never equals a declared name, so only top-level copies match.
      direct: direct.has(entry.key),
    };
    if (isVersion(entry.ref)) {
      dep.version = entry.ref;
      if (entry.registry && !isDefaultRegistryUrl(entry.registry)) dep.source = redactUrl(entry.registry);
    } else {
      dep.source = redactUrl(entry.ref);
    }
    collected.add(dep);
  }
  return { dependencies: collected.list() };
}

function toEntry(text: string, key: string, value: unknown): Entry {
  const fail = (problem: string) =>
    new ManifestParseError(`package "${key}" ${problem}`, lineOfKeys(text, ["packages", key]));
  if (!Array.isArray(value)) throw fail("must be an array");
  const [ident, second] = value as unknown[];
  if (typeof ident !== "string") throw fail(`must start with "name@version"`);
  const split = splitIdent(ident);
  if (!split) throw fail(`must start with "name@version", not "${ident}"`);
  const info = (value as unknown[]).slice(1).find(isObject) ?? {};
  const entry: Entry = { key, name: split.name, ref: split.rest, info };
  if (isVersion(split.rest) && typeof second === "string") entry.registry = second;
  return entry;
}

/** npm entries carry a plain version; every other kind carries a protocol, URL or path. */
function isVersion(ref: string): boolean {
  return ref !== "" && !/[:/]/.test(ref);
}

/**
 * Scope by reachability, resolving each dependency name the way node_modules lookup does:
 * from the requiring package's install path outwards to the top level.
 */
function graphScopes(entries: Map<string, Entry>, workspaces: JsonObject): Map<string, DependencyScope> {
  const resolve = (parent: readonly string[], name: string): string | undefined => {
    for (let depth = parent.length; depth >= 0; depth--) {
      const key = depth === 0 ? name : `${parent.slice(0, depth).join("/")}/${name}`;
      if (entries.has(key)) return key;
    }
    return undefined;
  };
  const names = (info: JsonObject, section: string): string[] => {
    const map = info[section];
    return isObject(map) ? Object.keys(map) : [];
  };
  const edges = (parent: readonly string[], info: JsonObject) => {
    const optionalPeers = new Set(Array.isArray(info.optionalPeers) ? info.optionalPeers : []);
    const pick = (list: string[]) => list.flatMap((n) => resolve(parent, n) ?? []);
    const peers = names(info, "peerDependencies");
    return {
      required: pick([...names(info, "dependencies"), ...peers.filter((n) => !optionalPeers.has(n))]),
      optional: pick([...names(info, "optionalDependencies"), ...peers.filter((n) => optionalPeers.has(n))]),
    };
  };

  const prodRoots: string[] = [];
  const optionalRoots: string[] = [];
  for (const [path, workspace] of Object.entries(workspaces)) {
    if (!isObject(workspace)) continue;
    // Packages nested under a workspace member are keyed under its name (`app/react`).
    const name = typeof workspace.name === "string" ? workspace.name : path;
    const { required, optional } = edges(path === "" ? [] : keyParts(name), workspace);
    prodRoots.push(...required);
    optionalRoots.push(...optional);
  }
  return reachScopes(prodRoots, optionalRoots, (key) => {
    const entry = entries.get(key);
    return entry ? edges(keyParts(key), entry.info) : { required: [], optional: [] };
  });
}

/** `a/@s/b/c` is the path a > @s/b > c: a scope and the name after it are one step. */
function keyParts(key: string): string[] {
  const parts: string[] = [];
  const segments = key.split("/");
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] ?? "";
    if (segment.startsWith("@") && i + 1 < segments.length) parts.push(`${segment}/${segments[++i] ?? ""}`);
    else parts.push(segment);
  }
  return parts;
}

function objectField(text: string, doc: JsonObject, field: string): JsonObject {
  const value = doc[field];
  if (value === undefined) return {};
  if (!isObject(value)) throw new ManifestParseError(`"${field}" must be an object`, lineOfKeys(text, [field]));
  return value;
}
