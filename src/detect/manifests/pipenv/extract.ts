/**
 * Pipfile (TOML): `[packages]` is prod, `[dev-packages]` dev, and any other package category
 * (pipenv >= 2023 allows e.g. `[docs]`) is also dev, since it is only installed on request.
 */
import type { Dependency, DependencyScope, ExtractResult } from "../types.js";
import { ManifestParseError } from "../types.js";
import { PEP508_NAME, isRecord, lineOf, parseTomlDocument } from "../shared/python.js";
import { pipenvDependency, readSources, type Fail } from "../shared/pipfile.js";

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
