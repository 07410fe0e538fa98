import type { Policy } from "../config/policy.js";
import type { Catalogue } from "../controls/catalogue.js";
import { entryDate, type EvidenceEntry } from "./query.js";
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
