import type { Policy } from "../config/policy.js";
import type { RiskTier } from "../config/schema.js";
import { UNREGISTERED_SYSTEM } from "../detect/types.js";
import type { RecordParse } from "./assessment-record.js";
import { affectedSystems } from "./common.js";
import type { Assessment, PullRequestFacts } from "./facts.js";

/** The risk of the systems a pull request touches: the registry and the assessments together. */

const RISK_ORDER: Record<RiskTier, number> = { minimal: 0, limited: 1, high: 2, prohibited: 3 };

export function higherRisk(a: RiskTier, b: RiskTier): RiskTier {
  return RISK_ORDER[a] >= RISK_ORDER[b] ? a : b;
}

export interface SystemRisk {
  system: string;
  /** Tier in the registry (`systems:`); absent for unregistered paths. */
  registry?: RiskTier;
  /** Tiers the assessments that list the system give it. */
  assessments: Array<{ id: string; risk: RiskTier }>;
  effective: RiskTier;
}

/** The records an evaluation relies on: every version read, so a claim of higher risk is never lost. */
export function recordsOf(a: Assessment): Array<{ id?: string; systems: string[]; riskLevel?: RiskTier }> {
  const parses: RecordParse[] = [];
  if (a.kind === "file") {
    for (const v of [a.base, a.head]) if (v?.read.status === "read") parses.push(v.read.parse);
  } else if (a.read.status === "read") parses.push(a.read.parse);
  return parses.flatMap((p) => (p.kind === "valid" ? [p.record] : p.kind === "invalid" ? [p.summary] : []));
}

/**
 * Risk of each system the PR affects: the higher of the registry's tier and every tier an
 * assessment of the system gives it. Unregistered paths count as high: nothing vouches for less.
 */
export function systemRisks(policy: Policy, facts: PullRequestFacts): SystemRisk[] {
  const sources = [...(facts.assessment?.linked ?? []), ...(policy.assessment.link === "auto" ? (facts.assessment?.directory ?? []) : [])];
  const records = sources.flatMap(recordsOf);
  return affectedSystems(facts.changes).map((system) => {
    const registry = policy.systems.find((s) => s.id === system)?.risk;
    const assessments = records
      .filter((r) => r.riskLevel && r.systems.includes(system))
      .map((r) => ({ id: r.id ?? "(no id)", risk: r.riskLevel! }));
    const start: RiskTier = registry ?? (system === UNREGISTERED_SYSTEM ? "high" : "minimal");
    const effective = assessments.reduce<RiskTier>((acc, a) => higherRisk(acc, a.risk), start);
    return { system, ...(registry ? { registry } : {}), assessments, effective };
  });
}

/**
 * The tier that drives human oversight: the highest effective risk over the affected systems
 * (`minimal` when none). May be `prohibited`, which no sign-off can clear.
 */
export function effectiveRiskTier(policy: Policy, facts: PullRequestFacts): RiskTier {
  return systemRisks(policy, facts).reduce<RiskTier>((acc, s) => higherRisk(acc, s.effective), "minimal");
}
