import { formatProblem } from "../config/parse.js";
import type { OversightTier, Policy, Principals, TierPolicy } from "../config/policy.js";
import { RISK_TIERS } from "../config/schema.js";
import { judgeSignOffs } from "./sign-offs.js";
import { principalsPlural, principalsText } from "./authority.js";
import { CHECK_NAMES, type Conclusion, type GateResult, type Reason, type SignOff } from "./types.js";
import type { PolicyChangeFacts, PolicyStatement, PullRequestFacts } from "./facts.js";

/**
 * A pull request that changes the policy (`.github/aims.yml` or a file of the same repository it
 * extends) is governed as a policy change: the policy's governance owners sign it off, no impact
 * assessment of an AI system is asked, and the policy it proposes is validated and described. The
 * policy that judges it is still the base branch's.
 */

/** Who approves policy changes under `policy`, and where that comes from. */
export function policyOwners(policy: Policy): { principals: Principals; text: string; plural: string } {
  const own = policy.governance.owners;
  const principals = own.teams.length > 0 || own.users.length > 0 ? own : policy.oversight.governance;
  return { principals, text: principalsText(principals, "a repository admin"), plural: principalsPlural(principals, "repository admins") };
}

// ---------------------------------------------------------------------------------------------
// The change in words (pure)

const RISK_ORDER = new Map<string, number>(RISK_TIERS.map((t, i) => [t, i]));
const TIERS: OversightTier[] = ["minimal", "limited", "high"];

const list = (items: readonly string[]) => items.map((i) => `\`${i}\``).join(", ");
const added = <T>(before: readonly T[], after: readonly T[]) => after.filter((x) => !before.includes(x));

function who(p: Principals, anyone: string): string {
  return principalsText(p, anyone);
}

/** A change of who may act: wider when someone new is let in, or when a named list becomes "anyone". */
function principalsChange(label: string, before: Principals, after: Principals, anyone: string): PolicyStatement[] {
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));
  if (same(before.teams, after.teams) && same(before.users, after.users)) return [];
  const wasNamed = before.teams.length + before.users.length > 0;
  const isNamed = after.teams.length + after.users.length > 0;
  const weakens = (wasNamed && !isNamed) || (isNamed && wasNamed && (added(before.teams, after.teams).length > 0 || added(before.users, after.users).length > 0));
  return [{ message: `${label} changed from ${who(before, anyone)} to ${who(after, anyone)}`, weakens }];
}

function listChange(label: string, before: readonly string[], after: readonly string[], addWeakens: boolean): PolicyStatement[] {
  const plus = added(before, after);
  const minus = added(after, before);
  return [
    ...(plus.length ? [{ message: `${label}: ${list(plus)} added`, weakens: addWeakens }] : []),
    ...(minus.length ? [{ message: `${label}: ${list(minus)} removed`, weakens: !addWeakens }] : []),
  ];
}

function flag(label: string, before: boolean, after: boolean, weakWhen: boolean): PolicyStatement[] {
  if (before === after) return [];
  return [{ message: `${label} turned ${after ? "on" : "off"}`, weakens: after === weakWhen }];
}

/** Every difference between two effective policies that changes what is governed or who decides. */
export function describePolicyChange(base: Policy, head: Policy): PolicyStatement[] {
  const out: PolicyStatement[] = [];
  const baseSystems = new Map(base.systems.map((s) => [s.id, s]));
  const headSystems = new Map(head.systems.map((s) => [s.id, s]));
  for (const s of head.systems) {
    if (!baseSystems.has(s.id)) out.push({ message: `system ${s.id} added (${s.risk} risk, paths ${list(s.paths)})`, weakens: false });
  }
  for (const s of base.systems) {
    const after = headSystems.get(s.id);
    if (!after) {
      out.push({ message: `system ${s.id} removed (was ${s.risk} risk): its paths ${list(s.paths)} are no longer part of a registered system`, weakens: true });
      continue;
    }
    if (after.risk !== s.risk) {
      const lower = RISK_ORDER.get(after.risk)! < RISK_ORDER.get(s.risk)!;
      out.push({ message: `risk of ${s.id} ${lower ? "lowered" : "raised"} from ${s.risk} to ${after.risk}`, weakens: lower });
    }
    const gone = added(after.paths, s.paths);
    const extra = added(s.paths, after.paths);
    if (gone.length) out.push({ message: `paths ${list(gone)} stop being governed as part of ${s.id}`, weakens: true });
    if (extra.length) out.push({ message: `paths ${list(extra)} added to ${s.id}`, weakens: false });
  }
  out.push(...listChange("paths never governed (ignore)", base.ignore, head.ignore, true));
  out.push(...listChange("categories that need the gates (detect.gate)", base.detect.gate, head.detect.gate, false));
  for (const category of ["model", "model-metadata", "dataset", "prompt", "ai-tooling"] as const) {
    out.push(...listChange(`paths not detected as ${category} (detect.${category}.ignore)`, base.detect[category].ignore, head.detect[category].ignore, true));
    out.push(...listChange(`paths detected as ${category} (detect.${category}.include)`, base.detect[category].include, head.detect[category].include, false));
  }
  out.push(...listChange("AI packages not detected (detect.dependencies.ignore)", base.detect.dependencies.ignore, head.detect.dependencies.ignore, true));
  out.push(
    ...listChange(
      "extra AI packages detected (detect.dependencies.extra)",
      base.detect.dependencies.extra.map((e) => JSON.stringify(e)),
      head.detect.dependencies.extra.map((e) => JSON.stringify(e)),
      false,
    ),
  );
  for (const name of TIERS) out.push(...tierChange(name, base.oversight.tiers[name], head.oversight.tiers[name]));
  out.push(...principalsChange("who may override the gates (oversight.governance)", base.oversight.governance, head.oversight.governance, "a repository admin"));
  out.push(...principalsChange("who approves policy changes (governance.owners)", policyOwners(base).principals, policyOwners(head).principals, "a repository admin"));
  const a = base.assessment;
  const b = head.assessment;
  if (a.link !== b.link) out.push({ message: `assessment.link changed from ${a.link} to ${b.link}`, weakens: b.link === "auto" });
  if (a.max_age_days !== b.max_age_days) {
    out.push({ message: `assessment approvals expire after ${b.max_age_days} days instead of ${a.max_age_days}`, weakens: b.max_age_days > a.max_age_days });
  }
  if (a.directory !== b.directory) out.push({ message: `assessment directory moved from \`${a.directory}\` to \`${b.directory}\``, weakens: false });
  if (a.approval_label !== b.approval_label) out.push({ message: `assessment approval label changed from \`${a.approval_label}\` to \`${b.approval_label}\``, weakens: false });
  out.push(...principalsChange("who may approve assessments (assessment.assessors)", a.assessors, b.assessors, "anyone with write access"));
  out.push(...flag("evidence records", base.evidence.enabled, head.evidence.enabled, false));
  if ((base.evidence.repository ?? "") !== (head.evidence.repository ?? "")) {
    out.push({ message: `evidence repository changed from ${base.evidence.repository ?? "each pull request's own"} to ${head.evidence.repository ?? "each pull request's own"}`, weakens: false });
  }
  out.push(...listChange("Annex A controls excluded (controls.exclude)", base.controls.exclude.map((c) => c.id), head.controls.exclude.map((c) => c.id), true));
  return out;
}

function tierChange(name: OversightTier, a: TierPolicy, b: TierPolicy): PolicyStatement[] {
  const out: PolicyStatement[] = [];
  if (a.required !== b.required) {
    out.push({ message: `sign-offs required on the ${name} tier ${b.required < a.required ? "lowered" : "raised"} from ${a.required} to ${b.required}`, weakens: b.required < a.required });
  }
  out.push(...principalsChange(`who may sign off the ${name} tier`, a, b, "anyone with write access"));
  out.push(...flag(`${name} tier: each sign-off from a different team (distinct_teams)`, a.distinct_teams, b.distinct_teams, false));
  out.push(...flag(`${name} tier: a push invalidates sign-offs (invalidate_on_push)`, a.invalidate_on_push, b.invalidate_on_push, false));
  out.push(...flag(`${name} tier: sign-offs kept when no AI file changed (keep_when_ai_unchanged)`, a.keep_when_ai_unchanged, b.keep_when_ai_unchanged, true));
  out.push(...flag(`${name} tier: a rationale is required (require_rationale)`, a.require_rationale, b.require_rationale, false));
  return out;
}

// ---------------------------------------------------------------------------------------------
// The gates (pure)

const filesText = (pc: PolicyChangeFacts) => list(pc.files);

/** What the change does, as reasons: each statement, weakenings marked. */
function statementReasons(pc: PolicyChangeFacts): Reason[] {
  if (pc.statements.length === 0) {
    return [{ status: "info", message: `${filesText(pc)} changed, but the effective policy is the same (comments, order or formatting only).` }];
  }
  return pc.statements.map((s) => ({ status: "info", message: `${s.weakens ? "Weakens the policy: " : "Policy change: "}${s.message}.` }));
}

/** Both gates when the policy this pull request proposes is invalid: merging it would break every later check. */
export function headPolicyInvalid(pc: PolicyChangeFacts): GateResult[] {
  const reasons: Reason[] = pc.problems.map((p) => ({
    status: "error",
    message: formatProblem(p),
    ...(p.line !== undefined ? { location: `${p.file}:${p.line}:${p.column ?? 1}` } : {}),
  }));
  const shape = {
    conclusion: "failure" as Conclusion,
    title: `The policy in this pull request is invalid: ${pc.problems.length} problem${pc.problems.length === 1 ? "" : "s"}`,
    reasons,
    nextSteps: [
      `Fix ${filesText(pc)} at the lines shown, or check it locally with \`aims validate\`; merged as it is, every later pull request would fail both checks.`,
    ],
    controls: [],
  };
  return [
    { gate: "impact-assessment", name: CHECK_NAMES["impact-assessment"], ...shape },
    { gate: "human-oversight", name: CHECK_NAMES["human-oversight"], ...shape },
  ];
}

/** The assessment gate's note on a policy change: it needs none, the owners sign it off instead. */
export function policyChangeAssessmentNote(pc: PolicyChangeFacts): Reason {
  return {
    status: "met",
    message: `${filesText(pc)} is the AI governance policy, not part of an AI system: its change needs no impact assessment; the policy's governance owners sign it off (see aims/human-oversight).`,
  };
}

export function policyChangeAssessment(pc: PolicyChangeFacts): GateResult {
  return {
    gate: "impact-assessment",
    name: CHECK_NAMES["impact-assessment"],
    conclusion: "success",
    title: "Policy change: no impact assessment needed",
    reasons: [policyChangeAssessmentNote(pc), ...statementReasons(pc)],
    nextSteps: [],
    controls: [],
  };
}

/** One sign-off by a governance owner, on the head commit, from someone other than the author. */
export function policyChangeOversight(policy: Policy, facts: PullRequestFacts, pc: PolicyChangeFacts): GateResult {
  const owners = policyOwners(policy);
  const tier: TierPolicy = {
    ...owners.principals,
    required: 1,
    distinct_teams: false,
    invalidate_on_push: true,
    keep_when_ai_unchanged: false,
    require_rationale: false,
  };
  const judged = judgeSignOffs(tier, "governance", facts, "admin");
  const weakenings = pc.statements.filter((s) => s.weakens);
  const reasons: Reason[] = [
    {
      status: "info",
      message: `This pull request changes the AI governance policy (${filesText(pc)}): one sign-off from ${owners.text}, other than the author, is required at the head commit (who approves is read from the base branch's policy).`,
    },
    ...statementReasons(pc),
  ];
  if (weakenings.length > 0) {
    reasons.push({ status: "unmet", message: `It weakens the policy (${weakenings.map((w) => w.message).join("; ")}): ${owners.plural} must approve it.` });
  }
  const [first] = judged.counted;
  const signOffs: SignOff[] = first
    ? [{ login: first.login, method: first.method, sha: first.sha!, at: first.at, ...(first.teams[0] ? { team: first.teams[0] } : {}), ...(first.rationale ? { rationale: first.rationale } : {}), ...(first.url ? { url: first.url } : {}) }]
    : [];
  if (first) reasons.push({ status: "met", message: `@${first.login} signed off the policy change at ${first.sha!.slice(0, 7)} (${first.via}).` });
  for (const b of judged.blockers) reasons.push({ status: "unmet", message: `@${b.login} requested changes (${b.via}); this blocks the policy change until they approve or the review is dismissed.` });
  for (const d of judged.dismissed) reasons.push({ status: "unmet", message: `Not counted: ${d}` });
  for (const e of judged.errors) reasons.push({ status: "error", message: e });

  const base = { gate: "human-oversight" as const, name: CHECK_NAMES["human-oversight"], reasons, signOffs };
  if (judged.errors.length > 0) {
    return { ...base, conclusion: "failure", title: "Could not check who may approve the policy change", nextSteps: [{ code: "evaluate-again", membersPermission: true }], controls: [] };
  }
  if (judged.blockers.length > 0) {
    const names = judged.blockers.map((b) => `@${b.login}`).join(", ");
    return { ...base, conclusion: "action_required", title: `Policy change: changes requested by ${names}`, nextSteps: [`Address the requested changes, then ask ${names} to approve.`], controls: [] };
  }
  if (first) return { ...base, conclusion: "success", title: `Policy change signed off by @${first.login}`, nextSteps: [], controls: ["A.2.2", "A.3.2"] };
  return {
    ...base,
    conclusion: "action_required",
    title: weakenings.length > 0 ? "Policy change weakens the policy: governance owner sign-off required" : "Policy change: governance owner sign-off required",
    nextSteps: [
      `Ask ${owners.text} (other than the author) to approve this pull request at ${facts.headSha.slice(0, 7)} or comment \`/aims sign-off [rationale]\`.`,
    ],
    controls: [],
  };
}

/** Both requirements on one check: the worse conclusion decides, and every reason and step is kept. */
export function combineOversight(system: GateResult, policy: GateResult): GateResult {
  const rank: Record<Conclusion, number> = { success: 0, action_required: 1, failure: 2 };
  const worse = rank[policy.conclusion] >= rank[system.conclusion] ? policy : system;
  const conclusion = worse.conclusion;
  return {
    ...system,
    conclusion,
    title: conclusion === "success" ? `${system.title}; ${policy.title}` : worse.title,
    reasons: [...system.reasons, ...policy.reasons],
    nextSteps: [...policy.nextSteps, ...system.nextSteps],
    controls: conclusion === "success" ? [...new Set([...system.controls, ...policy.controls])] : [],
    signOffs: [...(system.signOffs ?? []), ...(policy.signOffs ?? []).filter((p) => !(system.signOffs ?? []).some((s) => s.login === p.login))],
  };
}
