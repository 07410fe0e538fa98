import type { Context } from "probot";
import { parseCommand, usageText, type AimsCommand } from "../commands/parse.js";
import { eligibility, governanceText, isBot, principalsPlural } from "../gates/authority.js";
import { oversightTier } from "../gates/oversight.js";
import { CHECK_NAMES } from "../gates/types.js";
import { parseReviewEditReceipt, parseRevokeReceipt, reviewEditMarker, reviewEditText, revokeReceiptMarker, revokeReceiptText } from "../commands/receipt.js";
import { standingOf } from "../github/oversight-facts.js";
import { pullRequestRef, type GitHub, type PullRequestContext } from "../ports/pull-request-context.js";
import { createPullRequestContext } from "../github/octokit-context.js";
import { runPullRequest } from "../reevaluate.js";
import { adopt, startSpeculativeReads } from "./fresh.js";
import { RECHECK_ACTION, REQUEST_REVIEW_ACTION } from "../render/check.js";
import type { Services } from "../services.js";

export const REVIEW_EVENTS = ["pull_request_review.submitted", "pull_request_review.edited", "pull_request_review.dismissed"] as const;
export const COMMENT_EVENTS = ["issue_comment.created", "issue_comment.edited", "issue_comment.deleted"] as const;

const WRITE = new Set(["admin", "maintain", "write"]);

type Repo = { owner: string; repo: string };

/** Hidden marker in a reply to comment `id`: a redelivered webhook finds it and does not reply twice. */
export function replyMarker(commentId: number): string {
  return `<!-- aims:reply-to=${commentId} -->`;
}

/** Post a reply to a comment unless the app already did. */
export async function replyOnce(octokit: GitHub, ctx: PullRequestContext, commentId: number, text: string): Promise<boolean> {
  return postOnce(octokit, ctx, replyMarker(commentId), text);
}

/**
 * Post a comment on the PR unless the app already posted one carrying `marker`. Markers count only
 * in the app's own comments: anyone can paste one into theirs to silence a reply.
 */
async function postOnce(octokit: GitHub, ctx: PullRequestContext, marker: string, text: string): Promise<boolean> {
  const existing = await ctx.comments();
  // An edited comment of the app's may no longer say what the app wrote: it does not count as posted.
  if (existing.some((c) => c.own && c.createdAt === c.updatedAt && c.body.includes(marker))) return false;
  await octokit.rest.issues.createComment({ owner: ctx.pull.owner, repo: ctx.pull.repo, issue_number: ctx.pull.number, body: `${marker}\n${text}` });
  return true;
}

async function openPull(octokit: GitHub, repo: Repo, number: number, services: Services, speculative?: PullRequestContext): Promise<PullRequestContext | undefined> {
  const { data } = await octokit.rest.pulls.get({ owner: repo.owner, repo: repo.repo, pull_number: number });
  if (data.state !== "open") return undefined;
  const pull = pullRequestRef(data, repo, { fresh: true });
  const create = () => createPullRequestContext(octokit, pull, services);
  return adopt(speculative, pull, create) ?? create();
}

/** A review was submitted, edited or dismissed: the oversight gate may have changed. */
export async function onReview(context: Context<"pull_request_review">, services: Services): Promise<void> {
  const payload = context.payload;
  // A bot's review never counts, but a bot dismissing a person's approval must take effect.
  if (payload.action === "submitted" && payload.sender.type === "Bot") return;
  // The payload's pull request may be older than the head: read it fresh. Meanwhile the reads every
  // evaluation makes (policy, check runs) start from the payload's copy, and so does the reviewer's
  // standing, which decides whether an approval or change request counts (all memoised for the
  // event, and kept only when GitHub's copy names the same head and base).
  const repo = context.repo();
  const speculative = createPullRequestContext(context.octokit, pullRequestRef(payload.pull_request as never, repo), services);
  startSpeculativeReads(speculative, { files: false });
  const state = String(payload.review.state ?? "").toLowerCase();
  const reviewer = payload.review.user?.login ?? payload.sender.login;
  if (speculative.pull.state === "open" && (state === "approved" || state === "changes_requested") && reviewer.toLowerCase() !== (payload.pull_request.user?.login ?? "").toLowerCase()) {
    void speculative
      .policy()
      .then((policy) => (policy.ok ? standingOf(speculative, policy.policy, reviewer) : undefined))
      .catch(() => undefined);
  }
  let ctx = await openPull(context.octokit, repo, payload.pull_request.number, services, speculative);
  if (!ctx) return;
  const editor = payload.sender.login;
  if (payload.action === "edited" && (payload as { changes?: { body?: unknown } }).changes?.body !== undefined && editor.toLowerCase() !== reviewer.toLowerCase()) {
    const receipt = { review: payload.review.id, reviewer, editor };
    const posted = await postOnce(context.octokit, ctx, reviewEditMarker(receipt), reviewEditText(receipt));
    context.log.warn({ pr: ctx.pull.number, review: payload.review.id, reviewer, editor, recorded: posted }, "a review's text was edited by someone other than the reviewer");
    // Evaluate with the receipt: the context above read the comments before it was posted.
    if (posted) ctx = createPullRequestContext(context.octokit, ctx.pull, services);
  }
  const { published } = await runPullRequest(services, context.octokit, ctx);
  context.log.info({ pr: ctx.pull.number, review: payload.review.id, action: payload.action, checks: published }, "aims gates re-evaluated for a review");
}

type CommentPayload = {
  action: string;
  issue: { number: number; pull_request?: unknown };
  comment: { id: number; body: string; user: { login: string; type?: string } | null };
  changes?: { body?: { from?: string } };
  sender: { login: string; type?: string };
};

const GATE_COMMANDS = new Set<AimsCommand["kind"]>(["sign-off", "revoke", "override"]);
/** Commands this handler answers when malformed; "" is a bare `/aims`. */
const OWN_COMMANDS = new Set(["sign-off", "revoke", "override", ""]);

/**
 * `/aims` commands in pull request comments. Sign-off, revoke and override re-evaluate the gates;
 * so do an edit (an edited sign-off no longer counts) and a deletion (a deleted sign-off is gone)
 * of a comment that held one, whoever edited or deleted it. Unknown or malformed commands and
 * refused overrides get one reply. Comments written by bots, the app itself included, are ignored.
 */
export async function onComment(context: Context<"issue_comment">, services: Services): Promise<void> {
  const payload = context.payload as unknown as CommentPayload;
  if (!payload.issue.pull_request) return;
  const author = payload.comment.user ?? payload.sender;
  if (payload.action !== "created" && author.type === "Bot" && (await isAppLogin(context.octokit, services, author.login))) {
    await restoreReceipt(context, services, payload);
    return;
  }
  // A bot's comment never carries a command that counts. Who edited or deleted a person's comment
  // does not matter: another app removing a sign-off must take effect too.
  if (isBot(author.login, author.type)) return;
  if (payload.action === "created" && payload.sender.type === "Bot") return;
  const command = parseCommand(payload.comment.body ?? "");
  const before = payload.action === "edited" ? parseCommand(payload.changes?.body?.from ?? "") : undefined;
  if (!command && !before) return;
  if (payload.action === "deleted") {
    // The deleted comment held a command: whatever it decided no longer stands. Nothing to reply to.
    if (!command || !GATE_COMMANDS.has(command.kind)) return;
    const ctx = await openPull(context.octokit, context.repo(), payload.issue.number, services);
    if (!ctx) return;
    const { published } = await runPullRequest(services, context.octokit, ctx);
    context.log.info({ pr: ctx.pull.number, comment: payload.comment.id, command: command.kind, deletedBy: payload.sender.login, checks: published }, "aims gates re-evaluated after a command comment was deleted");
    return;
  }

  const ctx = await openPull(context.octokit, context.repo(), payload.issue.number, services);
  if (!ctx) return;
  const commentId = payload.comment.id;
  const login = author.login;

  // Malformed commands another handler owns (`/aims query` in src/handlers/query.ts) are answered there.
  if (command?.kind === "unknown" || (command?.kind === "malformed" && OWN_COMMANDS.has(command.name))) {
    const what = command.kind === "unknown" ? `\`/aims ${command.name}\` is not an aims command.` : `\`/aims${command.name ? ` ${command.name}` : ""}\`: ${command.message}.`;
    const usage = command.kind === "malformed" && command.name ? `Usage: \`${command.usage}\`` : `Commands:\n${usageText()}`;
    await replyOnce(context.octokit, ctx, commentId, `@${login} ${what}\n\n${usage}`);
  }

  // `/aims approve` belongs on a direct push's tracking issue (src/handlers/deployment.ts).
  if (command?.kind === "approve" || (command?.kind === "malformed" && command.name === "approve")) {
    await replyOnce(context.octokit, ctx, commentId, `@${login} \`/aims approve\` is for the tracking issue of an AI change pushed without a pull request. On a pull request, sign off with \`/aims sign-off <rationale>\`.\n\nCommands:\n${usageText()}`);
  }

  if (command?.kind === "override") {
    const refusal = await overrideRefusal(ctx, login);
    if (refusal) await replyOnce(context.octokit, ctx, commentId, `@${login}, ${refusal}`);
  }

  if ((command && GATE_COMMANDS.has(command.kind)) || (before && GATE_COMMANDS.has(before.kind))) {
    const { published } = await runPullRequest(services, context.octokit, ctx);
    context.log.info({ pr: ctx.pull.number, comment: commentId, command: command?.kind ?? before?.kind, checks: published }, "aims gates re-evaluated for a command");
  }
  if (payload.action === "created" && command?.kind === "revoke") await recordRevoke(context.octokit, ctx, commentId);
}

async function isAppLogin(octokit: GitHub, services: Services, login: string): Promise<boolean> {
  return (await services.identity.botLogin(octokit)).toLowerCase() === login.toLowerCase();
}

/**
 * Post a receipt for a `/aims revoke`, once, after checking on GitHub that the comment is there, by
 * that person, unedited: the receipt keeps the withdrawal when the comment is later edited or deleted.
 */
async function recordRevoke(octokit: GitHub, ctx: PullRequestContext, commentId: number): Promise<void> {
  const comment = (await ctx.comments()).find((c) => c.id === commentId);
  if (!comment || comment.own || isBot(comment.login, comment.userType) || comment.createdAt !== comment.updatedAt) return;
  if (parseCommand(comment.body)?.kind !== "revoke") return;
  const receipt = { login: comment.login, at: comment.createdAt, comment: comment.id };
  await postOnce(octokit, ctx, revokeReceiptMarker(receipt), revokeReceiptText(receipt));
}

/** Someone edited or deleted one of the app's comments: a receipt is posted again (other comments need nothing). */
async function restoreReceipt(context: Context<"issue_comment">, services: Services, payload: CommentPayload): Promise<void> {
  const written = (payload.action === "deleted" ? payload.comment.body : payload.changes?.body?.from) ?? "";
  const revoke = parseRevokeReceipt(written);
  const reviewEdit = revoke ? undefined : parseReviewEditReceipt(written);
  const marker = revoke ? revokeReceiptMarker(revoke) : reviewEdit ? reviewEditMarker(reviewEdit) : undefined;
  if (!marker) return;
  const ctx = await openPull(context.octokit, context.repo(), payload.issue.number, services);
  if (!ctx) return;
  const posted = await postOnce(context.octokit, ctx, marker, revoke ? revokeReceiptText(revoke) : reviewEditText(reviewEdit!));
  context.log.warn({ pr: ctx.pull.number, comment: payload.comment.id, action: payload.action, by: payload.sender.login, reposted: posted }, "a receipt of the app's was edited or deleted; posted again");
  if (!posted) return;
  // A context of its own: the one above read the comments before the receipt was posted again.
  const after = await openPull(context.octokit, context.repo(), payload.issue.number, services);
  if (after) await runPullRequest(services, context.octokit, after);
}

/** Why an override by `login` is not applied, or undefined when they may override. */
async function overrideRefusal(ctx: PullRequestContext, login: string): Promise<string | undefined> {
  const policy = await ctx.policy();
  if (!policy.ok) return "your override was not applied: the aims configuration on the base branch could not be used (see the checks).";
  if (login.toLowerCase() === ctx.pull.author.toLowerCase()) {
    return `your override was not applied: the author cannot override the gates on their own change. Overrides are for ${governanceText(policy.policy)}.`;
  }
  const standing = await standingOf(ctx, policy.policy, login);
  if (standing.error) return `your override could not be checked (${standing.error}); it is evaluated again on the next event.`;
  const e = eligibility(policy.policy.oversight.governance, login, standing, "admin");
  return e.ok ? undefined : `your override was not applied: only ${principalsPlural(policy.policy.oversight.governance, "repository admins")} may override the aims gates (${e.you}).`;
}

type RequestedActionPayload = {
  requested_action?: { identifier?: string } | null;
  check_run: { id: number; name: string; head_sha: string; pull_requests: Array<{ number: number }> };
  sender: { login: string; type?: string };
};

/**
 * A button on the oversight check run. The clicking user's authority is checked again (write
 * permission); a click by anyone else changes nothing and gets one reply saying why.
 */
export async function onRequestedAction(context: Context<"check_run.requested_action">, services: Services): Promise<void> {
  const payload = context.payload as unknown as RequestedActionPayload;
  const identifier = payload.requested_action?.identifier;
  if (payload.check_run.name !== CHECK_NAMES["human-oversight"]) return;
  if (identifier !== REQUEST_REVIEW_ACTION.identifier && identifier !== RECHECK_ACTION.identifier) return;
  const repo = context.repo();
  const sha = payload.check_run.head_sha;
  let numbers = payload.check_run.pull_requests.map((p) => p.number);
  if (numbers.length === 0) {
    const { data } = await context.octokit.rest.repos.listPullRequestsAssociatedWithCommit({ ...repo, commit_sha: sha, per_page: 100 });
    numbers = data.filter((p) => p.state === "open").map((p) => p.number);
  }
  for (const number of [...new Set(numbers)]) {
    const ctx = await openPull(context.octokit, repo, number, services);
    if (!ctx || ctx.pull.headSha !== sha) continue;
    const sender = payload.sender.login;
    const permission = payload.sender.type === "Bot" ? "none" : await ctx.permission(sender);
    if (!WRITE.has(permission)) {
      context.log.warn({ pr: number, sender, permission, action: identifier }, "check-run button ignored: the user lacks write access");
      if (payload.sender.type !== "Bot") {
        const button = identifier === REQUEST_REVIEW_ACTION.identifier ? REQUEST_REVIEW_ACTION.label : RECHECK_ACTION.label;
        await postOnce(
          context.octokit,
          ctx,
          `<!-- aims:button-refused=${payload.check_run.id}:${sender.toLowerCase()}:${identifier} -->`,
          `@${sender} the “${button}” button of ${CHECK_NAMES["human-oversight"]} needs write access to this repository, which you do not have; nothing was changed. Ask a maintainer, or sign off with a review if you are an eligible reviewer.`,
        );
      }
      continue;
    }
    const { evaluation } = await runPullRequest(services, context.octokit, ctx);
    if (identifier === REQUEST_REVIEW_ACTION.identifier && evaluation?.policy.ok) {
      await requestReviews(context, ctx, evaluation.policy.policy, evaluation.facts);
    }
  }
}

async function requestReviews(
  context: Context<"check_run.requested_action">,
  ctx: PullRequestContext,
  policy: Parameters<typeof oversightTier>[0],
  facts: Parameters<typeof oversightTier>[1],
): Promise<void> {
  const tierName = oversightTier(policy, facts);
  if (tierName === "prohibited") return;
  const tier = policy.oversight.tiers[tierName];
  const { owner, repo, number, author } = ctx.pull;
  const reviewers = tier.users.filter((u) => u !== author.toLowerCase());
  // Team reviewers are slugs of teams in the repository owner's organisation.
  const teams = tier.teams.filter((t) => t.split("/")[0] === owner.toLowerCase()).map((t) => t.split("/")[1]!);
  if (reviewers.length === 0 && teams.length === 0) {
    context.log.info({ pr: number }, "no reviewers requested: the tier names no teams or users (anyone with write access may sign off)");
    return;
  }
  try {
    await context.octokit.rest.pulls.requestReviewers({ owner, repo, pull_number: number, reviewers, team_reviewers: teams });
  } catch (error) {
    // 422: a listed user is not a collaborator or a team has no access; nothing else to do.
    context.log.warn({ pr: number, reviewers, teams, error: (error as Error).message }, "requesting reviews failed");
  }
}
