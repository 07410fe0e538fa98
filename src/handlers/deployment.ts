import type { Context } from "probot";
import { parseCommand } from "../commands/parse.js";
import type { Principals } from "../config/policy.js";
import { answerDeployment } from "../deploy/publish.js";
import { createDeploymentReader } from "../deploy/reader.js";
import { approvalOf, approvalText, DIRECT_PUSH_LABEL, trackedSha } from "../deploy/tracking.js";
import { NONCONFORMITY_LABEL } from "../evidence/record.js";
import { eligibility, isBot } from "../gates/authority.js";
import type { GitHub } from "../ports/pull-request-context.js";
import type { Services } from "../services.js";

export const DEPLOYMENT_EVENTS = ["deployment_protection_rule.requested"] as const;

type ProtectionRulePayload = {
  environment?: string;
  event?: string;
  sha?: string;
  ref?: string;
  deployment_callback_url?: string;
  deployment?: { id: number; sha: string; ref: string; environment: string; created_at?: string; creator?: { login: string } | null } | null;
  repository: { name: string; default_branch: string; owner: { login: string } };
  sender: { login: string };
};

/** The workflow run a callback URL answers: `.../actions/runs/<id>/deployment_protection_rule`. */
export function runIdOf(callbackUrl: string | undefined): number | undefined {
  const m = /\/actions\/runs\/(\d+)\/deployment_protection_rule$/.exec(callbackUrl ?? "");
  return m ? Number(m[1]) : undefined;
}

/**
 * GitHub asks whether a workflow job may deploy to an environment that has aims-bot enabled as a
 * custom deployment protection rule: decide and answer through the review callback.
 */
export async function onDeploymentProtectionRule(context: Context, services: Services): Promise<void> {
  const p = context.payload as unknown as ProtectionRulePayload;
  const runId = runIdOf(p.deployment_callback_url);
  const environment = p.environment ?? p.deployment?.environment;
  const sha = p.deployment?.sha ?? p.sha;
  if (runId === undefined || !environment || !sha) {
    context.log.warn({ callback: p.deployment_callback_url, environment, sha }, "deployment_protection_rule without a workflow run, environment or commit: nothing to answer");
    return;
  }
  await answerDeployment(
    context.octokit as unknown as GitHub,
    {
      owner: p.repository.owner.login,
      repo: p.repository.name,
      environment,
      sha,
      ref: p.deployment?.ref ?? p.ref ?? "",
      creator: p.deployment?.creator?.login ?? p.sender.login,
      runId,
      ...(p.deployment ? { deploymentId: p.deployment.id } : {}),
      ...(p.event ? { event: p.event } : {}),
      ...(p.deployment?.created_at ? { createdAt: p.deployment.created_at } : {}),
    },
    p.repository.default_branch,
    services,
    { log: context.log },
  );
}

export const TRACKING_COMMENT_EVENTS = ["issue_comment.created"] as const;

type CommentPayload = {
  issue: { number: number; body?: string | null; pull_request?: unknown; labels?: Array<{ name?: string } | string>; user?: { login: string } | null };
  comment: { id: number; body?: string | null; user: { login: string; type?: string } | null; created_at: string };
  repository: { name: string; default_branch: string; owner: { login: string } };
  sender: { login: string; type?: string };
};

/** The governance owners: governance.owners, else oversight.governance, else repository admins. */
function owners(policy: { governance: { owners: Principals }; oversight: { governance: Principals } }): Principals {
  const o = policy.governance.owners;
  return o.users.length > 0 || o.teams.length > 0 ? o : policy.oversight.governance;
}

/**
 * `/aims approve <reason>` on a direct-push tracking issue: a governance owner lets the commit be
 * deployed. Recorded on the issue by the app (a comment only it can write), labelled a
 * nonconformity and closed; the next run of the deployment job reads it.
 */
export async function onTrackingComment(context: Context, services: Services): Promise<void> {
  const p = context.payload as unknown as CommentPayload;
  if (p.issue.pull_request) return;
  const sha = trackedSha(p.issue.body);
  const labels = (p.issue.labels ?? []).map((l) => (typeof l === "string" ? l : (l.name ?? "")));
  if (!sha || !labels.includes(DIRECT_PUSH_LABEL)) return;
  const author = p.comment.user ?? p.sender;
  if (isBot(author.login, author.type)) return;
  const command = parseCommand(p.comment.body ?? "");
  if (command?.kind !== "approve" && !(command?.kind === "malformed" && command.name === "approve")) return;

  const octokit = context.octokit as unknown as GitHub;
  const repo = { owner: p.repository.owner.login, repo: p.repository.name };
  const issue_number = p.issue.number;
  const reply = (body: string) => octokit.rest.issues.createComment({ ...repo, issue_number, body });
  const login = author.login;
  if (command.kind === "malformed") {
    await reply(`@${login} \`/aims approve\`: ${command.message}.\n\nUsage: \`${command.usage}\``);
    return;
  }
  const bot = await services.identity.botLogin(octokit);
  // Only the tracking issue the app opened: anyone can open an issue with the label and the marker.
  if (p.issue.user?.login.toLowerCase() !== bot.toLowerCase()) return;
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { ...repo, issue_number, per_page: 100 });
  if (comments.some((c) => c.user?.login?.toLowerCase() === bot.toLowerCase() && approvalOf(c.body ?? "", sha))) return;
  const reader = createDeploymentReader(octokit, { ...repo, defaultBranch: p.repository.default_branch }, services);
  const policy = await reader.policy();
  if (!policy.ok) {
    await reply(`@${login}, your approval was not recorded: the aims policy on ${p.repository.default_branch} cannot be used (${policy.problems[0]?.message ?? policy.reason}). Fix .github/aims.yml on ${p.repository.default_branch} (\`aims validate\` shows every problem), then comment again.`);
    return;
  }
  const [standing, commit] = await Promise.all([reader.standing(login, [owners(policy.policy)]), octokit.rest.repos.getCommit({ ...repo, ref: sha, per_page: 1 })]);
  // Whoever wrote the commit or committed it (rebased, cherry-picked, pushed someone else's work) is not independent of it.
  const makers = [commit.data.author?.login, commit.data.committer?.login].filter((m): m is string => !!m).map((m) => m.toLowerCase());
  if (makers.includes(login.toLowerCase())) {
    await reply(`@${login}, your approval was not recorded: the author or committer of a commit cannot approve it. Ask another governance owner to comment \`/aims approve <reason>\` here.`);
    return;
  }
  const e = eligibility(owners(policy.policy), login, standing, "admin");
  if (!e.ok) {
    await reply(`@${login}, your approval was not recorded: only governance owners (governance.owners in .github/aims.yml; repository admins when none are named) may approve a direct push (${e.you}).`);
    return;
  }
  await reply(approvalText({ sha, login, at: p.comment.created_at, reason: command.reason }));
  await octokit.rest.issues.addLabels({ ...repo, issue_number, labels: [NONCONFORMITY_LABEL] });
  await octokit.rest.issues.update({ ...repo, issue_number, state: "closed", state_reason: "completed" });
  context.log.info({ sha, issue: issue_number, by: login }, "direct push approved by a governance owner (nonconformity)");
}
