import { EVIDENCE_LABEL, NONCONFORMITY_LABEL, OVERRIDE_LABEL, type EvidenceRecord, type RecordState } from "./record-schema.js";

// ---------------------------------------------------------------------------------------------
// Labels

const LABEL_MAX = 50;

export interface LabelSpec {
  name: string;
  color: string;
  description: string;
}

export function clip(s: string, max: number): string {
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
