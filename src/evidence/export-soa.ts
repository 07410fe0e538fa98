import type { ControlImplementation } from "../config/policy.js";
import { entryDate, type EvidenceEntry } from "./query.js";
import { isFinal, isOperating } from "./record.js";
import { cell } from "../util/markdown.js";
import type { DeploymentEntry, ExportContext } from "./export-rows.js";

// ---------------------------------------------------------------------------------------------
// Statement of applicability (ISO/IEC 42001 clause 6.1.3 d)

const EXAMPLES = 3;
const DAY_MS = 86_400_000;

const STATUS_TEXT: Record<ControlImplementation["status"], string> = {
  implemented: "implemented",
  partially: "partially implemented",
  planned: "planned",
  organisational: "by an organisational process outside GitHub",
};


/** The controls a record evidences under the current catalogue (earlier catalogues claimed more). */
function countedClaims(e: EvidenceEntry, claimable: ReadonlySet<string>): string[] {
  return isOperating(e.record) ? [...new Set(e.record.controls.map((c) => c.id))].filter((id) => claimable.has(id)) : [];
}

export function statementOfApplicability(entries: readonly EvidenceEntry[], ctx: ExportContext): string {
  const excluded = new Map(ctx.exclusions.map((x) => [x.id, x.justification]));
  const implementation = ctx.controls?.implementation ?? {};
  const statement = ctx.controls?.statement ?? {};
  const claimable = new Set([...ctx.catalogue.controls, ...ctx.catalogue.clauses].filter((c) => c.prEvidence !== "none").map((c) => c.id));
  const byControl = new Map<string, EvidenceEntry[]>();
  let uncounted = 0;
  for (const e of [...entries].sort((a, b) => (entryDate(a) < entryDate(b) ? 1 : -1))) {
    const counted = countedClaims(e, claimable);
    if (isOperating(e.record)) uncounted += new Set(e.record.controls.map((c) => c.id)).size - counted.length;
    for (const id of counted) byControl.set(id, [...(byControl.get(id) ?? []), e]);
  }
  const period = ctx.since || ctx.until ? `${ctx.since ?? "the first record"} to ${ctx.until ?? "the latest record"}` : "every record";
  const merged = entries.filter((e) => isOperating(e.record)).length;
  // Controls with a deployment basis count approved deployments that claim them, never merges.
  const deployed = new Map<string, DeploymentEntry[]>();
  for (const d of [...(ctx.deployments ?? [])].sort((a, b) => (a.record.decidedAt < b.record.decidedAt ? 1 : -1))) {
    if (d.record.decision !== "approved") continue;
    for (const c of d.record.controls) deployed.set(c.id, [...(deployed.get(c.id) ?? []), d]);
  }
  const L: string[] = [];
  L.push("# Statement of applicability: ISO/IEC 42001 Annex A");
  L.push("");
  L.push("Per clause 6.1.3 d): every Annex A control, whether it is included and why, how it is implemented, who owns it and where its evidence is.");
  L.push("");
  L.push("| Document | |");
  L.push("|---|---|");
  L.push(`| Scope | AI systems governed through the evidence repository \`${ctx.evidenceRepo}\` |`);
  L.push(`| Version | ${statement.version ? cell(statement.version) : "not set (controls.statement.version)"} |`);
  L.push(`| Approved by | ${statement.approved_by ? `${cell(statement.approved_by)}${statement.approved_on ? ` on ${statement.approved_on}` : ""}` : "not approved yet (controls.statement.approved_by, approved_on)"} |`);
  L.push(`| Period | ${period} |`);
  L.push(`| Generated | ${ctx.generatedAt.slice(0, 10)} by aims-bot${ctx.toolVersion ? ` ${ctx.toolVersion}` : ""}, Annex A catalogue ${ctx.catalogue.version} |`);
  L.push(`| Applicability from | ${ctx.policySource ? cell(ctx.policySource) : "the aims policy (controls.exclude, controls.implementation)"} |`);
  L.push("");
  L.push(
    `Evidence counts are merged governed pull requests whose record claims the control under this catalogue (${merged} of ${entries.length} record${entries.length === 1 ? "" : "s"} in the period). Pull requests closed without merging claim nothing; overridden ones are nonconformities, listed below, and claim nothing.${uncounted > 0 ? ` ${uncounted} claim${uncounted === 1 ? "" : "s"} in records judged under an earlier catalogue ${uncounted === 1 ? "is" : "are"} not counted: the current catalogue no longer accepts ${uncounted === 1 ? "its" : "their"} basis.` : ""}`,
  );
  const included = ctx.catalogue.controls.filter((c) => !excluded.has(c.id)).length;
  L.push("");
  const evidencedByDeployments = (c: { id: string; deploymentBasis?: string }) => (c.deploymentBasis ? (deployed.get(c.id)?.length ?? 0) : 0);
  L.push(
    `${included} of ${ctx.catalogue.controls.length} controls included; ${ctx.catalogue.controls.filter((c) => (byControl.get(c.id)?.length ?? 0) > 0 || evidencedByDeployments(c) > 0).length} evidenced by at least one merged pull request or approved deployment in the period (${(ctx.deployments ?? []).filter((d) => d.record.decision === "approved").length} approved deployment record${(ctx.deployments ?? []).filter((d) => d.record.decision === "approved").length === 1 ? "" : "s"}).`,
  );
  for (const objective of ctx.catalogue.objectives) {
    L.push("");
    L.push(`## ${objective.id} ${objective.title}`);
    L.push("");
    L.push("| Control | Title | Included | Justification | Implementation | Owner | Evidence |");
    L.push("|---|---|---|---|---|---|---|");
    for (const c of ctx.catalogue.controls.filter((x) => x.objective === objective.id)) {
      const exclusion = excluded.get(c.id);
      const impl = implementation[c.id];
      const evidence = byControl.get(c.id) ?? [];
      const justification = exclusion ?? impl?.justification ?? `Included (not excluded in controls.exclude): ${objective.description}`;
      const status = exclusion !== undefined ? "—" : impl ? STATUS_TEXT[impl.status] : "not stated (controls.implementation)";
      const examples = evidence.slice(0, EXAMPLES).map((e) => `[${e.record.id}](${e.url})`).join(", ");
      const deployments = c.deploymentBasis ? (deployed.get(c.id) ?? []) : [];
      const fromDeployments = c.deploymentBasis
        ? ` Evidenced by ${deployments.length} approved deployment${deployments.length === 1 ? "" : "s"}${deployments.length ? ` (${deployments.slice(0, EXAMPLES).map((d) => `[${cell(d.record.environment)} ${d.record.sha.slice(0, 7)}](${d.url})`).join(", ")})` : ""}: ${cell(c.deploymentBasis)}`
        : "";
      const fromPullRequests =
        (c.prEvidence === "none" ? `Not evidenced by pull requests: ${cell(c.reason ?? "")}` : `${evidence.length} merged pull request${evidence.length === 1 ? "" : "s"}${examples ? ` (${examples})` : ""}; ${c.prEvidence} evidence: ${cell(c.basis ?? "")}`) + fromDeployments;
      // Each piece of text is escaped where it is put in; the links around them are ours.
      const outside = impl?.evidence ? ` Kept outside GitHub: ${cell(impl.evidence)}.` : c.prEvidence === "none" && deployments.length === 0 && exclusion === undefined ? " No evidence outside GitHub is named (controls.implementation)." : "";
      L.push(`| ${c.id} | ${cell(c.title)} | ${exclusion !== undefined ? "No" : "Yes"} | ${cell(justification)} | ${status} | ${impl?.owner ? cell(impl.owner) : "—"} | ${exclusion !== undefined ? "—" : fromPullRequests + outside} |`);
    }
  }
  if (ctx.catalogue.clauses.length > 0) {
    L.push("");
    L.push("## Clauses evidenced by pull requests");
    L.push("");
    L.push("| Clause | Title | Merged pull requests | Examples |");
    L.push("|---|---|---:|---|");
    for (const c of ctx.catalogue.clauses) {
      const evidence = byControl.get(c.id) ?? [];
      L.push(`| ${c.id} | ${cell(c.title)} | ${evidence.length} | ${evidence.slice(0, EXAMPLES).map((e) => `[${e.record.id}](${e.url})`).join(", ") || "—"} |`);
    }
  }
  L.push(...nonconformitySection(entries, ctx));
  L.push(...managementReview(entries, ctx));
  return `${L.join("\n")}\n`;
}

function nonconformitySection(entries: readonly EvidenceEntry[], ctx: ExportContext): string[] {
  const overridden = entries.filter((e) => e.record.override || e.record.nonconformity);
  const L = ["", `## Nonconformities (clause 10.2): ${overridden.length}`, ""];
  if (overridden.length === 0) return [...L, "No gate was overridden in the period."];
  const states = overridden.map((e) => caState(e, ctx));
  L.push(`Corrective actions: ${states.filter((s) => s === "open").length} open, ${states.filter((s) => s === "closed").length} closed, ${states.filter((s) => s === "not opened").length} not opened.`);
  L.push("");
  L.push("| Record | Overridden by | On | Reason | Corrective action | Owner | Due |");
  L.push("|---|---|---|---|---|---|---|");
  for (const [i, e] of overridden.entries()) {
    const o = e.record.override;
    const ca = e.record.nonconformity?.correctiveAction;
    L.push(`| [${e.record.id}](${e.url}) | ${o ? `@${o.login}` : "—"} | ${o ? o.at.slice(0, 10) : "—"} | ${cell(o?.reason ?? "")} | ${ca ? `[#${ca.issue}](${ca.url}) ${states[i]}` : "not opened"} | ${ca ? cell(ca.owner) : "—"} | ${ca?.due ?? "—"} |`);
  }
  return L;
}

function caState(e: EvidenceEntry, ctx: ExportContext): "open" | "closed" | "not opened" {
  const ca = e.record.nonconformity?.correctiveAction;
  if (!ca) return "not opened";
  return ctx.correctiveActions?.get(ca.issue) === "closed" ? "closed" : "open";
}

/** Inputs to management review (clause 9.3) drawn from the records of the period. */
function managementReview(entries: readonly EvidenceEntry[], ctx: ExportContext): string[] {
  const now = Date.parse(ctx.generatedAt);
  const finals = entries.filter((e) => isFinal(e.record));
  const merged = entries.filter((e) => e.record.state === "merged").length;
  const closed = entries.filter((e) => e.record.state === "closed").length;
  const open = entries.filter((e) => e.record.state === "open").length;
  const failures = finals.filter((e) => !e.record.override && e.record.gates.some((g) => g.conclusion !== "success"));
  const overridden = entries.filter((e) => e.record.override || e.record.nonconformity);
  const states = overridden.map((e) => caState(e, ctx));
  // The newest record's view of each assessment.
  const assessments = new Map<string, { id: string; nextReview: string; record: EvidenceEntry }>();
  for (const e of [...entries].sort((a, b) => (entryDate(a) < entryDate(b) ? -1 : 1))) {
    for (const a of e.record.assessment.records) if (a.nextReview && a.approvedBy.length > 0) assessments.set(a.id, { id: a.id, nextReview: a.nextReview, record: e });
  }
  const expiring = [...assessments.values()].filter((a) => Date.parse(`${a.nextReview}T00:00:00Z`) <= now + 30 * DAY_MS).sort((a, b) => (a.nextReview < b.nextReview ? -1 : 1));
  const assessed = new Set(entries.flatMap((e) => e.record.assessment.records.filter((a) => a.approvedBy.length > 0).flatMap((a) => a.systems)));
  const unassessed = [...new Set(entries.flatMap((e) => e.record.systems.map((s) => s.id)))].filter((s) => !assessed.has(s)).sort();
  const L = ["", "## Management review inputs (clause 9.3)", ""];
  L.push(`- Governed pull requests: ${entries.length} (${merged} merged, ${closed} closed without merging, ${open} open).`);
  L.push(`- Gate failures standing when the pull request closed: ${failures.length}${failures.length > 0 ? ` (${failures.slice(0, 5).map((e) => `[${e.record.id}](${e.url})`).join(", ")}${failures.length > 5 ? ", …" : ""})` : ""}.`);
  L.push(`- Overrides (nonconformities): ${overridden.length}; corrective actions ${states.filter((s) => s === "open").length} open, ${states.filter((s) => s === "closed").length} closed${states.some((s) => s === "not opened") ? `, ${states.filter((s) => s === "not opened").length} not opened` : ""}.`);
  L.push(`- Assessments due for review within 30 days of ${ctx.generatedAt.slice(0, 10)}: ${expiring.length === 0 ? "none" : expiring.map((a) => `${cell(a.id)} (next review ${a.nextReview}, [${a.record.record.id}](${a.record.url}))`).join(", ")}.`);
  L.push(`- AI systems changed without an approved assessment on record: ${unassessed.length === 0 ? "none" : unassessed.map((s) => `\`${s}\``).join(", ")}.`);
  return L;
}
