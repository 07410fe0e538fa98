/**
 * The pip requirements file format, shared by the managers that embed it (pip requirements,
 * conda's `pip:` section, setup.cfg, pyproject.toml).
 *
 * PEP 508 requirements are parsed by pip-requirements-js. Its grammar covers PEP 508 plus
 * `-r`/`-c`, but not the rest of pip's file format: `\` continuations, CRLF, pip options
 * (`--hash`, `-e`, `--index-url`, long `--requirement`), bare URLs and paths. Those are handled
 * here, line by line, following pip's own preprocessing (`pip/_internal/req/req_file.py`):
 * join continuations, drop comments, split a line into requirement and options at the first
 * token that starts with `-`.
 */
import { posix } from "node:path";
import type { Dependency, DependencyScope, ExtractResult } from "../types.js";
import { ManifestParseError } from "../types.js";
import { PEP508_NAME, RequirementError, isDefaultIndex, parsePep508 } from "./python.js";
import { redactUrl } from "./url.js";
import type { ParsedRequirement } from "./python.js";

/** A requirement line after joining continuations; `column` is set when it spans one physical line. */
export interface LogicalLine {
  text: string;
  line: number;
  /** 1-based column of `text[0]` in its physical line. */
  column?: number;
}

export interface RequirementsContext {
  /** Folder of the file, repository-relative ("" for the root); `-r`/`-c` resolve against it. */
  baseDir: string;
  scope: DependencyScope;
}

/** Global options pip accepts in a requirements file that take a value. */
const GLOBAL_OPTIONS_WITH_VALUE = new Set([
  "-i",
  "--index-url",
  "--extra-index-url",
  "-f",
  "--find-links",
  "--trusted-host",
  "--only-binary",
  "--no-binary",
  "--use-feature",
  "--global-option",
  "--config-settings",
  "-C",
]);
const GLOBAL_FLAGS = new Set(["--no-index", "--pre", "--prefer-binary", "--require-hashes"]);
/** Options pip allows after a requirement on the same line. */
const PER_REQUIREMENT_OPTIONS = new Set(["--hash", "--global-option", "--install-option", "--config-settings", "-C"]);

export function dirOf(path: string): string {
  const dir = posix.dirname(path.replace(/\\/g, "/"));
  return dir === "." ? "" : dir;
}

/** Resolve an included file against the including file's folder; URLs and absolute paths stay as written. */
export function resolveInclude(baseDir: string, ref: string): string {
  const cleaned = ref.trim().replace(/^(["'])(.*)\1$/, "$2");
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(cleaned) || cleaned.startsWith("/")) return cleaned;
  return posix.normalize(posix.join(baseDir, cleaned.replace(/\\/g, "/")));
}

/** Join `\` continuations and drop comments, as pip does before reading options. */
export function splitLogicalLines(text: string): LogicalLine[] {
  const physical = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/);
  const out: LogicalLine[] = [];
  let pending: string[] = [];
  let start = 0;
  const push = (raw: string, line: number, single: boolean): void => {
    // pip's comment rule: `#` at the start or after whitespace; `#egg=` in a URL survives.
    const stripped = raw.replace(/(^|\s+)#.*$/, "");
    const lead = stripped.length - stripped.trimStart().length;
    const body = stripped.trim();
    if (body === "") return;
    out.push(single ? { text: body, line, column: lead + 1 } : { text: body, line });
  };
  physical.forEach((raw, i) => {
    const isComment = /^\s*#/.test(raw);
    if (!raw.endsWith("\\") || isComment) {
      if (pending.length > 0) {
        if (!isComment) pending.push(raw);
        push(pending.join(""), start, false);
        pending = [];
      } else {
        push(raw, i + 1, true);
      }
    } else {
      if (pending.length === 0) start = i + 1;
      pending.push(raw.replace(/\\+$/, ""));
    }
  });
  if (pending.length > 0) push(pending.join(""), start, false);
  return out;
}

/**
 * Turn logical requirement lines into dependencies and includes. Shared with conda's `pip:` list.
 * `--index-url` and `--extra-index-url` apply to the whole file wherever they stand, so a
 * requirement without a location of its own has the file's non-default indexes as its source.
 */
export function parseRequirementLines(lines: readonly LogicalLine[], ctx: RequirementsContext): ExtractResult {
  const dependencies: Dependency[] = [];
  const includes: string[] = [];
  let indexUrl: string | undefined;
  const extraIndexUrls: string[] = [];
  for (const line of lines) {
    const fail = (message: string, column?: number): never => {
      throw new ManifestParseError(message, line.line, column);
    };
    if (line.text.startsWith("-")) {
      const option = splitOption(line.text) ?? fail(`unreadable pip option "${line.text}"`, line.column);
      switch (option.name) {
        case "-r":
        case "--requirement":
        case "-c":
        case "--constraint": {
          if (option.value === "") fail(`${option.name} needs a file name`, line.column);
          const include = resolveInclude(ctx.baseDir, option.value);
          if (!includes.includes(include)) includes.push(include);
          continue;
        }
        case "-e":
        case "--editable": {
          const location = option.value.split(/\s+(?=-)/)[0] ?? "";
          if (location === "") fail(`${option.name} needs a path or URL`, line.column);
          const req = urlOrPathRequirement(location);
          if (req) dependencies.push(toDependency(req, ctx.scope));
          continue;
        }
        default:
          if (GLOBAL_FLAGS.has(option.name)) continue;
          if (GLOBAL_OPTIONS_WITH_VALUE.has(option.name)) {
            if (option.value === "") fail(`${option.name} needs a value`, line.column);
            const url = option.value.replace(/^(["'])(.*)\1$/, "$2");
            // pip keeps the last --index-url and every --extra-index-url.
            if (option.name === "-i" || option.name === "--index-url") indexUrl = url;
            else if (option.name === "--extra-index-url" && !extraIndexUrls.includes(url)) extraIndexUrls.push(url);
            continue;
          }
          fail(`unknown pip option "${option.name}"`, line.column);
      }
    }

    // pip splits requirement and options at the first space-separated token starting with "-".
    const optionAt = line.text.search(/\s-/);
    const requirement = optionAt < 0 ? line.text : line.text.slice(0, optionAt).trimEnd();
    if (optionAt >= 0) checkRequirementOptions(line.text.slice(optionAt + 1), fail);

    if (looksLikeUrlOrPath(requirement)) {
      const req = urlOrPathRequirement(requirement);
      if (req) dependencies.push(toDependency(req, ctx.scope));
      continue;
    }
    try {
      dependencies.push(toDependency(parsePep508(requirement), ctx.scope));
    } catch (err) {
      if (err instanceof RequirementError) {
        const column = line.column !== undefined && err.column !== undefined ? line.column + err.column - 1 : undefined;
        fail(err.message, column);
      }
      throw err;
    }
  }
  const indexes = [...(indexUrl !== undefined ? [indexUrl] : []), ...extraIndexUrls]
    .filter((url) => !isDefaultIndex(url))
    .map(redactUrl);
  if (indexes.length > 0) {
    const source = [...new Set(indexes)].join(" ");
    for (const dep of dependencies) dep.source ??= source;
  }
  return includes.length > 0 ? { dependencies, includes } : { dependencies };
}

function toDependency(req: ParsedRequirement, scope: DependencyScope): Dependency {
  const dep: Dependency = { name: req.name, scope, direct: true };
  if (req.version !== undefined) dep.version = req.version;
  if (req.source !== undefined) dep.source = req.source;
  return dep;
}

function splitOption(text: string): { name: string; value: string } | undefined {
  const long = /^(--[A-Za-z][\w-]*)(?:\s*=\s*|\s+|$)(.*)$/.exec(text);
  const m = long ?? /^(-[A-Za-z])\s*(.*)$/.exec(text);
  if (!m?.[1]) return undefined;
  return { name: m[1], value: (m[2] ?? "").trim() };
}

function checkRequirementOptions(text: string, fail: (message: string) => never): void {
  const tokens = text.split(/\s+/).filter((t) => t !== "");
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? "";
    if (!token.startsWith("-")) fail(`unexpected "${token}" after requirement options`);
    const name = token.split("=")[0] ?? token;
    if (!PER_REQUIREMENT_OPTIONS.has(name)) fail(`option "${name}" is not allowed after a requirement`);
    if (token.includes("=")) continue;
    // Value in the next token: `--hash sha256:...`.
    if (tokens[i + 1] === undefined || tokens[i + 1]?.startsWith("-")) fail(`option "${name}" needs a value`);
    i++;
  }
}

/** pip treats these as a location rather than a PEP 508 name: URLs, VCS links, paths, archives. */
function looksLikeUrlOrPath(requirement: string): boolean {
  if (/^[A-Za-z0-9][\w.-]*\s*(\[[^\]]*\])?\s*@/.test(requirement)) return false; // PEP 508 `name @ url`
  const first = requirement.split(/[\s;]/)[0] ?? "";
  return (
    /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(first) ||
    /^(git|hg|svn|bzr)\+/.test(first) ||
    first.startsWith("file:") ||
    /^[.~/\\]/.test(first) ||
    /^[A-Za-z]:[\\/]/.test(first) ||
    first.includes("/") ||
    first.includes("\\") ||
    /\.(whl|tar\.gz|tar\.bz2|tar\.xz|tgz|zip)$/i.test(first)
  );
}

/**
 * Name a requirement given only by location: `#egg=name`, else a wheel or sdist file name,
 * else (VCS) the repository name, which is the usual project name but not a guarantee.
 * Local folders without `#egg=` are the repository's own code, read through their own
 * manifest, and remote archives without a versioned file name cannot be named: both are skipped.
 */
export function urlOrPathRequirement(spec: string): ParsedRequirement | undefined {
  // Markers after a URL need whitespace around ";" so the URL itself may contain ";".
  const location = (spec.split(/\s+;|;\s+/)[0] ?? spec).trim();
  const egg = /[#&]egg=([^&\s]+)/.exec(location)?.[1];
  if (egg) {
    const name = egg.replace(/\[.*$/, "");
    if (PEP508_NAME.test(name)) return { name, source: location };
  }
  const isVcs = /^(git|hg|svn|bzr)\+/.test(location);
  const path = isVcs ? vcsPath(location) : location.replace(/[?#].*$/, "");
  const file = path.replace(/[\\/]+$/, "").split(/[\\/]/).pop() ?? "";
  const wheel = /^([^-]+)-([^-]+)(?:-[^-]+)?-[^-]+-[^-]+-[^-]+\.whl$/i.exec(file);
  if (wheel?.[1] && wheel[2]) return { name: wheel[1], version: wheel[2], source: location };
  const sdist = /^(.+?)-(\d[^-]*?)\.(?:tar\.gz|tar\.bz2|tar\.xz|tgz|zip)$/i.exec(file);
  if (sdist?.[1] && sdist[2]) return { name: sdist[1], version: sdist[2], source: location };
  if (isVcs) {
    const repo = file.replace(/\.git$/, "");
    if (PEP508_NAME.test(repo)) return { name: repo, source: location };
  }
  return undefined;
}

/** Path part of a VCS URL without the `@ref` suffix. */
function vcsPath(location: string): string {
  const url = location.replace(/^[a-z]+\+/, "").replace(/[?#].*$/, "");
  try {
    return new URL(url).pathname.replace(/@[^/]*$/, "");
  } catch {
    return url.replace(/@[^/]*$/, "");
  }
}
