/**
 * Cargo.toml reader (smol-toml). Sources are written in Cargo's own SourceId notation
 * (`git+URL?tag=...`, `registry+NAME`, `path+DIR`) so they read the same as in Cargo.lock.
 */
import {
  ManifestParseError,
  type Dependency,
  type DependencyScope,
  type ExtractResult,
} from "../types.js";
import { isTable, lineOfKey, parseToml, type TomlTable } from "../shared/toml.js";

/** Dependency tables and their scope; the underscore spellings are Cargo's old aliases. */
const SECTIONS: ReadonlyArray<[string, DependencyScope]> = [
  ["dependencies", "prod"],
  ["dev-dependencies", "dev"],
  ["dev_dependencies", "dev"],
  ["build-dependencies", "dev"],
  ["build_dependencies", "dev"],
];

export function extractCargoToml(text: string): ExtractResult {
  const doc = parseToml(text);
  if (Object.keys(doc).length === 0) return { dependencies: [] };
  if (!isTable(doc.package) && !isTable(doc.workspace) && !isTable(doc.project)) {
    // Cargo rejects such a manifest too; it is most likely some other TOML file.
    throw new ManifestParseError("Cargo.toml has neither a [package] nor a [workspace] table");
  }

  const workspace = isTable(doc.workspace) ? doc.workspace : undefined;
  const workspaceDeps = tableAt(workspace, "dependencies", "workspace.dependencies", text);
  const ctx: Context = { text, workspaceDeps };
  const dependencies: Dependency[] = [];

  const collect = (owner: TomlTable, prefix: string): void => {
    for (const [key, scope] of SECTIONS) {
      const section = tableAt(owner, key, `${prefix}${key}`, text);
      if (!section) continue;
      for (const [alias, spec] of Object.entries(section)) {
        dependencies.push(toDependency(alias, spec, scope, ctx, `${prefix}${key}`));
      }
    }
  };

  collect(doc, "");
  const target = tableAt(doc, "target", "target", text);
  for (const [platform, table] of Object.entries(target ?? {})) {
    if (!isTable(table)) {
      throw new ManifestParseError(`[target.${platform}] must be a table`, lineOfKey(text, platform));
    }
    collect(table, `target.${platform}.`);
  }
  if (workspaceDeps) {
    for (const [alias, spec] of Object.entries(workspaceDeps)) {
      dependencies.push(toDependency(alias, spec, "prod", { text }, "workspace.dependencies"));
    }
  }
  return { dependencies };
}

interface Context {
  text: string;
  workspaceDeps?: TomlTable | undefined;
}

function toDependency(
  alias: string,
  spec: unknown,
  scope: DependencyScope,
  ctx: Context,
  section: string,
): Dependency {
  const fail = (reason: string): ManifestParseError =>
    new ManifestParseError(`dependency "${alias}" ${reason}`, lineOfKey(ctx.text, alias, section));
  if (typeof spec === "string") return { name: alias, version: spec, scope, direct: true };
  if (!isTable(spec)) throw fail("must be a version string or a table");

  let table = spec;
  if (spec.workspace === true) {
    // `foo = { workspace = true }` inherits from [workspace.dependencies] when this file has it
    // (a virtual root); a member's own keys (features, optional) are added on top.
    const inherited = ctx.workspaceDeps?.[alias];
    if (typeof inherited === "string") table = { version: inherited, ...spec };
    else if (isTable(inherited)) table = { ...inherited, ...spec };
  }

  const name = table.package ?? alias;
  if (typeof name !== "string") throw fail('has a "package" that is not a string');
  const dep: Dependency = {
    name,
    scope: table.optional === true ? "optional" : scope,
    direct: true,
  };
  if (typeof table.version === "string") dep.version = table.version;
  const source = sourceOf(table);
  if (source) dep.source = source;
  return dep;
}

function sourceOf(table: TomlTable): string | undefined {
  if (typeof table.git === "string") {
    for (const ref of ["rev", "tag", "branch"] as const) {
      const value = table[ref];
      if (typeof value === "string") return `git+${table.git}?${ref}=${value}`;
    }
    return `git+${table.git}`;
  }
  // A path wins over a version locally; the version only matters once published.
  if (typeof table.path === "string") return `path+${table.path}`;
  if (typeof table.registry === "string") return `registry+${table.registry}`;
  if (typeof table["registry-index"] === "string") return `registry+${table["registry-index"]}`;
  return undefined;
}

function tableAt(owner: TomlTable | undefined, key: string, label: string, text: string): TomlTable | undefined {
  const value = owner?.[key];
  if (value === undefined) return undefined;
  if (!isTable(value)) {
    throw new ManifestParseError(`[${label}] must be a table`, lineOfKey(text, key));
  }
  return value;
}
