/**
 * yarn.lock reader for classic (v1) and berry (v2+) lockfiles, both through @yarnpkg/parsers'
 * parseSyml, the parser yarn itself uses. yarn.lock does not record dev/prod, so every entry is
 * prod and package.json supplies the scope. Each entry keeps the ranges of its descriptors, so the
 * dependency diff can tell the copy package.json's range installs from other copies of the package.
 * Berry also records the root workspace's own dependencies: the entries they resolve to are direct.
 * Classic lockfiles do not, so their entries are direct=false.
 */
import { parseSyml } from "@yarnpkg/parsers";
import { ManifestParseError, type Dependency, type ExtractResult } from "../types.js";
import { DependencyCollector } from "../shared/npm-collect.js";
import { isBlank, isObject, positionAt, type JsonObject } from "../shared/json.js";
import { declaredSpec, isDefaultRegistryUrl, splitIdent } from "../shared/npm-spec.js";
import { redactUrl } from "../shared/url.js";

const CLASSIC_HEADER = /^(#.*\r?\n)*?#\s+yarn\s+lockfile\s+v1\r?\n/i;

/** Berry's version for workspaces and links, which have none of their own. */
const LOCAL_VERSION = "0.0.0-use.local";

export function extractYarnLock(text: string): ExtractResult {
  if (isBlank(text)) return { dependencies: [] };
  const doc = parse(text);
  const rootDescriptors = berryRootDescriptors(doc);
  const collected = new DependencyCollector();
  for (const [key, entry] of Object.entries(doc)) {
    if (key === "__metadata") continue;
    if (!isObject(entry)) throw entryError(text, key, "must be a mapping");
    const { resolution } = entry;
    const dep =
      typeof resolution === "string" ? fromBerry(text, key, entry, resolution) : fromClassic(text, key, entry);
    if (!dep) continue;
    const ranges = descriptorRanges(key);
    if (ranges.length > 0) dep.ranges = ranges;
    // Berry qualifies a link's or file's descriptor with its requester: `a@link:../a::locator=app%40workspace%3A.`.
    if (descriptors(key).some((d) => rootDescriptors.has(d.replace(/::.*$/s, "")))) dep.direct = true;
    // Classic lockfiles repeat an entry once per descriptor that resolves to it.
    collected.add(dep);
  }
  return { dependencies: collected.list() };
}

/** An entry's key lists the descriptors that resolve to it: `"a@npm:^1.0.0, a@npm:^1.1.0"`. */
function descriptors(key: string): string[] {
  return key
    .split(",")
    .map((d) => d.trim().replace(/^"(.*)"$/s, "$1"))
    .filter((d) => d !== "");
}

/** The registry ranges of an entry's descriptors as package.json writes them: `^1.0.0`, `^1.1.0`. */
function descriptorRanges(key: string): string[] {
  const ranges: string[] = [];
  for (const descriptor of descriptors(key)) {
    const ident = splitIdent(descriptor);
    if (!ident) continue;
    const range = declaredSpec(ident.name, ident.rest).version;
    if (range !== undefined && !ranges.includes(range)) ranges.push(range);
  }
  return ranges;
}

/**
 * Berry: the root workspace's entry (`resolution: "app@workspace:."`) lists what the project's
 * package.json declares (dependencies and devDependencies alike) as `name: npm:^1.0.0`, the very
 * descriptors that key the entries they resolve to.
 */
function berryRootDescriptors(doc: JsonObject): Set<string> {
  const out = new Set<string>();
  for (const entry of Object.values(doc)) {
    if (!isObject(entry) || typeof entry.resolution !== "string") continue;
    if (!/@workspace:\.$/.test(entry.resolution)) continue;
    for (const field of ["dependencies", "optionalDependencies"]) {
      const declared = entry[field];
      if (!isObject(declared)) continue;
      for (const [name, range] of Object.entries(declared)) if (typeof range === "string") out.add(`${name}@${range}`);
    }
  }
  return out;
}

/**
 * parseSyml reads text with yarn 1's header through yarn 1's grammar and anything else as YAML
 * (berry). yarn 1 always writes the header, but a file that lost it would read as YAML strings;
 * without berry's `__metadata` either, the classic grammar (which also reads berry's layout) is the
 * right one.
 */
function parse(text: string): JsonObject {
  const headerless = !CLASSIC_HEADER.test(text) && !/^__metadata:/m.test(text);
  try {
    return parseSyml(headerless ? `# yarn lockfile v1\n${text}` : text);
  } catch (error) {
    throw toParseError(error, headerless ? 1 : 0);
  }
}

/** parseSyml raises pegjs errors (classic, 1-based location) and js-yaml errors (berry, 0-based mark). */
function toParseError(error: unknown, addedLines: number): ManifestParseError {
  if (!(error instanceof Error)) return new ManifestParseError(String(error));
  const e = error as Error & {
    location?: { start?: { line?: number; column?: number } };
    mark?: { line?: number; column?: number };
    reason?: string;
  };
  const start = e.location?.start;
  if (typeof start?.line === "number") {
    return new ManifestParseError(e.message, Math.max(1, start.line - addedLines), start.column);
  }
  if (typeof e.mark?.line === "number") {
    return new ManifestParseError(
      e.reason ?? e.message.split("\n")[0] ?? e.message,
      e.mark.line + 1,
      typeof e.mark.column === "number" ? e.mark.column + 1 : undefined,
    );
  }
  return new ManifestParseError(e.message);
}

/** `"@s/a@^1.0.0", "@s/a@^1.1.0":` with `version "1.2.0"` and `resolved "<tarball>#<sha1>"`. */
function fromClassic(text: string, key: string, entry: JsonObject): Dependency | undefined {
  const descriptor = key.split(",")[0]?.trim() ?? key;
  const ident = splitIdent(descriptor);
  if (!ident) throw entryError(text, key, "does not start with name@range");
  const version = entry.version;
  if (typeof version !== "string") throw entryError(text, key, `has no "version"`);
  const resolved = entry.resolved;
  if (resolved !== undefined && typeof resolved !== "string") {
    throw entryError(text, key, `has a non-string "resolved"`);
  }

  const declared = declaredSpec(ident.name, ident.rest);
  const dep: Dependency = { name: declared.name, version, scope: "prod", direct: false };
  if (resolved !== undefined && !isDefaultRegistryUrl(resolved)) dep.source = redactUrl(withoutTarballHash(resolved));
  // file: and link: entries have no `resolved`; their descriptor says where they come from.
  else if (resolved === undefined && declared.source !== undefined && !declared.source.startsWith("npm:")) {
    dep.source = declared.source;
  }
  return dep;
}

/**
 * `"a@npm:^1.0.0, a@npm:^1.1.0":` with `resolution: "a@npm:1.2.0"`. The resolution names the
 * package actually installed, so aliases (`b@npm:a@^1`) report `a`.
 */
function fromBerry(text: string, key: string, entry: JsonObject, resolution: string): Dependency | undefined {
  const ident = splitIdent(resolution);
  if (!ident) throw entryError(text, key, `has a resolution without name@reference`);
  const version = entry.version;
  if (typeof version !== "string") throw entryError(text, key, `has no "version"`);
  const reference = ident.rest.replace(/::.*$/s, "");
  const protocol = /^[a-z][a-z0-9+.-]*:/i.exec(reference)?.[0] ?? "";

  // The project itself and its workspaces: read through their package.json files.
  if (protocol === "workspace:") return undefined;
  // yarn's own compatibility patches (fsevents, resolve, typescript) shadow an npm entry kept beside them.
  if (protocol === "patch:" && /builtin</.test(reference)) return undefined;

  const dep: Dependency = { name: ident.name, scope: "prod", direct: false };
  if (version !== LOCAL_VERSION) dep.version = version;
  if (protocol !== "npm:") dep.source = redactUrl(reference);
  return dep;
}

/**
 * yarn 1 appends the tarball's sha1 to `resolved` (`.../a-1.0.0.tgz#<sha1>`); it is a checksum,
 * not part of where the package comes from. A git URL's fragment is the commit and stays.
 */
function withoutTarballHash(url: string): string {
  return /^https?:/i.test(url) && !/\.git#/.test(url) ? url.replace(/#[0-9a-f]{40}$/i, "") : url;
}

function entryError(text: string, key: string, problem: string): ManifestParseError {
  return new ManifestParseError(`entry "${key}" ${problem}`, lineOfEntry(text, key));
}

/** Line of the entry's header, found by its first descriptor; error path only. */
function lineOfEntry(text: string, key: string): number | undefined {
  const first = key.split(",")[0]?.trim();
  if (!first) return undefined;
  const at = text.indexOf(first);
  return at < 0 ? undefined : positionAt(text, at).line;
}
