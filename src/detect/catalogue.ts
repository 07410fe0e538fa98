import { once } from "../util/once.js";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import type { Ecosystem } from "./manifests/types.js";
import type { AiPackageKind } from "./types.js";

/**
 * The AI package catalogue (policies/ai-packages.yml) and the matcher built from it.
 * Everything here is pure except loadAiPackageCatalogue, which reads the shipped file once.
 */

const ECOSYSTEM_IDS = ["npm", "pypi", "go", "cargo", "maven", "nuget", "docker", "github-actions"] as const;
export const AI_PACKAGE_KINDS = [
  "llm-api",
  "ml-framework",
  "agent-framework",
  "inference-runtime",
  "model-hub",
  "vector-db",
  "mlops",
  "evaluation",
  "guardrails",
  "mcp",
  "biometric",
  "tokenizer",
] as const;

// Compile-time guarantee that the zod enums and the shared union types stay in step.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const ecosystemsInStep: Same<(typeof ECOSYSTEM_IDS)[number], Ecosystem> = true;
const kindsInStep: Same<(typeof AI_PACKAGE_KINDS)[number], AiPackageKind> = true;
void ecosystemsInStep;
void kindsInStep;

const MAX_PATTERN_LENGTH = 200;

/**
 * One catalogue entry. Shared with the repository configuration (`detect.dependencies.extra`),
 * so a repository can add packages in exactly the catalogue's format.
 */
export const aiPackageEntrySchema = z
  .strictObject({
    ecosystem: z.enum(ECOSYSTEM_IDS).describe("The package ecosystem the entry applies to."),
    name: z.string().trim().min(1).max(300).optional().describe("The exact package name (normalised as its ecosystem does); give either name or pattern."),
    pattern: z.string().trim().min(1).max(MAX_PATTERN_LENGTH).optional().describe("A name pattern with `*` wildcards, e.g. `langchain-*`; give either name or pattern."),
    kind: z.enum(AI_PACKAGE_KINDS).describe("What the package is, shown with each detected change."),
    supplier: z.string().trim().min(1).describe("Who supplies it (A.10 third-party relationships), e.g. OpenAI."),
    note: z.string().trim().min(1).optional().describe("Optional remark shown with the detection."),
  })
  .superRefine((entry, ctx) => {
    if ((entry.name === undefined) === (entry.pattern === undefined)) {
      ctx.addIssue({ code: "custom", message: "give exactly one of name or pattern" });
    }
    if (entry.name?.includes("*")) {
      ctx.addIssue({ code: "custom", path: ["name"], message: "a name cannot contain '*': use pattern" });
    }
    if (entry.pattern !== undefined && !entry.pattern.includes("*")) {
      ctx.addIssue({ code: "custom", path: ["pattern"], message: "a pattern needs at least one '*': use name" });
    }
  });

export type CatalogueEntry = z.infer<typeof aiPackageEntrySchema>;

function describeEntry(e: CatalogueEntry): string {
  return e.name !== undefined ? `${e.ecosystem} name "${e.name}"` : `${e.ecosystem} pattern "${e.pattern ?? ""}"`;
}

/** Identity of an entry for duplicate detection: ecosystem plus normalised name or pattern. */
function entryKey(e: CatalogueEntry): string {
  // packageKey, so a Go module and its `/vN` path, which match the same packages, also collide.
  return e.name !== undefined
    ? `${e.ecosystem}\0name\0${packageKey(e.ecosystem, e.name)}`
    : `${e.ecosystem}\0pattern\0${normalizePackageName(e.ecosystem, e.pattern ?? "")}`;
}

/** A list of entries in which no two have the same ecosystem and normalised name or pattern. */
export const aiPackageEntriesSchema = z.array(aiPackageEntrySchema).superRefine((entries, ctx) => {
  const seen = new Map<string, number>();
  entries.forEach((entry, i) => {
    const key = entryKey(entry);
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, i);
      return;
    }
    const earlier = entries[first];
    ctx.addIssue({
      code: "custom",
      path: [i],
      message: `duplicate entry: [${i}] ${describeEntry(entry)} repeats [${first}] ${earlier ? describeEntry(earlier) : ""}`,
    });
  });
});

export const aiPackageCatalogueSchema = z.strictObject({ packages: aiPackageEntriesSchema });

/** The catalogue file could not be read as a catalogue; every problem carries its position. */
export class CatalogueError extends Error {
  constructor(
    public readonly file: string,
    public readonly problems: { line?: number; column?: number; message: string }[],
  ) {
    super(
      `${file}: ${problems
        .map((p) => (p.line !== undefined ? `${p.line}:${p.column ?? 1} ${p.message}` : p.message))
        .join("; ")}`,
    );
    this.name = "CatalogueError";
  }
}

/** Parse and validate catalogue text. Pure; throws CatalogueError naming file, line and problem. */
export function parseAiPackageCatalogue(text: string, file = "policies/ai-packages.yml"): CatalogueEntry[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const pos = lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    throw new CatalogueError(
      file,
      doc.errors.map((e) => ({ ...at(e.pos[0]), message: e.message.split("\n")[0] ?? e.message })),
    );
  }
  const parsed = aiPackageCatalogueSchema.safeParse(doc.toJS());
  if (parsed.success) return parsed.data.packages;
  throw new CatalogueError(
    file,
    parsed.error.issues.map((issue) => {
      const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
      const label = path.length > 0 ? `${path.join(".")}: ` : "";
      // Point at the deepest node that exists; a missing key is reported on its parent.
      for (let depth = path.length; depth >= 0; depth--) {
        const node = doc.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
        if (node?.range) return { ...at(node.range[0]), message: `${label}${issue.message}` };
      }
      return { message: `${label}${issue.message}` };
    }),
  );
}

const shippedCatalogue = once(() => parseAiPackageCatalogue(readFileSync(fileURLToPath(new URL("../../policies/ai-packages.yml", import.meta.url)), "utf8"), "policies/ai-packages.yml"));

/** The catalogue shipped in policies/ai-packages.yml (read and validated once), or the file at `path`. */
export function loadAiPackageCatalogue(path?: string): CatalogueEntry[] {
  return path === undefined ? shippedCatalogue() : parseAiPackageCatalogue(readFileSync(path, "utf8"), path);
}

/**
 * The spelling under which two names denote the same package in an ecosystem:
 * PyPI per PEP 503; NuGet, GitHub and image names case-insensitively (a workflow's
 * `docker://` step as an image); crates.io treats
 * `-` and `_` alike; Maven keeps `group:artifact`; Docker Hub's implicit `docker.io/library/`
 * is dropped. npm and Go names are case-sensitive and kept as they are.
 */
export function normalizePackageName(ecosystem: Ecosystem, name: string): string {
  const n = name.trim();
  switch (ecosystem) {
    case "pypi":
      return n.toLowerCase().replace(/[-_.]+/g, "-");
    case "nuget":
      return n.toLowerCase();
    case "github-actions":
      return n.startsWith("docker://")
        ? `docker://${normalizePackageName("docker", n.slice("docker://".length))}`
        : n.toLowerCase();
    case "cargo":
      return n.toLowerCase().replace(/_/g, "-");
    case "maven": {
      const parts = n.split(":");
      return parts.length > 2 ? `${parts[0]}:${parts[1]}` : n;
    }
    case "docker": {
      let image = n.toLowerCase();
      for (const registry of ["docker.io/", "index.docker.io/", "registry-1.docker.io/"]) {
        if (image.startsWith(registry)) {
          image = image.slice(registry.length);
          break;
        }
      }
      return image.startsWith("library/") ? image.slice("library/".length) : image;
    }
    case "npm":
    case "go":
      return n;
  }
}

const GO_MAJOR_SUFFIX = /\/v[2-9]\d*$|\/v1\d+$/;

/**
 * Identity used to compare a package across base and head: the normalised name, and for Go
 * without the `/vN` major suffix, because a Go major upgrade renames the module
 * (`.../openai-go/v2` → `.../openai-go/v3` is an upgrade, not a removal and an addition).
 */
export function packageKey(ecosystem: Ecosystem, name: string): string {
  const n = normalizePackageName(ecosystem, name);
  return ecosystem === "go" ? n.replace(GO_MAJOR_SUFFIX, "") : n;
}

/**
 * A glob in which only `*` is special (any run of characters, `/` included). Matched by
 * splitting on `*` and finding the literal pieces in order, which is linear in practice and
 * cannot backtrack catastrophically whatever a repository writes.
 */
interface Glob {
  head: string;
  tail: string;
  middle: string[];
  minLength: number;
}

function compileGlob(pattern: string): Glob {
  const pieces = pattern.split("*");
  const head = pieces[0] ?? "";
  const tail = pieces.length > 1 ? (pieces[pieces.length - 1] ?? "") : "";
  const middle = pieces.slice(1, -1).filter((p) => p.length > 0);
  const minLength = head.length + tail.length + middle.reduce((sum, p) => sum + p.length, 0);
  return { head, tail, middle, minLength };
}

function globMatches(glob: Glob, text: string): boolean {
  if (text.length < glob.minLength || !text.startsWith(glob.head) || !text.endsWith(glob.tail)) return false;
  let from = glob.head.length;
  const end = text.length - glob.tail.length;
  for (const piece of glob.middle) {
    const at = text.indexOf(piece, from);
    if (at < 0 || at + piece.length > end) return false;
    from = at + piece.length;
  }
  return true;
}

export type AiPackageMatcher = (ecosystem: Ecosystem, name: string) => CatalogueEntry | undefined;

export interface AiPackageMatcherOptions {
  /** Repository additions (`detect.dependencies.extra`); they win over catalogue entries of the same name. */
  extra?: readonly CatalogueEntry[];
  /**
   * Repository exclusions (`detect.dependencies.ignore`): `ecosystem:name`, `ecosystem:pattern`,
   * or a bare name or pattern that applies in every ecosystem.
   */
  ignore?: readonly string[];
}

interface CompiledPattern {
  glob: Glob;
  entry: CatalogueEntry;
}

interface EcosystemIndex {
  exact: Map<string, CatalogueEntry>;
  patterns: CompiledPattern[];
  ignoreExact: Set<string>;
  ignorePatterns: Glob[];
}

function isEcosystem(value: string): value is Ecosystem {
  return (ECOSYSTEM_IDS as readonly string[]).includes(value);
}

/**
 * Why a `detect.dependencies.ignore` entry is unusable, or undefined. `npm:` names no package;
 * `pip:torch` names an ecosystem aims does not know (a prefix of letters, digits and dashes reads
 * as one; a Maven `group.id:artifact` has a dot and stays a bare name matched everywhere).
 */
export function dependencyIgnoreProblem(raw: string): string | undefined {
  const item = raw.trim();
  if (item === "") return "an entry cannot be empty";
  const colon = item.indexOf(":");
  if (colon < 0) return undefined;
  const prefix = item.slice(0, colon);
  const body = item.slice(colon + 1).trim();
  const known = `${ECOSYSTEM_IDS.slice(0, -1).join(", ")} or ${ECOSYSTEM_IDS.at(-1)}`;
  if (prefix === "") return `"${raw}" names no ecosystem before ":"; write ecosystem:name (${known}) or a bare name`;
  if (isEcosystem(prefix)) return body === "" ? `"${raw}" names no package after "${prefix}:"; write ${prefix}:<name or pattern>` : undefined;
  if (/^[A-Za-z][A-Za-z0-9-]*$/.test(prefix)) {
    return `"${raw}": unknown ecosystem "${prefix}" (use ${known}; for a Maven group:artifact, write maven:${item})`;
  }
  return undefined;
}

/**
 * Build a lookup from catalogue entries. Exact names are found in a Map; patterns are compiled
 * once. Precedence: exact names over patterns; repository extras over the catalogue; among
 * patterns, the one with more literal characters (the more specific) first.
 */
export function createAiPackageMatcher(
  entries: readonly CatalogueEntry[],
  options: AiPackageMatcherOptions = {},
): AiPackageMatcher {
  const index = new Map<Ecosystem, EcosystemIndex>();
  for (const ecosystem of ECOSYSTEM_IDS) {
    index.set(ecosystem, { exact: new Map(), patterns: [], ignoreExact: new Set(), ignorePatterns: [] });
  }
  const ranked: { compiled: CompiledPattern; extra: boolean; order: number }[] = [];
  const add = (entry: CatalogueEntry, extra: boolean, order: number) => {
    const idx = index.get(entry.ecosystem);
    if (!idx) return;
    if (entry.name !== undefined) {
      idx.exact.set(packageKey(entry.ecosystem, entry.name), entry);
    } else if (entry.pattern !== undefined) {
      const glob = compileGlob(normalizePackageName(entry.ecosystem, entry.pattern));
      ranked.push({ compiled: { glob, entry }, extra, order });
    }
  };
  entries.forEach((e, i) => add(e, false, i));
  (options.extra ?? []).forEach((e, i) => add(e, true, i));
  ranked.sort(
    (a, b) =>
      Number(b.extra) - Number(a.extra) ||
      b.compiled.glob.minLength - a.compiled.glob.minLength ||
      a.order - b.order,
  );
  for (const r of ranked) index.get(r.compiled.entry.ecosystem)?.patterns.push(r.compiled);

  for (const raw of options.ignore ?? []) {
    const item = raw.trim();
    if (item.length === 0) continue;
    const colon = item.indexOf(":");
    const prefix = colon > 0 ? item.slice(0, colon) : "";
    const scoped = isEcosystem(prefix);
    const body = scoped ? item.slice(colon + 1) : item;
    for (const ecosystem of scoped ? [prefix] : ECOSYSTEM_IDS) {
      const idx = index.get(ecosystem);
      if (!idx) continue;
      if (body.includes("*")) idx.ignorePatterns.push(compileGlob(normalizePackageName(ecosystem, body)));
      else idx.ignoreExact.add(packageKey(ecosystem, body));
    }
  }

  const matcher: AiPackageMatcher = (ecosystem, name) => {
    // A workflow step can run an image directly (`uses: docker://ollama/ollama`).
    if (ecosystem === "github-actions" && name.startsWith("docker://")) {
      return matcher("docker", name.slice("docker://".length));
    }
    const idx = index.get(ecosystem);
    if (!idx) return undefined;
    const candidates = lookupForms(ecosystem, name);
    for (const form of candidates) {
      if (idx.ignoreExact.has(form) || idx.ignorePatterns.some((g) => globMatches(g, form))) return undefined;
    }
    for (const form of candidates) {
      const hit = idx.exact.get(form);
      if (hit) return hit;
    }
    for (const p of idx.patterns) {
      for (const form of candidates) if (globMatches(p.glob, form)) return p.entry;
    }
    return undefined;
  };
  return matcher;
}

/** The spellings a name is looked up under, most specific first. */
function lookupForms(ecosystem: Ecosystem, name: string): string[] {
  const normal = normalizePackageName(ecosystem, name);
  if (ecosystem === "go") {
    const key = normal.replace(GO_MAJOR_SUFFIX, "");
    return key === normal ? [normal] : [normal, key];
  }
  if (ecosystem === "github-actions") {
    // `owner/repo/path` actions belong to the `owner/repo` entry.
    const parts = normal.split("/");
    return parts.length > 2 ? [normal, `${parts[0]}/${parts[1]}`] : [normal];
  }
  return [normal];
}
