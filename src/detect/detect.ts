import { posix } from "node:path";
import type { Minimatch } from "minimatch";
import { cardKind, isModelConfig } from "./content.js";
import { isDvcFile, readDvc } from "./dvc.js";
import { matchGitattributes } from "./gitattributes.js";
import { compileUserGlob, matchesAny } from "./glob.js";
import { lfsPointerFromPatch, MAX_POINTER_LINES, parseLfsPointer } from "./lfs.js";
import { patchSide } from "./patch.js";
import { basename, compileRule, facts, matchRule, type CompiledRule, type Match, type SiblingIndex } from "./paths.js";
import { RULE_CATEGORIES, type DetectionRule, type RuleCategory } from "./rules.js";
import { compileSystems, type SystemDefinition } from "./systems.js";
import {
  CATEGORIES,
  UNREGISTERED_SYSTEM,
  type AiChange,
  type Category,
  type ChangedFile,
  type DvcOutput,
  type DvcSource,
} from "./types.js";

/**
 * Path and content detection of the AI surface. Pure: apart from reading the shipped rules file
 * once (src/detect/rules.ts), everything here takes plain data and returns plain data.
 */

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

const DVC_MODEL_RULE = "model.dvc";
const DVC_DATASET_RULE = "dataset.dvc";

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

  const systemFor = compileSystems(options.systems);

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
          match = matchGitattributes(file.patch, (path) => matchPath(path, undefined));
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
