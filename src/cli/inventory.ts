import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Minimatch } from "minimatch";
import type { Policy } from "../config/policy.js";
import { changedManifests, createMatcher, detectDependencyChanges, type ManifestTexts } from "../detect/dependencies.js";
import type { AiChange, ChangedFile } from "../detect/types.js";
import type { DetectionProblem } from "../gates/types.js";
import { createDetector } from "../pipeline.js";
import { mapLimit } from "../util/concurrency.js";
import { git, GitError } from "./local-git.js";

/**
 * The AI inventory of a whole tree (a commit, or the working tree): every file is classified by the
 * app's own detectors as if a pull request added it, so `aims scan` and `aims init` find exactly
 * what a pull request touching those files would be gated on.
 */

/** Files of a tree and their text. */
export interface TreeSource {
  /** What was scanned, for headings: `HEAD (1a2b3c4)`, `the working tree`. */
  label: string;
  paths(): Promise<string[]>;
  read(path: string): Promise<string | undefined>;
}

/** Files read per scan to sniff content (LFS pointers, DVC files) or manifests, at most. */
export const MAX_READ_FILES = 5000;
/** Larger files are not read: a manifest or pointer is small, a model's weights are not. */
const MAX_READ_BYTES = 5_000_000;
const READ_CONCURRENCY = 8;

export function gitTreeSource(cwd: string, ref: string, sha: string): TreeSource {
  return {
    label: `${ref} (${sha.slice(0, 7)})`,
    paths: async () => (await git(cwd, ["ls-tree", "-r", "-z", "--name-only", sha])).split("\0").filter(Boolean),
    read: async (path) => {
      try {
        const size = Number((await git(cwd, ["cat-file", "-s", `${sha}:${path}`])).trim());
        if (!(size <= MAX_READ_BYTES)) return undefined;
        return await git(cwd, ["show", `${sha}:${path}`]);
      } catch (error) {
        if (error instanceof GitError) return undefined;
        throw error;
      }
    },
  };
}

/** The working tree: git's view (tracked and untracked, .gitignore applied) in a repository, else every file. */
export function workingTreeSource(cwd: string, isIgnored: (path: string) => boolean): TreeSource {
  return {
    label: "the working tree",
    paths: async () => {
      try {
        const listed = await git(cwd, ["ls-files", "-z", "--cached", "--others", "--exclude-standard"]);
        return listed.split("\0").filter(Boolean);
      } catch (error) {
        if (!(error instanceof GitError)) throw error;
        return walk(cwd, "", isIgnored);
      }
    },
    read: async (path) => {
      try {
        const file = join(cwd, path);
        return statSync(file).size <= MAX_READ_BYTES ? readFileSync(file, "utf8") : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

function walk(root: string, dir: string, isIgnored: (path: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.name === ".git") continue;
    if (entry.isDirectory()) {
      // A folder every file of which is ignored is not entered (node_modules, build output).
      if (!isIgnored(`${path}/ignored-probe`)) out.push(...walk(root, path, isIgnored));
    } else if (entry.isFile()) out.push(path);
  }
  return out;
}

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
export async function scanTree(source: TreeSource, policy: Policy): Promise<Inventory> {
  const isIgnored = ignoreMatcher(policy);
  const paths = (await source.paths()).filter((p) => !isIgnored(p));
  const files: ChangedFile[] = paths.map((filename) => ({ filename, status: "added", additions: 0, deletions: 0 }));
  const detector = createDetector(policy);
  const problems: DetectionProblem[] = [];

  const sniff = files.filter((f) => detector.needsContent(f));
  const manifests = changedManifests(files, isIgnored);
  const toRead = [...new Set([...sniff.map((f) => f.filename), ...manifests.map((m) => m.file.filename)])];
  if (toRead.length > MAX_READ_FILES) {
    problems.push({ path: `${toRead.length} files to read`, message: `only the first ${MAX_READ_FILES} manifests and pointer files are read per scan` });
  }
  const texts = new Map<string, string>();
  await mapLimit(toRead.slice(0, MAX_READ_FILES), READ_CONCURRENCY, async (path) => {
    const text = await source.read(path);
    if (text !== undefined) texts.set(path, text);
  });

  const contents = new Map(sniff.flatMap((f) => (texts.has(f.filename) ? [[f.filename, texts.get(f.filename)!] as const] : [])));
  const manifestTexts = new Map<string, ManifestTexts>(
    manifests.flatMap((m) => (texts.has(m.file.filename) ? [[m.file.filename, { head: texts.get(m.file.filename)! }] as const] : [])),
  );
  const matcher = createMatcher(policy.detect.dependencies.extra, policy.detect.dependencies.ignore);
  const dependencies = detectDependencyChanges(
    manifests.filter((m) => manifestTexts.has(m.file.filename)),
    manifestTexts,
    matcher,
    (p) => detector.systemFor(p),
    policy.detect.gate.includes("dependency"),
  );
  const changes = [...detector.detect(files, contents), ...dependencies.changes];
  return { changes, problems: [...problems, ...dependencies.problems], files: files.length };
}
