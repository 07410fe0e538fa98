/**
 * JSON helpers shared by the npm-ecosystem managers: strict parsing whose errors carry a line
 * and column, and cheap positions for problems found after parsing.
 */
import { parse as parseJsonc, printParseErrorCode, type ParseError } from "jsonc-parser";
import { ManifestParseError } from "../types.js";

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** True for a file with nothing but whitespace (and a byte-order mark): it declares nothing. */
export function isBlank(text: string): boolean {
  return stripBom(text).trim() === "";
}

export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * One JSON.parse over the whole text (the fast path for 20 MB lockfiles). On failure the
 * position comes from V8's message; when the message has none, a strict jsonc-parser scan
 * (error path only) finds it.
 */
export function parseJson(text: string): unknown {
  const body = stripBom(text);
  try {
    return JSON.parse(body);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const where = errorPosition(body, message);
    throw new ManifestParseError(`invalid JSON: ${reasonOf(message)}`, where?.line, where?.column);
  }
}

/** bun.lock style JSON with comments and trailing commas; any syntax error is fatal. */
export function parseJsonWithComments(text: string): unknown {
  const body = stripBom(text);
  const errors: ParseError[] = [];
  const value: unknown = parseJsonc(body, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first) {
    const { line, column } = positionAt(body, first.offset);
    throw new ManifestParseError(`invalid JSON: ${describeJsoncError(first)}`, line, column);
  }
  return value;
}

/** 1-based line and column of a UTF-16 offset. */
export function positionAt(text: string, offset: number): { line: number; column: number } {
  const end = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < end; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: end - lineStart + 1 };
}

/**
 * Line of a member reached by a chain of keys, found by text search from each previous hit
 * (no second parse, so it stays cheap on big files). Used only to place an error, so an
 * approximate answer is acceptable and undefined is returned when a key is not found.
 */
export function lineOfKeys(text: string, keys: readonly string[]): number | undefined {
  let from = 0;
  let at = -1;
  for (const key of keys) {
    at = text.indexOf(JSON.stringify(key), from);
    if (at === -1) return undefined;
    from = at + 1;
  }
  return at === -1 ? undefined : positionAt(text, at).line;
}

function errorPosition(body: string, message: string): { line: number; column: number } | undefined {
  // Node 22+: "... (line 3 column 1)".
  const lc = /\(line (\d+) column (\d+)\)/.exec(message);
  if (lc) return { line: Number(lc[1]), column: Number(lc[2]) };
  const at = /at position (\d+)/.exec(message);
  if (at) return positionAt(body, Number(at[1]));
  if (/Unexpected end of JSON input/.test(message)) return positionAt(body, body.length);
  // "Unexpected token 'x', "..." is not valid JSON" carries no position: scan strictly for it.
  const errors: ParseError[] = [];
  parseJsonc(body, errors, { allowTrailingComma: false, disallowComments: true });
  const first = errors[0];
  return first ? positionAt(body, first.offset) : undefined;
}

/** V8's reason without its position suffix or its echo of the source text. */
function reasonOf(message: string): string {
  return (
    message
      .replace(/, (?:\.\.\.)?".*" is not valid JSON$/s, "")
      .replace(/ in JSON at position \d+.*$/s, "")
      .replace(/ \(line \d+ column \d+\)$/, "")
      .trim() || "syntax error"
  );
}

function describeJsoncError(error: ParseError): string {
  const words = printParseErrorCode(error.error)
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
