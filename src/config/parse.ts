import { LineCounter, parseDocument, isMap, type Document } from "yaml";
import type { z } from "zod";
import { closest } from "../util/closest.js";
import { keysAt } from "./json-schema.js";
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
  /** warnings: settings that are valid but cannot work as written (a glob that can never match). */
  | { ok: true; config: ConfigFile; warnings: ConfigProblem[] }
  | { ok: false; problems: ConfigProblem[] };

/** Parse and validate one configuration file, reporting every problem with its position. */
export function parseConfigText(text: string, file: string): ParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: sortProblems(
        doc.errors.map((e) => {
          const pos = lineCounter.linePos(e.pos[0]);
          return { file, line: pos.line, column: pos.col, message: firstLine(e.message) };
        }),
      ),
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
  if (parsed.success) return { ok: true, config: parsed.data, warnings: sortProblems(globWarnings(parsed.data, doc, lineCounter, file)) };
  const issues = withSuggestions(parsed.error.issues);
  return { ok: false, problems: sortProblems(issues.map((issue) => locateIssue(issue, doc, lineCounter, file))) };
}

type Path = (string | number)[];
const pathOf = (issue: Issue): Path => issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
const isMissing = (issue: Issue): boolean =>
  (issue.code === "invalid_type" || issue.code === "invalid_value") && "input" in issue && issue.input === undefined;

/**
 * An unknown key that is a typo of a missing one (`riskk` for `risk`) is one problem, not two: the
 * unknown key names the key it was meant to be, and the "is required" of that key is dropped.
 */
function withSuggestions(issues: readonly Issue[]): Issue[] {
  const dropped = new Set<string>();
  const out = issues.map((issue) => {
    if (issue.code !== "unrecognized_keys" || issue.keys.length !== 1) return issue;
    const path = pathOf(issue);
    const suggestion = closest(issue.keys[0]!, keysAt(path));
    if (!suggestion) return issue;
    dropped.add(JSON.stringify([...path, suggestion]));
    return { ...issue, suggestion } as Issue;
  });
  return out.filter((issue) => !(isMissing(issue) && dropped.has(JSON.stringify(pathOf(issue)))));
}

/** Paths are matched relative to the repository root: a leading `/`, `./` or a `..` segment never matches. */
export function globProblem(pattern: string): string | undefined {
  if (pattern.startsWith("/")) return `"${pattern}" can never match: paths are relative to the repository root, write "${pattern.replace(/^\/+/, "")}"`;
  if (pattern.startsWith("./")) return `"${pattern}" can never match: paths have no leading "./", write "${pattern.replace(/^(\.\/)+/, "")}"`;
  if (pattern.split("/").includes("..")) return `"${pattern}" can never match: paths inside the repository have no ".." segment`;
  if (pattern.includes("\\")) return `"${pattern}" can never match a path: paths use "/" as separator`;
  return undefined;
}

/** Every user glob in a configuration, with its path in the file. */
function globsOf(config: ConfigFile): Array<{ path: Path; pattern: string }> {
  const out: Array<{ path: Path; pattern: string }> = [];
  const add = (base: Path, list: string[] | undefined) => list?.forEach((pattern, i) => out.push({ path: [...base, i], pattern }));
  config.systems?.forEach((s, i) => add(["systems", i, "paths"], s.paths));
  add(["ignore"], config.ignore);
  for (const [category, rules] of Object.entries(config.detect ?? {})) {
    if (rules && typeof rules === "object" && !Array.isArray(rules) && category !== "dependencies") {
      const r = rules as { include?: string[]; ignore?: string[] };
      add(["detect", category, "include"], r.include);
      add(["detect", category, "ignore"], r.ignore);
    }
  }
  return out;
}

function globWarnings(config: ConfigFile, doc: Document, lines: LineCounter, file: string): ConfigProblem[] {
  return globsOf(config).flatMap(({ path, pattern }) => {
    const problem = globProblem(pattern);
    if (!problem) return [];
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    return [{ file, ...(node?.range ? position(lines, node.range[0]) : { line: 1, column: 1 }), message: `${pathLabel(path)}: ${problem}` }];
  });
}

/** Problems in reading order: by file, then line, then column (a problem without a position first). */
export function sortProblems(problems: readonly ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort(
    (a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}

type Issue = z.core.$ZodIssue;

function locateIssue(issue: Issue, doc: Document, lines: LineCounter, file: string): ConfigProblem {
  const path = pathOf(issue);
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
    case "unrecognized_keys": {
      const meant = (issue as { suggestion?: string }).suggestion;
      const suggestion = meant ? `; did you mean "${meant}"?` : "";
      return `${at}unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}${suggestion}`;
    }
    case "invalid_value":
      if (isMissing(issue)) return `${pathLabel(path)} is required: one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
      if (typeof issue.input === "string" && /^<.*>$/.test(issue.input)) return `${at}still a placeholder: choose one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
      return `${at}must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_type":
      if (issue.input === undefined) return `${pathLabel(path)} is required`;
      if (issue.expected === "int" && typeof issue.input === "number") return `${at}must be a whole number, not ${issue.input}`;
      return `${at}expected ${typeNoun(issue.expected)}, not ${typeNoun(yamlType(issue.input))}`;
    case "too_small":
    case "too_big":
      return `${at}${isDefaultMessage(issue.message) ? sizeMessage(issue) : issue.message}`;
    case "invalid_format":
      return `${at}${isDefaultMessage(issue.message) ? `${quoted(issue.input)} is not in the expected format${issue.format === "regex" ? "" : ` (${issue.format})`}` : issue.message}`;
    case "not_multiple_of":
      return `${at}must be a multiple of ${issue.divisor}`;
    default:
      return `${at}${issue.message}`;
  }
}

/** zod's own wording (`Too small: expected number to be >=0`), as opposed to a message the schema gives. */
function isDefaultMessage(message: string): boolean {
  return /^(Too small|Too big|Invalid)\b/.test(message);
}

function quoted(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** A bound in words: `must be at least 0, not -1`, `must not be empty`, `list at most 10 entries`. */
function sizeMessage(issue: Extract<Issue, { code: "too_small" | "too_big" }>): string {
  const small = issue.code === "too_small";
  const bound = Number(small ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum);
  const inclusive = issue.inclusive !== false;
  const input = issue.input;
  switch (issue.origin) {
    case "number":
    case "int":
    case "bigint": {
      const relation = small ? (inclusive ? "at least" : "greater than") : inclusive ? "at most" : "less than";
      return `must be ${relation} ${bound}${typeof input === "number" ? `, not ${input}` : ""}`;
    }
    case "string": {
      if (small && bound <= 1) return "must not be empty";
      const n = inclusive ? bound : small ? bound + 1 : bound - 1;
      const length = typeof input === "string" ? ` (it has ${input.length})` : "";
      return `must be ${small ? "at least" : "at most"} ${n} character${n === 1 ? "" : "s"} long${length}`;
    }
    case "array":
    case "set": {
      const n = inclusive ? bound : small ? bound + 1 : bound - 1;
      const count = Array.isArray(input) ? ` (it has ${input.length})` : "";
      return `list ${small ? "at least" : "at most"} ${n} entr${n === 1 ? "y" : "ies"}${count}`;
    }
    default:
      return `is too ${small ? "small" : "big"} (${small ? "minimum" : "maximum"} ${bound})`;
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
