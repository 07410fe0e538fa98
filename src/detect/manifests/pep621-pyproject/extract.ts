/**
 * pyproject.toml: PEP 621 `[project]`, PEP 735 `[dependency-groups]`, Poetry, uv and PDM tables,
 * and `[build-system] requires`.
 *
 * Build requirements are reported with scope "dev": they are not installed at run time, but they
 * run on the build machine and can pull in AI tooling (e.g. `torch` to compile CUDA extensions),
 * so hiding them would hide a supply-chain change.
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
  normalizeName,
  parsePep508,
  parseTomlDocument,
  requirementFailure,
} from "../shared/python.js";
import type { ParsedRequirement } from "../shared/python.js";
import { readSources } from "../shared/pipfile.js";
import { urlOrPathRequirement } from "../shared/requirements.js";

export function extractPyproject(text: string): ExtractResult {
  const doc = parseTomlDocument(text);
  const out = new DependencyList();
  const fail: Fail = (message, needle) => {
    throw new ManifestParseError(message, needle === undefined ? undefined : lineOf(text, needle));
  };

  const tool = table(doc, "tool", fail);
  const uv = table(tool, "uv", fail, "tool.");
  const uvSources = readUvSources(uv, fail);

  /** PEP 508 strings; uv's `[tool.uv.sources]` supplies the source where the string has none. */
  const addPep508 = (value: unknown, where: string, scope: DependencyScope, group?: string, editable = false): void => {
    for (const raw of stringArray(value, where, fail)) {
      let req: ParsedRequirement | undefined;
      try {
        // PDM's dev groups also take pip's `-e <path or URL>` form.
        const location = editable ? /^-e\s+(.+)$/.exec(raw.trim())?.[1] : undefined;
        req = location === undefined ? parsePep508(raw) : urlOrPathRequirement(location);
      } catch (err) {
        requirementFailure(err, where, text, raw);
      }
      if (req === undefined) continue; // an editable local folder: the project's own code
      out.add({ ...req, source: req.source ?? uvSources.get(normalizeName(req.name)) }, scope, group);
    }
  };

  const project = table(doc, "project", fail);
  if (project) {
    addPep508(project["dependencies"], "project.dependencies", "prod");
    const optional = table(project, "optional-dependencies", fail, "project.");
    for (const [extra, list] of Object.entries(optional ?? {})) {
      addPep508(list, `project.optional-dependencies.${extra}`, "optional", extra);
    }
  }

  const groups = table(doc, "dependency-groups", fail);
  if (groups) {
    for (const group of Object.keys(groups)) {
      for (const raw of resolveGroup(groups, group, [], fail)) addPep508([raw], `dependency-groups.${group}`, "dev", group);
    }
  }

  const buildSystem = table(doc, "build-system", fail);
  if (buildSystem) addPep508(buildSystem["requires"], "build-system.requires", "dev", "build-system");

  // uv installs its legacy dev-dependencies as the `dev` group.
  if (uv) addPep508(uv["dev-dependencies"], "tool.uv.dev-dependencies", "dev", "dev");

  const pdm = table(tool, "pdm", fail, "tool.");
  const pdmDev = table(pdm, "dev-dependencies", fail, "tool.pdm.");
  for (const [group, list] of Object.entries(pdmDev ?? {})) {
    addPep508(list, `tool.pdm.dev-dependencies.${group}`, "dev", group, true);
  }

  const poetry = table(tool, "poetry", fail, "tool.");
  if (poetry) {
    // `[[tool.poetry.source]]`: named package indexes, so `source = "pytorch"` can report its URL.
    const sources = readSources(poetry["source"], fail, "tool.poetry.source");
    const addPoetry = (
      deps: Record<string, unknown> | undefined,
      where: string,
      scope: DependencyScope,
      group?: string,
    ): void => {
      for (const [name, spec] of Object.entries(deps ?? {})) {
        if (name.toLowerCase() === "python") continue; // the interpreter constraint, not a package
        if (!PEP508_NAME.test(name)) fail(`${where}: "${name}" is not a valid package name`, name);
        for (const entry of Array.isArray(spec) ? spec : [spec]) {
          out.addPoetry(name, entry, scope, group, sources, (message) => fail(`${where}.${name}: ${message}`, name));
        }
      }
    };
    addPoetry(table(poetry, "dependencies", fail, "tool.poetry."), "tool.poetry.dependencies", "prod");
    // Poetry reads the legacy dev-dependencies as the `dev` group.
    addPoetry(table(poetry, "dev-dependencies", fail, "tool.poetry."), "tool.poetry.dev-dependencies", "dev", "dev");
    const poetryGroups = table(poetry, "group", fail, "tool.poetry.");
    for (const [group, body] of Object.entries(poetryGroups ?? {})) {
      if (!isRecord(body)) fail(`tool.poetry.group.${group} must be a table`, group);
      // Poetry treats a group named "main" as the main dependencies.
      const scope = group === "main" ? "prod" : "dev";
      addPoetry(
        table(body, "dependencies", fail, `tool.poetry.group.${group}.`),
        `tool.poetry.group.${group}.dependencies`,
        scope,
        group === "main" ? undefined : group,
      );
    }
  }

  return { dependencies: out.list };
}

/** Dependencies in file order, without exact repeats (the same requirement twice in one group, or via include-group). */
class DependencyList {
  readonly list: Dependency[] = [];
  private readonly seen = new Set<string>();

  add(req: ParsedRequirement, scope: DependencyScope, group?: string): void {
    const key = JSON.stringify([req.name, req.version, req.source, scope, group]);
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const dep: Dependency = { name: req.name, scope, direct: true };
    if (req.version !== undefined) dep.version = req.version;
    if (req.source !== undefined) dep.source = req.source;
    if (group !== undefined) dep.group = group;
    this.list.push(dep);
  }

  /** Poetry: a constraint string, or a table with version/git/path/url/source/optional. */
  addPoetry(
    name: string,
    spec: unknown,
    scope: DependencyScope,
    group: string | undefined,
    sources: Map<string, string>,
    fail: (message: string) => never,
  ): void {
    if (typeof spec === "string") {
      this.add({ name, version: formatSpecifierString(spec) }, scope, group);
      return;
    }
    if (!isRecord(spec)) fail("expected a version string or a table");
    const version = optionalString(spec, "version", fail);
    let source: string | undefined;
    const git = optionalString(spec, "git", fail);
    if (git !== undefined) {
      const ref =
        optionalString(spec, "tag", fail) ?? optionalString(spec, "rev", fail) ?? optionalString(spec, "branch", fail);
      source = gitSource(git, ref);
    } else {
      source = optionalString(spec, "path", fail) ?? optionalString(spec, "url", fail);
      const index = optionalString(spec, "source", fail);
      if (source === undefined && index !== undefined) source = sources.get(index) ?? index;
    }
    if (version === undefined && source === undefined) fail("declares neither a version nor a source");
    const optional = spec["optional"] === true && scope === "prod";
    this.add(
      { name, version: version === undefined ? undefined : formatSpecifierString(version), source },
      optional ? "optional" : scope,
      group,
    );
  }
}

type Fail = (message: string, needle?: string) => never;

function table(
  parent: Record<string, unknown> | undefined,
  key: string,
  fail: Fail,
  prefix = "",
): Record<string, unknown> | undefined {
  const value = parent?.[key];
  if (value === undefined) return undefined;
  if (!isRecord(value)) fail(`${prefix}${key} must be a table`, key);
  return value;
}

function stringArray(value: unknown, where: string, fail: Fail): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(`${where} must be an array of strings`, where.split(".").pop());
  return value.map((v) => (typeof v === "string" ? v : fail(`${where} must contain only strings`, where.split(".").pop())));
}

function optionalString(spec: Record<string, unknown>, key: string, fail: (message: string) => never): string | undefined {
  const value = spec[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string") fail(`"${key}" must be a string`);
  return value;
}

/** PEP 735: a group lists requirement strings and `{include-group = "other"}` tables. */
function resolveGroup(groups: Record<string, unknown>, name: string, stack: string[], fail: Fail): string[] {
  const wanted = normalizeName(name);
  const key = Object.keys(groups).find((k) => normalizeName(k) === wanted);
  if (key === undefined) fail(`dependency-groups: included group "${name}" does not exist`, name);
  if (stack.includes(wanted)) fail(`dependency-groups: "${name}" includes itself`, name);
  const entries = groups[key];
  if (!Array.isArray(entries)) fail(`dependency-groups.${key} must be an array`, key);
  const result: string[] = [];
  for (const entry of entries) {
    if (typeof entry === "string") {
      result.push(entry);
    } else if (isRecord(entry) && typeof entry["include-group"] === "string") {
      result.push(...resolveGroup(groups, entry["include-group"], [...stack, wanted], fail));
    } else {
      fail(`dependency-groups.${key}: entries must be strings or {include-group = "..."}`, key);
    }
  }
  return result;
}

/** `[tool.uv.sources]`: where uv takes a package from during development, by normalised name. */
function readUvSources(uv: Record<string, unknown> | undefined, fail: Fail): Map<string, string> {
  const result = new Map<string, string>();
  const sources = table(uv, "sources", fail, "tool.uv.");
  if (!sources) return result;
  const indexes = new Map<string, string>();
  const indexList = uv?.["index"];
  if (Array.isArray(indexList)) {
    for (const index of indexList) {
      if (isRecord(index) && typeof index["name"] === "string" && typeof index["url"] === "string") {
        indexes.set(index["name"], index["url"]);
      }
    }
  }
  for (const [name, raw] of Object.entries(sources)) {
    // Several sources with markers are allowed; the first one stands for the package.
    const spec = Array.isArray(raw) ? raw[0] : raw;
    if (!isRecord(spec)) fail(`tool.uv.sources.${name} must be a table`, name);
    const str = (key: string): string | undefined => (typeof spec[key] === "string" ? spec[key] : undefined);
    let source: string | undefined;
    const git = str("git");
    if (git !== undefined) source = gitSource(git, str("tag") ?? str("rev") ?? str("branch"));
    else if (str("path") !== undefined) source = str("path");
    else if (str("url") !== undefined) source = str("url");
    else if (str("index") !== undefined) {
      const index = str("index") ?? "";
      const url = indexes.get(index);
      source = url === undefined ? index : isDefaultIndex(url) ? undefined : url;
    } else if (spec["workspace"] === true) source = "workspace";
    if (source !== undefined) result.set(normalizeName(name), source);
  }
  return result;
}
