/**
 * package-lock.json / npm-shrinkwrap.json reader. Versions 2 and 3 list every installed folder
 * under `packages` (`node_modules/a`, `node_modules/a/node_modules/@s/b`); version 1 nests
 * `dependencies` inside each other. One JSON.parse and one pass over the entries, so a 20 MB
 * lockfile costs little more than parsing it.
 */
import { minimatch } from "minimatch";
import { ManifestParseError, type Dependency, type DependencyScope, type ExtractResult } from "../types.js";
import { DependencyCollector } from "../shared/npm-collect.js";
import { DEPENDENCY_SECTIONS } from "../shared/npm-spec.js";
import { isBlank, isObject, lineOfKeys, parseJson, type JsonObject } from "../shared/json.js";
import { isDefaultRegistryUrl, splitIdent } from "../shared/npm-spec.js";
import { redactUrl } from "../shared/url.js";

const NODE_MODULES = "node_modules/";

export function extractPackageLock(text: string): ExtractResult {
  if (isBlank(text)) return { dependencies: [] };
  const doc = parseJson(text);
  if (!isObject(doc)) throw new ManifestParseError("the lockfile must be a JSON object", 1, 1);
  if (typeof doc.lockfileVersion !== "number") {
    throw new ManifestParseError("lockfileVersion is missing or not a number", lineOfKeys(text, ["lockfileVersion"]));
  }
  // Version 2 carries both layouts for old npm; `packages` is the complete one.
  if (doc.packages !== undefined) return { dependencies: fromPackages(text, doc.packages) };
  if (doc.dependencies !== undefined) return { dependencies: fromNested(text, doc.dependencies) };
  return { dependencies: [] };
}

function fromPackages(text: string, packages: unknown): Dependency[] {
  if (!isObject(packages)) throw new ManifestParseError(`"packages" must be an object`, lineOfKeys(text, ["packages"]));
  const root = packages[""];
  const direct = new Set<string>();
  let workspaces: string[] = [];
  if (isObject(root)) {
    for (const [section] of DEPENDENCY_SECTIONS) {
      const declared = root[section];
      if (isObject(declared)) for (const name of Object.keys(declared)) direct.add(name);
    }
    workspaces = workspaceGlobs(root.workspaces);
  }

  const collected = new DependencyCollector();
  for (const key in packages) {
    if (key === "") continue;
    const at = key.lastIndexOf(NODE_MODULES);
    // Keys outside node_modules are the project's own folders (workspaces, file: targets).
    if (at < 0 || (at > 0 && key.charCodeAt(at - 1) !== 47 /* "/" */)) continue;
    const entry = packages[key];
    if (!isObject(entry)) throw entryError(text, key, "must be an object");
    const folder = key.slice(at + NODE_MODULES.length);

    let target: JsonObject = entry;
    let source: string | undefined;
    if (entry.link === true) {
      const resolved = stringField(text, key, entry, "resolved");
      if (resolved === undefined) throw entryError(text, key, `is a link without "resolved"`);
      // A workspace is the repository's own package, read through its own package.json.
      if (workspaces.some((glob) => minimatch(resolved, glob, { dot: true }))) continue;
      const linked = packages[resolved];
      if (isObject(linked)) target = linked;
      source = `file:${resolved}`;
    } else {
      const resolved = stringField(text, key, entry, "resolved");
      if (resolved !== undefined && !isDefaultRegistryUrl(resolved)) source = redactUrl(resolved);
    }

    // An alias records the real name; a link's target folder records its package's name.
    const name =
      stringField(text, key, entry, "name") ?? (target === entry ? undefined : stringField(text, key, target, "name"));
    const version = stringField(text, key, target, "version");
    const dep: Dependency = {
      name: name ?? folder,
      scope: scopeOf(entry),
      // Only a copy at the top of the tree is the one the root package's require() finds.
      direct: at === 0 && direct.has(folder),
    };
    if (version !== undefined) dep.version = version;
    if (source !== undefined) dep.source = source;
    collected.add(dep);
  }
  return collected.list();
}

/**
 * Version 1 has no entry for the root package, so it cannot tell direct from transitive:
 * every entry is direct=false and package.json supplies the direct ones.
 */
function fromNested(text: string, dependencies: unknown): Dependency[] {
  const collected = new DependencyCollector();
  // `keys` is the chain of JSON keys down to a map, used only to place an error.
  const pending: Array<{ keys: string[]; map: unknown }> = [{ keys: ["dependencies"], map: dependencies }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { keys, map } = next;
    if (!isObject(map)) throw new ManifestParseError(`"dependencies" must be an object`, lineOfKeys(text, keys));
    for (const key of Object.keys(map)) {
      const entry = map[key];
      const here = [...keys, key];
      if (!isObject(entry)) throw entryError(text, key, "must be an object", here);
      const written = stringField(text, key, entry, "version", here);
      const dep: Dependency = { name: key, scope: scopeOf(entry), direct: false };
      if (written?.startsWith("npm:")) {
        // Alias: `"version": "npm:openai@4.20.0"`.
        const split = splitIdent(written.slice(4));
        dep.name = split?.name ?? written.slice(4);
        if (split) dep.version = split.rest;
      } else if (written !== undefined && (written.includes(":") || written.includes("/"))) {
        // git and file dependencies keep their spec where the version would be.
        dep.source = redactUrl(written);
      } else if (written !== undefined) {
        dep.version = written;
      }
      const resolved = stringField(text, key, entry, "resolved", here);
      if (dep.source === undefined && resolved !== undefined && !isDefaultRegistryUrl(resolved)) {
        dep.source = redactUrl(resolved);
      }
      collected.add(dep);
      if (entry.dependencies !== undefined) pending.push({ keys: [...here, "dependencies"], map: entry.dependencies });
    }
  }
  return collected.list();
}

/**
 * `dev`: needed only by devDependencies (an optional dependency of a dev dependency carries
 * both flags). `devOptional`: needed by devDependencies and optionally by prod, so a production
 * install may still fetch it.
 */
function scopeOf(entry: JsonObject): DependencyScope {
  if (entry.dev === true) return "dev";
  if (entry.optional === true || entry.devOptional === true) return "optional";
  return "prod";
}

function workspaceGlobs(value: unknown): string[] {
  const list = isObject(value) ? value.packages : value;
  if (!Array.isArray(list)) return [];
  return list
    .filter((g): g is string => typeof g === "string")
    .map((g) => g.replace(/^\.\//, "").replace(/\/+$/, ""));
}

function stringField(
  text: string,
  key: string,
  entry: JsonObject,
  field: string,
  path: string[] = ["packages", key],
): string | undefined {
  const value = entry[field];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw entryError(text, key, `has a non-string "${field}"`, path);
  return value;
}

function entryError(
  text: string,
  key: string,
  problem: string,
  path: string[] = ["packages", key],
): ManifestParseError {
  return new ManifestParseError(`entry "${key}" ${problem}`, lineOfKeys(text, path));
}
