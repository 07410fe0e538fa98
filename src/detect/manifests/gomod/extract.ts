/**
 * go.mod reader.
 *
 * Hand-written: the only complete go.mod parser is Go's own golang.org/x/mod/modfile and
 * npm has no maintained port. The grammar is small and line-based (one directive per line
 * or a `verb ( ... )` block, `//` comments, Go-quoted strings), so a line scanner is enough.
 */
import { ManifestParseError, type Dependency, type ExtractResult } from "../types.js";

/** Directives the go command accepts; anything else is a broken file (as with `go mod edit`). */
const KNOWN_VERBS = new Set([
  "module",
  "go",
  "toolchain",
  "godebug",
  "require",
  "replace",
  "exclude",
  "retract",
  "tool",
  "ignore",
]);
/** Single-value directives that cannot open a block. */
const NO_BLOCK = new Set(["module", "go", "toolchain"]);

interface Line {
  tokens: string[];
  comment: string;
  line: number;
}

interface Require {
  dep: Dependency;
  line: number;
}

interface Replace {
  from: string;
  fromVersion?: string;
  source: string;
}

export function extractGoMod(text: string): ExtractResult {
  const requires: Require[] = [];
  const replaces: Replace[] = [];
  const tools: string[] = [];

  let block: { verb: string; line: number } | undefined;
  for (const entry of scan(text)) {
    const { tokens, line } = entry;
    if (tokens.length === 0) continue;

    if (block) {
      if (tokens.length === 1 && tokens[0] === ")") {
        block = undefined;
        continue;
      }
      if (tokens.includes("(") || tokens.includes(")")) {
        throw new ManifestParseError(`unexpected parenthesis inside ${block.verb} block`, line);
      }
      directive(block.verb, tokens, entry);
      continue;
    }

    const verb = tokens[0] as string;
    if (!KNOWN_VERBS.has(verb)) {
      throw new ManifestParseError(`unknown directive "${verb}"`, line);
    }
    const rest = tokens.slice(1);
    if (rest[0] === "(") {
      if (NO_BLOCK.has(verb)) throw new ManifestParseError(`"${verb}" cannot open a block`, line);
      if (rest.length === 1) {
        block = { verb, line };
        continue;
      }
      if (rest.length === 2 && rest[1] === ")") continue; // `require ()`
      throw new ManifestParseError(`unexpected text after "${verb} ("`, line);
    }
    if (rest.includes("(") || rest.includes(")")) {
      throw new ManifestParseError(`unexpected parenthesis in ${verb} directive`, line);
    }
    directive(verb, rest, entry);
  }
  if (block) {
    throw new ManifestParseError(`${block.verb} block opened here is never closed`, block.line);
  }

  function directive(verb: string, args: string[], entry: Line): void {
    switch (verb) {
      case "module":
      case "go":
      case "toolchain":
        if (args.length !== 1) {
          throw new ManifestParseError(`"${verb}" expects one argument`, entry.line);
        }
        return;
      case "require": {
        const [name, version] = args;
        if (args.length !== 2 || name === undefined || version === undefined) {
          throw new ManifestParseError("require expects a module path and a version", entry.line);
        }
        requires.push({
          dep: { name, version, scope: "prod", direct: !isIndirect(entry.comment) },
          line: entry.line,
        });
        return;
      }
      case "replace":
        replaces.push(parseReplace(args, entry.line));
        return;
      case "tool": {
        const [path] = args;
        if (args.length !== 1 || path === undefined) {
          throw new ManifestParseError("tool expects one package path", entry.line);
        }
        tools.push(path);
        return;
      }
      default:
        // exclude, retract, godebug, ignore: they do not add dependencies.
        return;
    }
  }

  const dependencies = requires.map((r) => r.dep);

  for (const replace of replaces) {
    for (const dep of dependencies) {
      if (dep.name !== replace.from) continue;
      if (replace.fromVersion !== undefined && replace.fromVersion !== dep.version) continue;
      dep.source = replace.source;
    }
  }

  // A tool directive names a package; the module that provides it is required separately.
  // The main module declares that tool itself, so its module counts as direct, and when
  // the code does not import it (`// indirect`) it is only build tooling.
  for (const tool of tools) {
    const owner = longestModuleFor(tool, dependencies);
    if (!owner) {
      dependencies.push({ name: tool, scope: "dev", direct: true });
      continue;
    }
    if (!owner.direct) {
      owner.direct = true;
      owner.scope = "dev";
    }
  }

  return { dependencies };
}

function parseReplace(args: string[], line: number): Replace {
  const arrow = args.indexOf("=>");
  if (arrow < 0) throw new ManifestParseError('replace is missing "=>"', line);
  const left = args.slice(0, arrow);
  const right = args.slice(arrow + 1);
  const [from, fromVersion] = left;
  const [to, toVersion] = right;
  if (from === undefined || left.length > 2 || to === undefined || right.length > 2) {
    throw new ManifestParseError("replace expects `module [version] => target [version]`", line);
  }
  if (toVersion === undefined && !isFilePath(to)) {
    throw new ManifestParseError(`replacement module "${to}" needs a version`, line);
  }
  return {
    from,
    ...(fromVersion !== undefined ? { fromVersion } : {}),
    // A module replacement reads as `path@version`; a directory stays as written.
    source: toVersion === undefined ? to : `${to}@${toVersion}`,
  };
}

function longestModuleFor(pkg: string, deps: Dependency[]): Dependency | undefined {
  let best: Dependency | undefined;
  for (const dep of deps) {
    if (pkg !== dep.name && !pkg.startsWith(`${dep.name}/`)) continue;
    if (!best || dep.name.length > best.name.length) best = dep;
  }
  return best;
}

function isFilePath(target: string): boolean {
  return /^(\.{1,2}[/\\]|[/\\]|[A-Za-z]:[/\\])/.test(target) || target === "." || target === "..";
}

/** `// indirect` may be followed by `; other text`, as the go command writes it. */
function isIndirect(comment: string): boolean {
  return /^indirect\s*(;|$)/.test(comment.trim());
}

/** Split the file into lines of tokens; quoted strings are unquoted, `//` starts a comment. */
function* scan(text: string): Generator<Line> {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    const line = i + 1;
    const tokens: string[] = [];
    let comment = "";
    let pos = 0;
    while (pos < raw.length) {
      const ch = raw[pos] as string;
      if (ch === " " || ch === "\t") {
        pos++;
      } else if (raw.startsWith("//", pos)) {
        comment = raw.slice(pos + 2);
        break;
      } else if (ch === "(" || ch === ")") {
        tokens.push(ch);
        pos++;
      } else if (ch === '"') {
        const end = closingQuote(raw, pos);
        if (end < 0) throw new ManifestParseError("unterminated quoted string", line, pos + 1);
        tokens.push(unquote(raw.slice(pos, end + 1), line, pos + 1));
        pos = end + 1;
      } else if (ch === "`") {
        const end = raw.indexOf("`", pos + 1);
        if (end < 0) throw new ManifestParseError("unterminated raw string", line, pos + 1);
        tokens.push(raw.slice(pos + 1, end));
        pos = end + 1;
      } else {
        let end = pos;
        while (end < raw.length && !/[\s()"`]/.test(raw[end] as string) && !raw.startsWith("//", end)) {
          end++;
        }
        tokens.push(raw.slice(pos, end));
        pos = end;
      }
    }
    yield { tokens, comment, line };
  }
}

function closingQuote(raw: string, start: number): number {
  for (let i = start + 1; i < raw.length; i++) {
    if (raw[i] === "\\") i++;
    else if (raw[i] === '"') return i;
  }
  return -1;
}

function unquote(quoted: string, line: number, column: number): string {
  try {
    // Go and JSON escapes agree for everything a module path or version can hold.
    return JSON.parse(quoted) as string;
  } catch {
    throw new ManifestParseError(`invalid quoted string ${quoted}`, line, column);
  }
}
