import type { ChangedFile } from "../detect/types.js";
import type { PullRequestContext } from "../ports/pull-request-context.js";

/**
 * Every changed file of the PR: GitHub's listing (with patches), completed from the git trees when
 * the listing stopped at 3000 files. `complete` is false only when the trees were cut short too.
 * Both reads are memoised, so every caller shares the same requests.
 */
export async function allChangedFiles(ctx: PullRequestContext): Promise<{ files: ChangedFile[]; complete: boolean }> {
  const listed = await ctx.files();
  if (!listed.truncated) return { files: listed.files, complete: true };
  const tree = await ctx.treeChanges();
  if (!tree.complete) return { files: listed.files, complete: false };
  return { files: mergeListings(listed.files, tree.files), complete: true };
}

/** The listed files, then every path of the tree diff the listing did not cover (as a name or a rename's old name). */
export function mergeListings(listed: ChangedFile[], fromTrees: ChangedFile[]): ChangedFile[] {
  const covered = new Set(listed.flatMap((f) => [f.filename, ...(f.previousFilename ? [f.previousFilename] : [])]));
  return [...listed, ...fromTrees.filter((f) => !covered.has(f.filename))];
}

/** One entry of `GET /repos/{o}/{r}/git/trees/{sha}?recursive=1`. */
export interface TreeEntry {
  path: string;
  mode: string;
  type: string;
  sha: string;
}

/**
 * The files that differ between two recursive trees, compared by path and object SHA (and mode):
 * added, removed, modified, or `changed` when only the mode differs. Folders are left out; a
 * submodule (a `commit` entry) counts as a file. Sorted by path.
 */
export function diffTreeEntries(base: TreeEntry[], head: TreeEntry[]): ChangedFile[] {
  const leaf = (e: TreeEntry) => e.type === "blob" || e.type === "commit";
  const before = new Map(base.filter(leaf).map((e) => [e.path, e]));
  const files: ChangedFile[] = [];
  for (const e of head.filter(leaf)) {
    const b = before.get(e.path);
    before.delete(e.path);
    if (!b) files.push({ filename: e.path, status: "added", additions: 0, deletions: 0, sha: e.sha });
    else if (b.sha !== e.sha) files.push({ filename: e.path, status: "modified", additions: 0, deletions: 0, sha: e.sha });
    else if (b.mode !== e.mode) files.push({ filename: e.path, status: "changed", additions: 0, deletions: 0, sha: e.sha });
  }
  for (const b of before.values()) files.push({ filename: b.path, status: "removed", additions: 0, deletions: 0 });
  return files.sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
}
