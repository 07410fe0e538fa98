/**
 * Gradle version catalogs (`gradle/libs.versions.toml`, smol-toml): `[libraries]` entries as
 * `"g:a:v"` strings or tables with `module` or `group`/`name`, and a version given inline,
 * as a rich version (`strictly`/`require`/`prefer`) or by `version.ref` into `[versions]`.
 * `[plugins]` and `[bundles]` add no libraries. The catalog does not say which configuration
 * uses a library, so every entry is scope prod.
 */
import { ManifestParseError, type Dependency, type ExtractResult } from "../types.js";
import { isTable, lineOfKey, parseToml, type TomlTable } from "../shared/toml.js";

export function extractVersionCatalog(text: string): ExtractResult {
  const doc = parseToml(text);
  const versions = section(doc, "versions", text);
  const libraries = section(doc, "libraries", text);

  const dependencies: Dependency[] = [];
  for (const [alias, spec] of Object.entries(libraries ?? {})) {
    const fail = (reason: string): ManifestParseError =>
      new ManifestParseError(`library "${alias}": ${reason}`, lineOfKey(text, alias, "libraries"));

    if (typeof spec === "string") {
      const [group, name, version, ...rest] = spec.split(":");
      if (!group || !name || rest.length > 0) throw fail(`"${spec}" is not group:artifact[:version]`);
      dependencies.push(dep(`${group}:${name}`, version || undefined));
      continue;
    }
    if (!isTable(spec)) throw fail("must be a string or a table");

    let coordinate: string;
    if (typeof spec.module === "string") {
      const parts = spec.module.split(":");
      if (parts.length !== 2 || !parts[0] || !parts[1]) throw fail(`module "${spec.module}" is not group:artifact`);
      coordinate = spec.module;
    } else if (typeof spec.group === "string" && typeof spec.name === "string") {
      coordinate = `${spec.group}:${spec.name}`;
    } else {
      throw fail('needs "module" or "group" and "name"');
    }

    const declared = spec.version;
    let version: string | undefined;
    if (isTable(declared) && "ref" in declared) {
      const ref = declared.ref;
      if (typeof ref !== "string" || !(ref in (versions ?? {}))) {
        throw fail(`version.ref "${String(ref)}" is not in [versions]`);
      }
      version = versionOf(versions?.[ref]);
    } else {
      version = versionOf(declared);
    }
    dependencies.push(dep(coordinate, version));
  }
  return { dependencies };
}

function dep(name: string, version: string | undefined): Dependency {
  return { name, ...(version ? { version } : {}), scope: "prod", direct: true };
}

/** A plain version, or the constraint a rich version resolves with first. */
function versionOf(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (!isTable(value)) return undefined;
  for (const key of ["strictly", "require", "prefer"]) {
    const v = value[key];
    if (typeof v === "string") return v;
  }
  return undefined;
}

function section(doc: TomlTable, key: string, text: string): TomlTable | undefined {
  const value = doc[key];
  if (value === undefined) return undefined;
  if (!isTable(value)) throw new ManifestParseError(`[${key}] must be a table`, lineOfKey(text, key));
  return value;
}
