/**
 * Dockerfile / Containerfile reader: base images of `FROM` and external images of
 * `COPY --from=`.
 *
 * Hand-written: the npm Dockerfile parsers are unmaintained and miss BuildKit syntax
 * (heredocs, `# escape=` handling). Only instruction boundaries and FROM/ARG/COPY
 * arguments matter here, which a small line assembler covers.
 *
 * Output: name = image without tag or digest, registry host kept as written
 * (`nvcr.io/nvidia/pytorch`); version = tag, `tag@sha256:...` when also pinned by digest,
 * `@sha256:...` when pinned by digest only, absent when neither (Docker's implicit `latest`
 * is not invented). The digest goes into the version because it is the exact pin: a new
 * digest is a new image. Every image is scope prod: build stages shape the shipped image.
 */
import { ManifestParseError, type Dependency, type ExtractResult } from "../types.js";
import { imageVersion, splitImageRef } from "../shared/image-ref.js";

const INSTRUCTIONS = new Set([
  "FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT",
  "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
]);

const HEREDOC_INSTRUCTIONS = new Set(["RUN", "COPY", "ADD"]);
const HEREDOC = /<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g;

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export function extractDockerfile(text: string): ExtractResult {
  const instructions = assemble(text);
  const globalArgs = new Map<string, string | undefined>();
  const stages = new Set<string>();
  const dependencies: Dependency[] = [];
  let inStage = false;

  for (const ins of instructions) {
    if (ins.keyword === "ARG") {
      // Only ARGs before the first FROM can be used in FROM lines.
      if (!inStage) {
        for (const [name, value] of parseArgs(ins)) {
          globalArgs.set(name, value === undefined ? undefined : substitute(value, globalArgs));
        }
      }
      continue;
    }
    if (ins.keyword === "FROM") {
      inStage = true;
      const words = splitWords(ins.args, ins.line).filter((w) => !w.startsWith("--"));
      const [image, as, stage, ...extra] = words;
      if (image === undefined) throw new ManifestParseError("FROM needs an image", ins.line);
      if (as !== undefined && (as.toLowerCase() !== "as" || stage === undefined || extra.length > 0)) {
        throw new ManifestParseError("FROM expects `image [AS name]`", ins.line);
      }
      const ref = substitute(image, globalArgs);
      // Stage names are case-insensitive; only stages defined earlier can be referred to.
      if (!stages.has(ref.toLowerCase()) && ref.toLowerCase() !== "scratch") {
        const dep = imageDependency(ref, ins.line);
        if (dep) dependencies.push(dep);
      }
      if (stage !== undefined) stages.add(stage.toLowerCase());
      continue;
    }
    if (!inStage) {
      throw new ManifestParseError(`${ins.keyword} before the first FROM`, ins.line);
    }
    if (ins.keyword === "COPY") {
      const from = splitWords(ins.args, ins.line)
        .filter((w) => w.toLowerCase().startsWith("--from="))
        .map((w) => substitute(w.slice("--from=".length), globalArgs))[0];
      // `--from` names an earlier stage, a stage index or an image.
      if (from && !stages.has(from.toLowerCase()) && !/^\d+$/.test(from)) {
        const dep = imageDependency(from, ins.line);
        if (dep) dependencies.push(dep);
      }
    }
  }
  return { dependencies };
}

function imageDependency(ref: string, line: number): Dependency | undefined {
  const { name, tag, digest } = splitImageRef(ref);
  // An image chosen entirely by a build argument without default cannot be named.
  if (name.includes("$")) return undefined;
  if (!/^[A-Za-z0-9][A-Za-z0-9._\-/:]*$/.test(name) || tag === "" || digest === "") {
    throw new ManifestParseError(`invalid image reference "${ref}"`, line);
  }
  const dep: Dependency = { name, scope: "prod", direct: true };
  const version = imageVersion(tag, digest);
  if (version !== undefined) dep.version = version;
  return dep;
}

/**
 * Expand `$VAR`, `${VAR}`, `${VAR:-default}` and `${VAR:+alternative}` with the global ARG
 * defaults. A variable with no known value is left as written, so the reader still sees
 * which argument picks the tag.
 */
function substitute(value: string, args: Map<string, string | undefined>): string {
  return value.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (whole, braced: string | undefined, op: string | undefined, word: string | undefined, bare: string | undefined) => {
      const name = (braced ?? bare) as string;
      const current = args.get(name);
      const isSet = current !== undefined && current !== "";
      if (op === "-") return isSet ? current : substitute(word ?? "", args);
      if (op === "+") return isSet ? substitute(word ?? "", args) : "";
      return current ?? whole;
    },
  );
}

/** `ARG NAME`, `ARG NAME=value`, several per line, values optionally quoted. */
function parseArgs(ins: Instruction): Array<[string, string | undefined]> {
  return splitWords(ins.args, ins.line).map((word) => {
    const eq = word.indexOf("=");
    const name = eq < 0 ? word : word.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new ManifestParseError(`invalid ARG name "${name}"`, ins.line);
    }
    return [name, eq < 0 ? undefined : word.slice(eq + 1)];
  });
}

/** Whitespace-separated words; quotes group and are removed, as the Dockerfile shell-lexer does. */
function splitWords(args: string, line: number): string[] {
  const words: string[] = [];
  let current = "";
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const ch = args[i] as string;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === "\\" && quote === '"' && i + 1 < args.length) current += args[++i];
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (quote) throw new ManifestParseError(`unterminated ${quote} quote`, line);
  if (inWord) words.push(current);
  return words;
}

/**
 * Join continuation lines into instructions, drop comments and skip heredoc bodies.
 * Honours the `# escape=` parser directive.
 */
function assemble(text: string): Instruction[] {
  const lines = text.split(/\r?\n/);
  let escape = "\\";
  let index = 0;

  // Parser directives: only at the very top, before any other line.
  for (; index < lines.length; index++) {
    const m = /^\s*#\s*([A-Za-z]+)\s*=\s*(\S+)\s*$/.exec(lines[index] as string);
    if (!m) break;
    if ((m[1] as string).toLowerCase() === "escape") {
      if (m[2] !== "\\" && m[2] !== "`") {
        throw new ManifestParseError(`invalid escape directive "${m[2]}"`, index + 1);
      }
      escape = m[2];
    }
  }

  const out: Instruction[] = [];
  while (index < lines.length) {
    const first = lines[index] as string;
    const start = index + 1;
    index++;
    if (first.trim() === "" || /^\s*#/.test(first)) continue;

    let logical = "";
    let line = first;
    for (;;) {
      const trimmed = line.replace(/\s+$/, "");
      if (trimmed.endsWith(escape)) {
        logical += `${trimmed.slice(0, -1)} `;
        // Comment and empty lines inside a continuation are dropped, as Docker does.
        while (index < lines.length && /^\s*(#.*)?$/.test(lines[index] as string)) index++;
        if (index >= lines.length) break;
        line = lines[index] as string;
        index++;
      } else {
        logical += line;
        break;
      }
    }

    const m = /^\s*([A-Za-z]+)(?:\s+([\s\S]*))?$/.exec(logical);
    const keyword = m?.[1]?.toUpperCase();
    if (!m || keyword === undefined || !INSTRUCTIONS.has(keyword)) {
      const word = logical.trim().split(/\s+/)[0] ?? "";
      throw new ManifestParseError(`unknown instruction "${word}"`, start);
    }
    const args = (m[2] ?? "").trim();
    out.push({ keyword, args, line: start });

    // Heredocs (`RUN <<EOF`, `COPY <<-"EOF" /x`): their bodies are not instructions.
    const heredocs = HEREDOC_INSTRUCTIONS.has(keyword) ? args.matchAll(HEREDOC) : [];
    for (const h of heredocs) {
      const strip = h[1] === "-";
      const word = h[3] as string;
      for (;;) {
        if (index >= lines.length) {
          throw new ManifestParseError(`heredoc "${word}" is never terminated`, start);
        }
        const body = lines[index] as string;
        index++;
        if ((strip ? body.replace(/^\t+/, "") : body) === word) break;
      }
    }
  }
  return out;
}
