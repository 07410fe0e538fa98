import type { Minimatch } from "minimatch";
import { compileGlob, matchesAny, validateGlob } from "./glob.js";
import type { DetectionRule } from "./rules.js";

/** Path classification: one file path matched against one compiled rule, with its sibling files for context. */

export interface CompiledRule {
  rule: DetectionRule;
  include: Minimatch[];
  exclude: Minimatch[];
  folders: Minimatch[];
  siblings: Minimatch[];
  skip: ReadonlySet<string>;
}

export interface PathFacts {
  path: string;
  dir: string;
  name: string;
  /** Lower-case last extension without the dot ("" when none). */
  ext: string;
  /** Containing folders from the outermost: `a`, `a/b`. */
  folders: string[];
}

/** Basenames of the pull request's files, by folder ("" for the root). */
export type SiblingIndex = ReadonlyMap<string, readonly string[]>;

export interface Match {
  rule: DetectionRule;
  reason: string;
}

export function basename(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? path : path.slice(slash + 1);
}

const COMPRESSION = new Set(["gz", "zst", "bz2", "xz"]);

export function facts(path: string): PathFacts {
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

export function compileRule(rule: DetectionRule): CompiledRule {
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

export function matchRule(c: CompiledRule, f: PathFacts, siblings: SiblingIndex | undefined): Match | undefined {
  if (c.skip.has(f.ext)) return undefined;
  if (!matchesAny(c.include, f.path) || matchesAny(c.exclude, f.path)) return undefined;
  let dir: string | undefined;
  if (c.folders.length || c.siblings.length) {
    dir = contextOf(c, f, siblings);
    if (dir === undefined) return undefined;
  }
  return { rule: c.rule, reason: render(c.rule.description, f, dir) };
}
