import type { Policy } from "../config/policy.js";
import type { RiskTier } from "../config/schema.js";
import { affectedSystems, day, noAiChanges, problemReasons, reportedOnly, short, systemLabel, theAuthor } from "./common.js";
import { EMPTY_OVERSIGHT_FACTS, type PullRequestFacts } from "./facts.js";
import { governanceText } from "./authority.js";
import { findOverride } from "./override.js";
import { effectiveRiskTier } from "./risk.js";
import { eligibleText, judgeSignOffs, selectSignOffs } from "./sign-offs.js";
import { CHECK_NAMES, type Conclusion, type GateId, type GateResult, type NextStep, type Reason, type SignOff } from "./types.js";

/** The tier whose policy applies; `prohibited` has none. */
export function oversightTier(policy: Policy, facts: PullRequestFacts): RiskTier {
  return effectiveRiskTier(policy, facts);
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
      nextSteps: [{ code: "evaluate-again", reread: "the reviews and comments are read again" }],
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
  const nextSteps: NextStep[] = [];
  if (judged.errors.length > 0) {
    conclusion = "failure";
    title = "Could not check who may sign off";
    nextSteps.push({ code: "evaluate-again", membersPermission: true });
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
