import { createAiPackageMatcher, loadAiPackageCatalogue, type AiPackageMatcher, type CatalogueEntry } from "./catalogue.js";
import { diffAiDependencies } from "./dependency-diff.js";
import type { ManifestSnapshot } from "./dependency-sightings.js";
import { managerFor } from "./manifests/index.js";
import { ManifestParseError, type ManifestManager } from "./manifests/types.js";
import type { AiChange, ChangedFile, DetectionProblem } from "./types.js";

/** A changed manifest or lockfile and the manager that reads it. */
export interface ManifestFile {
  file: ChangedFile;
  manager: ManifestManager;
}

/** Changed files that some ecosystem manager reads (by new or previous path), minus ignored ones. */
export function changedManifests(files: ChangedFile[], isIgnored: (path: string) => boolean): ManifestFile[] {
  const out: ManifestFile[] = [];
  for (const file of files) {
    if (isIgnored(file.filename)) continue;
    const manager = managerFor(file.filename) ?? (file.previousFilename ? managerFor(file.previousFilename) : undefined);
    if (manager) out.push({ file, manager });
  }
  return out;
}

export interface ManifestTexts {
  /** Text at the merge base (previous path for renames); undefined when the file is new. */
  base?: string;
  /** Text at the head; undefined when the file was removed. */
  head?: string;
}

export function createMatcher(extra: CatalogueEntry[], ignore: string[]): AiPackageMatcher {
  return createAiPackageMatcher(loadAiPackageCatalogue(), { extra, ignore });
}

/**
 * Extract both sides of every changed manifest and report each AI package that was added,
 * removed, re-versioned or re-sourced. A side that does not parse is a problem, not an empty list:
 * a broken lockfile could hide an AI dependency.
 */
export function detectDependencyChanges(
  manifests: ManifestFile[],
  texts: ReadonlyMap<string, ManifestTexts>,
  matcher: AiPackageMatcher,
  systemFor: (path: string) => string,
  gated: boolean,
): { changes: AiChange[]; problems: DetectionProblem[] } {
  const problems: DetectionProblem[] = [];
  const base: ManifestSnapshot[] = [];
  const head: ManifestSnapshot[] = [];

  for (const { file, manager } of manifests) {
    const t = texts.get(file.filename) ?? {};
    const previous = file.previousFilename ?? file.filename;
    const snapshot = (path: string, text: string | undefined, side: "base" | "head"): ManifestSnapshot | undefined => {
      if (text === undefined) return undefined;
      try {
        const { dependencies } = manager.extract(text, path);
        return {
          path,
          ...(path !== file.filename ? {} : file.previousFilename ? { previousPath: file.previousFilename } : {}),
          ecosystem: manager.ecosystem,
          kind: manager.kind,
          dependencies,
        };
      } catch (error) {
        problems.push(parseProblem(path, side, manager, error));
        return undefined;
      }
    };
    const problemsBefore = problems.length;
    const b = snapshot(previous, t.base, "base");
    const h = snapshot(file.filename, t.head, "head");
    // One unreadable side makes the other meaningless: diffing it alone would report every
    // package as added or removed. The problem alone is reported, and fails the gate.
    if (problems.length > problemsBefore) continue;
    if (b) base.push(b);
    if (h) head.push(h);
  }

  const changes = diffAiDependencies(base, head, matcher).map((d): AiChange => {
    const path = d.manifests.find((m) => head.some((s) => s.path === m)) ?? d.manifests[0] ?? "";
    return {
      path,
      status: d.change === "added" ? "added" : d.change === "removed" ? "removed" : "modified",
      category: "dependency",
      rule: `dependency.${d.ecosystem}`,
      reason: `${d.kind} package from ${d.supplier} (${d.direct ? "declared" : "lockfile only"} in ${d.manifests.join(", ")})`,
      system: systemFor(path),
      gated,
      dependency: d,
    };
  });
  return { changes, problems };
}

function parseProblem(path: string, side: "base" | "head", manager: ManifestManager, error: unknown): DetectionProblem {
  const where = side === "base" ? " (base version)" : "";
  if (error instanceof ManifestParseError) {
    return {
      path,
      message: `${manager.displayName}${where}: ${error.message}`,
      ...(error.line !== undefined ? { line: error.line } : {}),
      ...(error.column !== undefined ? { column: error.column } : {}),
    };
  }
  return { path, message: `${manager.displayName}${where}: ${error instanceof Error ? error.message : String(error)}` };
}
