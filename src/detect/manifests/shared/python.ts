/**
 * Helpers shared by the Python managers: PEP 508 requirement strings, TOML errors,
 * positions and small shape checks. Kept in this folder because requirements files are
 * where PEP 508 parsing starts; the other Python managers import it from here.
 */
import { parsePipRequirementsLine, RequirementsSyntaxError } from "pip-requirements-js";
import type { Requirement, VersionSpec } from "pip-requirements-js";
import { parse as parseToml, TomlError } from "smol-toml";
import { ManifestParseError } from "../types.js";

/** One requirement reduced to what a Dependency needs. */
export interface ParsedRequirement {
  name: string;
  version?: string;
  source?: string;
}

/** A requirement string that is not valid; `column` is 1-based within the string. */
export class RequirementError extends Error {
  constructor(
    message: string,
    public readonly column?: number,
  ) {
    super(message);
    this.name = "RequirementError";
  }
}

/** PEP 508 distribution name (letters, digits, `-`, `_`, `.`; alphanumeric at both ends). */
export const PEP508_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

const PYPI_INDEXES = new Set(["https://pypi.org/simple", "https://pypi.python.org/simple", "https://pypi.org/pypi"]);

/** True for the public PyPI index, which is the default and so is not reported as a source. */
export function isDefaultIndex(url: string): boolean {
  return PYPI_INDEXES.has(url.trim().replace(/\/+$/, ""));
}

/** PEP 503 normalised name, only for matching names inside one file (emitted names stay as declared). */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/**
 * `==1.2.3` (or `===1.2.3`) alone is a pin and yields the bare version; anything else is
 * reported as the specifier string (`>=1.0,<2`, `==1.*`).
 */
export function formatSpecifiers(specs: readonly { operator: string; version: string }[]): string | undefined {
  if (specs.length === 0) return undefined;
  const only = specs.length === 1 ? specs[0] : undefined;
  if (only && (only.operator === "==" || only.operator === "===") && !only.version.includes("*")) {
    return only.version;
  }
  return specs.map((s) => `${s.operator}${s.version}`).join(",");
}

/**
 * Same rule for a specifier that is already a string (Pipfile, Poetry, conda):
 * a single exact `==x` becomes `x`, `*` and empty mean "any" (no version).
 */
export function formatSpecifierString(spec: string): string | undefined {
  const trimmed = spec.trim();
  if (trimmed === "" || trimmed === "*") return undefined;
  const exact = /^===?\s*([^\s,;*<>=!~]+)$/.exec(trimmed);
  if (exact?.[1]) return exact[1];
  return trimmed.replace(/\s*,\s*/g, ",").replace(/([<>=!~^]=?=?)\s+/g, "$1");
}

/**
 * Parse one PEP 508 requirement (`name[extras] specifiers ; marker` or `name @ url`).
 * pip-requirements-js implements the PEP 508 grammar; the arbitrary-equality operator
 * `===` is missing from its version grammar, so it is parsed as `==` and restored.
 */
export function parsePep508(text: string): ParsedRequirement {
  const trimmed = text.trim();
  if (trimmed === "") throw new RequirementError("empty requirement");
  // The library also accepts pip's `-r`/`-c` lines, which are not PEP 508.
  if (trimmed.startsWith("-")) throw new RequirementError(`"${trimmed}" is not a PEP 508 requirement`, 1);

  const arbitrary = new Set<string>();
  let input = text;
  if (text.includes("===")) {
    for (const m of text.matchAll(/===\s*([^\s,;)]+)/g)) if (m[1]) arbitrary.add(m[1]);
    input = text.replace(/===/g, "==");
  }

  // The library's grammar wants whitespace before the marker of a `name @ url` requirement but
  // its implicit whitespace skipping consumes it, so `name @ url ; marker` never parses.
  // Such a line is parsed without its marker, and the marker is checked on its own.
  const urlMarker = /^([^;]*@[^;]*?)\s+;(.*)$/s.exec(input);
  if (urlMarker?.[1] !== undefined && urlMarker[2] !== undefined) {
    parseLine(`placeholder;${urlMarker[2]}`, trimmed, urlMarker[1].length + 1);
    input = urlMarker[1];
  }
  const parsed = parseLine(input, trimmed, 0);
  if (parsed === null) throw new RequirementError(`"${trimmed}" holds no requirement`);
  switch (parsed.type) {
    case "ProjectName": {
      const specs = (parsed.versionSpec ?? []).map((s: VersionSpec) => ({
        operator: s.operator === "==" && arbitrary.has(s.version) ? "===" : s.operator,
        version: s.version,
      }));
      const version = formatSpecifiers(specs);
      return version === undefined ? { name: parsed.name } : { name: parsed.name, version };
    }
    case "ProjectURL":
      return { name: parsed.name, source: parsed.url };
    default:
      throw new RequirementError(`"${trimmed}" is not a PEP 508 requirement`, 1);
  }
}

function parseLine(input: string, original: string, shift: number): Requirement | null {
  try {
    return parsePipRequirementsLine(input);
  } catch (err) {
    if (err instanceof RequirementsSyntaxError) {
      const m = /col (\d+): (.*)$/s.exec(err.message);
      const reason = m?.[2]?.split("\n")[0] ?? err.message;
      const column = m?.[1] ? Math.max(1, Number(m[1]) + shift - (shift > 0 ? "placeholder;".length : 0)) : undefined;
      throw new RequirementError(`invalid requirement "${original}": ${reason}`, column);
    }
    throw err;
  }
}

/** Parse TOML, turning smol-toml's error (which knows line and column) into a ManifestParseError. */
export function parseTomlDocument(text: string): Record<string, unknown> {
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError) {
      const reason = (err.message.split("\n")[0] ?? err.message).replace(/^Invalid TOML document: /, "");
      throw new ManifestParseError(`invalid TOML: ${reason}`, err.line, err.column);
    }
    throw err;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** 1-based line of a character offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Best-effort line for an error inside a parsed value: parsers of TOML and JSON return plain
 * objects without positions, so the line of the first occurrence of the value's text is used.
 */
export function lineOf(text: string, needle: string): number | undefined {
  if (needle === "") return undefined;
  const at = text.indexOf(needle);
  return at < 0 ? undefined : lineAt(text, at);
}

/** Turn a RequirementError found in a value of a structured file into a ManifestParseError. */
export function requirementFailure(err: unknown, where: string, text: string, raw: string): never {
  if (err instanceof RequirementError) {
    throw new ManifestParseError(`${where}: ${err.message}`, lineOf(text, raw));
  }
  throw err;
}

/** `git+<url>@<ref>`: the PEP 508 spelling of a Git source, used for every Git dependency. */
export function gitSource(url: string, ref?: string): string {
  const base = url.startsWith("git+") ? url : `git+${url}`;
  return ref ? `${base}@${ref}` : base;
}
