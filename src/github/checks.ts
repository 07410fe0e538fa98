import type { GateResult } from "../gates/types.js";
import type { CheckOutput } from "../render/check.js";
import type { ExistingCheckRun, GitHub, PullRequestRef } from "../ports/pull-request-context.js";

export interface PublishedCheck {
  name: string;
  action: "created" | "updated" | "unchanged";
  id?: number;
}

export interface CheckToPublish {
  result: GateResult;
  output: CheckOutput;
}

/** True when the run already shows exactly this decision: writing it again would change nothing. */
export function isUnchanged(existing: ExistingCheckRun, check: CheckToPublish): boolean {
  return (
    existing.status === "completed" &&
    existing.conclusion === check.result.conclusion &&
    existing.title === check.output.title &&
    existing.summary === check.output.summary
  );
}

/**
 * Upsert one check run per gate on the PR's head SHA: update the run of the same name when it
 * exists, create it otherwise, and write nothing when the decision and its text are unchanged.
 */
export async function publishChecks(
  octokit: GitHub,
  pull: PullRequestRef,
  existing: ExistingCheckRun[],
  checks: CheckToPublish[],
): Promise<PublishedCheck[]> {
  const { owner, repo } = pull;
  return Promise.all(
    checks.map(async (check): Promise<PublishedCheck> => {
      const name = check.result.name;
      const current = existing.find((r) => r.name === name);
      if (current && isUnchanged(current, check)) return { name, action: "unchanged", id: current.id };
      const body = {
        status: "completed" as const,
        conclusion: check.result.conclusion,
        completed_at: new Date().toISOString(),
        external_id: `${pull.owner}/${pull.repo}#${pull.number}@${pull.headSha}`,
        output: { title: check.output.title, summary: check.output.summary, ...(check.output.annotations ? { annotations: check.output.annotations } : {}) },
        ...(check.output.actions ? { actions: check.output.actions } : {}),
      };
      if (current) {
        await octokit.rest.checks.update({ owner, repo, check_run_id: current.id, ...body });
        return { name, action: "updated", id: current.id };
      }
      const res = await octokit.rest.checks.create({ owner, repo, name, head_sha: pull.headSha, ...body });
      return { name, action: "created", id: res.data.id };
    }),
  );
}
