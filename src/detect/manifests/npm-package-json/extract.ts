/**
 * package.json reader. Every declared dependency is direct; the declared range is the version,
 * and specs that do not name a registry version (aliases, git, paths, URLs, workspace:) are
 * reported as the source.
 */
import { ManifestParseError, type Dependency, type ExtractResult } from "../types.js";
import { isBlank, isObject, lineOfKeys, parseJson } from "../shared/json.js";
import { declaredSpec, DEPENDENCY_SECTIONS } from "../shared/npm-spec.js";

export function extractPackageJson(text: string): ExtractResult {
  if (isBlank(text)) return { dependencies: [] };
  const doc = parseJson(text);
  if (!isObject(doc)) throw new ManifestParseError("package.json must be a JSON object", 1, 1);

  const dependencies: Dependency[] = [];
  for (const [section, scope] of DEPENDENCY_SECTIONS) {
    const map = doc[section];
    if (map === undefined || map === null) continue;
    if (!isObject(map)) {
      throw new ManifestParseError(`"${section}" must be an object of name to version`, lineOfKeys(text, [section]));
    }
    for (const [key, spec] of Object.entries(map)) {
      if (typeof spec !== "string") {
        throw new ManifestParseError(
          `version of "${key}" in "${section}" must be a string`,
          lineOfKeys(text, [section, key]),
        );
      }
      const { name, version, source } = declaredSpec(key, spec);
      const dep: Dependency = { name, scope, direct: true };
      if (version !== undefined) dep.version = version;
      if (source !== undefined) dep.source = source;
      dependencies.push(dep);
    }
  }
  return { dependencies };
}
