/**
 * Pipfile (TOML): `[packages]` is prod, `[dev-packages]` dev, and any other package category
 * (pipenv >= 2023 allows e.g. `[docs]`) is also dev, since it is only installed on request.
 */
import type { Dependency, DependencyScope, ExtractResult } from "../types.js";
import { ManifestParseError } from "../types.js";
import {
  PEP508_NAME,
  formatSpecifierString,
  gitSource,
  isDefaultIndex,
  isRecord,
  lineOf,
  parseTomlDocument,
} from "../pip-requirements/python.js";

type Fail = (message: string, needle?: string) => never;

/** Pipfile tables that are not package categories. */
const NOT_CATEGORIES = new Set(["source", "requires", "scripts", "pipenv"]);

export function extractPipfile(text: string): ExtractResult {
  const doc = parseTomlDocument(text);
  const fail: Fail = (message, needle) => {
    throw new ManifestParseError(message, needle === undefined ? undefined : lineOf(text, needle));
  };
  const indexes = readSources(doc["source"], fail);
  const dependencies: Dependency[] = [];
  for (const [category, body] of Object.entries(doc)) {
    if (NOT_CATEGORIES.has(category)) continue;
    if (!isRecord(body)) {
      if (category === "packages" || category === "dev-packages") fail(`[${category}] must be a table`, category);
      continue;
    }
    const scope: DependencyScope = category === "packages" ? "prod" : "dev";
    for (const [name, spec] of Object.entries(body)) {
      if (!PEP508_NAME.test(name)) fail(`[${category}]: "${name}" is not a valid package name`, name);
      const dep = pipenvDependency(name, spec, scope, true, indexes, (m) => fail(`[${category}] ${name}: ${m}`, name));
      // Categories beyond the two standard ones are groups of their own (`pipenv install --categories docs`).
      if (category !== "packages" && category !== "dev-packages") dep.group = category;
      dependencies.push(dep);
    }
  }
  return { dependencies };
}

/** Index names from `[[source]]` (Pipfile) or `_meta.sources` (Pipfile.lock) to their URLs. */
export function readSources(list: unknown, fail: Fail): Map<string, string> {
  const result = new Map<string, string>();
  if (list === undefined) return result;
  if (!Array.isArray(list)) fail("source must be an array of tables", "source");
  for (const source of list) {
    if (isRecord(source) && typeof source["name"] === "string" && typeof source["url"] === "string") {
      result.set(source["name"], source["url"]);
    }
  }
  return result;
}

/**
 * One Pipfile or Pipfile.lock entry: a version string (`"*"` = any) or a table with
 * version, git + ref, path, file, index.
 */
export function pipenvDependency(
  name: string,
  spec: unknown,
  scope: DependencyScope,
  direct: boolean,
  indexes: Map<string, string>,
  fail: (message: string) => never,
): Dependency {
  const dep: Dependency = { name, scope, direct };
  if (typeof spec === "string") {
    const version = formatSpecifierString(spec);
    if (version !== undefined) dep.version = version;
    return dep;
  }
  if (!isRecord(spec)) fail("expected a version string or a table");
  const str = (key: string): string | undefined => {
    const value = spec[key];
    if (value === undefined) return undefined;
    if (typeof value !== "string") fail(`"${key}" must be a string`);
    return value;
  };
  const version = str("version");
  if (version !== undefined) {
    const formatted = formatSpecifierString(version);
    if (formatted !== undefined) dep.version = formatted;
  }
  const git = str("git");
  const index = str("index");
  const ref = str("ref");
  if (git !== undefined) dep.source = gitSource(git, ref);
  else if (str("path") !== undefined) dep.source = str("path");
  else if (str("file") !== undefined) dep.source = str("file");
  else if (index !== undefined) {
    const url = indexes.get(index);
    if (url === undefined) dep.source = index;
    else if (!isDefaultIndex(url)) dep.source = url;
  }
  return dep;
}
