import { cell, code } from "../util/markdown.js";
import { clip } from "./record-labels.js";
import { MAX_BODY_CHARS, READABLE_VERSIONS, recordSchema, type EvidenceChange, type EvidenceRecord } from "./record-schema.js";

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
