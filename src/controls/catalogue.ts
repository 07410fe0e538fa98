import { once } from "../util/once.js";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { z } from "zod";

/**
 * The ISO/IEC 42001 Annex A catalogue (policies/annex-a.yml): ids, titles, objectives, our own
 * descriptions and how much a pull request can evidence each control. Validated when loaded.
 */

/** Facts a control can be evidenced by; src/controls/mapping.ts turns each into a reason. */
export const EVIDENCE_FACTS = [
  "sign-off",
  "model-metadata",
  "dataset",
  "dataset-card",
  "assessment-approved",
  "gates-passed",
  "verification-checks",
  "data-quality-checks",
] as const;
export type EvidenceFact = (typeof EVIDENCE_FACTS)[number];

export const PR_EVIDENCE = ["strong", "partial", "none"] as const;
export type PrEvidence = (typeof PR_EVIDENCE)[number];

const CONTROL_ID = /^A\.(?:[2-9]|10)\.\d+(?:\.\d+)?$/;

const controlSchema = z
  .strictObject({
    id: z.string().regex(CONTROL_ID, "an Annex A control id such as A.6.2.5"),
    title: z.string().trim().min(1),
    objective: z.string().regex(/^A\.(?:[2-9]|10)$/),
    description: z.string().trim().min(10),
    pr_evidence: z.enum(PR_EVIDENCE),
    evidenced_by: z.array(z.enum(EVIDENCE_FACTS)).optional(),
    reason: z.string().trim().min(10).optional(),
    basis: z.string().trim().min(20).optional(),
    /** Why an approved deployment record (src/evidence/deployment.ts) is enough to claim it; absent: deployments never claim it. */
    deployment_basis: z.string().trim().min(20).optional(),
  })
  .superRefine((c, ctx) => {
    basisProblems(c).forEach((p) => ctx.addIssue({ code: "custom", ...p }));
    if (!c.id.startsWith(`${c.objective}.`)) {
      ctx.addIssue({ code: "custom", path: ["objective"], message: `${c.id} does not belong to objective ${c.objective}` });
    }
  });

const clauseSchema = z
  .strictObject({
    id: z.string().regex(/^\d+(?:\.\d+)*$/),
    title: z.string().trim().min(1),
    description: z.string().trim().min(10),
    pr_evidence: z.enum(PR_EVIDENCE),
    evidenced_by: z.array(z.enum(EVIDENCE_FACTS)).optional(),
    reason: z.string().trim().min(10).optional(),
    basis: z.string().trim().min(20).optional(),
  })
  .superRefine((c, ctx) => basisProblems(c).forEach((p) => ctx.addIssue({ code: "custom", ...p })));

/**
 * Every entry states its basis: facts are listed exactly when pull requests evidence it, with the
 * basis saying why they are enough; otherwise a reason says why not. A strong or partial entry
 * without facts would read as "evidenced" while never being claimed.
 */
function basisProblems(c: { pr_evidence: PrEvidence; evidenced_by?: readonly string[] | undefined; reason?: string | undefined; basis?: string | undefined }): Array<{ path: string[]; message: string }> {
  const facts = c.evidenced_by ?? [];
  const out: Array<{ path: string[]; message: string }> = [];
  if (c.pr_evidence === "none") {
    if (facts.length > 0) out.push({ path: ["evidenced_by"], message: "a control pull requests do not evidence lists no facts" });
    if (!c.reason) out.push({ path: ["reason"], message: "say why pull requests do not evidence this control" });
    if (c.basis) out.push({ path: ["basis"], message: "a basis belongs to a control that is claimed; give a reason instead" });
  } else {
    if (facts.length === 0) out.push({ path: ["evidenced_by"], message: `a ${c.pr_evidence} control lists the facts that evidence it; with none, mark it pr_evidence: none and give a reason` });
    if (!c.basis) out.push({ path: ["basis"], message: "say why the listed facts are enough to claim this control" });
    if (c.reason) out.push({ path: ["reason"], message: "a reason belongs to a control that is not claimed; give a basis instead" });
  }
  return out;
}

const catalogueSchema = z
  .strictObject({
    version: z.string().trim().min(1),
    objectives: z.array(z.strictObject({ id: z.string().regex(/^A\.(?:[2-9]|10)$/), title: z.string().min(1), description: z.string().min(10) })),
    controls: z.array(controlSchema),
    clauses: z.array(clauseSchema),
  })
  .superRefine((cat, ctx) => {
    const seen = new Set<string>();
    cat.controls.forEach((c, i) => {
      if (seen.has(c.id)) ctx.addIssue({ code: "custom", path: ["controls", i, "id"], message: `duplicate control ${c.id}` });
      seen.add(c.id);
      if (!cat.objectives.some((o) => o.id === c.objective)) {
        ctx.addIssue({ code: "custom", path: ["controls", i, "objective"], message: `unknown objective ${c.objective}` });
      }
    });
  });

export type Objective = z.infer<typeof catalogueSchema>["objectives"][number];
export interface Control {
  id: string;
  title: string;
  objective: string;
  description: string;
  prEvidence: PrEvidence;
  evidencedBy: EvidenceFact[];
  /** Why pull requests do not (or aims-bot does not yet) evidence it; set exactly when prEvidence is none. */
  reason?: string;
  /** Why the facts are enough to claim it; set exactly when prEvidence is not none. */
  basis?: string;
  /** Set when approved deployments claim it (never a merge): why a deployment record is enough. */
  deploymentBasis?: string;
}
export interface Clause {
  id: string;
  title: string;
  description: string;
  prEvidence: PrEvidence;
  evidencedBy: EvidenceFact[];
  reason?: string;
  basis?: string;
}
export interface Catalogue {
  /** Changes whenever a basis, fact or strength changes; records name it. */
  version: string;
  objectives: Objective[];
  controls: Control[];
  clauses: Clause[];
}

/** Numeric order of dotted ids: A.6.2.10 after A.6.2.9, A.10.2 after A.9.4. */
export function compareControlIds(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}

/** Parse and validate catalogue text; throws with every problem listed. */
export function parseCatalogue(text: string, source = "policies/annex-a.yml"): Catalogue {
  const result = catalogueSchema.safeParse(parse(text));
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new Error(`${source} is not a valid Annex A catalogue:\n${lines.join("\n")}`);
  }
  const { version, objectives, controls, clauses } = result.data;
  return {
    version,
    objectives,
    controls: controls.map((c) => ({
      id: c.id,
      title: c.title,
      objective: c.objective,
      description: c.description,
      prEvidence: c.pr_evidence,
      evidencedBy: c.evidenced_by ?? [],
      ...(c.reason ? { reason: c.reason } : {}),
      ...(c.basis ? { basis: c.basis } : {}),
      ...(c.deployment_basis ? { deploymentBasis: c.deployment_basis } : {}),
    })),
    clauses: clauses.map((c) => ({
      id: c.id,
      title: c.title,
      description: c.description,
      prEvidence: c.pr_evidence,
      evidencedBy: c.evidenced_by ?? [],
      ...(c.reason ? { reason: c.reason } : {}),
      ...(c.basis ? { basis: c.basis } : {}),
    })),
  };
}

/** The shipped catalogue, read once per process. */
export const loadCatalogue = once((): Catalogue => parseCatalogue(readFileSync(fileURLToPath(new URL("../../policies/annex-a.yml", import.meta.url)), "utf8")));

/** How the statement of applicability and the dashboard state a control's basis in one line. */
export function statedBasis(c: Pick<Control, "prEvidence" | "reason" | "basis">): string {
  return c.prEvidence === "none" ? `not evidenced by pull requests: ${c.reason ?? ""}` : `evidenced by merged pull requests (${c.prEvidence}): ${c.basis ?? ""}`;
}

export function controlById(id: string, catalogue: Catalogue = loadCatalogue()): Control | undefined {
  return catalogue.controls.find((c) => c.id === id);
}
