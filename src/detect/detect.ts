import { once } from "../util/once.js";
import { readFileSync } from "node:fs";
import { posix } from "node:path";
import { fileURLToPath } from "node:url";
import { Minimatch, type MinimatchOptions } from "minimatch";
import { LineCounter, parse as parseYaml, parseDocument, type Document } from "yaml";
import { z } from "zod";
import {
  CATEGORIES,
  UNREGISTERED_SYSTEM,
  type AiChange,
  type Category,
  type ChangedFile,
  type DvcOutput,
  type DvcSource,
  type LfsPointer,
} from "./types.js";
import { cardKind, isModelConfig } from "./content.js";

/**
 * Path and content detection of the AI surface. Pure: apart from reading the shipped rules file
 * once, everything here takes plain data and returns plain data.
 */

export type RuleCategory = Exclude<Category, "dependency" | "code">;

/** A folder glob, or a marker file that must sit in the same folder within the same pull request. */
export type ContextEntry = string | { sibling: string };

export interface DetectionRule {
  readonly id: string;
  readonly category: RuleCategory;
  /** Reason template: `{ext}`, `{name}` and `{dir}` are filled in per file. */
  readonly description: string;
  readonly include: readonly string[];
  readonly exclude?: readonly string[];
  readonly context?: readonly ContextEntry[];
  readonly ambiguous?: boolean;
  /** Extensions (without dot, lower case) this rule never matches: source code. */
  readonly skipExtensions?: readonly string[];
}

export interface SystemDefinition {
  id: string;
  name: string;
  paths: string[];
  risk: "minimal" | "limited" | "high" | "prohibited";
  owner?: string;
}

export interface DetectionOptions {
  /** Paths never governed (config `ignore`). */
  ignore: string[];
  /** Config `detect:`: per-category extra include and ignore globs. */
  extra?: Partial<Record<RuleCategory, { include?: string[]; ignore?: string[] }>>;
  systems: SystemDefinition[];
  /** Categories that gate; default: all but ai-tooling. */
  gated?: Category[];
}

export interface Classification {
  category: RuleCategory;
  rule: string;
  reason: string;
}

export interface Detector {
  /** Classify by path alone (no sibling files, no content). */
  classify(path: string): Classification | undefined;
  /** true when the head content of this file decides its classification or adds facts. */
  needsContent(file: ChangedFile): boolean;
  /** `headContents` is keyed by the file's (new) path. */
  detect(files: ChangedFile[], headContents: ReadonlyMap<string, string>): AiChange[];
  systemFor(path: string): string;
}

export const MAX_GLOB_LENGTH = 512;
export const MAX_GLOBSTARS = 20;
export const MAX_BRACE_EXPANSIONS = 20;
/** Git LFS pointers are tiny; git-lfs itself only considers files under 1024 bytes. */
const MAX_POINTER_BYTES = 1024;
/** A pointer has three lines (plus rare extension lines); anything with more changed lines is not one. */
const MAX_POINTER_LINES = 8;

export const LFS_GITATTRIBUTES_RULE = "lfs.gitattributes";
const DVC_MODEL_RULE = "model.dvc";
const DVC_DATASET_RULE = "dataset.dvc";

const RULE_CATEGORIES = CATEGORIES.filter((c): c is RuleCategory => c !== "dependency" && c !== "code");

const MATCH_OPTIONS: MinimatchOptions = {
  dot: true,
  // `!` and `#` are plain characters here; validateGlob rejects a leading `!` with a clear message.
  nonegate: true,
  nocomment: true,
  // A second line of defence behind validateGlob's own count.
  braceExpandMax: 1024,
};

// ---------------------------------------------------------------------------------------------
// Glob validation

/**
 * Why a user-supplied glob is refused, or undefined when it is acceptable. Matching itself is
 * linear in minimatch 11, but brace expansion multiplies patterns and `**` multiplies work.
 */
export function validateGlob(pattern: string): string | undefined {
  if (typeof pattern !== "string" || pattern.length === 0) return "a glob cannot be empty";
  const shown = pattern.length > 60 ? `${pattern.slice(0, 57)}...` : pattern;
  if (pattern.length > MAX_GLOB_LENGTH) {
    return `glob "${shown}" is ${pattern.length} characters long; the limit is ${MAX_GLOB_LENGTH}`;
  }
  if (pattern.startsWith("!")) {
    return `glob "${shown}" starts with "!": negation is not supported; list the path under an ignore key instead`;
  }
  const globstars = pattern.match(/\*\*/g)?.length ?? 0;
  if (globstars > MAX_GLOBSTARS) {
    return `glob "${shown}" has ${globstars} "**"; the limit is ${MAX_GLOBSTARS}`;
  }
  const expansions = countBraceExpansions(pattern);
  if (expansions > MAX_BRACE_EXPANSIONS) {
    const n = expansions >= BRACE_CAP ? `more than ${BRACE_CAP}` : String(expansions);
    return `glob "${shown}" expands to ${n} patterns through {braces}; the limit is ${MAX_BRACE_EXPANSIONS}`;
  }
  return undefined;
}

const BRACE_CAP = 1_000_000;

/** How many patterns brace expansion makes, computed without expanding (capped). */
function countBraceExpansions(p: string): number {
  // Pair the braces first so unbalanced input costs one pass instead of a rescan per `{`.
  const closeOf = new Map<number, number>();
  const open: number[] = [];
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === "\\") i++;
    else if (c === "{") open.push(i);
    else if (c === "}") {
      const start = open.pop();
      if (start !== undefined) closeOf.set(start, i);
    }
  }
  if (closeOf.size === 0) return 1;
  const cap = (n: number) => Math.min(n, BRACE_CAP);

  const sequence = (from: number, to: number): number => {
    let total = 1;
    for (let i = from; i < to; i++) {
      const c = p[i];
      if (c === "\\") {
        i++;
        continue;
      }
      const end = c === "{" ? closeOf.get(i) : undefined;
      if (end !== undefined) {
        total = cap(total * group(i + 1, end));
        i = end;
      }
    }
    return total;
  };

  const group = (from: number, to: number): number => {
    const alternatives: Array<[number, number]> = [];
    let start = from;
    for (let i = from; i < to; i++) {
      const c = p[i];
      if (c === "\\") {
        i++;
        continue;
      }
      const end = c === "{" ? closeOf.get(i) : undefined;
      if (end !== undefined) i = end;
      else if (c === ",") {
        alternatives.push([start, i]);
        start = i + 1;
      }
    }
    alternatives.push([start, to]);
    if (alternatives.length === 1) return rangeSize(p.slice(from, to)) ?? sequence(from, to);
    return cap(alternatives.reduce((sum, [a, b]) => sum + sequence(a, b), 0));
  };

  return sequence(0, p.length);
}

/** `{1..100}`, `{a..z}` and stepped forms expand like alternatives. */
function rangeSize(body: string): number | undefined {
  const numeric = /^(-?\d+)\.\.(-?\d+)(?:\.\.(-?\d+))?$/.exec(body);
  const alpha = /^([a-zA-Z])\.\.([a-zA-Z])(?:\.\.(-?\d+))?$/.exec(body);
  const m = numeric ?? alpha;
  if (!m) return undefined;
  const [a, b] = numeric ? [Number(m[1]), Number(m[2])] : [m[1]!.charCodeAt(0), m[2]!.charCodeAt(0)];
  const step = Math.abs(Number(m[3] ?? 1)) || 1;
  return Math.min(Math.floor(Math.abs(b - a) / step) + 1, BRACE_CAP);
}

// ---------------------------------------------------------------------------------------------
// Rules file

const globString = z.string().superRefine((s, ctx) => {
  const problem = validateGlob(s);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});
/** Lists may contain YAML aliases of other lists; one level is flattened. */
const globList = z.array(z.union([globString, z.array(globString)])).transform((l) => l.flat());
const contextEntry = z.union([globString, z.strictObject({ sibling: globString })]);
const contextList = z
  .array(z.union([contextEntry, z.array(contextEntry)]))
  .transform((l) => l.flat())
  .refine((l) => l.length > 0, "context cannot be empty");

const ruleSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$/, "rule ids look like `<category>.<name>`, e.g. model.onnx"),
    category: z.enum(RULE_CATEGORIES as [RuleCategory, ...RuleCategory[]]),
    description: z.string().min(1),
    include: globList.refine((l) => l.length > 0, "include needs at least one glob"),
    exclude: globList.optional(),
    context: contextList.optional(),
    ambiguous: z.boolean().optional(),
  })
  .refine((r) => !r.ambiguous || r.context !== undefined, {
    message: "an ambiguous rule needs a context, otherwise it would match every file with the extension",
    path: ["ambiguous"],
  })
  .refine((r) => r.description.includes("{dir}") === false || r.context !== undefined, {
    message: "{dir} in a description needs a context",
    path: ["description"],
  });

const rulesFileSchema = z
  .strictObject({
    version: z.literal(1),
    sourceExtensions: z.array(z.string().regex(/^[a-z0-9]+$/, "extensions are lower case, without the dot")),
    anchors: z.unknown().optional(),
    rules: z.array(ruleSchema).min(1),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.rules.forEach((r, i) => {
      if (seen.has(r.id)) ctx.addIssue({ code: "custom", path: ["rules", i, "id"], message: `duplicate rule id "${r.id}"` });
      seen.add(r.id);
      if (!r.id.startsWith(`${r.category}.`)) {
        ctx.addIssue({ code: "custom", path: ["rules", i, "id"], message: `rule id "${r.id}" must start with "${r.category}."` });
      }
    });
  });

/** Categories that source code never belongs to, whatever folder it sits in. */
const ARTIFACT_CATEGORIES: ReadonlySet<RuleCategory> = new Set(["model", "model-metadata", "dataset"]);

const DEFAULT_RULES_URL = new URL("../../policies/detection-rules.yml", import.meta.url);
const shippedRules = once(() => readDetectionRules(fileURLToPath(DEFAULT_RULES_URL), "policies/detection-rules.yml"));

/**
 * The built-in detection rules (policies/detection-rules.yml, read and validated once), or the
 * rules file at `path`; throws with the file, line and reason.
 */
export function loadDetectionRules(path?: string): DetectionRule[] {
  return path === undefined ? shippedRules() : readDetectionRules(path, path);
}

function readDetectionRules(file: string, shownName: string): DetectionRule[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`${shownName}: cannot read detection rules: ${(error as Error).message}`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const at = lineCounter.linePos(yamlError.pos[0]);
    throw new Error(`${shownName}:${at.line}:${at.col}: invalid YAML: ${yamlError.message.split("\n")[0]}`);
  }
  const parsed = rulesFileSchema.safeParse(doc.toJS({ maxAliasCount: 1000 }));
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((issue) => {
      const where = locate(doc, lineCounter, issue.path);
      const key = issue.path.map((k) => (typeof k === "number" ? `[${k}]` : `.${String(k)}`)).join("").replace(/^\./, "");
      return `${shownName}${where}: ${key ? `${key}: ` : ""}${issue.message}`;
    });
    throw new Error(`invalid detection rules: ${problems.join("; ")}`);
  }
  const skip = parsed.data.sourceExtensions;
  const rules: DetectionRule[] = parsed.data.rules.map((r) =>
    Object.freeze({
      id: r.id,
      category: r.category,
      description: r.description,
      include: r.include,
      ...(r.exclude ? { exclude: r.exclude } : {}),
      ...(r.context ? { context: r.context } : {}),
      ...(r.ambiguous ? { ambiguous: true } : {}),
      ...(ARTIFACT_CATEGORIES.has(r.category) ? { skipExtensions: skip } : {}),
    }),
  );
  Object.freeze(rules);
  return rules;
}

/** `:line:col` of the deepest YAML node on an issue path that exists (aliases stop the walk). */
function locate(doc: Document, lineCounter: LineCounter, path: readonly PropertyKey[]): string {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && Array.isArray(node.range)) {
      const at = lineCounter.linePos(node.range[0]);
      return `:${at.line}:${at.col}`;
    }
  }
  return "";
}

// ---------------------------------------------------------------------------------------------
// Git LFS pointers

const LFS_VERSIONS = new Set(["https://git-lfs.github.com/spec/v1", "https://hawser.github.com/spec/v1"]);

/** The object a Git LFS pointer file refers to, or undefined when the text is not a pointer. */
export function parseLfsPointer(text: string): LfsPointer | undefined {
  if (typeof text !== "string" || Buffer.byteLength(text, "utf8") >= MAX_POINTER_BYTES) return undefined;
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  // Pointers are written with LF; a CRLF checkout of one is still the same pointer.
  const entries = lines.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  const first = /^version (\S+)$/.exec(entries[0] ?? "");
  if (!first || !LFS_VERSIONS.has(first[1]!)) return undefined;
  const values = new Map<string, string>();
  let previousKey = "";
  for (const line of entries.slice(1)) {
    const kv = /^([a-z0-9.-]+) (.+)$/.exec(line);
    // The spec sorts keys after `version` in ascending order, which also rules out duplicates.
    if (!kv || kv[1]! <= previousKey || kv[1] === "version") return undefined;
    previousKey = kv[1]!;
    values.set(kv[1]!, kv[2]!);
  }
  const oid = /^sha256:[0-9a-f]{64}$/.exec(values.get("oid") ?? "");
  const sizeText = values.get("size") ?? "";
  if (!oid || !/^\d+$/.test(sizeText)) return undefined;
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) return undefined;
  return { oid: oid[0], size };
}

/**
 * The pointer shown by a pull request patch of an LFS pointer file: the head side by default
 * (lines kept and added), or the base side for a deleted file.
 */
export function lfsPointerFromPatch(patch: string, side: "head" | "base" = "head"): LfsPointer | undefined {
  const shown = patchSide(patch, side);
  return shown ? parseLfsPointer(shown) : undefined;
}

/**
 * One side of the first hunk of a unified diff, when that hunk starts at the top of the file
 * (otherwise it is not the whole of a small file). Without a hunk header the text is read as one.
 */
function patchSide(patch: string, side: "head" | "base"): string | undefined {
  if (typeof patch !== "string" || patch.length === 0) return undefined;
  const lines = patch.split("\n");
  let i = 0;
  const header = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(lines[0] ?? "");
  if (header) {
    const start = Number(side === "head" ? header[2] : header[1]);
    if (start > 1) return undefined;
    i = 1;
  }
  const keep = side === "head" ? "+" : "-";
  const out: string[] = [];
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith("@@")) break;
    if (line.startsWith("\\")) continue; // "\ No newline at end of file"
    if (line.startsWith(keep) || line.startsWith(" ")) out.push(line.slice(1));
    else if (line === "" && i === lines.length - 1) continue;
    else if (!line.startsWith("+") && !line.startsWith("-")) return undefined;
  }
  return out.length ? `${out.join("\n")}\n` : undefined;
}

/** Lines a patch adds, without the `+`. */
function addedLines(patch: string): string[] {
  return patch
    .split("\n")
    .filter((l) => l.startsWith("+") && !l.startsWith("+++"))
    .map((l) => l.slice(1));
}

// ---------------------------------------------------------------------------------------------
// DVC files

const dvcOut = z.looseObject({
  path: z.string().min(1, "an out needs a path"),
  md5: z.string().optional(),
  hash: z.string().optional(),
  size: z.string().regex(/^\d+$/, "size must be a whole number of bytes").optional(),
  remote: z.string().optional(),
});
const dvcDep = z.looseObject({
  path: z.string().optional(),
  repo: z.looseObject({ url: z.string().min(1), rev: z.string().optional(), rev_lock: z.string().optional() }).optional(),
});
const dvcFile = z.looseObject({
  outs: z.array(dvcOut, "a DVC file lists its outputs under `outs`"),
  deps: z.array(dvcDep).optional(),
  wdir: z.string().optional(),
});

function readDvc(text: string): { outs: DvcOutput[]; wdir?: string; source?: DvcSource } {
  let data: unknown;
  try {
    // failsafe: every scalar stays a string, so an all-digit md5 keeps its leading zeros.
    data = parseYaml(text, { schema: "failsafe", prettyErrors: false });
  } catch (error) {
    throw new Error(`invalid DVC file: not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  if (data === null || data === undefined || data === "") throw new Error("invalid DVC file: it is empty");
  const parsed = dvcFile.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path.map((k) => (typeof k === "number" ? `[${k}]` : `.${String(k)}`)).join("").replace(/^\./, "");
    throw new Error(`invalid DVC file: ${key ? `${key}: ` : ""}${issue?.message ?? "unexpected shape"}`);
  }
  const outs = parsed.data.outs.map((o) => {
    const out: DvcOutput = { path: o.path };
    if (o.md5 !== undefined) out.md5 = o.md5;
    if (o.hash !== undefined) out.hash = o.hash;
    if (o.size !== undefined) out.size = Number(o.size);
    if (o.remote !== undefined) out.remote = o.remote;
    return out;
  });
  // `dvc import` records where the data came from: the source repository and the exact revision.
  const imported = parsed.data.deps?.find((d) => d.repo)?.repo;
  const source: DvcSource | undefined = imported
    ? { url: imported.url, ...(imported.rev_lock ? { revLock: imported.rev_lock } : {}), ...(imported.rev ? { rev: imported.rev } : {}), ...(parsed.data.deps?.[0]?.path ? { path: parsed.data.deps[0].path } : {}) }
    : undefined;
  return { outs, ...(parsed.data.wdir !== undefined ? { wdir: parsed.data.wdir } : {}), ...(source ? { source } : {}) };
}

/** The outputs a `.dvc` file records (path, md5 or hash, size, remote). Throws on invalid input. */
export function parseDvcFile(text: string): DvcOutput[] {
  return readDvc(text).outs;
}

function isDvcFile(path: string): boolean {
  const name = basename(path);
  return name.endsWith(".dvc") && name.length > ".dvc".length;
}

// ---------------------------------------------------------------------------------------------
// Compilation

interface CompiledRule {
  rule: DetectionRule;
  include: Minimatch[];
  exclude: Minimatch[];
  folders: Minimatch[];
  siblings: Minimatch[];
  skip: ReadonlySet<string>;
}

interface PathFacts {
  path: string;
  dir: string;
  name: string;
  /** Lower-case last extension without the dot ("" when none). */
  ext: string;
  /** Containing folders from the outermost: `a`, `a/b`. */
  folders: string[];
}

/** Basenames of the pull request's files, by folder ("" for the root). */
type SiblingIndex = ReadonlyMap<string, readonly string[]>;

interface Match {
  rule: DetectionRule;
  reason: string;
}

function compileGlob(pattern: string): Minimatch {
  return new Minimatch(pattern, MATCH_OPTIONS);
}

/**
 * A glob written by a user: validated, and a glob that matches a folder also covers what is inside
 * it (`services/chatbot` covers `services/chatbot/model.onnx`), as in .gitignore.
 */
function compileUserGlob(pattern: string, where: string): Minimatch[] {
  const problem = validateGlob(pattern);
  if (problem) throw new Error(`${where}: ${problem}`);
  const clean = pattern.replace(/^\.\//, "").replace(/^\/+/, "").replace(/\/+$/, "");
  const globs = [compileGlob(clean)];
  if (!clean.endsWith("**")) globs.push(compileGlob(`${clean}/**`));
  return globs;
}

function matchesAny(globs: readonly Minimatch[], path: string): boolean {
  for (const g of globs) if (g.match(path)) return true;
  return false;
}

function basename(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? path : path.slice(slash + 1);
}

const COMPRESSION = new Set(["gz", "zst", "bz2", "xz"]);

function facts(path: string): PathFacts {
  const slash = path.lastIndexOf("/");
  const dir = slash < 0 ? "" : path.slice(0, slash);
  const name = path.slice(slash + 1);
  const dot = name.lastIndexOf(".");
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
  const folders: string[] = [];
  if (dir) {
    let at = dir.indexOf("/");
    while (at >= 0) {
      folders.push(dir.slice(0, at));
      at = dir.indexOf("/", at + 1);
    }
    folders.push(dir);
  }
  return { path, dir, name, ext, folders };
}

/** `CSV`, or `CSV.GZ` for a compressed file. */
function extLabel(f: PathFacts): string {
  const parts = f.name.split(".");
  if (parts.length > 2 && COMPRESSION.has(f.ext)) return parts.slice(-2).join(".").toUpperCase();
  return f.ext.toUpperCase();
}

function render(description: string, f: PathFacts, dir: string | undefined): string {
  return description
    .replaceAll("{ext}", extLabel(f))
    .replaceAll("{name}", f.name)
    .replaceAll("{dir}", dir ?? "");
}

function compileRule(rule: DetectionRule): CompiledRule {
  const where = `rule ${rule.id}`;
  const checked = (g: string) => {
    const problem = validateGlob(g);
    if (problem) throw new Error(`${where}: ${problem}`);
    return compileGlob(g);
  };
  const folders: Minimatch[] = [];
  const siblings: Minimatch[] = [];
  for (const c of rule.context ?? []) {
    if (typeof c === "string") folders.push(checked(c));
    else siblings.push(checked(c.sibling));
  }
  return {
    rule,
    include: rule.include.map(checked),
    exclude: (rule.exclude ?? []).map(checked),
    folders,
    siblings,
    skip: new Set(rule.skipExtensions ?? []),
  };
}

/** The context that a file satisfies, rendered for `{dir}`, or undefined. */
function contextOf(c: CompiledRule, f: PathFacts, siblings: SiblingIndex | undefined): string | undefined {
  if (c.folders.length) {
    for (const folder of f.folders) if (matchesAny(c.folders, folder)) return `${folder}/`;
  }
  if (c.siblings.length && siblings) {
    for (const other of siblings.get(f.dir) ?? []) {
      if (other !== f.name && matchesAny(c.siblings, other)) return `${f.dir || "."}/ (next to ${other})`;
    }
  }
  return undefined;
}

function matchRule(c: CompiledRule, f: PathFacts, siblings: SiblingIndex | undefined): Match | undefined {
  if (c.skip.has(f.ext)) return undefined;
  if (!matchesAny(c.include, f.path) || matchesAny(c.exclude, f.path)) return undefined;
  let dir: string | undefined;
  if (c.folders.length || c.siblings.length) {
    dir = contextOf(c, f, siblings);
    if (dir === undefined) return undefined;
  }
  return { rule: c.rule, reason: render(c.rule.description, f, dir) };
}

interface CompiledSystem {
  id: string;
  globs: Array<{ match: Minimatch[]; segments: number; length: number }>;
}

/** Literal part of a glob before its first wildcard: the more of it, the more specific the glob. */
function specificity(pattern: string): { segments: number; length: number } {
  const clean = pattern.replace(/^\.\//, "").replace(/^\/+/, "");
  const magic = clean.search(/[*?[{]|[!+@](?=\()/);
  const literal = magic < 0 ? clean : clean.slice(0, magic);
  const segments = literal.split("/").filter(Boolean).length - (magic >= 0 && !literal.endsWith("/") && literal ? 1 : 0);
  return { segments: Math.max(segments, 0), length: literal.length };
}

/**
 * Compile the rules and the repository's options once; the detector then classifies any number of
 * files without building another glob. Throws on an invalid glob, naming the config key.
 */
export function compileDetector(rules: readonly DetectionRule[], options: DetectionOptions): Detector {
  const ignore = options.ignore.flatMap((g, i) => compileUserGlob(g, `ignore[${i}]`));
  const categoryIgnore = new Map<RuleCategory, Minimatch[]>();
  const userRules: CompiledRule[] = [];
  for (const category of RULE_CATEGORIES) {
    const extra = options.extra?.[category];
    if (!extra) continue;
    const ig = (extra.ignore ?? []).flatMap((g, i) => compileUserGlob(g, `detect.${category}.ignore[${i}]`));
    if (ig.length) categoryIgnore.set(category, ig);
    (extra.include ?? []).forEach((glob, i) => {
      const rule: DetectionRule = {
        id: `config.${category}.${i + 1}`,
        category,
        description: `listed in detect.${category}.include (${glob})`,
        include: [glob],
      };
      userRules.push({
        rule,
        include: compileUserGlob(glob, `detect.${category}.include[${i}]`),
        exclude: [],
        folders: [],
        siblings: [],
        skip: new Set(),
      });
    });
  }
  // The repository's own rules speak first: they say what this repository means by its paths.
  const compiled = [...userRules, ...rules.map(compileRule)];
  const byId = new Map(compiled.map((c) => [c.rule.id, c]));

  const systems: CompiledSystem[] = options.systems.map((s, si) => ({
    id: s.id,
    globs: s.paths.map((p, pi) => ({ match: compileUserGlob(p, `systems[${si}].paths[${pi}]`), ...specificity(p) })),
  }));

  const gated = new Set<Category>(options.gated ?? CATEGORIES.filter((c) => c !== "ai-tooling"));

  const isIgnored = (path: string) => matchesAny(ignore, path);
  const ignoredFor = (category: RuleCategory, path: string) => {
    const globs = categoryIgnore.get(category);
    return globs !== undefined && matchesAny(globs, path);
  };

  /** First matching rule for a path that is not globally ignored. */
  const matchPath = (path: string, siblings: SiblingIndex | undefined, skipDvc = false): Match | undefined => {
    const f = facts(path);
    for (const c of compiled) {
      if (skipDvc && (c.rule.id === DVC_MODEL_RULE || c.rule.id === DVC_DATASET_RULE)) continue;
      const m = matchRule(c, f, siblings);
      if (m && !ignoredFor(m.rule.category, path)) return m;
    }
    return undefined;
  };

  /**
   * A DVC file is what it tracks: the outputs it records (or, without its content, the path its
   * name points at). A model output makes it a model change, else a dataset output a dataset one.
   */
  const matchDvc = (path: string, outs: DvcOutput[] | undefined, wdir: string | undefined): Match | undefined => {
    const folder = posix.dirname(path);
    const targets = outs
      ? outs.map((o) => posix.normalize(posix.join(folder, wdir ?? ".", o.path)))
      : [path.slice(0, -".dvc".length)];
    let dataset: Match | undefined;
    let datasetTarget = "";
    for (const target of targets) {
      if (target.startsWith("../") || target.startsWith("/")) continue;
      const m = matchPath(target, undefined, true);
      if (m?.rule.category === "model" && !ignoredFor("model", path)) {
        return { rule: byId.get(DVC_MODEL_RULE)?.rule ?? m.rule, reason: `DVC file tracking ${target} (${m.reason})` };
      }
      if (m?.rule.category === "dataset" && !dataset) {
        dataset = m;
        datasetTarget = target;
      }
    }
    if (dataset && !ignoredFor("dataset", path)) {
      return {
        rule: byId.get(DVC_DATASET_RULE)?.rule ?? dataset.rule,
        reason: `DVC file tracking ${datasetTarget} (${dataset.reason})`,
      };
    }
    return undefined;
  };

  const classifyPath = (
    path: string,
    siblings: SiblingIndex | undefined,
    dvc?: { outs?: DvcOutput[]; wdir?: string },
  ): Match | undefined => {
    if (isIgnored(path)) return undefined;
    if (isDvcFile(path)) {
      const m = matchDvc(path, dvc?.outs, dvc?.wdir);
      if (m) return m;
    }
    return matchPath(path, siblings);
  };

  /** `.gitattributes` lines added by the patch that send model or dataset files to Git LFS. */
  const matchGitattributes = (patch: string): Match | undefined => {
    const found: Record<"model" | "dataset", string[]> = { model: [], dataset: [] };
    for (const line of addedLines(patch)) {
      const [pattern, ...attributes] = line.trim().split(/\s+/);
      if (!pattern || pattern.startsWith("#") || !attributes.includes("filter=lfs")) continue;
      const m = matchPath(sampleForAttributePattern(pattern), undefined);
      const category = m?.rule.category;
      if (m && (category === "model" || category === "dataset")) {
        found[category].push(pattern);
      }
    }
    const category = found.model.length ? "model" : found.dataset.length ? "dataset" : undefined;
    if (!category) return undefined;
    const rule: DetectionRule = {
      id: LFS_GITATTRIBUTES_RULE,
      category,
      description: "Git LFS tracking added for model or dataset files",
      include: ["**/.gitattributes"],
    };
    const what = category === "model" ? "model" : "dataset";
    return { rule, reason: `Git LFS tracking added for ${what} files ${found[category].join(", ")}` };
  };

  /** Cards and model configs recognised by what the patch shows, wherever they sit. */
  const contentMatch = (file: ChangedFile): Match | undefined => {
    if (isIgnored(file.filename) || file.status === "removed") return undefined;
    const card = /\.md$/i.test(file.filename) ? cardKind(file.patch) : undefined;
    if (card) {
      const category = card.kind === "model" ? "model-metadata" : "dataset";
      if (ignoredFor(category, file.filename)) return undefined;
      const rule: DetectionRule = {
        id: card.kind === "model" ? "model-metadata.card-front-matter" : "dataset.card-front-matter",
        category,
        description: `${card.kind} card`,
        include: ["**/*.md"],
      };
      return { rule, reason: `Hugging Face ${card.kind} card (front matter: ${card.keys.join(", ")})` };
    }
    if (isModelConfig(file.filename, file.patch) && !ignoredFor("model-metadata", file.filename)) {
      const rule: DetectionRule = { id: "model-metadata.config-content", category: "model-metadata", description: "model config", include: ["**/config.json"] };
      return { rule, reason: "Hugging Face model config (architectures / model_type)" };
    }
    return undefined;
  };

  const systemFor = (path: string): string => {
    let best: { id: string; segments: number; length: number } | undefined;
    for (const s of systems) {
      for (const g of s.globs) {
        if (!matchesAny(g.match, path)) continue;
        const better =
          !best || g.segments > best.segments || (g.segments === best.segments && g.length > best.length);
        if (better) best = { id: s.id, segments: g.segments, length: g.length };
      }
    }
    return best?.id ?? UNREGISTERED_SYSTEM;
  };

  const isLfsCandidate = (file: ChangedFile) =>
    file.patch === undefined &&
    file.status !== "removed" &&
    file.additions + file.deletions > 0 &&
    file.additions <= MAX_POINTER_LINES &&
    file.deletions <= MAX_POINTER_LINES;

  const pathsOf = (file: ChangedFile) =>
    [file.filename, file.previousFilename].filter((p): p is string => typeof p === "string" && !isIgnored(p));

  return {
    classify(path) {
      const m = classifyPath(path, undefined);
      return m ? { category: m.rule.category, rule: m.rule.id, reason: m.reason } : undefined;
    },

    needsContent(file) {
      const paths = pathsOf(file);
      if (paths.length === 0 || file.status === "removed") return false;
      if (isDvcFile(file.filename)) {
        // An added file's patch is the whole file, so the outs can be read from it.
        return !(file.status === "added" && file.patch !== undefined);
      }
      // A binary file is listed with no line counts and no patch: it is not a pointer, and
      // downloading it could mean gigabytes. A pure rename has no counts either, for the same reason.
      if (!isLfsCandidate(file)) return false;
      return paths.some((p) => {
        const c = classifyPath(p, undefined)?.rule.category;
        return c === "model" || c === "dataset" || c === "model-metadata";
      });
    },

    detect(files, headContents) {
      const siblings = new Map<string, string[]>();
      for (const file of files) {
        for (const p of [file.filename, file.previousFilename]) {
          if (!p) continue;
          const f = facts(p);
          const list = siblings.get(f.dir);
          if (list) list.push(f.name);
          else siblings.set(f.dir, [f.name]);
        }
      }

      const changes: AiChange[] = [];
      for (const file of files) {
        const paths = pathsOf(file);
        if (paths.length === 0) continue;

        // Content: from the patch when it shows the file, else from the head text.
        const removed = file.status === "removed";
        const head = removed ? undefined : headContents.get(file.filename);
        const lfs =
          (file.patch !== undefined ? lfsPointerFromPatch(file.patch, removed ? "base" : "head") : undefined) ??
          (head !== undefined ? parseLfsPointer(head) : undefined);

        let dvc: { outs?: DvcOutput[]; wdir?: string; source?: DvcSource } | undefined;
        let dvcProblem: string | undefined;
        if (isDvcFile(file.filename)) {
          const text =
            head ??
            (file.patch !== undefined && (file.status === "added" || removed)
              ? patchSide(file.patch, removed ? "base" : "head")
              : undefined);
          if (text !== undefined) {
            try {
              dvc = readDvc(text);
            } catch (error) {
              dvcProblem = (error as Error).message;
            }
          }
        }

        let match: Match | undefined;
        let via = file.filename;
        if (basename(file.filename) === ".gitattributes" && file.patch !== undefined && !isIgnored(file.filename)) {
          match = matchGitattributes(file.patch);
        }
        for (const p of paths) {
          if (match) break;
          match = classifyPath(p, siblings, p === file.filename ? dvc : undefined);
          via = p;
        }
        match ??= contentMatch(file);
        if (!match) continue;

        let reason = match.reason;
        if (via !== file.filename) reason += ` (as ${via}, before the rename)`;
        if (dvcProblem) reason += ` (${dvcProblem})`;
        if (dvc?.source) reason += `, imported from ${dvc.source.url}${dvc.source.path ? ` (${dvc.source.path})` : ""} at ${dvc.source.revLock ?? dvc.source.rev ?? "an unpinned revision"}`;

        let system = systemFor(file.filename);
        if (system === UNREGISTERED_SYSTEM && file.previousFilename) system = systemFor(file.previousFilename);

        const change: AiChange = {
          path: file.filename,
          status: file.status,
          category: match.rule.category,
          rule: match.rule.id,
          reason,
          system,
          gated: gated.has(match.rule.category),
        };
        if (file.previousFilename !== undefined) change.previousPath = file.previousFilename;
        if (lfs) change.lfs = lfs;
        if (dvc?.outs) change.dvc = dvc.outs;
        if (dvc?.source) change.dvcSource = dvc.source;
        changes.push(change);
      }
      return changes;
    },

    systemFor,
  };
}

/**
 * A file name that a `.gitattributes` pattern describes, e.g. `*.safetensors` → `x.safetensors`,
 * so the pattern can be judged by the same rules as a file. Patterns without a slash match at any
 * depth in Git, and so does the sample.
 */
function sampleForAttributePattern(pattern: string): string {
  return pattern
    .replace(/^\/+/, "")
    .replace(/\[[^\]]*\]/g, (cls) => {
      const first = cls.replace(/^\[!?\^?/, "")[0];
      return first && first !== "]" ? first : "x";
    })
    .replace(/\*\*/g, "x")
    .replace(/[*?]/g, "x")
    .replace(/\\(.)/g, "$1");
}

/** JSON and text under a folder named like `data/`: a weak signal (web sites keep content there). */
export const WEAK_DATASET_RULE = "dataset.data-dir-text";

/**
 * A pull request whose only gated changes are JSON or text files under a data-like folder is not
 * gated by them: a static site's `data/` folder is not a dataset. They are still reported, saying
 * why, and gate as soon as anything else in the pull request touches the AI surface. A repository
 * that keeps datasets as JSON lists the folder under `detect.dataset.include` (its own rule gates).
 */
export function reportLoneDataText(changes: AiChange[]): AiChange[] {
  const gated = changes.filter((c) => c.gated);
  if (gated.length === 0 || !gated.every((c) => c.rule === WEAK_DATASET_RULE)) return changes;
  return changes.map((c) =>
    c.rule === WEAK_DATASET_RULE
      ? { ...c, gated: false, reason: `${c.reason}; reported only: JSON or text in a data folder gates only with other AI changes (list the folder under detect.dataset.include to govern it, or detect.dataset.ignore to silence it)` }
      : c,
  );
}
