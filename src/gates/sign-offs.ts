import type { TierPolicy } from "../config/policy.js";
import { eligibility, principalsText, wasEdited } from "./authority.js";
import { day, short } from "./common.js";
import { EMPTY_OVERSIGHT_FACTS, type CommandFact, type PullRequestFacts, type ReviewFact } from "./facts.js";

/** Whose sign-offs count at the head, and which fill the required number. Pure; the oversight and policy-change gates share it. */

export function eligibleText(tier: TierPolicy): string {
  return principalsText(tier, "anyone with write access");
}

/** One person's current sign-off: the latest approval or sign-off comment, unless revoked later. */
interface Candidate {
  login: string;
  method: "review" | "comment";
  sha?: string;
  at: string;
  rationale: string;
  url?: string;
  edited: boolean;
}

interface Judged {
  counted: Array<Candidate & { teams: string[]; via: string; kept?: string }>;
  dismissed: string[];
  blockers: Array<{ login: string; at: string; via: string }>;
  errors: string[];
}

/** `emptyMeans`: who a tier naming nobody accepts (policy changes: repository admins). */
export function judgeSignOffs(tier: TierPolicy, tierName: string, facts: PullRequestFacts, emptyMeans: "write" | "admin" = "write"): Judged {
  const of = facts.oversight ?? EMPTY_OVERSIGHT_FACTS;
  const author = facts.author.toLowerCase();
  const out: Judged = { counted: [], dismissed: [], blockers: [], errors: [] };

  type Event =
    | { kind: "review"; at: string; r: ReviewFact }
    | { kind: "command"; at: string; c: CommandFact };
  const byUser = new Map<string, { login: string; bot: boolean; events: Event[] }>();
  const add = (login: string, bot: boolean, e: Event) => {
    const k = login.toLowerCase();
    const u = byUser.get(k) ?? { login, bot, events: [] };
    u.bot ||= bot;
    u.events.push(e);
    byUser.set(k, u);
  };
  for (const r of of.reviews) if (r.state !== "COMMENTED" && r.state !== "PENDING") add(r.login, r.bot, { kind: "review", at: r.at, r });
  for (const c of of.commands) if (c.command.kind !== "override") add(c.login, c.bot, { kind: "command", at: c.createdAt, c });

  for (const [lower, u] of byUser) {
    const events = [...u.events].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    const who = `@${u.login}`;
    // Latest review state (GitHub's rule: a later review replaces an earlier one).
    const reviews = events.filter((e): e is Extract<Event, { kind: "review" }> => e.kind === "review");
    const lastReview = reviews[reviews.length - 1]?.r;

    // Current sign-off: walk in time; a revoke withdraws everything before it.
    let current: Candidate | undefined;
    let revoked: { candidate: Candidate; at: string } | undefined;
    for (const e of events) {
      if (e.kind === "review") {
        if (e.r.state === "APPROVED") {
          // A review text someone else edited is not the reviewer's rationale; the approval itself is.
          const rationale = e.r.editedBy ? "" : e.r.body.trim();
          current = { login: u.login, method: "review", sha: e.r.sha, at: e.r.at, rationale, edited: false, ...(e.r.url ? { url: e.r.url } : {}) };
          if (e.r.editedBy) out.dismissed.push(`${who}'s review text: edited by @${e.r.editedBy}, so it is not counted as ${who}'s rationale.`);
          revoked = undefined;
        } else if (current?.method === "review") {
          // CHANGES_REQUESTED or DISMISSED replaces an earlier approval.
          if (e.r.state === "DISMISSED" && e.r.id === lastReview?.id) out.dismissed.push(`${who}: the approval review was dismissed.`);
          current = undefined;
        }
      } else if (e.c.command.kind === "sign-off") {
        current = {
          login: u.login,
          method: "comment",
          ...(e.c.sha ? { sha: e.c.sha } : {}),
          at: e.c.createdAt,
          rationale: e.c.command.rationale,
          edited: wasEdited(e.c),
          ...(e.c.url ? { url: e.c.url } : {}),
        };
        revoked = undefined;
      } else if (e.c.command.kind === "revoke") {
        // A revoke counts even when edited: withdrawing is the safe direction.
        if (current) revoked = { candidate: current, at: e.c.createdAt };
        current = undefined;
      }
    }

    const isAuthor = lower === author;
    const standing = of.standing[lower];
    const elig = u.bot || isAuthor ? undefined : standing?.error ? undefined : eligibility(tier, u.login, standing, emptyMeans);

    if (lastReview?.state === "CHANGES_REQUESTED" && !u.bot && !isAuthor) {
      if (standing?.error) out.errors.push(`Whether ${who} (who requested changes) is an eligible reviewer could not be read from GitHub: ${standing.error}`);
      else if (elig?.ok) out.blockers.push({ login: u.login, at: lastReview.at, via: elig.via });
      else out.dismissed.push(`${who} requested changes but is not an eligible reviewer (${elig?.via}); it does not block this gate.`);
    }
    if (revoked) {
      out.dismissed.push(`${who}: sign-off of ${day(revoked.candidate.at)} withdrawn with \`/aims revoke\` on ${day(revoked.at)}.`);
    }
    if (!current) continue;
    const what = `${who}'s ${current.method === "review" ? "approval" : "`/aims sign-off`"} (${day(current.at)}${current.sha ? ` at ${short(current.sha)}` : ""})`;
    if (u.bot) {
      out.dismissed.push(`${what}: bots never count.`);
      continue;
    }
    if (isAuthor) {
      out.dismissed.push(`${what}: the author cannot sign off their own change.`);
      continue;
    }
    if (current.edited) {
      out.dismissed.push(`${what}: the comment was edited after it was posted, so what was signed is not certain; post a new \`/aims sign-off\`.`);
      continue;
    }
    if (standing?.error) {
      out.errors.push(`Whether ${who} is an eligible reviewer could not be read from GitHub: ${standing.error}`);
      continue;
    }
    if (!elig?.ok) {
      out.dismissed.push(`${what}: not eligible for the ${tierName} tier (${elig?.via ?? "not checked"}); eligible: ${emptyMeans === "admin" ? principalsText(tier, "a repository admin") : eligibleText(tier)}.`);
      continue;
    }
    if (tier.require_rationale && current.rationale === "") {
      out.dismissed.push(
        `${what}: no rationale; the ${tierName} tier requires one (${current.method === "review" ? "write it in the review text" : "write it after `/aims sign-off`"}).`,
      );
      continue;
    }
    if (!current.sha) {
      out.dismissed.push(`${what}: posted before aims saw the latest commit ${short(facts.headSha)}, so it may not cover it; sign off again.`);
      continue;
    }
    let kept: string | undefined;
    if (current.sha !== facts.headSha) {
      if (!tier.invalidate_on_push) {
        kept = `signed at ${short(current.sha)}; pushes do not invalidate sign-offs on the ${tierName} tier`;
      } else {
        const since = of.sinceSigned[current.sha];
        if (tier.keep_when_ai_unchanged && since && !("error" in since) && since.complete && since.files.length === 0) {
          kept = `signed at ${short(current.sha)}; no AI-relevant file changed since`;
        } else {
          const detail = !tier.keep_when_ai_unchanged
            ? "every push needs a new sign-off on this tier"
            : !since
              ? "the changes since could not be compared"
              : "error" in since
                ? `the changes since could not be read (${since.error})`
                : since.files.length > 0
                  ? `AI-relevant files changed since: ${since.files.slice(0, 5).join(", ")}${since.files.length > 5 ? `, …(${since.files.length - 5} more)` : ""}`
                  : "GitHub listed only part of the changes since, so AI-relevant files may have changed";
          out.dismissed.push(`${what}: stale, the head is now ${short(facts.headSha)}; ${detail}.`);
          continue;
        }
      }
    }
    out.counted.push({ ...current, teams: elig.teams, via: elig.via, ...(kept ? { kept } : {}) });
  }
  return out;
}

/**
 * Choose which counted sign-offs fill the required number. With distinct_teams each must stand for a
 * different listed team (a listed user outside every team stands for themself): a maximum matching.
 */
export function selectSignOffs<T extends { login: string; teams: string[] }>(
  candidates: T[],
  distinct: boolean,
): Array<{ c: T; team?: string }> {
  // Without distinct teams every counted sign-off is kept (and shown); the gate compares the count.
  if (!distinct) return candidates.map((c) => ({ c, ...(c.teams[0] ? { team: c.teams[0] } : {}) }));
  const groupsOf = (c: T) => (c.teams.length > 0 ? c.teams : [`@${c.login.toLowerCase()}`]);
  const owner = new Map<string, number>();
  const tryAssign = (i: number, seen: Set<string>): boolean => {
    for (const g of groupsOf(candidates[i]!)) {
      if (seen.has(g)) continue;
      seen.add(g);
      const holder = owner.get(g);
      if (holder === undefined || tryAssign(holder, seen)) {
        owner.set(g, i);
        return true;
      }
    }
    return false;
  };
  for (let i = 0; i < candidates.length; i++) tryAssign(i, new Set());
  const assigned = [...owner.entries()].sort((a, b) => a[1] - b[1]);
  return assigned.map(([g, i]) => ({ c: candidates[i]!, ...(g.startsWith("@") ? {} : { team: g }) }));
}
