import type { Context } from "probot";
import { listPullsCapped } from "../github/open-pulls.js";
import { parseAssessmentLinks } from "../gates/assessment-links.js";
import { looksLikeAssessmentIssue } from "../gates/assessment-issue.js";
import { pullRequestRef, type GitHub } from "../ports/pull-request-context.js";
import { reevaluatePull } from "../reevaluate.js";
import type { Services } from "../services.js";

export const ASSESSMENT_ISSUE_EVENTS = [
  "issues.labeled",
  "issues.unlabeled",
  "issues.edited",
  "issues.closed",
  "issues.reopened",
] as const;

/** Open PRs scanned for links per event, at most: listing is paginated, search is not used (its index lags). */
export const MAX_SCANNED_PULLS = 500;

type IssuesPayload = {
  action: string;
  issue: { number: number; body?: string | null; pull_request?: unknown };
  changes?: { body?: { from?: string | null } };
  repository: { name: string; owner: { login: string } };
  sender: { login: string; type?: string };
};

/** True when a PR description links the issue: `#n` in its own repository, `owner/repo#n` or the issue URL. */
export function linksIssue(body: string, prRepo: { owner: string; repo: string }, issue: { owner: string; repo: string; number: number }): boolean {
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  return parseAssessmentLinks(body).some(
    (l) => l.kind === "issue" && l.number === issue.number && same(l.owner ?? prRepo.owner, issue.owner) && same(l.repo ?? prRepo.repo, issue.repo),
  );
}

/**
 * Numbers of the open pull requests of a repository whose description links the issue. Lists
 * open PRs (most recently updated first) and stops after MAX_SCANNED_PULLS.
 */
export async function pullsLinkingIssue(
  octokit: GitHub,
  repo: { owner: string; repo: string },
  issue: { owner: string; repo: string; number: number },
  limit = MAX_SCANNED_PULLS,
): Promise<{ numbers: number[]; scanned: number; truncated: boolean }> {
  const { pulls, truncated } = await listPullsCapped(octokit, repo, { state: "open", limit });
  const numbers = pulls.filter((pr) => linksIssue(pr.body ?? "", repo, issue)).map((pr) => pr.number);
  return { numbers, scanned: pulls.length, truncated };
}

/**
 * An assessment issue was labelled, unlabelled, edited, closed or reopened: re-evaluate the open
 * pull requests that link it, since their impact-assessment gate depends on it.
 */
export async function onAssessmentIssue(context: Context<"issues">, services: Services): Promise<void> {
  const payload = context.payload as unknown as IssuesPayload;
  // Bots (the app itself included) do not approve assessments, and this avoids loops.
  if (payload.sender.type === "Bot") return;
  if (payload.issue.pull_request) return;
  // Also when an edit turned an assessment into something else: the PRs linking it must learn that.
  const before = payload.action === "edited" ? payload.changes?.body?.from : undefined;
  if (!looksLikeAssessmentIssue(payload.issue.body ?? "") && !looksLikeAssessmentIssue(before ?? "")) return;

  const owner = payload.repository.owner.login;
  const repo = payload.repository.name;
  const issue = { owner, repo, number: payload.issue.number };
  const { numbers, scanned, truncated } = await pullsLinkingIssue(context.octokit, { owner, repo }, issue);
  if (truncated) {
    context.log.warn({ issue: issue.number, scanned }, `stopped after ${MAX_SCANNED_PULLS} open pull requests; pull requests beyond them that link this assessment are re-evaluated on their next event`);
  }
  const failures: unknown[] = [];
  for (const number of numbers) {
    try {
      // pulls.list omits changed_files, which the 3000-file guard needs: read each PR in full.
      const { data } = await context.octokit.rest.pulls.get({ owner, repo, pull_number: number });
      if (data.state !== "open") continue;
      const pull = pullRequestRef(data, { owner, repo }, { fresh: true });
      const { published } = await reevaluatePull(services, context.octokit, pull);
      context.log.info({ issue: issue.number, pr: number, checks: published }, "aims gates re-evaluated for a linked assessment");
    } catch (error) {
      // One PR's failure (already published fail-closed) must not stop the others.
      failures.push(error);
    }
  }
  if (failures.length > 0) throw failures[0];
}
