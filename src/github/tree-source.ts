import type { TreeSource } from "../inventory.js";
import type { GitHub } from "../ports/pull-request-context.js";
import { contentReader } from "./contents.js";

/**
 * A repository's default branch as a tree to scan, through the git trees API: one request lists
 * every path (GitHub returns up to 100,000 entries and says when it truncated), and files are read
 * one request each, bounded by the scan.
 */
export async function defaultBranchTree(octokit: GitHub, owner: string, repo: string): Promise<{ source: TreeSource; truncated: boolean }> {
  const { data: repository } = await octokit.rest.repos.get({ owner, repo });
  const branch = repository.default_branch;
  // The trees API takes a branch name for its tree: one request for every path.
  const { data: tree } = await octokit.rest.git.getTree({ owner, repo, tree_sha: branch, recursive: "1" });
  const paths = tree.tree.filter((e) => e.type === "blob" && e.path).map((e) => e.path!);
  const read = contentReader(octokit);
  return {
    truncated: tree.truncated,
    source: {
      label: branch,
      paths: async () => paths,
      read: (path) => read(owner, repo, path, branch),
    },
  };
}
