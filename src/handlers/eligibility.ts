import type { Context } from "probot";
import { CHECK_NAMES } from "../gates/types.js";
import { pullRequestRef, type GitHub } from "../ports/pull-request-context.js";
import { reevaluatePull } from "../reevaluate.js";
import { listPullsCapped } from "../github/open-pulls.js";
import type { Services } from "../services.js";
import { mapLimit } from "../util/concurrency.js";

/**
 * Events after which someone may no longer be eligible to sign off, approve or override: a
 * collaborator removed or their permission lowered, a team member removed, a member leaving the
 * organisation, a team losing access to a repository or being deleted.
 */
export const ELIGIBILITY_EVENTS = [
  "member.removed",
  "member.edited",
  "membership.removed",
  "organization.member_removed",
  "team.removed_from_repository",
  "team.edited",
  "team.deleted",
] as const;

/** Repositories looked at per organisation-wide change; the reconciler and later events reach the rest. */
export const MAX_REPOSITORIES = 100;
/** Open PRs looked at per repository. */
export const MAX_PULLS_PER_REPOSITORY = 300;
const CONCURRENCY = 4;

type Repo = { owner: string; repo: string };
type EligibilityPayload = {
  repository?: { name: string; owner: { login: string } };
  organization?: { login: string };
};

export interface EligibilityReport {
  repositories: number;
  checked: number;
  reevaluated: Array<{ repository: string; number: number }>;
  truncated: boolean;
}

/**
 * A passing oversight gate may rest on a sign-off by someone who has just lost their standing.
 * Re-evaluate, at once, every open PR whose oversight check passes in the repositories the change
 * reaches (one repository, or every installed repository of the organisation). Gates that do not
 * pass are left to their next event: losing standing can only make them stricter.
 */
export async function onEligibilityChanged(context: Context, services: Services): Promise<EligibilityReport> {
  const payload = context.payload as EligibilityPayload;
  const octokit = context.octokit as unknown as GitHub;
  let repos: Repo[];
  let truncated = false;
  if (payload.repository) {
    repos = [{ owner: payload.repository.owner.login, repo: payload.repository.name }];
  } else if (payload.organization) {
    const org = payload.organization.login.toLowerCase();
    const all = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
    const inOrg = all.filter((r) => r.owner.login.toLowerCase() === org);
    truncated = inOrg.length > MAX_REPOSITORIES;
    repos = inOrg.slice(0, MAX_REPOSITORIES).map((r) => ({ owner: r.owner.login, repo: r.name }));
  } else {
    return { repositories: 0, checked: 0, reevaluated: [], truncated: false };
  }

  const report: EligibilityReport = { repositories: repos.length, checked: 0, reevaluated: [], truncated };
  const failures: unknown[] = [];
  for (const { owner, repo } of repos) {
    const open = await listPullsCapped(octokit, { owner, repo }, { state: "open", limit: MAX_PULLS_PER_REPOSITORY });
    report.truncated ||= open.truncated;
    await mapLimit(open.pulls, CONCURRENCY, async (pr) => {
      try {
        report.checked++;
        if (!(await oversightPasses(octokit, { owner, repo }, pr.head.sha, services))) return;
        const { data } = await octokit.rest.pulls.get({ owner, repo, pull_number: pr.number });
        if (data.state !== "open") return;
        await reevaluatePull(services, octokit, pullRequestRef(data, { owner, repo }, { fresh: true }));
        report.reevaluated.push({ repository: `${owner}/${repo}`, number: pr.number });
      } catch (error) {
        failures.push(error);
      }
    });
  }
  context.log.info({ event: context.name, ...report, reevaluated: report.reevaluated.length, failed: failures.length }, "aims oversight re-evaluated after a change of standing");
  // A failure is answered 500 so the delivery shows as failed and the reconciler redelivers it.
  if (failures.length > 0) throw failures[0];
  return report;
}

async function oversightPasses(octokit: GitHub, { owner, repo }: Repo, sha: string, services: Services): Promise<boolean> {
  const { data } = await octokit.rest.checks.listForRef({
    owner,
    repo,
    ref: sha,
    check_name: CHECK_NAMES["human-oversight"],
    filter: "latest",
    per_page: 100,
    ...(services.settings.appId ? { app_id: services.settings.appId } : {}),
  });
  return data.check_runs.some((r) => r.status === "completed" && r.conclusion === "success");
}
