import { createCodeDetector } from "../detect/code/index.js";
import { Minimatch } from "minimatch";
import { parseCommand } from "../commands/parse.js";
import { parseReviewEditReceipt, parseRevokeReceipt } from "../commands/receipt.js";
import type { Policy } from "../config/policy.js";
import { changedManifests } from "../detect/dependencies.js";
import type { Detector } from "../detect/detect.js";
import type { ChangedFile } from "../detect/types.js";
import { bindCommentSha, isBot } from "../gates/authority.js";
import type { CommandFact, OversightFacts, PullRequestFacts, ReviewFact, SinceSigned, Standing } from "../gates/facts.js";
import { CHECK_NAMES } from "../gates/types.js";
import { mapLimit } from "../util/concurrency.js";
import type { ExistingCheckRun, PullRequestContext } from "../ports/pull-request-context.js";

const READ_CONCURRENCY = 6;
/** Earlier signed commits compared with the head per evaluation, at most (one compare each). */
export const MAX_COMPARED_SHAS = 10;
/** People whose standing is checked per evaluation, at most. */
export const MAX_CHECKED_LOGINS = 30;

export interface OversightGatherOptions {
  /** Classifies files changed since a signed commit; without it every changed file counts as AI-relevant. */
  detector?: Detector;
  /**
   * Only what an override needs (comments, and the standing of those who wrote `/aims override`):
   * for a pull request whose changes could not be listed, where sign-offs cannot count.
   */
  overridesOnly?: boolean;
}

/**
 * The AI-relevant paths among changed files, without reading their contents: gated detections by
 * path, every changed manifest (it may change an AI dependency) and every source file or set-up
 * whose patch names AI APIs or models (the code pre-screen).
 */
export function aiRelevantPaths(policy: Policy, detector: Detector, files: ChangedFile[]): string[] {
  const gated = detector.detect(files, new Map()).filter((c) => c.gated).map((c) => c.path);
  const ignore = policy.ignore.map((g) => new Minimatch(g, { dot: true }));
  const manifests = policy.detect.gate.includes("dependency")
    ? changedManifests(files, (p) => ignore.some((m) => m.match(p))).map((m) => m.file.filename)
    : [];
  const code = policy.detect.gate.includes("code")
    ? createCodeDetector({ extra: policy.detect.code.extra, ignore: policy.detect.code.ignore, systemFor: () => "", gated: true, today: "" })
    : undefined;
  const sources = code
    ? files.filter((f) => !ignore.some((m) => m.match(f.filename)) && (code.isCandidate(f) || code.serving([f]).length > 0)).map((f) => f.filename)
    : [];
  return [...new Set([...gated, ...manifests, ...sources])];
}

function describeError(error: unknown): string {
  const status = (error as { status?: number }).status;
  const message = error instanceof Error ? error.message : String(error);
  return status ? `HTTP ${status} ${message}` : message;
}

/** When aims first saw the head: the earliest of its own check runs on that commit. */
export function headSeenAt(runs: ExistingCheckRun[]): string | undefined {
  const ours = new Set(Object.values(CHECK_NAMES));
  const times = runs.filter((r) => ours.has(r.name) && r.startedAt).map((r) => r.startedAt!);
  return times.sort((a, b) => Date.parse(a) - Date.parse(b))[0];
}

/** Where a login stands: active membership in each listed team, and permission when some list is empty. */
export async function standingOf(ctx: PullRequestContext, policy: Policy, login: string): Promise<Standing> {
  const { tiers, governance } = policy.oversight;
  const lists = [tiers.minimal, tiers.limited, tiers.high, governance, policy.governance.owners];
  const teams = [...new Set(lists.flatMap((l) => l.teams))];
  const needPermission = lists.some((l) => l.teams.length === 0 && l.users.length === 0);
  try {
    // Every team and the permission side by side (each read is memoised for the event).
    const [memberships, permission] = await Promise.all([
      Promise.all(teams.map((team) => ctx.teamMembership(team, login))),
      needPermission ? ctx.permission(login) : undefined,
    ]);
    const member = teams.filter((_, i) => memberships[i] === "active");
    return { teams: member, ...(permission ? { permission } : {}) };
  } catch (error) {
    return { teams: [], error: describeError(error) };
  }
}

/** Paths changed since `sha` that are AI-relevant under the policy (gated detections and every manifest). */
export async function aiChangesSince(ctx: PullRequestContext, policy: Policy, sha: string, detector?: Detector): Promise<SinceSigned> {
  try {
    const { files, complete } = await ctx.changedSince(sha);
    if (!detector) return { files: files.map((f) => f.filename), complete };
    return { files: aiRelevantPaths(policy, detector, files), complete };
  } catch (error) {
    return { error: describeError(error) };
  }
}

/**
 * Read reviews and `/aims` comments, bind comment commands to a commit, and look up the standing of
 * every person whose sign-off, change request or override matters. A failed read is recorded in the
 * facts (the gate fails closed), never thrown.
 */
export async function gatherOversightFacts(
  ctx: PullRequestContext,
  policy: Policy,
  facts: PullRequestFacts,
  options: OversightGatherOptions = {},
): Promise<OversightFacts> {
  const { pull } = ctx;
  let reviews: ReviewFact[];
  let commands: CommandFact[];
  try {
    const [rawReviews, rawComments, runs] = await Promise.all([
      options.overridesOnly ? Promise.resolve([]) : ctx.reviews(),
      ctx.comments(),
      ctx.existingChecks(),
    ]);
    // Reviews whose text someone else edited, as the app's own unedited receipts record them.
    const editedBy = new Map<number, string>();
    for (const c of rawComments) {
      const receipt = c.own && c.createdAt === c.updatedAt ? parseReviewEditReceipt(c.body) : undefined;
      if (receipt) editedBy.set(receipt.review, receipt.editor);
    }
    reviews = rawReviews.map((r) => ({
      id: r.id,
      login: r.login,
      bot: isBot(r.login, r.userType),
      state: r.state,
      sha: r.commitId,
      at: r.submittedAt,
      body: r.body,
      ...(editedBy.has(r.id) ? { editedBy: editedBy.get(r.id)! } : {}),
      ...(r.htmlUrl ? { url: r.htmlUrl } : {}),
    }));
    const seen = headSeenAt(runs);
    commands = rawComments.flatMap((c): CommandFact[] => {
      if (c.own) {
        // The app's receipt of a revoke stands even when the revoke comment was edited or deleted;
        // an edited receipt no longer says what the app wrote, and the app posts it again.
        const receipt = c.createdAt === c.updatedAt ? parseRevokeReceipt(c.body) : undefined;
        return receipt ? [{ id: c.id, login: receipt.login, bot: false, command: { kind: "revoke" }, createdAt: receipt.at, updatedAt: receipt.at, url: c.htmlUrl }] : [];
      }
      const command = parseCommand(c.body);
      if (!command || (command.kind !== "sign-off" && command.kind !== "revoke" && command.kind !== "override")) return [];
      const sha = bindCommentSha(c.createdAt, pull.headSha, seen);
      return [{ id: c.id, login: c.login, bot: isBot(c.login, c.userType), command, createdAt: c.createdAt, updatedAt: c.updatedAt, ...(sha ? { sha } : {}), url: c.htmlUrl }];
    });
  } catch (error) {
    return { reviews: [], commands: [], readError: describeError(error), standing: {}, sinceSigned: {} };
  }

  // People who matter: humans other than the author with an approval, change request or command.
  const author = facts.author.toLowerCase();
  const logins = new Set<string>();
  if (!options.overridesOnly) {
    for (const r of reviews) if (!r.bot && (r.state === "APPROVED" || r.state === "CHANGES_REQUESTED")) logins.add(r.login.toLowerCase());
  }
  for (const c of commands) if (!c.bot && (options.overridesOnly ? c.command.kind === "override" : c.command.kind !== "revoke")) logins.add(c.login.toLowerCase());
  logins.delete(author);
  const checked = [...logins].slice(0, MAX_CHECKED_LOGINS);
  const standing = Object.fromEntries(await mapLimit(checked, READ_CONCURRENCY, async (l) => [l, await standingOf(ctx, policy, l)] as const));

  // Earlier commits people signed: did AI-relevant files change since? Only when some tier could keep them.
  const keeps = !options.overridesOnly && Object.values(policy.oversight.tiers).some((t) => t.invalidate_on_push && t.keep_when_ai_unchanged);
  const shas = keeps
    ? [...new Set(reviews.filter((r) => r.state === "APPROVED" && !r.bot && r.login.toLowerCase() !== author && r.sha && r.sha !== pull.headSha).map((r) => r.sha))]
    : [];
  const compared = await mapLimit(shas.slice(-MAX_COMPARED_SHAS), READ_CONCURRENCY, async (sha) => [sha, await aiChangesSince(ctx, policy, sha, options.detector)] as const);

  return { reviews, commands, standing, sinceSigned: Object.fromEntries(compared) };
}
