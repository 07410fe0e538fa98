/**
 * Cargo.lock reader (smol-toml). Every `[[package]]` is resolved, so all entries are
 * direct=false; entries without a source are the workspace's own crates and path crates,
 * which Cargo.toml already reports, so they are left out.
 */
import { ManifestParseError, type Dependency, type ExtractResult } from "../types.js";
import { isTable, parseToml } from "../shared/toml.js";

/** crates.io through the git index and through the sparse protocol. */
const DEFAULT_REGISTRIES = new Set([
  "registry+https://github.com/rust-lang/crates.io-index",
  "sparse+https://index.crates.io/",
]);

export function extractCargoLock(text: string): ExtractResult {
  const doc = parseToml(text);
  if (Object.keys(doc).length === 0) return { dependencies: [] };
  const packages = doc.package;
  if (!Array.isArray(packages)) {
    throw new ManifestParseError("Cargo.lock has no [[package]] entries");
  }

  const dependencies: Dependency[] = [];
  const headers = packageHeaderLines(text);
  packages.forEach((entry: unknown, index) => {
    const line = headers[index];
    if (!isTable(entry)) throw new ManifestParseError("[[package]] entry must be a table", line);
    const { name, version, source } = entry;
    if (typeof name !== "string" || typeof version !== "string") {
      throw new ManifestParseError("[[package]] entry needs a string name and version", line);
    }
    if (source === undefined) return;
    if (typeof source !== "string") {
      throw new ManifestParseError(`source of package "${name}" must be a string`, line);
    }
    const dep: Dependency = { name, version, scope: "prod", direct: false };
    if (!DEFAULT_REGISTRIES.has(source)) dep.source = source;
    dependencies.push(dep);
  });
  return { dependencies };
}

/** Lines of the `[[package]]` headers, in order, so an entry's error can point at it. */
function packageHeaderLines(text: string): number[] {
  const lines: number[] = [];
  text.split(/\r?\n/).forEach((l, i) => {
    if (/^\s*\[\[\s*package\s*\]\]/.test(l)) lines.push(i + 1);
  });
  return lines;
}
