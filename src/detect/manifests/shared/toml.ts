import { parse, TomlError } from "smol-toml";
import { ManifestParseError } from "../types.js";

export type TomlTable = Record<string, unknown>;

/** Parse TOML, turning smol-toml's error into a ManifestParseError with its line and column. */
export function parseToml(text: string): TomlTable {
  try {
    return parse(text) as TomlTable;
  } catch (err) {
    if (err instanceof TomlError) {
      // smol-toml appends a code excerpt after the first line; keep only the reason.
      const reason = (err.message.split("\n")[0] ?? err.message).replace(/^Invalid TOML document:\s*/, "");
      throw new ManifestParseError(`invalid TOML: ${reason}`, err.line, err.column);
    }
    throw err;
  }
}

export function isTable(value: unknown): value is TomlTable {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/**
 * Best-effort line of a key for errors found after parsing (smol-toml keeps no positions):
 * the first line that assigns `key` or opens a table ending in it, searched from the header
 * of table `within` when given and present.
 */
export function lineOfKey(text: string, key: string, within?: string): number | undefined {
  const lines = text.split(/\r?\n/);
  let from = 0;
  if (within !== undefined) {
    const header = new RegExp(`^\\s*\\[\\s*${escape(within)}\\s*\\]`);
    from = Math.max(0, lines.findIndex((l) => header.test(l)));
  }
  const re = new RegExp(`^\\s*(?:\\[+[^\\]]*?)?["']?${escape(key)}["']?\\s*(?:=|\\]|\\.)`);
  for (let i = from; i < lines.length; i++) if (re.test(lines[i] as string)) return i + 1;
  return undefined;
}

function escape(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
