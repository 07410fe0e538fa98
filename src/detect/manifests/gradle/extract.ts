/**
 * Gradle build scripts (`build.gradle`, `build.gradle.kts`).
 *
 * A token scanner, not a parser: npm has no Groovy or Kotlin parser fit for build scripts
 * (they are full programs). The scanner tokenizes strings and comments exactly, tracks
 * brackets and blocks, and inside `dependencies { }` (and its `constraints { }`) reads
 * declarations of the forms
 *   implementation("g:a:v")         implementation 'g:a:v', 'g2:a2:v2'
 *   implementation(platform("g:a:v"))
 *   implementation group: 'g', name: 'a', version: 'v'      (Groovy map notation)
 *   implementation(group = "g", name = "a", version = "v")  (Kotlin named arguments)
 *   add("implementation", "g:a:v")     "customConfiguration"("g:a:v")
 * `$var` / `${var}` in double-quoted strings are resolved from simple string assignments
 * in the same script (`val x = "1"`, `def x = '1'`, `ext.x = '1'`, `ext { x = '1' }`,
 * `extra["x"] = "1"`); other expressions stay as written. Catalog accessors (`libs.foo`),
 * `project(...)` and `files(...)` are not coordinates and are skipped.
 *
 * Broken scripts are detected where a scanner can tell: unterminated strings or comments
 * and unbalanced brackets. Anything else is Gradle's job.
 */
import { ManifestParseError, type Dependency, type DependencyScope, type ExtractResult } from "../types.js";

type Kind = "ident" | "string" | "punct" | "nl";

interface Token {
  kind: Kind;
  value: string;
  line: number;
  /** Double-quoted (interpolating) string. */
  interpolated?: boolean;
}

export function extractGradleScript(text: string): ExtractResult {
  const tokens = tokenize(text);
  const vars = variables(tokens);
  const dependencies: Dependency[] = [];

  // Block names from the outside in; `(` and `[` are kept too so mismatches are caught.
  const stack: Array<{ open: string; name: string; line: number }> = [];
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i] as Token;
    if (tok.kind === "punct" && "({[".includes(tok.value)) {
      const prev = previousSignificant(tokens, i);
      const name = tok.value === "{" && prev?.kind === "ident" ? prev.value : "";
      stack.push({ open: tok.value, name, line: tok.line });
      continue;
    }
    if (tok.kind === "punct" && ")}]".includes(tok.value)) {
      const top = stack.pop();
      const expected = top && { "(": ")", "{": "}", "[": "]" }[top.open];
      if (!top || expected !== tok.value) {
        const hint = top ? ` (expected "${expected}" for "${top.open}" opened on line ${top.line})` : "";
        throw new ManifestParseError(`unexpected "${tok.value}"${hint}`, tok.line);
      }
      continue;
    }
    if (!inDependencies(stack) || !atStatementStart(tokens, i)) continue;

    const decl = declaration(tokens, i);
    if (!decl) continue;
    const scope = scopeOf(decl.configuration);
    for (const dep of coordinates(decl.args, vars)) dependencies.push({ ...dep, scope, direct: true });
  }
  const open = stack.pop();
  if (open) throw new ManifestParseError(`"${open.open}" is never closed`, open.line);
  return { dependencies };
}

/** Innermost block is `dependencies`, or `constraints` directly inside it. */
function inDependencies(stack: Array<{ open: string; name: string }>): boolean {
  const top = stack[stack.length - 1];
  if (!top || top.open !== "{") return false;
  if (top.name === "dependencies") return true;
  const parent = stack[stack.length - 2];
  return top.name === "constraints" && parent?.open === "{" && parent.name === "dependencies";
}

function previousSignificant(tokens: Token[], i: number): Token | undefined {
  for (let k = i - 1; k >= 0; k--) if ((tokens[k] as Token).kind !== "nl") return tokens[k];
  return undefined;
}

function atStatementStart(tokens: Token[], i: number): boolean {
  const prev = tokens[i - 1];
  return prev === undefined || prev.kind === "nl" || (prev.kind === "punct" && "{};".includes(prev.value));
}

/** Calls that may appear in a dependencies block but never declare a dependency. */
const NOT_CONFIGURATIONS = new Set([
  "if", "else", "for", "while", "when", "val", "var", "def", "return", "println", "print",
  "logger", "exclude", "components", "modules", "constraints", "enforcedPlatform", "platform",
]);

interface Declaration {
  configuration: string;
  args: Token[];
}

/** Recognise `config(...)`, `config <args to end of line>`, `"config"(...)` and `add("config", ...)`. */
function declaration(tokens: Token[], i: number): Declaration | undefined {
  const head = tokens[i] as Token;
  const next = tokens[i + 1];
  if (head.kind === "string" && next?.value === "(" && /^[A-Za-z_]\w*$/.test(head.value)) {
    return { configuration: head.value, args: parenthesised(tokens, i + 1) };
  }
  if (head.kind !== "ident" || NOT_CONFIGURATIONS.has(head.value) || next === undefined) return undefined;
  if (next.value === "(") {
    const args = parenthesised(tokens, i + 1);
    if (head.value === "add") {
      const [config, comma, ...rest] = args;
      if (config?.kind !== "string" || comma?.value !== ",") return undefined;
      return { configuration: config.value, args: rest };
    }
    return { configuration: head.value, args };
  }
  // Groovy command syntax: arguments run to the end of the line, longer after a trailing comma.
  if (next.kind === "string" || next.kind === "ident") {
    const args: Token[] = [];
    let depth = 0;
    for (let j = i + 1; j < tokens.length; j++) {
      const t = tokens[j] as Token;
      if (t.kind === "punct" && "({[".includes(t.value)) depth++;
      if (t.kind === "punct" && ")}]".includes(t.value)) {
        if (depth === 0) break;
        depth--;
      }
      if (depth === 0 && (t.kind === "nl" || t.value === ";")) {
        if (args[args.length - 1]?.value === ",") continue;
        break;
      }
      args.push(t);
    }
    // `implementation libs.foo` is a catalog accessor: only map notation or strings qualify.
    if (next.kind === "ident" && args[1]?.value !== ":") return undefined;
    return { configuration: head.value, args };
  }
  return undefined;
}

/** Tokens between the parenthesis at `open` and its partner. */
function parenthesised(tokens: Token[], open: number): Token[] {
  const out: Token[] = [];
  let depth = 0;
  for (let j = open; j < tokens.length; j++) {
    const t = tokens[j] as Token;
    if (t.kind === "punct" && "({[".includes(t.value)) depth++;
    if (t.kind === "punct" && ")}]".includes(t.value)) depth--;
    if (depth === 0) break;
    if (j > open) out.push(t);
  }
  return out;
}

const MAP_KEYS = new Set(["group", "name", "version"]);
const PART = /^[A-Za-z0-9_.-]+$/;

function coordinates(args: Token[], vars: Map<string, string>): Array<Omit<Dependency, "scope" | "direct">> {
  // Map notation / named arguments: `group: 'g'` or `group = "g"`.
  const named = new Map<string, string>();
  for (let k = 0; k + 2 < args.length; k++) {
    const [key, sep, value] = [args[k] as Token, args[k + 1] as Token, args[k + 2] as Token];
    if (key.kind !== "ident" || !MAP_KEYS.has(key.value) || (sep.value !== ":" && sep.value !== "=")) continue;
    if (value.kind === "string") named.set(key.value, expand(value, vars));
    // `version: djlVersion`: a variable, kept by name when it cannot be resolved.
    else if (value.kind === "ident") {
      let chain = value.value;
      for (let n = k + 3; args[n]?.value === "." && args[n + 1]?.kind === "ident"; n += 2) {
        chain += `.${args[n + 1]?.value}`;
      }
      named.set(key.value, vars.get(chain) ?? chain);
    }
  }
  const group = named.get("group");
  const name = named.get("name");
  if (group !== undefined && name !== undefined) {
    const version = named.get("version");
    return [{ name: `${group}:${name}`, ...(version ? { version } : {}) }];
  }

  const out: Array<Omit<Dependency, "scope" | "direct">> = [];
  for (const tok of args) {
    if (tok.kind !== "string") continue;
    // `g:a`, `g:a:v`, `g:a:v:classifier`, optionally `@ext`.
    const value = expand(tok, vars).replace(/@[A-Za-z0-9]+$/, "");
    const parts = value.split(":");
    const [g, a, v] = parts;
    if (parts.length < 2 || parts.length > 4 || !g || !a || !PART.test(g) || !PART.test(a)) continue;
    out.push({ name: `${g}:${a}`, ...(v ? { version: v } : {}) });
  }
  return out;
}

function expand(tok: Token, vars: Map<string, string>): string {
  if (!tok.interpolated) return tok.value;
  return tok.value
    .replace(
      /\$\{\s*(?:(?:rootProject|project)\.)?(?:(?:ext|extra)\.)?([A-Za-z_]\w*)\s*\}|\$([A-Za-z_]\w*)/g,
      (whole, braced: string | undefined, bare: string | undefined) => vars.get((braced ?? bare) as string) ?? whole,
    )
    .replaceAll(ESCAPED_DOLLAR, "$");
}

/** Declaration keywords and modifiers that may precede a variable name. */
const MODIFIERS = new Set(["val", "var", "def", "const", "private", "internal", "final", "String"]);

/** Simple string assignments anywhere in the script, last one wins. */
function variables(tokens: Token[]): Map<string, string> {
  const vars = new Map<string, string>();
  for (let i = 0; i < tokens.length; i++) {
    if (!atStatementStart(tokens, i)) continue;
    let j = i;
    const t = (k: number): Token | undefined => tokens[j + k];
    while (t(0)?.kind === "ident" && t(1)?.kind === "ident" && MODIFIERS.has(t(0)?.value as string)) j++;
    if ((t(0)?.value === "ext" || t(0)?.value === "extra") && t(1)?.value === ".") j += 2;

    let name: string | undefined;
    if (t(0)?.value === "extra" && t(1)?.value === "[" && t(2)?.kind === "string" && t(3)?.value === "]") {
      // extra["name"] = "value"
      name = t(2)?.value;
      j += 4;
    } else if (t(0)?.kind === "ident") {
      name = t(0)?.value;
      j += 1;
      // Kotlin type annotation: `val x: String = "1"`.
      if (t(0)?.value === ":" && t(1)?.kind === "ident") j += 2;
    }
    const [eq, value, after] = [t(0), t(1), t(2)];
    if (name === undefined || eq?.value !== "=" || value?.kind !== "string") continue;
    // Only whole literals: `x = "a" + b` is an expression.
    if (after && after.kind !== "nl" && !"};".includes(after.value)) continue;
    vars.set(name, expand(value, vars));
  }
  return vars;
}

/** Configurations that never reach the shipped artifact count as dev. */
function scopeOf(configuration: string): DependencyScope {
  if (/^test|Test/.test(configuration)) return "dev";
  if (/^(kapt|ksp|annotationProcessor|compileOnly|debug|lintChecks|lintPublish|detektPlugins|classpath)/.test(configuration)) {
    return "dev";
  }
  return "prod";
}

/** Groovy/Kotlin tokens: strings and comments exactly, the rest as identifiers and punctuation. */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  const push = (kind: Kind, value: string, at: number, interpolated?: boolean): void => {
    tokens.push({ kind, value, line: at, ...(interpolated ? { interpolated } : {}) });
  };

  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === "\n") {
      push("nl", "\n", line);
      line++;
      i++;
    } else if (ch === " " || ch === "\t" || ch === "\r" || ch === "\f") {
      i++;
    } else if (text.startsWith("//", i)) {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (text.startsWith("/*", i)) {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) throw new ManifestParseError("unterminated /* comment", line);
      line += countNewlines(text, i, end);
      i = end + 2;
    } else if (text.startsWith('"""', i) || text.startsWith("'''", i)) {
      const quote = text.slice(i, i + 3);
      const end = text.indexOf(quote, i + 3);
      if (end < 0) throw new ManifestParseError(`unterminated ${quote} string`, line);
      push("string", text.slice(i + 3, end), line, quote === '"""');
      line += countNewlines(text, i, end);
      i = end + 3;
    } else if (ch === '"' || ch === "'") {
      const start = line;
      const { value, end } = readString(text, i, ch, line);
      push("string", value, start, ch === '"');
      i = end + 1;
    } else if (/[A-Za-z_$]/.test(ch)) {
      let end = i + 1;
      while (end < text.length && /[\w$]/.test(text[end] as string)) end++;
      push("ident", text.slice(i, end), line);
      i = end;
    } else if (ch === "`") {
      // Kotlin backtick identifier.
      const end = text.indexOf("`", i + 1);
      if (end < 0 || text.slice(i, end).includes("\n")) throw new ManifestParseError("unterminated ` identifier", line);
      push("ident", text.slice(i + 1, end), line);
      i = end + 1;
    } else {
      push("punct", ch, line);
      i++;
    }
  }
  return tokens;
}

/** A single-line string; `${...}` in double quotes may hold nested braces and strings. */
function readString(text: string, start: number, quote: string, line: number): { value: string; end: number } {
  let i = start + 1;
  let depth = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === "\n") break;
    if (ch === "\\") {
      i += 2;
      continue;
    }
    if (quote === '"' && ch === "$" && text[i + 1] === "{") {
      depth++;
      i += 2;
      continue;
    }
    if (depth > 0) {
      if (ch === "{") depth++;
      else if (ch === "}") depth--;
      else if (ch === '"' || ch === "'") i = readString(text, i, ch, line).end;
      i++;
      continue;
    }
    if (ch === quote) return { value: unescape(text.slice(start + 1, i), quote === '"'), end: i };
    i++;
  }
  throw new ManifestParseError(`unterminated ${quote} string`, line);
}

/** Stands for `\$` in an interpolating string until variables are expanded. */
const ESCAPED_DOLLAR = "\u0000";

function unescape(raw: string, interpolating: boolean): string {
  return raw.replace(/\\(.)/g, (_, c: string) => {
    if (c === "$" && interpolating) return ESCAPED_DOLLAR;
    return ({ n: "\n", t: "\t", r: "\r" } as Record<string, string>)[c] ?? c;
  });
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}
