import type { Policy, Principals, TierPolicy } from "../config/policy.js";
import type { RiskTier } from "../config/schema.js";
import type { AimsCommand } from "../commands/parse.js";
import { effectiveRiskTier } from "./assessment.js";
import { affectedSystems, noAiChanges, problemReasons, reportedOnly, systemLabel } from "./common.js";
import { CHECK_NAMES, type Conclusion, type GateId, type GateResult, type Override, type PullRequestFacts, type Reason, type SignOff } from "./types.js";

// ---------------------------------------------------------------------------------------------
// Facts: what the pipeline read from GitHub (src/github/oversight-facts.ts)

/** A submitted review of the pull request. */
export interface ReviewFact {
  id: number;
  login: string;
  bot: boolean;
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED" | "PENDING";
  /** The commit the reviewer saw: the signed SHA. */
  sha: string;
  at: string;
  body: string;
  url?: string;
  /** Someone other than the reviewer edited the review's text (the app's receipt says so). */
  editedBy?: string;
}

/** A comment holding an `/aims` sign-off, revoke or override command. */
export interface CommandFact {
  id: number;
  login: string;
  bot: boolean;
  command: Extract<AimsCommand, { kind: "sign-off" | "revoke" | "override" }>;
  createdAt: string;
  updatedAt: string;
  /**
   * The commit the comment binds to: the PR's head when aims had already seen that head before the
   * comment was posted (see bindCommentSha); absent when a push may have happened after the comment.
   */
  sha?: string;
  url?: string;
}

/** Where a login stands with the principals the policy names (every tier and governance). */
export interface Standing {
  /** Listed teams (`org/slug`, lower case) the login is an active member of. */
  teams: string[];
  /** Repository permission; read only when some tier or governance names nobody. */
  permission?: "admin" | "maintain" | "write" | "triage" | "read" | "none";
  /** Set when GitHub could not be asked: the gate fails closed. */
  error?: string;
}

/** AI-relevant changes between a signed commit and the head. */
export type SinceSigned = { files: string[]; complete: boolean } | { error: string };

/** What the pipeline found out about sign-offs, revocations and overrides on this PR. */
export interface OversightFacts {
  reviews: ReviewFact[];
  commands: CommandFact[];
  /** Set when the reviews or comments could not be read: the gate fails closed. */
  readError?: string;
  /** Keyed by lower-case login. */
  standing: Record<string, Standing>;
  /** Keyed by signed SHA (never the head). */
  sinceSigned: Record<string, SinceSigned>;
}

export const EMPTY_OVERSIGHT_FACTS: OversightFacts = { reviews: [], commands: [], standing: {}, sinceSigned: {} };

const WRITE = new Set(["admin", "maintain", "write"]);

// ---------------------------------------------------------------------------------------------
// Binding and authority (pure helpers the fact gathering also uses)

/**
 * The SHA a comment command binds to. GitHub does not say which commit was the head when a
 * comment was posted, and commit dates are written by the committer, so they prove nothing.
 * Rule: the comment binds to the current head only when aims's own check run on that head was
 * created before the comment (both are GitHub's server times: the head had been pushed, and aims
 * had seen it, before the comment). Otherwise it binds to nothing and does not count: a push may
 * have happened after it, and the signer has to sign off again.
 */
export function bindCommentSha(commentCreatedAt: string, headSha: string, headSeenAt: string | undefined): string | undefined {
  if (!headSeenAt) return undefined;
  return Date.parse(headSeenAt) < Date.parse(commentCreatedAt) ? headSha : undefined;
}

export function isBot(login: string, type?: string): boolean {
  return type === "Bot" || /\[bot\]$/i.test(login);
}

/**
 * True when GitHub says the comment changed after it was posted. Anyone with write access can edit
 * anyone's comment, and GitHub keeps the author's name on it, so an edited command might not be
 * what its author wrote: any edit, however soon, makes it count for nothing (no tolerance window).
 */
export function wasEdited(c: { createdAt: string; updatedAt: string }): boolean {
  return Date.parse(c.updatedAt) !== Date.parse(c.createdAt);
}

export function principalsText(p: Principals, anyone: string): string {
  if (p.teams.length === 0 && p.users.length === 0) return anyone;
  return [...p.teams.map((t) => `a member of @${t}`), ...p.users.map((u) => `@${u}`)].join(" or ");
}

export function governanceText(policy: Policy): string {
  return principalsText(policy.oversight.governance, "a repository admin");
}

/** The same principals as a plural subject: `members of @acme/ai-governance and @lead`, `repository admins`. */
export function principalsPlural(p: Principals, anyone: string): string {
  if (p.teams.length === 0 && p.users.length === 0) return anyone;
  const teams = p.teams.length > 0 ? [`members of ${p.teams.map((t) => `@${t}`).join(" or ")}`] : [];
  return [...teams, ...p.users.map((u) => `@${u}`)].join(" and ");
}

export interface Eligibility {
  ok: boolean;
  /** A noun phrase for parentheses: `member of @acme/ml`, `write permission`, `read permission only`. */
  via: string;
  /** A predicate after the login: `@bob has write permission only`, `@eve is not a listed user`. */
  predicate: string;
  /** The same, addressed to the person: `you have write access`, `you are not an active member of @acme/gov`. */
  you: string;
  teams: string[];
}

/** Whether a login's standing makes them eligible under some principals; `via` explains it. */
export function eligibility(p: Principals, login: string, s: Standing | undefined, emptyMeans: "write" | "admin"): Eligibility {
  const lower = login.toLowerCase();
  if (p.users.includes(lower)) {
    return { ok: true, via: "listed user", predicate: "is a listed user", you: "you are a listed user", teams: (s?.teams ?? []).filter((t) => p.teams.includes(t)) };
  }
  const teams = (s?.teams ?? []).filter((t) => p.teams.includes(t));
  if (teams.length > 0) return { ok: true, via: `member of @${teams[0]}`, predicate: `is a member of @${teams[0]}`, you: `you are a member of @${teams[0]}`, teams };
  if (p.teams.length > 0) {
    const listed = `an active member of ${p.teams.map((t) => `@${t}`).join(" or ")}`;
    return { ok: false, via: `not ${listed}`, predicate: `is not ${listed}`, you: `you are not ${listed}${p.users.length > 0 ? " or a listed user" : ""}`, teams: [] };
  }
  if (p.users.length > 0) return { ok: false, via: "not a listed user", predicate: "is not a listed user", you: "you are not one of them", teams: [] };
  const perm = s?.permission ?? "none";
  const ok = emptyMeans === "admin" ? perm === "admin" : WRITE.has(perm);
  const access = perm === "none" ? "no access to this repository" : `${perm} access`;
  return {
    ok,
    via: ok ? `${perm} permission` : perm === "none" ? "no access to this repository" : `${perm} permission only`,
    predicate: ok ? `has ${perm} permission` : perm === "none" ? "has no permission on this repository" : `has ${perm} permission only`,
    you: `you have ${access}`,
    teams: [],
  };
}

// ---------------------------------------------------------------------------------------------
// Override

export interface OverrideDecision {
  override?: Override;
  /** Overrides that were not applied, with the reason. */
  dismissed: string[];
}

/** The override that applies to the head: the latest by an authorised, non-author human, not withdrawn. */
export function findOverride(policy: Policy, facts: PullRequestFacts): OverrideDecision {
  const of = facts.oversight;
  const dismissed: string[] = [];
  if (!of) return { dismissed };
  const author = facts.author.toLowerCase();
  let chosen: Override | undefined;
  const sorted = [...of.commands].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
  for (const c of sorted) {
    if (c.command.kind !== "override" || c.bot) continue;
    const who = `@${c.login}'s override (${day(c.createdAt)})`;
    const lower = c.login.toLowerCase();
    const revoked = sorted.some((r) => r.command.kind === "revoke" && r.login.toLowerCase() === lower && Date.parse(r.createdAt) > Date.parse(c.createdAt));
    if (lower === author) dismissed.push(`${who} does not apply: the author cannot override the gates on their own change`);
    else if (wasEdited(c)) dismissed.push(`${who} does not apply: the comment was edited after it was posted`);
    else if (revoked) dismissed.push(`${who} was withdrawn with \`/aims revoke\``);
    else if (c.sha !== facts.headSha) dismissed.push(`${who} applies to an earlier commit; a push after it needs a new override`);
    else {
      const s = of.standing[lower];
      if (s?.error) dismissed.push(`${who} could not be checked: ${s.error}`);
      else {
        const e = eligibility(policy.oversight.governance, c.login, s, "admin");
        if (!e.ok) dismissed.push(`${who} does not apply: @${c.login} ${e.predicate}; overrides are for ${governanceText(policy)}`);
        else chosen = { login: c.login, at: c.createdAt, sha: c.sha, reason: (c.command as { reason: string }).reason, ...(c.url ? { url: c.url } : {}) };
      }
    }
  }
  return { ...(chosen ? { override: chosen } : {}), dismissed };
}

/** A gate result as overridden: passes, says who and why, and keeps the original decision as context. */
export function applyOverride(result: GateResult, override: Override): GateResult {
  return {
    ...result,
    conclusion: "success",
    title: `Overridden by @${override.login}`,
    reasons: [
      {
        status: "met",
        message: `@${override.login} overrode this gate on ${day(override.at)} at ${short(override.sha)}: “${override.reason}”`,
      },
      { status: "info", message: `Without the override: ${result.conclusion === "success" ? "passing" : result.conclusion} — ${result.title}.` },
      ...result.reasons.map((r) => ({ ...r, status: r.status === "met" ? r.status : ("info" as const) })),
    ],
    nextSteps: [],
    controls: [],
    override,
  };
}

// ---------------------------------------------------------------------------------------------
// The gate

/**
 * The PR author in a sentence: `the author @login` (or `@login`) on GitHub; a local check knows only
 * the git author name, which is no GitHub login, so it is never @-mentioned: `the author (Name)`.
 */
function theAuthor(facts: PullRequestFacts, noun: boolean): string {
  if (facts.authorIsName) return `the author (${facts.author})`;
  return noun ? `the author @${facts.author}` : `@${facts.author}`;
}

function short(sha: string): string {
  return sha.slice(0, 7);
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

/** The tier whose policy applies; `prohibited` has none. */
export function oversightTier(policy: Policy, facts: PullRequestFacts): RiskTier {
  return effectiveRiskTier(policy, facts);
}

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

export function oversightGate(policy: Policy, facts: PullRequestFacts): GateResult {
  const gated = facts.changes.filter((c) => c.gated);
  const gate: GateId = "human-oversight";
  if (gated.length === 0 && facts.problems.length === 0) return noAiChanges(gate, facts);
  const base = { gate, name: CHECK_NAMES[gate] };
  const systems = affectedSystems(facts.changes);
  const systemsText = systems.map((s) => systemLabel(s, policy)).join(", ");
  const tierName = oversightTier(policy, facts);
  const context: Reason[] = [...problemReasons(facts).map((r) => ({ ...r, status: "info" as const })), ...reportedOnly(facts)];

  if (tierName === "prohibited") {
    return {
      ...base,
      conclusion: "failure",
      title: "Prohibited AI practice: no sign-off can approve it",
      reasons: [{ status: "error", message: `The change affects a system rated prohibited (${systemsText}); see the impact-assessment check.` }, ...context],
      nextSteps: ["Remove the prohibited use from this change, or correct the risk rating with your assessors."],
      controls: [],
    };
  }
  const tier = policy.oversight.tiers[tierName];
  const of = facts.oversight ?? EMPTY_OVERSIGHT_FACTS;
  const eligible = eligibleText(tier);
  const policyLine: Reason = {
    status: "info",
    message: `Risk tier ${tierName}${systems.length ? ` (systems: ${systems.join(", ")})` : ""}: ${tier.required} sign-off${tier.required === 1 ? "" : "s"} required from ${eligible}${tier.distinct_teams ? ", each from a different team" : ""}, other than ${theAuthor(facts, true)}${tier.require_rationale ? "; a rationale is required" : ""}${tier.invalidate_on_push ? (tier.keep_when_ai_unchanged ? "; a push invalidates sign-offs only when it changes AI-relevant files" : "; every push needs new sign-offs") : "; pushes do not invalidate sign-offs"}.`,
  };

  if (of.readError) {
    return {
      ...base,
      conclusion: "failure",
      title: "Could not read the sign-offs of this pull request",
      reasons: [{ status: "error", message: `The reviews or comments could not be read from GitHub: ${of.readError}` }, policyLine, ...context],
      nextSteps: ["Re-run this check; the reviews and comments are read again from GitHub."],
      controls: [],
    };
  }

  const judged = judgeSignOffs(tier, tierName, facts);
  const selected = selectSignOffs(judged.counted, tier.distinct_teams);
  const selectedLogins = new Set(selected.map((s) => s.c.login.toLowerCase()));
  const extraDismissed = tier.distinct_teams
    ? judged.counted
        .filter((c) => !selectedLogins.has(c.login.toLowerCase()))
        .map((c) => `@${c.login}'s sign-off: another sign-off already stands for ${c.teams.length > 0 ? c.teams.map((t) => `@${t}`).join(" and ") : "them"}; distinct teams are required.`)
    : [];
  const signOffs: SignOff[] = selected.map(({ c, team }) => ({
    login: c.login,
    method: c.method,
    sha: c.sha!,
    at: c.at,
    ...(team ? { team } : {}),
    via: c.via,
    ...(c.rationale ? { rationale: c.rationale } : {}),
    ...(c.url ? { url: c.url } : {}),
  }));
  const overrideNotes = findOverride(policy, facts).dismissed.map((m) => ({ status: "info" as const, message: `${m}.` }));

  const reasons: Reason[] = [policyLine];
  for (const s of selected) {
    reasons.push({
      status: "met",
      message: `@${s.c.login} signed off by ${s.c.method === "review" ? "approving review" : "`/aims sign-off`"} at ${short(s.c.sha!)} on ${day(s.c.at)} (${s.team ? `@${s.team}` : s.c.via})${s.c.kept ? `; ${s.c.kept}` : ""}${s.c.rationale ? `: “${truncate(s.c.rationale, 200)}”` : "."}`,
    });
  }
  const missing = Math.max(0, tier.required - selected.length);
  if (missing > 0) {
    reasons.push({ status: "unmet", message: `${missing} more sign-off${missing === 1 ? "" : "s"} needed at ${short(facts.headSha)} (${selected.length} of ${tier.required} counted).` });
  }
  for (const b of judged.blockers) reasons.push({ status: "unmet", message: `@${b.login} requested changes on ${day(b.at)} (${b.via}); this blocks the gate until they approve or the review is dismissed.` });
  for (const d of [...judged.dismissed, ...extraDismissed]) reasons.push({ status: "unmet", message: `Not counted: ${d}` });
  for (const e of judged.errors) reasons.push({ status: "error", message: e });
  reasons.push(...overrideNotes, ...context);

  let conclusion: Conclusion;
  let title: string;
  const nextSteps: string[] = [];
  if (judged.errors.length > 0) {
    conclusion = "failure";
    title = "Could not check who may sign off";
    nextSteps.push("Re-run this check. If it keeps failing, confirm the app has the Members (read) organisation permission.");
  } else if (judged.blockers.length > 0) {
    conclusion = "action_required";
    title = `Changes requested by ${judged.blockers.map((b) => `@${b.login}`).join(", ")}`;
    nextSteps.push(`Address the requested changes, then ask ${judged.blockers.map((b) => `@${b.login}`).join(", ")} to approve (or dismiss the review).`);
  } else if (missing > 0) {
    conclusion = "action_required";
    title = selected.length === 0 ? "Human sign-off required" : `Human sign-off required: ${selected.length} of ${tier.required} signed`;
  } else {
    conclusion = "success";
    title = `Signed off by ${signOffs.map((s) => `@${s.login}`).join(", ")} (${tierName} risk)`;
  }
  if (missing > 0 && judged.errors.length === 0) {
    const distinct = tier.distinct_teams ? `, from ${missing === 1 ? "a team" : "teams"} not yet represented` : "";
    nextSteps.push(
      `Ask ${missing === 1 ? "one more reviewer" : `${missing} more reviewers`} (${eligible})${distinct}, other than ${theAuthor(facts, false)}, to approve this pull request at ${short(facts.headSha)} or comment \`/aims sign-off ${tier.require_rationale ? "<rationale>" : "[rationale]"}\` (the “Request review” button asks them).`,
    );
  }
  if (conclusion !== "success") nextSteps.push(`In an emergency, ${governanceText(policy)} may comment \`/aims override <reason>\` (recorded as evidence).`);

  return {
    ...base,
    conclusion,
    title,
    reasons,
    nextSteps,
    controls: conclusion === "success" ? ["A.3.2", "A.9.2"] : [],
    signOffs,
  };
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
