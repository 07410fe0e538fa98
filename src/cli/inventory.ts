import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { TreeSource } from "../inventory.js";
import { git, GitError } from "./local-git.js";

/** Trees of a local clone for `aims scan` (a commit) and `aims init` (the working tree). */

/** Larger files are not read: a manifest or pointer is small, a model's weights are not. */
const MAX_READ_BYTES = 5_000_000;

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
