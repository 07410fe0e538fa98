import type { ControlImplementation, Policy } from "../config/policy.js";
import { compareControlIds, type Catalogue } from "../controls/catalogue.js";
import { buildInventory, type InventoryDependency } from "./inventory.js";
import { entryDate, type EvidenceEntry } from "./query.js";
import { isFinal, isOperating } from "./record.js";
import type { DeploymentRecord } from "./deployment.js";

/**
 * The audit pack written by `aims export` (pure): the statement of applicability, the evidence
 * table as CSV (RFC 4180) and JSON, and the AI inventory as a CycloneDX 1.6 BOM with
 * machine-learning-model and data components and AI libraries.
 */

export const EXPORT_FILES = {
  md: "statement-of-applicability.md",
  csv: "evidence.csv",
  json: "evidence.json",
  cyclonedx: "ai-bom.cdx.json",
} as const;
export type ExportFormat = keyof typeof EXPORT_FILES;
export const EXPORT_FORMATS = Object.keys(EXPORT_FILES) as ExportFormat[];

export interface ExportContext {
  /** The evidence repository, owner/name. */
  evidenceRepo: string;
  catalogue: Catalogue;
  exclusions: ReadonlyArray<{ id: string; justification: string }>;
  since?: string;
  until?: string;
  /** ISO time of the export. */
  generatedAt: string;
  toolVersion?: string;
  /** The policy's controls section: implementation status, owners, external evidence, document control. */
  controls?: Pick<Policy["controls"], "implementation" | "statement">;
  /** Where applicability was read from (a pinned policy blob, --config). */
  policySource?: string;
  /** State of each corrective-action issue by number. */
  correctiveActions?: ReadonlyMap<number, "open" | "closed">;
  /** Deployment records in the period whose hash verifies: the only evidence of the controls with a deployment basis (A.6.2.5). */
  deployments?: readonly DeploymentEntry[];
}

export interface DeploymentEntry {
  issue: number;
  url: string;
  record: DeploymentRecord;
}

// ---------------------------------------------------------------------------------------------
// Rows: one per record and control

export const ROW_COLUMNS = [
  "record",
  "issue",
  "issue_url",
  "repository",
  "pull_request",
  "pull_request_url",
  "title",
  "state",
  "date",
  "systems",
  "risk",
  "control",
  "control_title",
  "control_reason",
  "signers",
  "override_by",
  "override_reason",
  "head_sha",
  "merge_sha",
  "seq",
  "hash",
] as const;
export type EvidenceRow = Record<(typeof ROW_COLUMNS)[number], string | number | null>;

/** One row per record and control it evidences; a record evidencing none still gets one row (control empty). */
export function evidenceRows(entries: readonly EvidenceEntry[], catalogue: Catalogue): EvidenceRow[] {
  const titles = new Map([...catalogue.controls, ...catalogue.clauses].map((c) => [c.id, c.title]));
  const rows: EvidenceRow[] = [];
  const sorted = [...entries].sort((a, b) => a.issue - b.issue);
  for (const e of sorted) {
    const r = e.record;
    const base = {
      record: r.id,
      issue: e.issue,
      issue_url: e.url,
      repository: r.pullRequest.repository,
      pull_request: r.pullRequest.number,
      pull_request_url: r.pullRequest.url,
      title: r.pullRequest.title,
      state: r.state,
      date: entryDate(e),
      systems: r.systems.map((s) => s.id).join(" "),
      risk: r.risk,
      signers: [...new Set(r.signOffs.map((s) => s.login))].join(" "),
      override_by: r.override?.login ?? null,
      override_reason: r.override?.reason ?? null,
      head_sha: r.pullRequest.headSha,
      merge_sha: r.pullRequest.mergeSha,
      seq: r.seq,
      hash: r.hash,
    };
    const controls = r.controls.length > 0 ? r.controls : [null];
    for (const c of controls) rows.push({ ...base, control: c?.id ?? null, control_title: c ? (titles.get(c.id) ?? null) : null, control_reason: c?.reason ?? null });
  }
  return rows;
}

/**
 * One CSV field per RFC 4180: quoted when it holds a comma, quote, CR or LF; quotes doubled.
 * Text that a spreadsheet would run as a formula (PR titles are written by anyone who can open a
 * pull request) starts with an apostrophe, which spreadsheets show as text and do not evaluate.
 */
export function csvField(value: string | number | null): string {
  let s = value === null ? "" : String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV with a header line; records end with CRLF (RFC 4180). */
export function toCsv(rows: readonly EvidenceRow[]): string {
  const lines = [ROW_COLUMNS.join(","), ...rows.map((r) => ROW_COLUMNS.map((c) => csvField(r[c])).join(","))];
  return `${lines.join("\r\n")}\r\n`;
}

export function toJson(rows: readonly EvidenceRow[], ctx: ExportContext, records: number): string {
  return `${JSON.stringify(
    {
      evidenceRepository: ctx.evidenceRepo,
      generatedAt: ctx.generatedAt,
      generatedBy: `aims-bot${ctx.toolVersion ? ` ${ctx.toolVersion}` : ""}`,
      ...(ctx.since ? { since: ctx.since } : {}),
      ...(ctx.until ? { until: ctx.until } : {}),
      records,
      rows,
    },
    null,
    2,
  )}\n`;
}

// ---------------------------------------------------------------------------------------------
// Statement of applicability (ISO/IEC 42001 clause 6.1.3 d)

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/[\r\n]+/g, " ");
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
        ? ` Evidenced by ${deployments.length} approved deployment${deployments.length === 1 ? "" : "s"}${deployments.length ? ` (${deployments.slice(0, EXAMPLES).map((d) => `[${d.record.environment} ${d.record.sha.slice(0, 7)}](${d.url})`).join(", ")})` : ""}: ${c.deploymentBasis}`
        : "";
      const fromPullRequests =
        (c.prEvidence === "none" ? `Not evidenced by pull requests: ${c.reason ?? ""}` : `${evidence.length} merged pull request${evidence.length === 1 ? "" : "s"}${examples ? ` (${examples})` : ""}; ${c.prEvidence} evidence: ${c.basis ?? ""}`) + fromDeployments;
      const outside = impl?.evidence ? ` Kept outside GitHub: ${impl.evidence}.` : c.prEvidence === "none" && deployments.length === 0 && exclusion === undefined ? " No evidence outside GitHub is named (controls.implementation)." : "";
      L.push(`| ${c.id} | ${cell(c.title)} | ${exclusion !== undefined ? "No" : "Yes"} | ${cell(justification)} | ${status} | ${impl?.owner ? cell(impl.owner) : "—"} | ${cell(exclusion !== undefined ? "—" : fromPullRequests + outside)} |`);
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

// ---------------------------------------------------------------------------------------------
// CycloneDX 1.6

const PURL_TYPES: Record<string, string> = { npm: "npm", pypi: "pypi", go: "golang", cargo: "cargo", maven: "maven", nuget: "nuget", docker: "docker", "github-actions": "github" };
const EXACT_VERSION = /^v?\d+(?:\.\d+)*(?:[-+.][0-9A-Za-z.-]+)?$/;

const enc = (s: string) => encodeURIComponent(s).replace(/%2F/gi, "/");

/** A package URL for a dependency; the version only when it is exact (not a range). */
export function purlOf(d: Pick<InventoryDependency, "ecosystem" | "name" | "version">): string | undefined {
  const type = PURL_TYPES[d.ecosystem];
  if (!type) return undefined;
  let path: string;
  if (d.ecosystem === "npm") {
    const m = /^(@[^/]+)\/(.+)$/.exec(d.name);
    path = m ? `${encodeURIComponent(m[1]!)}/${encodeURIComponent(m[2]!)}` : encodeURIComponent(d.name);
  } else if (d.ecosystem === "pypi") {
    path = encodeURIComponent(d.name.toLowerCase().replace(/[-_.]+/g, "-"));
  } else if (d.ecosystem === "maven") {
    const [group, artifact] = d.name.split(":");
    if (!group || !artifact) return undefined;
    path = `${encodeURIComponent(group)}/${encodeURIComponent(artifact)}`;
  } else if (d.ecosystem === "github-actions") {
    path = enc(d.name.toLowerCase());
  } else {
    path = enc(d.name);
  }
  const version = d.version && EXACT_VERSION.test(d.version) ? `@${encodeURIComponent(d.version)}` : "";
  return `pkg:${type}/${path}${version}`;
}

type Property = { name: string; value: string };
const prop = (name: string, value: string | undefined | null): Property[] => (value ? [{ name, value }] : []);

/** An RFC 4122 shaped UUID derived from a hex digest (for reproducible output when asked). */
export function uuidFromHex(hex: string): string {
  const h = hex.padEnd(32, "0");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface CycloneDxOptions {
  /** `urn:uuid:...`; every export should get a new one. */
  serialNumber: string;
}

/** The AI inventory of merged evidence as a CycloneDX 1.6 BOM. */
export function cycloneDxBom(entries: readonly EvidenceEntry[], ctx: ExportContext, options: CycloneDxOptions): Record<string, unknown> {
  const inventory = buildInventory(entries);
  const components: Array<Record<string, unknown>> = [];
  const dependencies: Array<{ ref: string; dependsOn: string[] }> = [];
  const libraries = new Map<string, Record<string, unknown>>();
  const services = new Map<string, Record<string, unknown>>();
  for (const s of inventory) {
    const systemRef = `ai-system:${s.id}`;
    const dependsOn: string[] = [];
    for (const d of s.datasets) {
      const ref = `data:${s.id}:${d.path}`;
      const md5 = d.dvc?.md5 && /^[0-9a-f]{32}$/.test(d.dvc.md5) ? d.dvc.md5 : undefined;
      const sha256 = d.lfs && /^(?:sha256:)?[0-9a-f]{64}$/.test(d.lfs.oid) ? d.lfs.oid.replace(/^sha256:/, "") : undefined;
      components.push({
        type: "data",
        "bom-ref": ref,
        name: d.path,
        ...(md5 || sha256 ? { hashes: [...(md5 ? [{ alg: "MD5", content: md5 }] : []), ...(sha256 ? [{ alg: "SHA-256", content: sha256 }] : [])] } : {}),
        data: [{ type: "dataset", name: d.path, ...(d.dvc?.remote ? { contents: { url: d.dvc.remote } } : {}) }],
        properties: [...prop("aims:ai-system", s.id), ...prop("aims:evidence-record", d.record), ...prop("aims:pull-request", d.prUrl), ...prop("aims:last-change", d.date), ...prop("aims:dvc-path", d.dvc?.path)],
      });
      dependsOn.push(ref);
    }
    for (const m of s.models) {
      const ref = `model:${s.id}:${m.path}`;
      const sha256 = m.lfs && /^(?:sha256:)?[0-9a-f]{64}$/.test(m.lfs.oid) ? m.lfs.oid.replace(/^sha256:/, "") : undefined;
      components.push({
        type: "machine-learning-model",
        "bom-ref": ref,
        name: m.path,
        ...(sha256 ? { hashes: [{ alg: "SHA-256", content: sha256 }] } : {}),
        // No training data is listed: records do not say which data trained which model, and
        // guessing from the system's datasets would invent lineage.
        properties: [
          ...prop("aims:ai-system", s.id),
          ...prop("aims:risk", s.risk),
          ...prop("aims:evidence-record", m.record),
          ...prop("aims:pull-request", m.prUrl),
          ...prop("aims:last-change", m.date),
          ...prop("aims:size-bytes", m.lfs ? String(m.lfs.size) : undefined),
        ],
      });
      dependsOn.push(ref);
    }
    for (const m of s.codeModels) {
      const ref = `model:${s.id}:${m.provider ?? "unknown"}:${m.model}`;
      if (dependsOn.includes(ref)) continue;
      components.push({
        type: "machine-learning-model",
        "bom-ref": ref,
        name: m.model,
        ...(m.providerName ? { supplier: { name: m.providerName } } : {}),
        properties: [
          ...prop("aims:ai-system", s.id),
          ...prop("aims:used-in", m.path),
          ...prop("aims:code-kind", m.kind),
          ...prop("aims:hosted", m.hosted ? "true" : "false"),
          ...prop("aims:evidence-record", m.record),
          ...prop("aims:last-change", m.date),
        ],
      });
      dependsOn.push(ref);
      if (m.hosted && m.provider) {
        const serviceRef = `service:${m.provider}`;
        if (!services.has(serviceRef)) {
          services.set(serviceRef, {
            "bom-ref": serviceRef,
            name: `${m.providerName ?? m.provider} API`,
            provider: { name: m.providerName ?? m.provider },
            trustZone: "external",
            data: [{ flow: "outbound", classification: "prompts and user data sent for inference" }],
            properties: [...prop("aims:evidence-record", m.record)],
          });
        }
        if (!dependsOn.includes(serviceRef)) dependsOn.push(serviceRef);
      }
    }
    for (const d of s.dependencies) {
      const purl = purlOf(d);
      const ref = purl ?? `library:${d.ecosystem}:${d.name}@${d.version ?? ""}`;
      if (!libraries.has(ref)) {
        const scoped = d.ecosystem === "npm" ? /^(@[^/]+)\/(.+)$/.exec(d.name) : null;
        const maven = d.ecosystem === "maven" ? d.name.split(":") : null;
        libraries.set(ref, {
          type: "library",
          "bom-ref": ref,
          ...(scoped ? { group: scoped[1], name: scoped[2] } : maven && maven.length >= 2 ? { group: maven[0], name: maven[1] } : { name: d.name }),
          // A resolved version goes in `version`; a range (^1.2, >=0.3) is what the manifest asks for, not what runs.
          ...(d.version && EXACT_VERSION.test(d.version) ? { version: d.version.replace(/^v(?=\d)/, d.ecosystem === "go" ? "v" : "") } : {}),
          ...(purl ? { purl } : {}),
          supplier: { name: d.supplier },
          properties: [
            ...prop("aims:ecosystem", d.ecosystem),
            ...prop("aims:ai-kind", d.kind),
            ...prop("aims:version-range", d.version && !EXACT_VERSION.test(d.version) ? d.version : undefined),
            ...prop("aims:evidence-record", d.record),
            ...prop("aims:last-change", d.date),
          ],
        });
      }
      if (!dependsOn.includes(ref)) dependsOn.push(ref);
      // A client of a hosted model API means the system calls the supplier's service.
      if (d.kind === "llm-api" || d.kind === "LLM") {
        const serviceRef = `service:${d.supplier}`;
        if (!services.has(serviceRef)) {
          services.set(serviceRef, {
            "bom-ref": serviceRef,
            provider: { name: d.supplier },
            name: `${d.supplier} hosted AI API`,
            description: `Hosted AI service reached through ${d.ecosystem} ${d.name}.`,
            properties: [...prop("aims:client-library", ref), ...prop("aims:evidence-record", d.record)],
          });
        }
        if (!dependsOn.includes(serviceRef)) dependsOn.push(serviceRef);
      }
    }
    components.push({
      type: "application",
      "bom-ref": systemRef,
      name: s.id,
      description: `AI system ${s.id} as its merged evidence records show it (${s.records} record${s.records === 1 ? "" : "s"}).`,
      properties: [...prop("aims:risk", s.risk), ...prop("aims:last-change", s.lastChange)],
    });
    dependencies.push({ ref: systemRef, dependsOn });
  }
  components.push(...libraries.values());
  return {
    $schema: "http://cyclonedx.org/schema/bom-1.6.schema.json",
    bomFormat: "CycloneDX",
    specVersion: "1.6",
    serialNumber: options.serialNumber,
    version: 1,
    metadata: {
      timestamp: ctx.generatedAt,
      tools: { components: [{ type: "application", name: "aims-bot", ...(ctx.toolVersion ? { version: ctx.toolVersion } : {}) }] },
      component: { type: "application", "bom-ref": "evidence-repository", name: ctx.evidenceRepo, description: "AI inventory from the merged evidence records of this repository" },
      properties: [...prop("aims:evidence-repository", ctx.evidenceRepo), ...prop("aims:since", ctx.since), ...prop("aims:until", ctx.until), { name: "aims:standard", value: "ISO/IEC 42001:2023" }],
    },
    components,
    ...(services.size > 0 ? { services: [...services.values()] } : {}),
    dependencies: [{ ref: "evidence-repository", dependsOn: dependencies.map((d) => d.ref) }, ...dependencies],
    ...controlDeclarations(entries, ctx),
  };
}

/**
 * The control claims of merged, non-overridden records as CycloneDX 1.6 declarations: ISO/IEC
 * 42001 as a standard with the requirements claimed, one claim per record and control (its
 * reason, and the catalogue's basis as the reasoning), each record as evidence, and one
 * attestation by aims-bot mapping requirements to claims.
 */
function controlDeclarations(entries: readonly EvidenceEntry[], ctx: ExportContext): Record<string, unknown> {
  const byId = new Map([...ctx.catalogue.controls, ...ctx.catalogue.clauses].map((c) => [c.id, c]));
  const claims: Array<Record<string, unknown>> = [];
  const evidence: Array<Record<string, unknown>> = [];
  const map = new Map<string, string[]>();
  for (const e of [...entries].sort((a, b) => a.issue - b.issue)) {
    if (!isOperating(e.record)) continue;
    const counted = e.record.controls.filter((c) => byId.get(c.id)?.prEvidence !== undefined && byId.get(c.id)!.prEvidence !== "none");
    if (counted.length === 0) continue;
    const evidenceRef = `evidence:${e.record.id}`;
    evidence.push({
      "bom-ref": evidenceRef,
      propertyName: "aims:evidence-record",
      description: `Evidence record ${e.record.id} (${e.url})${e.record.hash ? `, sha256 ${e.record.hash}` : ""}${e.record.signature ? `, signed with Ed25519 key ${e.record.signature.keyId}` : ""}.`,
      ...(e.record.pullRequest.closedAt ? { created: e.record.pullRequest.closedAt } : {}),
    });
    for (const c of counted) {
      const ref = `claim:${e.record.id}:${c.id}`;
      const target = e.record.systems[0] ? `ai-system:${e.record.systems[0].id}` : "evidence-repository";
      claims.push({ "bom-ref": ref, target, predicate: c.reason, reasoning: byId.get(c.id)!.basis ?? "", evidence: [evidenceRef] });
      map.set(c.id, [...(map.get(c.id) ?? []), ref]);
    }
  }
  if (claims.length === 0) return {};
  const requirement = (id: string) => `iso42001:${id}`;
  const claimed = [...map.keys()].sort(compareControlIds);
  return {
    definitions: {
      standards: [
        {
          "bom-ref": "iso42001",
          name: "ISO/IEC 42001",
          version: "2023",
          description: "Artificial intelligence management system: Annex A reference controls and the clauses pull requests evidence (titles only; read the standard for its text).",
          owner: "ISO/IEC JTC 1/SC 42",
          requirements: claimed.map((id) => ({ "bom-ref": requirement(id), identifier: id, title: byId.get(id)!.title })),
        },
      ],
    },
    declarations: {
      assessors: [{ "bom-ref": "assessor:aims-bot", thirdParty: false, organization: { name: `aims-bot${ctx.toolVersion ? ` ${ctx.toolVersion}` : ""} (automated, from ${ctx.evidenceRepo})` } }],
      attestations: [
        {
          summary: `Annex A controls evidenced by merged governed pull requests (catalogue ${ctx.catalogue.version}); overridden and unmerged pull requests claim nothing.`,
          assessor: "assessor:aims-bot",
          map: claimed.map((id) => ({ requirement: requirement(id), claims: map.get(id)! })),
        },
      ],
      claims,
      evidence,
    },
  };
}
