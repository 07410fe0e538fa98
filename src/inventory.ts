import type { Policy } from "./config/policy.js";
import { changedManifests, type ManifestTexts } from "./detect/dependencies.js";
import type { AiChange, ChangedFile, DetectionProblem } from "./detect/types.js";
import { createDetector } from "./detector.js";
import { mapLimit } from "./util/concurrency.js";
import { detectDependencyChangesOffThread } from "./workers/off-thread.js";
import { Minimatch } from "minimatch";

/**
 * The AI inventory of a whole tree (a commit, or the working tree): every file is classified by the
 * app's own detectors as if a pull request added it, so `aims scan`, `aims init` and the dashboard
 * find exactly what a pull request touching those files would be gated on.
 */

/** Files of a tree and their text. */
export interface TreeSource {
  /** What was scanned, for headings: `HEAD (1a2b3c4)`, `the working tree`. */
  label: string;
  paths(): Promise<string[]>;
  read(path: string): Promise<string | undefined>;
}

/** Files read per scan to sniff content (LFS pointers, DVC files) or manifests, at most, unless a caller bounds it further. */
export const MAX_READ_FILES = 5000;
const READ_CONCURRENCY = 8;

export function ignoreMatcher(policy: Policy): (path: string) => boolean {
  const globs = policy.ignore.map((g) => new Minimatch(g, { dot: true }));
  return (path) => globs.some((m) => m.match(path));
}

export interface Inventory {
  changes: AiChange[];
  problems: DetectionProblem[];
  /** Files looked at (after `ignore:`). */
  files: number;
}

/** Classify every file of a tree under a policy, as the app classifies a pull request's added files. */
export async function scanTree(source: TreeSource, policy: Policy, maxReads = MAX_READ_FILES): Promise<Inventory> {
  const isIgnored = ignoreMatcher(policy);
  const paths = (await source.paths()).filter((p) => !isIgnored(p));
  const files: ChangedFile[] = paths.map((filename) => ({ filename, status: "added", additions: 0, deletions: 0 }));
  const detector = createDetector(policy);
  const problems: DetectionProblem[] = [];

  const sniff = files.filter((f) => detector.needsContent(f));
  const manifests = changedManifests(files, isIgnored);
  const toRead = [...new Set([...sniff.map((f) => f.filename), ...manifests.map((m) => m.file.filename)])];
  if (toRead.length > maxReads) {
    problems.push({ path: `${toRead.length} files to read`, message: `only the first ${maxReads} manifests and pointer files are read per scan; the others may hold AI that is not listed` });
  }
  const texts = new Map<string, string>();
  await mapLimit(toRead.slice(0, maxReads), READ_CONCURRENCY, async (path) => {
    const text = await source.read(path);
    if (text !== undefined) texts.set(path, text);
  });

  const contents = new Map(sniff.flatMap((f) => (texts.has(f.filename) ? [[f.filename, texts.get(f.filename)!] as const] : [])));
  const manifestTexts = new Map<string, ManifestTexts>(
    manifests.flatMap((m) => (texts.has(m.file.filename) ? [[m.file.filename, { head: texts.get(m.file.filename)! }] as const] : [])),
  );
  // Large lockfiles are parsed on a worker thread: the server keeps answering meanwhile.
  const dependencies = await detectDependencyChangesOffThread(
    manifests.filter((m) => manifestTexts.has(m.file.filename)),
    manifestTexts,
    policy.detect.dependencies,
    (p) => detector.systemFor(p),
    policy.detect.gate.includes("dependency"),
  );
  const changes = [...detector.detect(files, contents), ...dependencies.changes];
  return { changes, problems: [...problems, ...dependencies.problems], files: files.length };
}
