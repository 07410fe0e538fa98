import { CONFIG_PATH, loadPolicy, type Policy, type PolicySource } from "../config/policy.js";
import type { ChangedFile } from "../detect/types.js";
import { describePolicyChange } from "../gates/policy-change.js";
import type { PolicyChangeFacts } from "../gates/facts.js";
import type { PullRequestContext } from "../ports/pull-request-context.js";

/** The policy files of the pull request's own repository: `.github/aims.yml` and the files it extends there. */
export function policyFilesOf(ctx: PullRequestContext, sources: readonly PolicySource[]): Set<string> {
  const own = `${ctx.pull.owner}/${ctx.pull.repo}`.toLowerCase();
  return new Set([CONFIG_PATH, ...sources.filter((s) => !s.builtIn && s.repository.toLowerCase() === own).map((s) => s.path)]);
}

/** The changed files that are policy files, by their path at the head or before a rename. */
export function changedPolicyFiles(files: readonly ChangedFile[], policyFiles: Set<string>): string[] {
  return files.filter((f) => policyFiles.has(f.filename) || (f.previousFilename !== undefined && policyFiles.has(f.previousFilename))).map((f) => f.filename);
}

/**
 * Load the policy as this pull request would leave it (its own files read at the head, other
 * repositories as they are), validate it, and describe how it differs from the base's. Returns
 * undefined when the pull request changes no policy file. A read failure throws: the pipeline then
 * fails closed.
 */
export async function gatherPolicyChange(ctx: PullRequestContext, base: Policy, files: readonly ChangedFile[]): Promise<PolicyChangeFacts | undefined> {
  const { owner, repo, headSha } = ctx.pull;
  const initial = changedPolicyFiles(files, policyFilesOf(ctx, base.sources));
  if (initial.length === 0) return undefined;
  const head = await loadPolicy(
    async (o, r, path, ref) =>
      o.toLowerCase() === owner.toLowerCase() && r.toLowerCase() === repo.toLowerCase() ? ctx.readFile(path, headSha) : ctx.readConfig?.(o, r, path, ref),
    { owner, repo, baseRef: headSha },
  );
  if (!head.ok && head.reason === "unavailable") throw new Error(`the policy proposed by this pull request could not be read: ${head.problems.map((p) => p.message).join("; ")}`);
  // Files the head's policy extends in this repository count as policy files too.
  const changed = changedPolicyFiles(files, new Set([...policyFilesOf(ctx, base.sources), ...policyFilesOf(ctx, head.ok ? head.policy.sources : head.sources)]));
  if (changed.length === 0) return undefined;
  if (!head.ok) return { files: changed, problems: head.problems, statements: [] };
  return { files: changed, problems: [], statements: describePolicyChange(base, head.policy) };
}
