import { Minimatch, type MinimatchOptions } from "minimatch";

/** Globs: validating the ones users write (size, `**`, brace expansion) and compiling them once. */

export const MAX_GLOB_LENGTH = 512;
export const MAX_GLOBSTARS = 20;
export const MAX_BRACE_EXPANSIONS = 20;

const MATCH_OPTIONS: MinimatchOptions = {
  dot: true,
  // `!` and `#` are plain characters here; validateGlob rejects a leading `!` with a clear message.
  nonegate: true,
  nocomment: true,
  // A second line of defence behind validateGlob's own count.
  braceExpandMax: 1024,
};

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

  /** Visits each unescaped character of p[from, to); a paired `{` comes with its `}`, and the group is skipped. */
  const walk = (from: number, to: number, visit: (i: number, c: string, end: number | undefined) => void) => {
    for (let i = from; i < to; i++) {
      const c = p[i]!;
      if (c === "\\") {
        i++;
        continue;
      }
      const end = c === "{" ? closeOf.get(i) : undefined;
      visit(i, c, end);
      if (end !== undefined) i = end;
    }
  };

  const sequence = (from: number, to: number): number => {
    let total = 1;
    walk(from, to, (i, _c, end) => {
      if (end !== undefined) total = cap(total * group(i + 1, end));
    });
    return total;
  };

  const group = (from: number, to: number): number => {
    const alternatives: Array<[number, number]> = [];
    let start = from;
    walk(from, to, (i, c) => {
      if (c !== ",") return;
      alternatives.push([start, i]);
      start = i + 1;
    });
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

export function compileGlob(pattern: string): Minimatch {
  return new Minimatch(pattern, MATCH_OPTIONS);
}

/**
 * A glob written by a user: validated, and a glob that matches a folder also covers what is inside
 * it (`services/chatbot` covers `services/chatbot/model.onnx`), as in .gitignore.
 */
export function compileUserGlob(pattern: string, where: string): Minimatch[] {
  const problem = validateGlob(pattern);
  if (problem) throw new Error(`${where}: ${problem}`);
  const clean = pattern.replace(/^\.\//, "").replace(/^\/+/, "").replace(/\/+$/, "");
  const globs = [compileGlob(clean)];
  if (!clean.endsWith("**")) globs.push(compileGlob(`${clean}/**`));
  return globs;
}

export function matchesAny(globs: readonly Minimatch[], path: string): boolean {
  for (const g of globs) if (g.match(path)) return true;
  return false;
}
