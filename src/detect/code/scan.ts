import { grammarFor, languageOf, type Parsers } from "./parser.js";
import type { ModelCatalogue } from "./models.js";
import type { CodeRule } from "./rules.js";
import { matchUsages, type CodeUsage, type CompiledRules } from "./usage.js";

/** Source files above this are not parsed (minified bundles, generated code). */
export const MAX_SOURCE_CHARS = 1_000_000;
/** Parse time allowed per file and side. */
export const PARSE_BUDGET_MS = 2_000;

export interface ScanOptions {
  rules: CompiledRules;
  catalogue: ModelCatalogue;
  /** Cheap test of a whole text: false means no rule can match it. */
  screen: RegExp;
  parseBudgetMs?: number;
}

export type ScanResult = { usages: CodeUsage[] } | { problem: string };

export function isNotebook(path: string): boolean {
  return path.toLowerCase().endsWith(".ipynb");
}

/** Paths code detection can read: source files of a supported language and Jupyter notebooks. */
export function isScannable(path: string): boolean {
  return isNotebook(path) || grammarFor(path) !== undefined;
}

/** AI usages in one version of one file, or why the file could not be inspected. */
export function scanText(path: string, text: string, parsers: Parsers, options: ScanOptions): ScanResult {
  if (text.includes("\u0000")) return { problem: "the file holds binary content (NUL bytes), so its code could not be inspected" };
  if (isNotebook(path)) return scanNotebook(text, parsers, options);
  const grammar = grammarFor(path);
  if (!grammar) return { usages: [] };
  if (!options.screen.test(text)) return { usages: [] };
  if (text.length > MAX_SOURCE_CHARS) {
    return {
      problem: `${Math.round(text.length / 1024)} KB of source is above the ${MAX_SOURCE_CHARS / 1_000_000} MB limit for code detection and names AI APIs or models, so it was not inspected`,
    };
  }
  const budget = options.parseBudgetMs ?? PARSE_BUDGET_MS;
  const tree = parsers.parse(grammar, text, budget);
  if (!tree) return { problem: `parsing took longer than ${budget} ms, so the code was not inspected` };
  try {
    const usages = matchUsages(tree.rootNode, languageOf(grammar), options.rules, options.catalogue);
    // Tree-sitter recovers from syntax errors; a file that names AI APIs yet yields nothing may be
    // one whose errors swallowed its calls, so it is not taken for a file without AI use.
    if (usages.length === 0 && tree.rootNode.hasError) {
      const error = tree.rootNode.descendantsOfType("ERROR")[0] ?? tree.rootNode;
      return { problem: `the file does not parse (syntax error at line ${error.startPosition.row + 1}) and names AI APIs or models, so its AI use could not be read` };
    }
    return { usages };
  } finally {
    tree.delete();
  }
}

interface NotebookCell {
  cell_type?: unknown;
  source?: unknown;
}

/**
 * Code cells of a notebook scanned as one Python program (later cells use names set in earlier
 * ones); outputs and Markdown cells are ignored. Findings name the cell and the line in it.
 */
function scanNotebook(text: string, parsers: Parsers, options: ScanOptions): ScanResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { problem: `unreadable notebook: not valid JSON (${(error as Error).message.split("\n")[0]})` };
  }
  const cells = (data as { cells?: unknown } | null)?.cells;
  if (!Array.isArray(cells)) return { problem: "unreadable notebook: it has no `cells` list" };
  const lines: string[] = [];
  const origin: Array<{ cell: number; line: number }> = [];
  let codeCell = 0;
  cells.forEach((raw: NotebookCell, index) => {
    if (raw?.cell_type !== "code") return;
    codeCell++;
    const source = Array.isArray(raw.source) ? raw.source.filter((s) => typeof s === "string").join("") : typeof raw.source === "string" ? raw.source : "";
    source.split("\n").forEach((line, i) => {
      // IPython magics and shell escapes are not Python: keep the line count, drop the text.
      lines.push(/^\s*[%!]/.test(line) ? "" : line);
      origin.push({ cell: index + 1, line: i + 1 });
    });
  });
  void codeCell;
  const program = lines.join("\n");
  const result = scanText("notebook.py", program, parsers, options);
  if ("problem" in result) return result;
  return {
    usages: result.usages.map((u) => {
      const at = origin[u.line - 1] ?? { cell: 0, line: u.line };
      return { ...u, cell: at.cell, line: at.line };
    }),
  };
}

/**
 * The pre-screen: names only AI code can contain (imports, distinctive call names, catalogue
 * model ids, model and role keys). A patch or file without any is never parsed.
 */
export function compileScreen(rules: readonly CodeRule[], catalogue: ModelCatalogue): RegExp {
  const words = new Set<string>();
  const calls = new Set<string>();
  for (const r of rules) {
    for (const i of r.imports ?? []) {
      const last = i.replace(/\*$/, "").split(/[./]/).filter((s) => s.length >= 3).at(-1);
      if (last && !GENERIC.has(last)) words.add(last);
    }
    for (const c of r.calls ?? []) {
      const parts = c.split(".").filter((p) => p !== "*");
      if (parts.length > 1) words.add(parts.join("."));
      else if (parts[0] && parts[0].length >= 4 && !GENERIC.has(parts[0])) calls.add(parts[0]);
    }
    for (const k of [...(r.model ?? []), ...(r.prompt ?? [])]) if (!k.startsWith("$")) calls.add(k);
  }
  for (const m of catalogue.models) {
    const literal = m.id.split("*")[0]!.replace(/[-./]+$/, "");
    if (literal.length >= 4) words.add(literal);
  }
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const alternatives = [
    ...[...words].map(escape),
    ...[...calls].map((c) => `${escape(c)}\\s*[(=:]`),
    `["']?role["']?\\s*[:=]`,
    "@?SystemMessage",
  ];
  return new RegExp(`(?:${alternatives.sort((a, b) => b.length - a.length).join("|")})`);
}

/** Names too common in ordinary code to pick files by (a call to `load(` is not a model load). */
const GENERIC = new Set([
  "chat", "Chat", "load", "loads", "tool", "Tool", "Client", "client", "Server", "create", "generate", "embed",
  "pull", "New", "Agent", "Crew", "pipeline", "LLM", "core", "service", "api", "sdk", "ai", "genai", "embeddings",
  "NewClient", "NewServer", "AsyncClient", "models", "Models", "rerank",
]);

/** Lines a unified diff adds or removes, without the marker. */
export function changedLines(patch: string): string {
  const out: string[] = [];
  for (const line of patch.split("\n")) {
    if ((line.startsWith("+") || line.startsWith("-")) && !line.startsWith("+++") && !line.startsWith("---")) out.push(line.slice(1));
  }
  return out.join("\n");
}
