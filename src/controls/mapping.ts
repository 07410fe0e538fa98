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
  merged: boolean;
  /** Other check runs on the head SHA (never the aims gates), with their conclusions. */
  checks: ReadonlyArray<{ name: string; status: string; conclusion: string | null }>;
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
}

const DATA_CHECK = /data|valid|expectation|quality|pandera|schema|drift/i;

function short(sha: string | undefined): string {
  return sha ? sha.slice(0, 7) : "";
}

function clipText(s: string, max: number): string {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`;
}

function hashPrefix(h: string): string {
  return `${h.slice(0, 4)}…`;
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
};

function counted(changes: ControlFacts["changes"], categories: readonly Category[]): string {
  const parts: string[] = [];
  for (const c of categories) {
    const n = changes.filter((x) => x.category === c).length;
    if (n > 0) parts.push(`${n} ${CATEGORY_NOUN[c]}${n === 1 ? "" : "s"}`);
  }
  return parts.join(", ");
}

function dependencyText(d: NonNullable<AiChange["dependency"]>): string {
  const version = d.change === "added" ? (d.to ? ` ${d.to}` : "") : d.change === "removed" ? "" : ` ${d.from ?? "?"} → ${d.to ?? "?"}`;
  return `${d.ecosystem} ${d.name} ${d.change}${version}`;
}

/** Every claim the facts support, before the catalogue and the exclusions filter them. */
function claims(f: ControlFacts): ControlEvidence[] {
  const out: ControlEvidence[] = [];
  const claim = (id: string, fact: EvidenceFact, reason: string) => out.push({ id, fact, reason: `${id} ${reason}` });
  const gated = f.changes.filter((c) => c.gated);
  const of = (cat: Category) => gated.filter((c) => c.category === cat);
  const models = of("model");
  const cards = of("model-metadata");
  const datasets = of("dataset");
  const prompts = of("prompt");
  const deps = of("dependency").filter((c) => c.dependency);
  const policies = of("governance-policy");
  const systems = [...new Set(gated.map((c) => c.system))];
  const head = short(f.headSha);
  // Under an override both gates conclude success without having passed: no control is claimed as
  // operating because of them (A.2.4, A.5.2, A.6.2.5, A.9.2, 6.1.4, 8.4), and A.6.1.3 says who overrode.
  const overridden = f.override !== null;
  const bothPassed = f.assessment.conclusion === "success" && f.oversight.conclusion === "success" && !overridden;
  const byOverride = f.override ? `overridden by @${f.override.login}: ${clipText(f.override.reason, 300)}` : "";

  // Governance policy
  if (policies.length > 0) {
    claim("A.2.2", "governance-policy", `AI governance policy ${list(policies.map((c) => c.path))} changed through a governed pull request`);
    if (f.merged && bothPassed) {
      claim("A.2.4", "governance-policy", `AI governance policy ${list(policies.map((c) => c.path))} revised and merged after assessment and sign-off`);
    }
  }

  // People
  if (f.oversight.signOffs.length > 0) {
    const who = f.oversight.signOffs.map((s) => `@${s.login}${s.team ? ` (${s.team})` : ""}`);
    claim("A.3.2", "sign-off", `sign-off by ${who.join(", ")}, ${who.length > 1 ? "eligible reviewers" : "an eligible reviewer"} other than the author`);
    if (f.oversight.conclusion === "success" && !overridden) {
      claim("A.9.2", "sign-off", `human oversight: ${who.join(", ")} signed off at ${short(f.oversight.signOffs[0]!.sha)}`);
    }
  }

  // Resources
  const resources = [...models, ...datasets, ...deps];
  if (resources.length > 0) {
    claim("A.4.2", resources[0]!.category as EvidenceFact, `resources of ${systems.join(", ")} recorded: ${counted(resources, ["model", "dataset", "dependency"])}`);
  }
  if (datasets.length > 0) {
    claim("A.4.3", "dataset", `data resource ${list(datasets.map((c) => c.path), 2)} of ${[...new Set(datasets.map((c) => c.system))].join(", ")}`);
    claim("A.7.2", "dataset", `dataset ${list(datasets.map((c) => c.path), 2)} changed under the impact assessment and oversight gates`);
  }
  if (deps.length > 0) {
    const first = deps[0]!.dependency!;
    claim("A.4.4", "dependency", `AI tooling ${dependencyText(first)} (${first.supplier})${more(deps.length - 1, "package")}`);
    const runtimes = deps.filter((c) => c.dependency!.kind === "inference-runtime");
    if (runtimes.length > 0) claim("A.4.5", "inference-runtime", `inference runtime ${dependencyText(runtimes[0]!.dependency!)}${more(runtimes.length - 1, "runtime")}`);
    // A supplier is new when a package of it is added and none of its packages is removed here (a swap).
    const removedSuppliers = new Set(deps.filter((c) => c.dependency!.change === "removed").map((c) => c.dependency!.supplier.toLowerCase()));
    const bySupplier = new Map<string, string[]>();
    for (const c of deps) {
      const d = c.dependency!;
      if (d.change !== "added" || removedSuppliers.has(d.supplier.toLowerCase())) continue;
      bySupplier.set(d.supplier, [...(bySupplier.get(d.supplier) ?? []), d.name]);
    }
    if (bySupplier.size > 0) {
      const parts = [...bySupplier].map(([supplier, names]) => `${supplier} via ${names.join(", ")}`);
      claim("A.10.3", "new-supplier", `new supplier${parts.length > 1 ? "s" : ""} ${parts.join("; ")}`);
    }
  }

  // Impact assessment
  if (f.assessment.conclusion === "success" && f.assessment.approved.length > 0) {
    const a = f.assessment.approved[0]!;
    const named = f.assessment.approved.map((x) => x.id).join(", ");
    const by = a.approvedBy.map((x) => `@${x.login} on ${x.at.slice(0, 10)}`).join(", ");
    const where = `${a.ref}${a.sha ? ` at ${short(a.sha)}` : ""}`;
    if (!overridden) claim("A.5.2", "assessment-approved", `impact assessment ${named} required and approved before the change could pass`);
    claim("A.5.3", "assessment-approved", `${a.id}${a.version !== undefined ? ` v${a.version}` : ""} (${where}) approved${by ? ` by ${by}` : ""}${more(f.assessment.approved.length - 1, "assessment")}`);
    if (f.assessment.controls.includes("A.5.4")) claim("A.5.4", "assessment-approved", `${named} assesses the impact on affected individuals and groups`);
    if (f.assessment.controls.includes("A.5.5")) claim("A.5.5", "assessment-approved", `${named} assesses societal impacts`);
    if (f.assessment.controls.includes("A.9.4")) claim("A.9.4", "assessment-approved", `${named} states the intended purpose of ${[...new Set(f.assessment.approved.flatMap((x) => x.systems))].join(", ")}`);
    const significant = counted(gated, ["model", "dataset", "prompt", "dependency", "governance-policy", "model-metadata"]);
    if (!overridden) {
      claim("6.1.4", "assessment-approved", `impact assessment ${named} planned for this change`);
      claim("8.4", "assessment-approved", `significant change (${significant}) assessed by ${named} before merge`);
    }
  }

  // Life cycle
  if (f.gatesEvaluated && gated.length > 0) {
    claim(
      "A.6.1.3",
      "gates-evaluated",
      overridden
        ? `impact-assessment and human-oversight gates evaluated this change at ${head}; both ${byOverride}`
        : `impact-assessment (${f.assessment.conclusion}) and human-oversight (${f.oversight.conclusion}) gates evaluated this change at ${head}`,
    );
  }
  const designed = [...models, ...prompts, ...datasets, ...deps];
  if (designed.length > 0) {
    claim("A.6.2.3", designed[0]!.category as EvidenceFact, `design and development of ${systems.join(", ")} recorded in this pull request: ${counted(designed, ["model", "prompt", "dataset", "dependency"])}`);
  }
  const succeeded = f.checks.filter((c) => c.conclusion === "success").map((c) => c.name);
  const failed = f.checks.filter((c) => c.conclusion === "failure" || c.conclusion === "timed_out" || c.conclusion === "cancelled" || c.conclusion === "action_required");
  if (succeeded.length > 0 && failed.length === 0 && gated.length > 0) {
    claim("A.6.2.4", "checks-succeeded", `check${succeeded.length > 1 ? "s" : ""} ${list(succeeded, 4)} succeeded on the ${f.merged ? "merged " : ""}head SHA ${head}`);
    const dataChecks = succeeded.filter((n) => DATA_CHECK.test(n));
    if (datasets.length > 0 && dataChecks.length > 0) {
      claim("A.7.4", "data-checks-succeeded", `data check${dataChecks.length > 1 ? "s" : ""} ${list(dataChecks)} succeeded on the dataset change`);
    }
  }
  if (f.merged && bothPassed && gated.length > 0) {
    const nouns = [...new Set(gated.map((c) => CATEGORY_NOUN[c.category]))];
    const what = nouns.length <= 1 ? nouns.join("") : `${nouns.slice(0, -1).join(", ")} and ${nouns.at(-1)}`;
    claim("A.6.2.5", "merged-after-gates", `${what} change merged after both gates passed at ${head}`);
  }
  if (cards.length > 0) {
    if (models.length > 0) claim("A.6.2.7", "model-metadata", `model card ${list(cards.map((c) => c.path), 2)} updated with the model`);
    claim("A.8.2", "model-metadata", `model card ${list(cards.map((c) => c.path), 2)} updated for its readers`);
  }

  // Data
  const cardsOfData = datasets.filter((c) => c.rule === "dataset.card");
  if (cardsOfData.length > 0) claim("A.7.3", "dataset-source", `dataset card ${list(cardsOfData.map((c) => c.path), 2)} updated with the data`);
  const hashed = datasets.filter((c) => c.lfs || c.dvc?.some((o) => o.md5 || o.hash));
  if (hashed.length > 0) {
    const c = hashed[0]!;
    const out = c.dvc?.find((o) => o.md5 || o.hash);
    const fact = out
      ? `records ${out.md5 ? `md5 ${hashPrefix(out.md5)}` : `hash ${hashPrefix(out.hash!)}`}${out.remote ? ` and remote ${out.remote}` : ""}`
      : `is a Git LFS pointer to sha256 ${hashPrefix(c.lfs!.oid)} (${c.lfs!.size} bytes)`;
    claim("A.7.5", "dataset-hash", `${c.path} ${fact}${more(hashed.length - 1, "dataset")}`);
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
  for (const c of claims(facts)) {
    if (excluded.has(c.id) || seen.has(c.id) || !allowed(c.id, c.fact)) continue;
    seen.add(c.id);
    result.push(c);
  }
  // Clauses (digits first) after the Annex A controls.
  return result.sort((a, b) => Number(/^\d/.test(a.id)) - Number(/^\d/.test(b.id)) || compareControlIds(a.id, b.id));
}
