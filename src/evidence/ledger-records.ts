import { loadCatalogue } from "../controls/catalogue.js";
import type { Locks } from "../util/keyed-mutex.js";
import { buildRecord, type RecordInput } from "./build.js";
import { CORRECTIVE_ACTION_LABEL, correctiveActionOf, correctiveActionTitle, dueDate, renderCorrectiveAction, type CorrectiveAction } from "./corrective-action.js";
import {
  parseRecordBody,
  parseRecordId,
  recordId,
  recordLabels,
  recordTitle,
  renderRecordBody,
  markerId,
  type EvidenceRecord,
} from "./record.js";
import type { EvidenceIssue, EvidenceStore, RepoRef } from "./store.js";
import type { Signer } from "./signing.js";

/** What the ledger is given and returns, and the helpers its open and final paths share. */

export interface LedgerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface Ledger {
  store: EvidenceStore;
  /** The evidence repository. */
  repo: RepoRef;
  log?: LedgerLog;
  /** Signs each record as it is sealed; without it records are sealed unsigned. */
  signer?: Signer;
  /** The process's serialiser (Services.locks): one writer per record and per chain. */
  locks: Locks;
}

export type RecordInputWithoutRound = Omit<RecordInput, "round">;

export type UpsertResult =
  | { action: "created" | "updated"; issue: number; id: string; /** The record's issue as GitHub returned it after the write. */ written: EvidenceIssue }
  | { action: "unchanged"; issue: number; id: string }
  /** A late event for a pull request that is no longer open: its record is the closing one's business. */
  | { action: "skipped"; id: string }
  | { action: "duplicate-closed"; issue: number; id: string; duplicates: number[] };

export type FinaliseResult =
  | { action: "finalised"; issue: number; id: string; seq: number; hash: string; relinked: number; created: boolean }
  | { action: "already-final"; issue: number; id: string }
  | { action: "not-governed" };

export const repoKey = (r: RepoRef) => `${r.owner}/${r.repo}`.toLowerCase();

export function controlTitle(id: string): string | undefined {
  return loadCatalogue().controls.find((c) => c.id === id)?.title;
}

export interface Rendered {
  title: string;
  body: string;
  labels: string[];
}

export function render(record: EvidenceRecord): Rendered {
  return { title: recordTitle(record), body: renderRecordBody(record, controlTitle), labels: recordLabels(record, controlTitle).map((l) => l.name) };
}

export function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  const x = new Set(a.map((l) => l.toLowerCase()));
  const y = new Set(b.map((l) => l.toLowerCase()));
  return x.size === y.size && [...x].every((l) => y.has(l));
}

/** Labels the ledger manages; any other label on a record (added by people) is kept. */
export function ownLabel(name: string): boolean {
  return /^(?:aims:evidence$|aims:override$|aims:nonconformity$|annex-a:|ai-system:|risk:|state:)/i.test(name);
}

export function withOtherLabels(issue: EvidenceIssue | undefined, labels: string[]): string[] {
  return [...labels, ...(issue?.labels ?? []).filter((l) => !ownLabel(l))];
}

export function unchanged(issue: EvidenceIssue, r: Rendered): boolean {
  return issue.body === r.body && issue.title === r.title && sameLabels(issue.labels.filter(ownLabel), r.labels);
}

/**
 * A push that moved the head and changed nothing else the record says: the open record keeps the
 * head it names (the record of the last change in governance state); its final state, with the
 * final head, is written when the pull request is merged or closed.
 */
export function onlyHeadMoved(current: PullRecord, input: RecordInputWithoutRound, rendered: Rendered, correctiveAction: CorrectiveAction | undefined): boolean {
  const recordedHead = current.record?.pullRequest.headSha;
  if (!recordedHead || recordedHead === input.pull.headSha || current.issue.title !== rendered.title) return false;
  const atRecordedHead = buildRecord({ ...input, pull: { ...input.pull, headSha: recordedHead }, round: current.round, ...(correctiveAction ? { correctiveAction } : {}) });
  return unchanged(current.issue, render(atRecordedHead));
}

/** An issue of the store that holds a record of the given pull request. */
export interface PullRecord {
  issue: EvidenceIssue;
  id: string;
  round: number;
  record?: EvidenceRecord;
}

export function recordsOfPull(issues: readonly EvidenceIssue[], repository: string, number: number): PullRecord[] {
  const out: PullRecord[] = [];
  for (const issue of issues) {
    if (issue.state === "closed" && issue.stateReason === "duplicate") continue;
    const id = markerId(issue.body);
    const parsedId = id ? parseRecordId(id) : undefined;
    if (!id || !parsedId || parsedId.repository.toLowerCase() !== repository.toLowerCase() || parsedId.number !== number) continue;
    const parsed = parseRecordBody(issue.body);
    out.push({ issue, id, round: parsedId.round, ...(parsed.ok ? { record: parsed.record } : {}) });
  }
  return out.sort((a, b) => a.round - b.round || a.issue.number - b.issue.number);
}

/** The pull request's current record: the highest round; within it the lowest issue number. */
export function latest(records: PullRecord[]): PullRecord | undefined {
  const top = Math.max(0, ...records.map((r) => r.round));
  return records.filter((r) => r.round === top).sort((a, b) => a.issue.number - b.issue.number)[0];
}

/** Close every open record of `id` but the lowest-numbered one, pointing each to it. */
export async function closeDuplicates(ledger: Ledger, records: PullRecord[], id: string): Promise<number[]> {
  const open = records.filter((r) => r.id === id && r.issue.state === "open").sort((a, b) => a.issue.number - b.issue.number);
  const [keep, ...dupes] = open;
  if (!keep) return [];
  for (const d of dupes) {
    await ledger.store.update(ledger.repo, d.issue.number, {
      body: `Duplicate of #${keep.issue.number}: the evidence record of ${id} is #${keep.issue.number}. This issue was opened by a concurrent delivery and is not a record.`,
      labels: [],
      state: "closed",
      stateReason: "duplicate" });
    ledger.log?.warn({ record: id, duplicate: d.issue.number, kept: keep.issue.number }, "closed a duplicate evidence record");
  }
  return dupes.map((d) => d.issue.number);
}

/**
 * An override is a nonconformity: find the pull request's corrective-action issue, or open it (with
 * owner and due date), so the record can link it. Undefined when the gates were not overridden.
 */
export async function ensureCorrectiveAction(ledger: Ledger, input: RecordInputWithoutRound, existing: EvidenceRecord | undefined): Promise<CorrectiveAction | undefined> {
  const override = input.gates.find((g) => g.override)?.override;
  if (!override) return undefined;
  const known = existing?.nonconformity?.correctiveAction;
  if (known) return known;
  const repository = `${input.pull.owner}/${input.pull.repo}`;
  const pullId = recordId(repository, input.pull.number);
  const settings = input.policy.policy.controls.nonconformity;
  const action = {
    pullId,
    pullUrl: `${input.webUrl ?? "https://github.com"}/${repository}/pull/${input.pull.number}`,
    pullTitle: input.pull.title,
    override,
    owner: settings.owner ?? override.login,
    due: dueDate(override, settings.due_days) };
  const evidenceRepo = `${ledger.repo.owner}/${ledger.repo.repo}`;
  const listed = await ledger.store.list(ledger.repo, { state: "all", label: CORRECTIVE_ACTION_LABEL });
  let issue = listed.find((i) => correctiveActionOf(i.body) === pullId);
  if (!issue) {
    await ledger.store.ensureLabels(ledger.repo, [{ name: CORRECTIVE_ACTION_LABEL, color: "d93f0b", description: "Corrective action for a nonconformity (ISO/IEC 42001 10.2)" }]);
    issue = await ledger.store.create(ledger.repo, { title: correctiveActionTitle(action), body: renderCorrectiveAction(action), labels: [CORRECTIVE_ACTION_LABEL] });
    ledger.log?.info({ pull: pullId, issue: issue.number }, "override recorded as a nonconformity: corrective-action issue opened");
  }
  return { repository: evidenceRepo, issue: issue.number, url: issue.htmlUrl, owner: action.owner, due: action.due };
}

export async function createRecord(ledger: Ledger, record: EvidenceRecord): Promise<EvidenceIssue> {
  const r = render(record);
  await ledger.store.ensureLabels(ledger.repo, recordLabels(record, controlTitle));
  return ledger.store.create(ledger.repo, r);
}

/**
 * Create or update the open record of a governed pull request. `pullCreatedAt` bounds the search
 * for earlier rounds and duplicates (records are never older than their pull request).
 */
