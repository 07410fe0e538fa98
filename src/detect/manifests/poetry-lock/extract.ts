/**
 * poetry.lock: every resolved package as a `[[package]]` table. Which group a package serves is
 * recorded as `category` (Poetry < 1.5) or `groups` (Poetry >= 2.0); lock files written in
 * between record neither, and their packages are reported as prod.
 */
import type { Dependency, DependencyScope, ExtractResult } from "../types.js";
import { ManifestParseError } from "../types.js";
import { gitSource, isDefaultIndex, isRecord, lineOf, parseTomlDocument } from "../shared/python.js";

type Fail = (message: string, needle?: string) => never;

export function extractPoetryLock(text: string): ExtractResult {
  const doc = parseTomlDocument(text);
  const packages = doc["package"];
  if (packages === undefined) return { dependencies: [] };
  if (!Array.isArray(packages)) throw new ManifestParseError("`package` must be an array of tables", lineOf(text, "package"));

  const dependencies: Dependency[] = [];
  packages.forEach((pkg: unknown, index) => {
    const fail: Fail = (message, needle) => {
      throw new ManifestParseError(`package #${index + 1}: ${message}`, needle === undefined ? undefined : lineOf(text, needle));
    };
    if (!isRecord(pkg)) fail("must be a table");
    const name = pkg["name"];
    const version = pkg["version"];
    if (typeof name !== "string" || name === "") fail("has no name");
    if (typeof version !== "string") fail(`"${name}" has no version`, `name = "${name}"`);
    const dep: Dependency = { name, version, scope: scopeOf(pkg), direct: false };
    const source = sourceOf(pkg["source"]);
    if (source !== undefined) dep.source = source;
    dependencies.push(dep);
  });
  return { dependencies };
}

function scopeOf(pkg: Record<string, unknown>): DependencyScope {
  const optional = pkg["optional"] === true;
  const groups = pkg["groups"];
  if (Array.isArray(groups) && groups.length > 0) {
    if (!groups.includes("main")) return "dev";
    return optional ? "optional" : "prod";
  }
  if (pkg["category"] === "dev") return "dev";
  return optional ? "optional" : "prod";
}

/** `[package.source]`: git (with the resolved commit), a custom index, a URL, a file or a folder. */
function sourceOf(source: unknown): string | undefined {
  if (!isRecord(source) || typeof source["url"] !== "string") return undefined;
  const url = source["url"];
  if (source["type"] === "git") {
    const ref = source["resolved_reference"] ?? source["reference"];
    return gitSource(url, typeof ref === "string" ? ref : undefined);
  }
  if (source["type"] === "legacy" && isDefaultIndex(url)) return undefined;
  return url;
}
