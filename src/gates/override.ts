import type { Policy } from "../config/policy.js";
import { eligibility, governanceText, wasEdited } from "./authority.js";
import { day, short } from "./common.js";
import type { PullRequestFacts } from "./facts.js";
import type { GateResult, Override } from "./types.js";

/** `/aims override <reason>`: a governance lead passes both gates at one commit (break glass, recorded). */

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
