import type { NamedCheck } from "../config/policy.js";
import type { AiChange, Category } from "../detect/types.js";
import type { Conclusion, Override, SignOff } from "../gates/types.js";
import { compareControlIds, loadCatalogue, type Catalogue, type EvidenceFact } from "./catalogue.js";

/**
 * Facts of one governed pull request → the Annex A controls (and clauses 6.1.4, 8.4) they
 * evidence, each with a one-line reason built from those facts. Pure. A control is claimed only
 * when a fact behind it is present and the catalogue lists that fact for the control; controls
 * the policy excludes (`controls.exclude`) are never claimed.
 */

export interface ApprovedAssessment {
  id: string;
  version?: number;
  /** `governance/impact-assessments/x.md` or `owner/repo#12`. */
  ref: string;
  sha?: string;
  approvedBy: Array<{ login: string; at: string }>;
  systems: string[];
}

export interface ControlFacts {
  changes: ReadonlyArray<Pick<AiChange, "path" | "category" | "system" | "gated" | "rule" | "lfs" | "dvc" | "dependency">>;
  headSha: string;
  /** false when the gates could not evaluate (configuration or GitHub errors). */
  gatesEvaluated: boolean;
  assessment: {
    conclusion: Conclusion;
    /** Controls the assessment gate found evidenced by the approved records (A.5.x, A.9.4). */
    controls: readonly string[];
    approved: readonly ApprovedAssessment[];
  };
  oversight: { conclusion: Conclusion; signOffs: readonly SignOff[] };
  override: Override | null;
  /** The pull request's state: closed means closed without merging. */
  state: "open" | "merged" | "closed";
  /** Other check runs on the head SHA (never the aims gates), with their conclusions and the app that ran them. */
  checks: ReadonlyArray<{ name: string; status: string; conclusion: string | null; app?: string }>;
}

export interface ControlEvidence {
  id: string;
  reason: string;
  fact: EvidenceFact;
}

export interface MappingOptions {
  /** Control ids excluded from the statement of applicability. */
  exclude?: readonly string[];
  catalogue?: Catalogue;
  /** Check runs the policy names as verification and validation (controls.verification.checks). */
  verification?: readonly NamedCheck[];
  /** Check runs the policy names as data-quality checks (controls.data_quality.checks). */
  dataQuality?: readonly NamedCheck[];
}

function short(sha: string | undefined): string {
  return sha ? sha.slice(0, 7) : "";
}



function more(n: number, noun: string): string {
  return n > 0 ? ` (+${n} more ${noun}${n === 1 ? "" : "s"})` : "";
}

function list(items: readonly string[], max = 3): string {
  const shown = items.slice(0, max).map((s) => `\`${s}\``);
  const rest = items.length - shown.length;
  const joined = shown.length <= 1 ? shown.join("") : `${shown.slice(0, -1).join(", ")} and ${shown.at(-1)}`;
  return rest > 0 ? `${joined} (+${rest} more)` : joined;
}

const CATEGORY_NOUN: Record<Category, string> = {
  model: "model",
  "model-metadata": "model card",
  dataset: "dataset",
  prompt: "prompt",
  "ai-tooling": "AI tooling file",
  "governance-policy": "governance policy",
  dependency: "AI dependency",
  code: "AI code change",
};

function counted(changes: ControlFacts["changes"], categories: readonly Category[]): string {
  const parts: string[] = [];
  for (const c of categories) {
    const n = changes.filter((x) => x.category === c).length;
    if (n > 0) parts.push(`${n} ${CATEGORY_NOUN[c]}${n === 1 ? "" : "s"}`);
  }
  return parts.join(", ");
}


/** Named checks that ran on the head, and whether every one of them succeeded. */
function namedRuns(checks: ControlFacts["checks"], named: readonly NamedCheck[]): { names: string[]; allSucceeded: boolean } {
  const runs = checks.filter((c) => c.app !== undefined && named.some((n) => n.name === c.name && n.app.toLowerCase() === c.app!.toLowerCase()));
  return { names: runs.map((r) => `${r.name} (${r.app})`), allSucceeded: runs.length > 0 && runs.every((r) => r.status === "completed" && r.conclusion === "success") };
}

/**
 * Every claim the facts support, before the catalogue and the exclusions filter them. A pull
 * request closed without merging, or one under an override, claims nothing: the first never
 * brought a change into the product, the second bypassed the controls (a nonconformity, recorded
 * as such on the record, clause 10.2).
 */
function claims(f: ControlFacts, options: MappingOptions): ControlEvidence[] {
  if (f.state === "closed" || f.override !== null) return [];
  const out: ControlEvidence[] = [];
  const claim = (id: string, fact: EvidenceFact, reason: string) => out.push({ id, fact, reason: `${id} ${reason}` });
  const gated = f.changes.filter((c) => c.gated);
  if (gated.length === 0) return [];
  const of = (cat: Category) => gated.filter((c) => c.category === cat);
  const models = of("model");
  const cards = of("model-metadata");
  const datasets = of("dataset");
  const head = short(f.headSha);
  const merged = f.state === "merged";
  const bothPassed = f.assessment.conclusion === "success" && f.oversight.conclusion === "success";

  // People: sign-offs that counted under the policy's tiers.
  if (f.oversight.conclusion === "success" && f.oversight.signOffs.length > 0) {
    const who = f.oversight.signOffs.map((s) => `@${s.login} (${s.team ? `member of ${s.team}` : "eligible reviewer"})`);
    claim("A.3.2", "sign-off", `human-oversight sign-off by ${who.join(", ")} at ${short(f.oversight.signOffs[0]!.sha)}, other than the author`);
  }

  // Impact assessment
  if (f.assessment.conclusion === "success" && f.assessment.approved.length > 0) {
    const a = f.assessment.approved[0]!;
    const named = f.assessment.approved.map((x) => x.id).join(", ");
    const by = a.approvedBy.map((x) => `@${x.login} on ${x.at.slice(0, 10)}`).join(", ");
    const where = `${a.ref}${a.sha ? ` at ${short(a.sha)}` : ""}`;
    const when = merged ? "before merge" : "while the pull request is open";
    claim("A.5.2", "assessment-approved", `impact assessment ${named} required and approved ${when}`);
    claim("A.5.3", "assessment-approved", `${a.id}${a.version !== undefined ? ` v${a.version}` : ""} (${where}) approved${by ? ` by ${by}` : ""}${more(f.assessment.approved.length - 1, "assessment")}`);
    if (f.assessment.controls.includes("A.5.4")) claim("A.5.4", "assessment-approved", `${named} assesses the impact on affected individuals and groups`);
    if (f.assessment.controls.includes("A.5.5")) claim("A.5.5", "assessment-approved", `${named} assesses societal impacts`);
    const significant = counted(gated, ["model", "dataset", "prompt", "dependency", "governance-policy", "model-metadata", "code"]);
    claim("6.1.4", "assessment-approved", `impact assessment ${named} planned for this change`);
    claim("8.4", "assessment-approved", `significant change (${significant}) assessed by ${named} ${when}`);
  }

  // Life cycle
  if (f.gatesEvaluated && bothPassed) {
    claim("A.6.1.3", "gates-passed", `impact-assessment and human-oversight gates passed at ${head} under the policy at the base commit`);
  }
  const verification = namedRuns(f.checks, options.verification ?? []);
  if (verification.allSucceeded) {
    claim("A.6.2.4", "verification-checks", `verification check${verification.names.length > 1 ? "s" : ""} ${list(verification.names, 4)} named by the policy succeeded on the ${merged ? "merged " : ""}head ${head}`);
  }
  if (cards.length > 0 && models.length > 0) claim("A.6.2.7", "model-metadata", `model card ${list(cards.map((c) => c.path), 2)} updated with the model`);

  // Data
  if (datasets.length > 0 && bothPassed) {
    claim("A.7.2", "dataset", `dataset ${list(datasets.map((c) => c.path), 2)} changed after an approved impact assessment and human sign-off`);
  }
  const cardsOfData = datasets.filter((c) => c.rule === "dataset.card");
  if (cardsOfData.length > 0) {
    const systems = [...new Set(cardsOfData.map((c) => c.system))].join(", ");
    claim("A.4.3", "dataset-card", `dataset card ${list(cardsOfData.map((c) => c.path), 2)} of ${systems} changed with the data`);
    claim("A.7.3", "dataset-card", `dataset card ${list(cardsOfData.map((c) => c.path), 2)} records the data's source and licence`);
  }
  const quality = namedRuns(f.checks, options.dataQuality ?? []);
  if (datasets.length > 0 && quality.allSucceeded) {
    claim("A.7.4", "data-quality-checks", `data-quality check${quality.names.length > 1 ? "s" : ""} ${list(quality.names)} named by the policy succeeded on the dataset change`);
  }
  return out;
}

/** The controls a pull request's facts evidence, in catalogue order, one entry per control. */
export function mapControls(facts: ControlFacts, options: MappingOptions = {}): ControlEvidence[] {
  const catalogue = options.catalogue ?? loadCatalogue();
  const excluded = new Set(options.exclude ?? []);
  const allowed = (id: string, fact: EvidenceFact): boolean => {
    const entry = catalogue.controls.find((c) => c.id === id) ?? catalogue.clauses.find((c) => c.id === id);
    return entry !== undefined && entry.evidencedBy.includes(fact);
  };
  const seen = new Set<string>();
  const result: ControlEvidence[] = [];
  for (const c of claims(facts, options)) {
    if (excluded.has(c.id) || seen.has(c.id) || !allowed(c.id, c.fact)) continue;
    seen.add(c.id);
    result.push(c);
  }
  // Clauses (digits first) after the Annex A controls.
  return result.sort((a, b) => Number(/^\d/.test(a.id)) - Number(/^\d/.test(b.id)) || compareControlIds(a.id, b.id));
}
