import { createHash } from "node:crypto";
import { z } from "zod";
import { cell, code } from "../render/markdown.js";

/**
 * The evidence record: one per governed pull request, stored as a GitHub issue in the evidence
 * repository. This module is the record's format and nothing else (pure): the zod schema with its
 * version, canonical JSON and the sha256 hash that chains finalised records, and the issue body
 * (a readable summary, a hidden marker with the record id and a fenced JSON block) with its parser.
 *
 * Tools that read records (query, dashboard, `aims export`, `aims verify`) use parseRecordBody and
 * the types here. Version 2 adds what makes a record re-performable (policy and assessment blobs,
 * content hashes, versions, check-run ids, why each approver counted), the nonconformity of an
 * override and the Ed25519 signature; every v2 field is optional so v1 records still parse.
 */

export const EVIDENCE_SCHEMA_VERSION = 2;
/** Versions this code reads: v1 records (before pinning and signatures) stay readable. */
const READABLE_VERSIONS = [1, 2] as const;

/** Label on every evidence issue; the store lists issues by it. */
export const EVIDENCE_LABEL = "aims:evidence";
/**
 * On every record with an override in effect, whatever its state: `state:` is the record's life
 * (`open` while the pull request is open, `overridden` once it is merged under the override), so an
 * open pull request passing under an override is found with this label.
 */
export const OVERRIDE_LABEL = "aims:override";
/** On every record whose pull request bypassed the gates: a nonconformity (clause 10.2). */
export const NONCONFORMITY_LABEL = "aims:nonconformity";

/** GitHub rejects bodies above 65,536 characters; stay clearly below. */
export const MAX_BODY_CHARS = 60_000;

export const RECORD_STATES = ["open", "merged", "closed", "overridden"] as const;
export type RecordState = (typeof RECORD_STATES)[number];

/** States in which a record is final and part of the hash chain. */
export const FINAL_STATES: readonly RecordState[] = ["merged", "closed", "overridden"];

const sha = z.string().regex(/^[0-9a-f]{40}$/, "a 40-character commit SHA");
const hash = z.string().regex(/^[0-9a-f]{64}$/, "a sha256 hex digest");
const isoTime = z.string().min(10).max(40);
const text = (max: number) => z.string().max(max);
const risk = z.enum(["minimal", "limited", "high", "prohibited"]);
const conclusion = z.enum(["success", "failure", "action_required"]);
const blobSha = z.string().regex(/^[0-9a-f]{40}$/, "a 40-character Git blob id");

const lfsSchema = z.strictObject({ oid: z.string().max(100), size: z.number().int().nonnegative() });
const dvcSchema = z.strictObject({
  path: text(1000),
  md5: text(100).optional(),
  hash: text(100).optional(),
  size: z.number().int().nonnegative().optional(),
  remote: text(1000).optional(),
});
const dependencySchema = z.strictObject({
  ecosystem: text(50),
  name: text(300),
  kind: text(50),
  supplier: text(200),
  change: z.enum(["added", "removed", "upgraded", "downgraded", "source-changed", "constraint-changed", "scope-changed"]),
  from: text(300).optional(),
  to: text(300).optional(),
  manifests: z.array(text(1000)).max(20),
});

/** AI use in code: what changed, where, the provider it sends data to and the model ids. */
const codeSchema = z.strictObject({
  kind: text(40),
  change: text(40),
  line: z.number().int().min(0),
  cell: z.number().int().min(0).optional(),
  provider: text(60).optional(),
  providerName: text(100).optional(),
  hosted: z.boolean().optional(),
  model: text(300).optional(),
  fromModel: text(300).optional(),
});

export const changeSchema = z.strictObject({
  path: text(1000),
  previousPath: text(1000).optional(),
  status: text(20),
  category: z.enum(["model", "model-metadata", "dataset", "prompt", "ai-tooling", "governance-policy", "dependency", "code"]),
  system: text(60),
  rule: text(100),
  gated: z.boolean(),
  lfs: lfsSchema.optional(),
  dvc: z.array(dvcSchema).max(50).optional(),
  dependency: dependencySchema.optional(),
  code: codeSchema.optional(),
});

export const assessmentRefSchema = z.strictObject({
  /** The assessment's own id, e.g. AIA-2026-014. */
  id: text(200),
  version: z.number().int().optional(),
  source: z.enum(["file", "issue"]),
  /** Path (file) or owner/repo#number (issue). */
  ref: text(1000),
  /** Commit the file version was read at (files only). */
  sha: sha.optional(),
  status: text(40),
  systems: z.array(text(60)).max(100),
  risk: risk.optional(),
  /** review.next_review of the version relied on (YYYY-MM-DD). */
  nextReview: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  /** Git blob id of the file version relied on (files only). */
  blobSha: blobSha.optional(),
  /** sha256 of the exact text relied on: the file, or the issue body. */
  sha256: hash.optional(),
  /** Issues only: when GitHub last saw the body edited, as read. */
  updatedAt: isoTime.optional(),
  /** Approvals the gate accepted, each with why the approver counted (`via`). */
  approvedBy: z.array(z.strictObject({ login: text(60), at: text(40), decision: text(40).optional(), via: text(200).optional() })).max(20),
  /** Approvals written in the assessment that the gate did not accept, with why. */
  rejected: z.array(z.strictObject({ login: text(60), at: text(40), reason: text(300) })).max(20).optional(),
});

export const signOffSchema = z.strictObject({
  login: text(60),
  method: z.enum(["review", "comment"]),
  sha,
  at: isoTime,
  team: text(200).optional(),
  /** Why the signer counted, as GitHub reported it at evaluation: team membership, listed user, permission. */
  via: text(200).optional(),
  rationale: text(2000).optional(),
  url: text(500).optional(),
});

export const overrideSchema = z.strictObject({
  login: text(60),
  at: isoTime,
  sha,
  reason: text(2000),
  url: text(500).optional(),
});

export const checkSchema = z.strictObject({
  name: text(200),
  status: text(20),
  conclusion: text(20).nullable(),
  /** Slug and id of the GitHub App that ran it: a check counts as verification only from the app the policy names. */
  app: text(100).optional(),
  appId: z.number().int().nonnegative().optional(),
  runId: z.number().int().nonnegative().optional(),
  url: text(500).optional(),
});

export const nonconformitySchema = z.strictObject({
  clause: z.literal("10.2"),
  kind: z.literal("override"),
  /** What happened, in one line. */
  summary: text(1000),
  /** The corrective-action issue, once opened. */
  correctiveAction: z
    .strictObject({ repository: text(200), issue: z.number().int().positive(), url: text(500), owner: text(100), due: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) })
    .nullable(),
});

export const signatureSchema = z.strictObject({
  alg: z.literal("ed25519"),
  /** First 16 hex digits of the sha256 of the public key (SPKI DER). */
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  /** Base64 Ed25519 signature over `aims-evidence-record v1\n<hash>`. */
  value: z.string().regex(/^[A-Za-z0-9+/]{86}==$/),
});

export const recordSchema = z.strictObject({
  schemaVersion: z.union(READABLE_VERSIONS.map((v) => z.literal(v)) as [z.ZodLiteral<1>, z.ZodLiteral<2>]),
  /** aims-bot and Annex A catalogue versions the record was judged with. */
  generator: z.strictObject({ aimsBot: text(40), catalogue: text(40) }).optional(),
  /** `owner/repo#number`, `owner/repo#number~2` for the record of a reopened pull request. */
  id: text(300),
  pullRequest: z.strictObject({
    repository: text(200),
    number: z.number().int().positive(),
    title: text(256),
    url: text(500),
    author: text(60),
    baseRef: text(300),
    baseSha: sha,
    headSha: sha,
    /** Merge commit, once merged. */
    mergeSha: sha.nullable(),
    /** When GitHub closed or merged the pull request; null while open. */
    closedAt: isoTime.nullable(),
  }),
  /** Where the policy that judged the pull request came from: the base branch at baseSha. */
  policy: z.strictObject({
    sources: z
      .array(z.strictObject({ repository: text(200), path: text(500), ref: text(300).optional(), builtIn: z.boolean().optional(), blobSha: blobSha.optional() }))
      .max(10),
  }),
  /** AI systems the change touches with their effective risk tier. */
  systems: z.array(z.strictObject({ id: text(60), risk })).max(100),
  /** Highest tier over the systems; null when no system is affected. */
  risk: risk.nullable(),
  changes: z.strictObject({
    /** Every AI change detected. */
    total: z.number().int().nonnegative(),
    byCategory: z.record(z.string(), z.number().int().nonnegative()),
    /** The changes listed below; fewer than total when the body would be too long (the PR has them all). */
    items: z.array(changeSchema),
  }),
  assessment: z.strictObject({
    conclusion,
    title: text(500),
    records: z.array(assessmentRefSchema).max(20),
  }),
  gates: z
    .array(z.strictObject({ gate: z.enum(["impact-assessment", "human-oversight"]), name: text(100), conclusion, title: text(500) }))
    .max(2),
  signOffs: z.array(signOffSchema).max(50),
  override: overrideSchema.nullable(),
  /** Other check runs on the head SHA at finalisation (tests, evaluations), by name. */
  checks: z.array(checkSchema).max(200),
  /** Annex A controls this pull request evidences, each with the fact behind it. */
  controls: z.array(z.strictObject({ id: z.string().regex(/^(?:A\.\d+\.\d+(?:\.\d+)?|\d+(?:\.\d+)*)$/), reason: text(1000) })).max(60),
  state: z.enum(RECORD_STATES),
  /** Set when the gates were overridden: the record evidences a nonconformity, no control. */
  nonconformity: nonconformitySchema.nullable().optional(),
  /** Chain fields: set when the record is finalised, null while open. */
  seq: z.number().int().positive().nullable(),
  prev: hash.nullable(),
  hash: hash.nullable(),
  /** Ed25519 signature of the hash by the app's key; null when the app holds no key. */
  signature: signatureSchema.nullable().optional(),
});

export type EvidenceRecord = z.infer<typeof recordSchema>;
export type EvidenceChange = z.infer<typeof changeSchema>;
export type AssessmentRef = z.infer<typeof assessmentRefSchema>;

export function isFinal(record: Pick<EvidenceRecord, "state">): boolean {
  return FINAL_STATES.includes(record.state);
}

/** A record that shows controls operating: merged, not overridden (closed and overridden ones claim nothing). */
export function isOperating(record: Pick<EvidenceRecord, "state" | "override" | "nonconformity">): boolean {
  return record.state === "merged" && !record.override && !record.nonconformity;
}

// ---------------------------------------------------------------------------------------------
// Record ids

/** Deterministic record id of a pull request: `owner/repo#12`, or `owner/repo#12~2` for its second round (reopened after finalisation). */
export function recordId(repository: string, number: number, round = 1): string {
  return round > 1 ? `${repository}#${number}~${round}` : `${repository}#${number}`;
}

export function parseRecordId(id: string): { repository: string; number: number; round: number } | undefined {
  const m = /^([A-Za-z0-9-]+\/[A-Za-z0-9._-]+)#(\d+)(?:~(\d+))?$/.exec(id);
  if (!m) return undefined;
  return { repository: m[1]!, number: Number(m[2]), round: m[3] ? Number(m[3]) : 1 };
}

// ---------------------------------------------------------------------------------------------
// Canonical JSON and hashing

/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, `undefined` members
 * dropped, numbers as JSON.stringify writes them (records hold integers only). Two records with
 * the same content always give the same bytes, whatever order their keys were built in.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError("canonical JSON cannot hold a non-finite number");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
}

/** sha256 (hex) of the record's canonical JSON without its `hash` and `signature` members: every claim field counts. */
export function recordHash(record: EvidenceRecord): string {
  const { hash: _omit, signature: _signature, ...rest } = record;
  return createHash("sha256").update(canonicalJson(rest), "utf8").digest("hex");
}

/** The position a finalised record takes in its repository's chain. */
export interface ChainLink {
  /** Hash of the previously finalised record, null for the first. */
  prev: string | null;
  seq: number;
}

/** Seal a finalised record into the chain: set prev and seq, then hash. */
export function sealRecord(record: EvidenceRecord, link: ChainLink): EvidenceRecord {
  if (!isFinal(record)) throw new Error(`record ${record.id} is ${record.state}: only finalised records are chained`);
  const { signature: _unsigned, ...bare } = record;
  const linked: EvidenceRecord = { ...bare, prev: link.prev, seq: link.seq, hash: null };
  return { ...linked, hash: recordHash(linked) };
}

/** True when the stored hash is the hash of the content. */
export function hashMatches(record: EvidenceRecord): boolean {
  return record.hash !== null && record.hash === recordHash(record);
}

// ---------------------------------------------------------------------------------------------
// Labels

const LABEL_MAX = 50;

export interface LabelSpec {
  name: string;
  color: string;
  description: string;
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Labels a record's issue carries: every one at most 50 characters, descriptions at most 100. */
export function recordLabels(record: EvidenceRecord, controlTitle: (id: string) => string | undefined = () => undefined): LabelSpec[] {
  const labels: LabelSpec[] = [{ name: EVIDENCE_LABEL, color: "5319e7", description: "Evidence record written by aims-bot (ISO/IEC 42001)" }];
  for (const c of record.controls) {
    if (!c.id.startsWith("A.")) continue;
    const title = controlTitle(c.id);
    labels.push({ name: `annex-a:${c.id}`, color: "0e8a16", description: clip(`ISO/IEC 42001 ${c.id}${title ? ` ${title}` : ""}`, 100) });
  }
  for (const s of record.systems) {
    labels.push({ name: clip(`ai-system:${s.id}`, LABEL_MAX), color: "1d76db", description: clip(`Changes to the AI system ${s.id}`, 100) });
  }
  if (record.risk) labels.push({ name: `risk:${record.risk}`, color: RISK_COLORS[record.risk], description: `Highest risk tier of the AI systems changed: ${record.risk}` });
  labels.push({ name: `state:${record.state}`, color: "bfdadc", description: STATE_DESCRIPTIONS[record.state] });
  if (record.override) labels.push({ name: OVERRIDE_LABEL, color: "b60205", description: "The gates were overridden with /aims override (break glass)" });
  if (record.nonconformity) labels.push({ name: NONCONFORMITY_LABEL, color: "d93f0b", description: "Nonconformity (ISO/IEC 42001 10.2): the gates were bypassed" });
  const seen = new Set<string>();
  return labels.filter((l) => {
    const key = l.name.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const RISK_COLORS: Record<NonNullable<EvidenceRecord["risk"]>, string> = { minimal: "c2e0c6", limited: "fef2c0", high: "f9d0c4", prohibited: "b60205" };
const STATE_DESCRIPTIONS: Record<RecordState, string> = {
  open: "Evidence record of an open pull request, updated as its gates change",
  merged: "Pull request merged; the evidence record is final and chained",
  closed: "Pull request closed without merging; the evidence record is final and chained",
  overridden: "Merged under a recorded override (break glass); the record is final and chained",
};

// ---------------------------------------------------------------------------------------------
// Issue body

/** Hidden first line of every record body: `<!-- aims:evidence-record owner/repo#12 -->`. */
export function recordMarker(id: string): string {
  return `<!-- aims:evidence-record ${id} -->`;
}

const MARKER_RE = /^<!-- aims:evidence-record (\S+) -->/;
const JSON_BLOCK_RE = /\n```json\n([\s\S]*?)\n```\n/g;

/** The record id in a body's hidden marker, or undefined when the body is not a record. */
export function markerId(body: string | null | undefined): string | undefined {
  return MARKER_RE.exec(body ?? "")?.[1];
}

export function recordTitle(record: EvidenceRecord): string {
  return clip(`AI evidence: ${record.id} ${record.pullRequest.title}`, 256);
}

const SUMMARY_FILES = 30;


function short(s: string | null): string {
  return s ? s.slice(0, 7) : "—";
}

function changeFact(c: EvidenceChange): string {
  if (c.dependency) {
    const d = c.dependency;
    const version = d.change === "added" ? (d.to ?? "") : d.change === "removed" ? (d.from ?? "") : `${d.from ?? "?"} → ${d.to ?? "?"}`;
    return `${cell(d.ecosystem)} ${code(d.name)} ${d.change} ${cell(version)} (${cell(d.supplier)})`.replace(/ +/g, " ").trim();
  }
  if (c.code) {
    const model = c.code.fromModel !== undefined ? `${c.code.fromModel} → ${c.code.model ?? "default"}` : (c.code.model ?? "");
    return cell(`${c.code.kind} ${c.code.change} line ${c.code.line}${c.code.providerName ? ` ${c.code.providerName}` : ""}${model ? ` ${model}` : ""}`);
  }
  if (c.lfs) return `Git LFS sha256 ${cell(c.lfs.oid.slice(0, 12))}…, ${c.lfs.size} bytes`;
  const dvc = c.dvc?.[0];
  if (dvc) return cell(`DVC ${dvc.md5 ? `md5 ${dvc.md5.slice(0, 12)}…` : dvc.hash ? `hash ${dvc.hash.slice(0, 12)}…` : "output"}${dvc.remote ? ` remote ${dvc.remote}` : ""}`);
  return cell(c.rule);
}

function policySourceText(s: EvidenceRecord["policy"]["sources"][number]): string {
  if (s.builtIn) return "built-in default";
  return `${code(`${s.repository}:${s.path}`)}${s.ref ? ` read at ${code(s.ref)}` : ""}${s.blobSha ? ` (blob ${code(s.blobSha)})` : ""}`;
}

function checkText(c: EvidenceRecord["checks"][number]): string {
  const name = c.url ? `[${cell(c.name)}](${c.url})` : code(c.name);
  return `${name}${c.app ? ` (${cell(c.app)}${c.runId !== undefined ? ` run ${c.runId}` : ""})` : ""} ${c.conclusion ?? c.status}`;
}

function noClaims(record: EvidenceRecord): string {
  if (record.nonconformity || record.override) return "None: the gates were overridden, so this pull request evidences a nonconformity, not a control operating.";
  if (record.state === "closed") return "None: the pull request was closed without merging, so no control operated on a change to the product.";
  return "None yet: a control is listed only once a fact of this pull request evidences it.";
}

/** The readable part of the body, above the JSON block. */
function renderSummary(record: EvidenceRecord, controlTitle: (id: string) => string | undefined): string {
  const pr = record.pullRequest;
  const lines: string[] = [];
  lines.push(`## AI evidence record ${code(record.id)}`);
  lines.push("");
  lines.push(`[${cell(pr.title)}](${pr.url}) by @${pr.author} into ${code(pr.baseRef)}`);
  lines.push("");
  lines.push("| | |");
  lines.push("|---|---|");
  const overridden = record.override && record.state !== "overridden" ? `, gates overridden by @${record.override.login}` : "";
  lines.push(`| State | **${record.state}**${overridden}${record.state === "open" ? " (updated as the gates change)" : ""} |`);
  lines.push(`| Head | ${code(pr.headSha)} |`);
  if (pr.mergeSha) lines.push(`| Merge commit | ${code(pr.mergeSha)} |`);
  if (pr.closedAt) lines.push(`| ${pr.mergeSha ? "Merged" : "Closed"} at | ${pr.closedAt} |`);
  lines.push(`| Risk | ${record.risk ?? "—"} |`);
  lines.push(`| AI systems | ${record.systems.map((s) => `${s.id} (${s.risk})`).join(", ") || "—"} |`);
  lines.push(`| Base commit | ${code(pr.baseSha)} |`);
  lines.push(`| Policy | ${record.policy.sources.map(policySourceText).join(", ")} |`);
  if (record.generator) lines.push(`| Judged with | aims-bot ${cell(record.generator.aimsBot)}, Annex A catalogue ${cell(record.generator.catalogue)} |`);
  lines.push("");
  lines.push("### Gates");
  for (const g of record.gates) lines.push(`- **${g.name}**: ${g.conclusion}: ${cell(g.title)}`);
  for (const a of record.assessment.records) {
    const by = a.approvedBy.map((x) => `@${x.login} (${x.at.slice(0, 10)}${x.via ? `, ${cell(x.via)}` : ""})`).join(", ");
    const status = a.status === "approved" && by ? `approved by ${by}` : `${cell(a.status)}${by ? `, approved by ${by}` : ""}`;
    const pins = [a.sha ? `commit ${short(a.sha)}` : "", a.blobSha ? `blob ${code(a.blobSha)}` : "", a.sha256 ? `sha256 ${code(a.sha256)}` : "", a.updatedAt ? `edited ${a.updatedAt}` : ""].filter(Boolean).join(", ");
    lines.push(`- Assessment ${code(a.id)}${a.version !== undefined ? ` v${a.version}` : ""} (${a.source} ${code(a.ref)}${pins ? `; ${pins}` : ""}): ${status}`);
    for (const r of a.rejected ?? []) lines.push(`  - not counted: @${r.login} (${r.at.slice(0, 10)}): ${cell(r.reason)}`);
  }
  for (const s of record.signOffs) {
    const why = [s.method, s.team ? `member of ${s.team}` : s.via ? cell(s.via) : ""].filter(Boolean).join(", ");
    lines.push(`- Sign-off by @${s.login} (${why}) at ${code(short(s.sha))} on ${s.at}${s.url ? ` [link](${s.url})` : ""}${s.rationale ? `: ${cell(s.rationale)}` : ""}`);
  }
  if (record.override) {
    const o = record.override;
    lines.push(`- **Override** by @${o.login} at ${code(short(o.sha))} on ${o.at}: ${cell(o.reason)}`);
  }
  if (record.checks.length > 0) {
    lines.push(`- Other checks on the head: ${record.checks.map(checkText).join(", ")}`);
  }
  if (record.nonconformity) {
    const n = record.nonconformity;
    const ca = n.correctiveAction;
    lines.push("");
    lines.push(`### Nonconformity (clause ${n.clause})`);
    lines.push(`${cell(n.summary)} ${ca ? `Corrective action: [${ca.repository}#${ca.issue}](${ca.url}), owner ${cell(ca.owner)}, due ${ca.due}.` : "Corrective action: not opened yet."}`);
  }
  lines.push("");
  lines.push(`### Annex A controls evidenced (${record.controls.length})`);
  if (record.controls.length === 0) lines.push(noClaims(record));
  for (const c of record.controls) {
    const title = controlTitle(c.id);
    const reason = c.reason.startsWith(`${c.id} `) ? c.reason.slice(c.id.length + 1) : c.reason;
    lines.push(`- **${c.id}**${title ? ` ${title}` : ""}: ${cell(reason)}`);
  }
  lines.push("");
  const { total, items, byCategory } = record.changes;
  const counts = Object.entries(byCategory)
    .map(([k, v]) => `${v} ${k}`)
    .join(", ");
  lines.push(`### AI changes (${total}${counts ? `: ${counts}` : ""})`);
  lines.push("| File | Category | System | Fact |");
  lines.push("|---|---|---|---|");
  for (const c of items.slice(0, SUMMARY_FILES)) lines.push(`| ${code(c.path)} | ${c.category} | ${cell(c.system)} | ${changeFact(c)} |`);
  if (total > Math.min(items.length, SUMMARY_FILES)) {
    const inJson = items.length > SUMMARY_FILES ? ` (${items.length} in the JSON below)` : "";
    lines.push("");
    lines.push(`…and ${total - Math.min(items.length, SUMMARY_FILES)} more${inJson}; the pull request lists every file.`);
  }
  if (record.hash) {
    lines.push("");
    lines.push(`Chain: finalised record ${record.seq} of this evidence repository, sha256 ${code(record.hash)}, previous ${record.prev ? code(record.prev) : "none (first record)"}.`);
    lines.push(record.signature ? `Signed with Ed25519 key ${code(record.signature.keyId)}.` : "Not signed: the app holds no signing key.");
  }
  return lines.join("\n");
}

/** Render the issue body: marker, readable summary, and the record as a JSON block. */
export function renderRecordBody(record: EvidenceRecord, controlTitle: (id: string) => string | undefined = () => undefined): string {
  return [
    recordMarker(record.id),
    renderSummary(record, controlTitle),
    "",
    "<details><summary>Machine-readable record (aims evidence schema v" + record.schemaVersion + ")</summary>",
    "",
    "```json",
    // In schema order, as parseRecordBody returns it, so a record always renders to the same body.
    JSON.stringify(recordSchema.safeParse(record).data ?? record, null, 1),
    "```",
    "",
    "</details>",
    "",
  ].join("\n");
}

export type ParsedBody =
  | { ok: true; id: string; record: EvidenceRecord }
  | { ok: false; id?: string; problem: string };

/** Read a record back from an issue body: the marker, then the last JSON block, zod-validated. */
export function parseRecordBody(body: string | null | undefined): ParsedBody {
  const id = markerId(body);
  if (!id) return { ok: false, problem: "no aims evidence marker on the first line" };
  const blocks = [...(body ?? "").matchAll(JSON_BLOCK_RE)];
  const last = blocks.at(-1)?.[1];
  if (last === undefined) return { ok: false, id, problem: "no JSON block" };
  let json: unknown;
  try {
    json = JSON.parse(last);
  } catch (error) {
    return { ok: false, id, problem: `JSON block does not parse: ${(error as Error).message}` };
  }
  const result = recordSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    return { ok: false, id, problem: `JSON block is not an aims evidence record (schema v${READABLE_VERSIONS.join(" or v")}): ${issue.path.join(".") || "(root)"}: ${issue.message}` };
  }
  if (result.data.id !== id) return { ok: false, id, problem: `marker names ${id} but the JSON block is record ${result.data.id}` };
  return { ok: true, id, record: result.data };
}

// ---------------------------------------------------------------------------------------------
// Bounds

/**
 * Keep a record's body under MAX_BODY_CHARS: list fewer changes in the JSON (halving until it
 * fits; `total` and `byCategory` keep the full counts), then shorten free text. Deterministic, so
 * the same record always gives the same body and hash.
 */
export function fitRecord(record: EvidenceRecord, controlTitle?: (id: string) => string | undefined): EvidenceRecord {
  let fitted = record;
  const fits = (r: EvidenceRecord) => renderRecordBody(r, controlTitle).length <= MAX_BODY_CHARS;
  while (!fits(fitted) && fitted.changes.items.length > 0) {
    fitted = { ...fitted, changes: { ...fitted.changes, items: fitted.changes.items.slice(0, Math.floor(fitted.changes.items.length / 2)) } };
  }
  if (!fits(fitted)) {
    fitted = {
      ...fitted,
      signOffs: fitted.signOffs.map((s) => ({ ...s, ...(s.rationale ? { rationale: clip(s.rationale, 200) } : {}) })),
      checks: fitted.checks.slice(0, 50),
      assessment: { ...fitted.assessment, records: fitted.assessment.records.map((a) => ({ ...a, systems: a.systems.slice(0, 10) })) },
    };
  }
  if (!fits(fitted)) throw new Error(`evidence record ${record.id} cannot be brought under ${MAX_BODY_CHARS} characters`);
  return fitted;
}
