import type { Policy, Principals } from "../config/policy.js";
import type { Standing } from "./facts.js";

/**
 * Binding and authority: which commit a comment binds to, who is a bot, and whether a login may
 * sign off or override. Pure; the gates and the fact gathering (src/github/oversight-facts.ts) use it.
 */

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
