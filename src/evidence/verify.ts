import { hashMatches, isFinal, parseRecordBody, recordLabels, type EvidenceRecord } from "./record.js";

/**
 * Verification of an evidence repository's records (pure): the code behind `aims verify` and the
 * store's own chain-head lookup. Give it every issue of the evidence repository that carries the
 * record marker (any state, in issue order) and the app's bot login.
 */

/** An issue as listed by GitHub, reduced to what verification needs. */
export interface StoredIssue {
  number: number;
  /** Login of the issue's author (`aims-bot[bot]` for the app's records). */
  author: string;
  body: string | null;
  state: "open" | "closed";
  stateReason?: string | null;
  /** Label names; when given, the labels a record implies are checked too. */
  labels?: string[];
}

export type ProblemKind =
  /** A record's content no longer matches its hash, its JSON no longer parses, or its labels were changed. */
  | "edited"
  /** A record points to a previous record that is not there: it was deleted, or its marker removed. */
  | "missing-link"
  /** A finalised record outside the chain: no chain fields, a fork, or a wrong sequence number. */
  | "out-of-chain"
  /** An issue that looks like a record but was not written by the app. */
  | "foreign"
  /** Two finalised records claim the same record id. */
  | "duplicate";

export interface ChainProblem {
  kind: ProblemKind;
  /** Issue number in the evidence repository; absent for problems of the chain as a whole. */
  issue?: number;
  recordId?: string;
  message: string;
}

export interface VerifiedRecord {
  issue: number;
  record: EvidenceRecord;
}

export interface VerifyResult {
  ok: boolean;
  /** Records written by the app that parsed (open and finalised). */
  records: number;
  finalised: number;
  /** The end of the longest unbroken chain: the record the next finalised one must point to. */
  head: { hash: string; seq: number; issue: number } | null;
  /** Finalised records on the longest unbroken chain from the first record. */
  chainLength: number;
  problems: ChainProblem[];
}

export interface VerifyOptions {
  /** The app's bot login; only issues it authored count as records. */
  appLogin: string;
  /** A head hash recorded elsewhere (an export, a check run): detects deletion of the newest records. */
  expectedHead?: string;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const seq = (r: VerifiedRecord) => r.record.seq ?? 0;

/** Parse the app's records out of a list of issues, reporting foreign and unparseable ones. */
export function readRecords(issues: readonly StoredIssue[], appLogin: string): { records: VerifiedRecord[]; problems: ChainProblem[] } {
  const records: VerifiedRecord[] = [];
  const problems: ChainProblem[] = [];
  for (const issue of [...issues].sort((a, b) => a.number - b.number)) {
    const parsed = parseRecordBody(issue.body);
    if (!parsed.ok && parsed.id === undefined) continue; // not a record at all
    if (!same(issue.author, appLogin)) {
      problems.push({
        kind: "foreign",
        issue: issue.number,
        ...(parsed.id ? { recordId: parsed.id } : {}),
        message: `#${issue.number} carries an evidence marker but was opened by @${issue.author}, not @${appLogin}: it is not a record and is ignored.`,
      });
      continue;
    }
    // A duplicate the store closed after a race: never a record of its own.
    if (issue.state === "closed" && issue.stateReason === "duplicate") continue;
    if (!parsed.ok) {
      problems.push({ kind: "edited", issue: issue.number, ...(parsed.id ? { recordId: parsed.id } : {}), message: `#${issue.number} was edited: ${parsed.problem}.` });
      continue;
    }
    records.push({ issue: issue.number, record: parsed.record });
    if (issue.labels) {
      const have = new Set(issue.labels.map((l) => l.toLowerCase()));
      const missing = recordLabels(parsed.record).filter((l) => !have.has(l.name.toLowerCase())).map((l) => l.name);
      if (missing.length > 0) {
        problems.push({ kind: "edited", issue: issue.number, recordId: parsed.id, message: `#${issue.number} lost labels its record implies: ${missing.join(", ")}.` });
      }
    }
  }
  return { records, problems };
}

/**
 * The chain head among finalised records: the highest sequence number whose hash verifies; ties
 * (a fork) go to the lowest issue number. Used by the store to link the next record.
 */
export function chainHead(records: readonly VerifiedRecord[]): { hash: string; seq: number; issue: number } | null {
  let best: { hash: string; seq: number; issue: number } | null = null;
  for (const { issue, record } of records) {
    if (!isFinal(record) || record.hash === null || record.seq === null || !hashMatches(record)) continue;
    if (!best || record.seq > best.seq || (record.seq === best.seq && issue < best.issue)) best = { hash: record.hash, seq: record.seq, issue };
  }
  return best;
}

/** Verify every record and the chain of finalised records. */
export function verifyChain(issues: readonly StoredIssue[], options: VerifyOptions): VerifyResult {
  const { records, problems } = readRecords(issues, options.appLogin);
  const finals: VerifiedRecord[] = [];
  const byId = new Map<string, number>();

  for (const r of records) {
    const { record, issue } = r;
    if (!isFinal(record)) {
      if (record.hash !== null || record.prev !== null || record.seq !== null) {
        problems.push({ kind: "edited", issue, recordId: record.id, message: `#${issue} is an open record but carries chain fields.` });
      }
      continue;
    }
    if (record.hash === null || record.seq === null) {
      problems.push({ kind: "out-of-chain", issue, recordId: record.id, message: `#${issue} is ${record.state} but was never sealed into the chain (no hash).` });
      continue;
    }
    if (!hashMatches(record)) {
      problems.push({ kind: "edited", issue, recordId: record.id, message: `#${issue} was edited after it was finalised: its content no longer has sha256 ${record.hash}.` });
    }
    const earlier = byId.get(record.id);
    if (earlier !== undefined) {
      problems.push({ kind: "duplicate", issue, recordId: record.id, message: `#${issue} and #${earlier} are both finalised records of ${record.id}.` });
    } else byId.set(record.id, issue);
    finals.push(r);
  }

  // The chain is a forest: every record points to one previous record. Roots are the first record
  // (prev null) and records whose previous record is missing.
  const byHash = new Map<string, VerifiedRecord>();
  for (const r of finals) if (!byHash.has(r.record.hash!)) byHash.set(r.record.hash!, r);
  const children = new Map<string, VerifiedRecord[]>();
  const roots: VerifiedRecord[] = [];
  for (const r of finals) {
    const prev = r.record.prev;
    if (prev === null) {
      roots.push(r);
      if (r.record.seq !== 1) problems.push({ kind: "out-of-chain", issue: r.issue, recordId: r.record.id, message: `#${r.issue} claims to be the first record but has sequence number ${r.record.seq}.` });
      continue;
    }
    const parent = byHash.get(prev);
    if (!parent) {
      roots.push(r);
      const gap = seq(r) - 1 - Math.max(0, ...finals.filter((f) => seq(f) < seq(r)).map(seq));
      problems.push({
        kind: "missing-link",
        issue: r.issue,
        recordId: r.record.id,
        message: `#${r.issue} (record ${r.record.seq}) points to previous record ${prev.slice(0, 12)}…, which is missing: it was deleted or removed from the evidence repository${gap > 0 ? ` (${gap} record${gap === 1 ? "" : "s"} missing before it)` : ""}.`,
      });
      continue;
    }
    if (seq(r) !== seq(parent) + 1) {
      problems.push({ kind: "out-of-chain", issue: r.issue, recordId: r.record.id, message: `#${r.issue} follows #${parent.issue} (record ${parent.record.seq}) but has sequence number ${r.record.seq}.` });
    }
    const list = children.get(prev) ?? [];
    list.push(r);
    children.set(prev, list);
  }

  // Height of each record's subtree, bottom-up without recursion (chains can be long).
  const height = new Map<VerifiedRecord, number>();
  const order: VerifiedRecord[] = [];
  const stack = [...roots];
  while (stack.length > 0) {
    const r = stack.pop()!;
    order.push(r);
    for (const c of children.get(r.record.hash!) ?? []) stack.push(c);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const r = order[i]!;
    const kids = children.get(r.record.hash!) ?? [];
    height.set(r, 1 + Math.max(0, ...kids.map((k) => height.get(k) ?? 0)));
  }
  const better = (a: VerifiedRecord, b: VerifiedRecord) => (height.get(a) ?? 0) - (height.get(b) ?? 0) || b.issue - a.issue;

  // Forks: at every branching, the longest branch (then the lowest issue number) continues the chain.
  for (const kids of [...children.values(), roots.filter((r) => r.record.prev === null)]) {
    if (kids.length < 2) continue;
    const keep = kids.reduce((a, b) => (better(a, b) >= 0 ? a : b));
    for (const k of kids) {
      if (k === keep) continue;
      problems.push({ kind: "out-of-chain", issue: k.issue, recordId: k.record.id, message: `#${k.issue} forks the chain: it points to the same previous record as #${keep.issue}.` });
    }
  }

  // The main chain: from the first record (or, when it is gone, the longest root) down the longest branch.
  const genesis = roots.filter((r) => r.record.prev === null);
  const start = (genesis.length > 0 ? genesis : roots).reduce<VerifiedRecord | undefined>((a, b) => (!a || better(b, a) > 0 ? b : a), undefined);
  let chainLength = 0;
  for (let node = start; node; ) {
    chainLength++;
    const kids = children.get(node.record.hash!) ?? [];
    node = kids.reduce<VerifiedRecord | undefined>((a, b) => (!a || better(b, a) > 0 ? b : a), undefined);
  }
  // The newest record anywhere is the head the next record links to (the store repairs forks).
  const head = chainHead(finals);
  if (options.expectedHead && !byHash.has(options.expectedHead)) {
    problems.push({ kind: "missing-link", message: `The expected head ${options.expectedHead.slice(0, 12)}… is not among the records: the newest records were deleted.` });
  } else if (options.expectedHead && head && head.hash !== options.expectedHead) {
    const expected = byHash.get(options.expectedHead)!;
    if (seq(expected) > head.seq) problems.push({ kind: "missing-link", message: `The expected head is record ${expected.record.seq}, newer than the chain's head.` });
  }

  problems.sort((a, b) => (a.issue ?? 0) - (b.issue ?? 0));
  return { ok: problems.length === 0, records: records.length, finalised: finals.length, head, chainLength, problems };
}
