import { LineCounter, parseDocument, isMap, type Document } from "yaml";
import type { z } from "zod";
import { configFileSchema, type ConfigFile } from "./schema.js";

/** One problem in a configuration file, positioned for an editor: `file:line:column message`. */
export interface ConfigProblem {
  file: string;
  line?: number;
  column?: number;
  message: string;
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}:${p.column ?? 1}` : p.file;
  return `${where} ${p.message}`;
}

export type ParseResult =
  | { ok: true; config: ConfigFile }
  | { ok: false; problems: ConfigProblem[] };

/** Parse and validate one configuration file, reporting every problem with its position. */
export function parseConfigText(text: string, file: string): ParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return { file, line: pos.line, column: pos.col, message: firstLine(e.message) };
      }),
    };
  }
  const value: unknown = doc.toJS() ?? {};
  if (typeof value !== "object" || Array.isArray(value) || value === null) {
    return {
      ok: false,
      problems: [{ file, line: 1, column: 1, message: "the configuration must be a mapping of keys (e.g. `systems:`)" }],
    };
  }
  // reportInput: tells a key that is present with the wrong type from a missing one.
  const parsed = configFileSchema.safeParse(value, { reportInput: true });
  if (parsed.success) return { ok: true, config: parsed.data };
  return { ok: false, problems: parsed.error.issues.map((issue) => locateIssue(issue, doc, lineCounter, file)) };
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}

type Issue = z.core.$ZodIssue;

function locateIssue(issue: Issue, doc: Document, lines: LineCounter, file: string): ConfigProblem {
  const path = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
  let message = describeIssue(issue, path);
  // Unknown keys are reported on their parent; point at the key itself.
  if (issue.code === "unrecognized_keys") {
    const parent = doc.getIn(path, true);
    const key = issue.keys[0];
    if (isMap(parent) && key !== undefined) {
      const pair = parent.items.find((item) => String((item.key as { value?: unknown })?.value) === key);
      const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
      if (range) return { file, ...position(lines, range[0]), message };
    }
  }
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) {
      if (depth < path.length && issue.code === "invalid_type" && issue.input === undefined) {
        message = `${pathLabel(path)} is required`;
      }
      return { file, ...position(lines, node.range[0]), message };
    }
  }
  return { file, line: 1, column: 1, message };
}

function position(lines: LineCounter, offset: number): { line: number; column: number } {
  const pos = lines.linePos(offset);
  return { line: pos.line, column: pos.col };
}

function pathLabel(path: (string | number)[]): string {
  return path.reduce<string>((acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), "");
}

const TYPE_NOUNS: Record<string, string> = { array: "a list", object: "a mapping", string: "a string", number: "a number", boolean: "true or false", null: "an empty value" };

function typeNoun(type: string): string {
  return TYPE_NOUNS[type] ?? type;
}

function yamlType(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
}

function describeIssue(issue: Issue, path: (string | number)[]): string {
  const at = path.length > 0 ? `${pathLabel(path)}: ` : "";
  switch (issue.code) {
    case "unrecognized_keys":
      return `${at}unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
    case "invalid_value":
      return `${at}must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_type":
      return issue.input === undefined ? `${pathLabel(path)} is required` : `${at}expected ${typeNoun(issue.expected)}, not ${typeNoun(yamlType(issue.input))}`;
    default:
      return `${at}${issue.message}`;
  }
}

/**
 * Layer configs: objects merge key by key, arrays and scalars in `override` replace those in
 * `base`. Arrays replace so a repository can narrow an organisation's list (e.g. `ignore`).
 */
export function mergeConfigs<T extends object>(base: T, override: Partial<T>): T {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue;
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? mergeConfigs(current, value) : value;
  }
  return out as T;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
