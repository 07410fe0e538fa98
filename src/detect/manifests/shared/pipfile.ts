/** The Pipfile format's sources and package entries, shared by Pipfile and Pipfile.lock. */
import type { Dependency, DependencyScope } from "../types.js";
import { formatSpecifierString, gitSource, isDefaultIndex, isRecord } from "./python.js";

export type Fail = (message: string, needle?: string) => never;

/**
 * Index names to their URLs, from `[[source]]` (Pipfile), `_meta.sources` (Pipfile.lock) or
 * `[[tool.poetry.source]]` (pyproject.toml, `key` names it in the error).
 */
export function readSources(list: unknown, fail: Fail, key = "source"): Map<string, string> {
  const result = new Map<string, string>();
  if (list === undefined) return result;
  if (!Array.isArray(list)) fail(`${key} must be an array of tables`, "source");
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
