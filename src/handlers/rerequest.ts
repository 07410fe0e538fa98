import type { Context } from "probot";
import { pullRequestRef, type GitHub } from "../ports/pull-request-context.js";
import { reevaluatePull } from "../reevaluate.js";
import type { Services } from "../services.js";

/**
 * "Re-run" on one of our checks, or "Re-run all checks": evaluate every open PR whose head is that
 * commit. `pull_requests` in the payload is empty for forks, so ask GitHub which PRs hold the SHA.
 */
export async function onCheckRerequested(
  context: Context<"check_run.rerequested"> | Context<"check_suite.rerequested">,
  services: Services,
): Promise<void> {
  const payload = context.payload as unknown as RerequestPayload;
  const owner = payload.repository.owner.login;
  const repo = payload.repository.name;
  const subject = payload.check_run ?? payload.check_suite;
  if (!subject) return;
  const headSha = subject.head_sha;
  const numbers = await pullNumbersForCommit(context.octokit, owner, repo, headSha, subject.pull_requests);
  for (const number of numbers) {
    const { data } = await context.octokit.rest.pulls.get({ owner, repo, pull_number: number });
    if (data.state !== "open" || data.head.sha !== headSha) continue;
    const pull = pullRequestRef(data, { owner, repo }, { fresh: true });
    await reevaluatePull(services, context.octokit, pull);
  }
}

type CheckSubject = { head_sha: string; pull_requests: Array<{ number: number; base: { repo: { id: number } } }> };
type RerequestPayload = {
  check_run?: CheckSubject;
  check_suite?: CheckSubject;
  repository: { name: string; owner: { login: string } };
};

async function pullNumbersForCommit(
  octokit: GitHub,
  owner: string,
  repo: string,
  sha: string,
  listed: ReadonlyArray<{ number: number; base: { repo: { id: number } } }>,
): Promise<number[]> {
  if (listed.length > 0) return [...new Set(listed.map((p) => p.number))];
  const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: sha, per_page: 100 });
  return data.filter((p) => p.state === "open").map((p) => p.number);
}
