import { hashMatches, isFinal, parseRecordBody, recordLabels, renderRecordBody, type EvidenceRecord } from "./record.js";
import { checkHeadSignature, checkRecordSignature, type ChainHead, type Verifier } from "./signing.js";

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
  | "duplicate"
  /** A record's issue state contradicts it: a finalised record reopened, a record closed as a duplicate or closed without finalisation. */
  | "state"
  /** A finalised record without a signature by the published key. */
  | "unsigned"
  /** A signature that does not verify with the published key: the record or head was forged or re-sealed. */
  | "forged";

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
  /** The chain head of an earlier audit pack: the chain must still hold it (it only grew since). */
  since?: ChainHead;
  /** The chain head the app last published on a dashboard issue: the chain must still hold it too. */
  published?: ChainHead;
  /** The published public key: every finalised record must carry a valid signature by it. */
  verifier?: Verifier;
  /**
   * Re-render each record's summary and labels from its JSON and report differences. Given the
   * running aims-bot version, only records it rendered are compared (another version renders
   * differently); labels are compared for every record.
   */
  rerender?: { version: string; controlTitle: (id: string) => string | undefined };
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const seq = (r: VerifiedRecord) => r.record.seq ?? 0;

/** Labels the ledger writes; others (added by people for their own tracking) are left alone. */
const OWN_LABEL = /^(?:aims:evidence$|aims:override$|aims:nonconformity$|annex-a:|ai-system:|risk:|state:)/i;

function firstDifference(a: string, b: string): string {
  const x = a.split("\n");
  const y = b.split("\n");
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i]) return `line ${i + 1} reads ${JSON.stringify((x[i] ?? "").slice(0, 120))} where the signed data renders ${JSON.stringify((y[i] ?? "").slice(0, 120))}`;
  }
  return "the bodies differ";
}

/** Compare what people see (summary, labels, open or closed) with what the record's data says. */
function presentationProblems(issue: StoredIssue, record: EvidenceRecord, rerender: VerifyOptions["rerender"]): ChainProblem[] {
  const out: ChainProblem[] = [];
  const at = { issue: issue.number, recordId: record.id };
  if (rerender && record.generator?.aimsBot === rerender.version && issue.body !== null) {
    const expected = renderRecordBody(record, rerender.controlTitle);
    if (issue.body !== expected) out.push({ kind: "edited", ...at, message: `#${issue.number}'s readable summary no longer matches its record data: ${firstDifference(issue.body, expected)}.` });
  }
  if (issue.labels) {
    const own = issue.labels.filter((l) => OWN_LABEL.test(l));
    const wanted = recordLabels(record, rerender?.controlTitle).map((l) => l.name);
    const have = new Set(own.map((l) => l.toLowerCase()));
    const want = new Set(wanted.map((l) => l.toLowerCase()));
    const missing = wanted.filter((l) => !have.has(l.toLowerCase()));
    const extra = own.filter((l) => !want.has(l.toLowerCase()));
    if (missing.length > 0) out.push({ kind: "edited", ...at, message: `#${issue.number} lost labels its record implies: ${missing.join(", ")}.` });
    if (extra.length > 0) out.push({ kind: "edited", ...at, message: `#${issue.number} carries labels its record does not imply: ${extra.join(", ")}.` });
  }
  if (issue.state === "closed" && issue.stateReason === "duplicate") {
    out.push({ kind: "state", ...at, message: `#${issue.number} holds record ${record.id} but was closed as a duplicate; the app empties the duplicates it closes, so this hides a record.` });
  } else if (isFinal(record) && issue.state === "open") {
    out.push({ kind: "state", ...at, message: `#${issue.number} is a finalised record (${record.state}) but its issue was reopened.` });
  } else if (!isFinal(record) && issue.state === "closed") {
    out.push({ kind: "state", ...at, message: `#${issue.number} is an open record but its issue was closed by hand; the app closes a record only when it finalises it.` });
  }
  return out;
}

/** Parse the app's records out of a list of issues, reporting foreign and unparseable ones. */
export function readRecords(issues: readonly StoredIssue[], appLogin: string, rerender?: VerifyOptions["rerender"]): { records: VerifiedRecord[]; problems: ChainProblem[] } {
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
    // A duplicate the store closed after a race holds no record (its body points to the record);
    // one that still holds a record was hidden, and presentationProblems reports it.
    if (issue.state === "closed" && issue.stateReason === "duplicate" && !parsed.ok) continue;
    if (!parsed.ok) {
      problems.push({ kind: "edited", issue: issue.number, ...(parsed.id ? { recordId: parsed.id } : {}), message: `#${issue.number} was edited: ${parsed.problem}.` });
      continue;
    }
    records.push({ issue: issue.number, record: parsed.record });
    problems.push(...presentationProblems(issue, parsed.record, rerender));
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
  const { records, problems } = readRecords(issues, options.appLogin, options.rerender);
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
    if (options.verifier) {
      const check = checkRecordSignature(record, options.verifier);
      if (check === "missing") problems.push({ kind: "unsigned", issue, recordId: record.id, message: `#${issue} (record ${record.seq}) carries no signature by key ${options.verifier.keyId}: it was not sealed by the app holding the key.` });
      else if (check !== "valid") {
        problems.push({
          kind: "forged",
          issue,
          recordId: record.id,
          message: `#${issue} (record ${record.seq}) has a signature that does not verify with key ${options.verifier.keyId}${check === "other-key" ? ` (it names key ${record.signature!.keyId})` : ""}: the record or its hash was rewritten.`,
        });
      }
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

  if (options.since) problems.push(...sinceProblems(options.since, "the earlier pack", byHash, head, options.verifier));
  if (options.published && options.published.hash !== options.since?.hash) problems.push(...sinceProblems(options.published, "the dashboard", byHash, head, options.verifier));

  problems.sort((a, b) => (a.issue ?? 0) - (b.issue ?? 0));
  return { ok: problems.length === 0, records: records.length, finalised: finals.length, head, chainLength, problems };
}

/** The chain only grew since an earlier pack: its head is still there, at the same place, and the head moved on from it. */
function sinceProblems(since: ChainHead, source: string, byHash: ReadonlyMap<string, VerifiedRecord>, head: { seq: number; hash: string } | null, verifier: Verifier | undefined): ChainProblem[] {
  const out: ChainProblem[] = [];
  if (verifier) {
    const check = checkHeadSignature(since, verifier);
    if (check !== "valid") out.push({ kind: check === "missing" ? "unsigned" : "forged", message: `The chain head of ${source} (record ${since.seq}) is ${check === "missing" ? "not signed" : "not signed by key " + verifier.keyId}: it cannot vouch for the chain.` });
  }
  const kept = byHash.get(since.hash);
  if (!kept) {
    out.push({
      kind: "missing-link",
      message: `The chain head of ${source} (record ${since.seq}${since.url ? ` ${since.url}` : ""}, sha256 ${since.hash.slice(0, 12)}…) is no longer in the chain: records were deleted or the history was rewritten since.`,
    });
  } else if (kept.record.seq !== since.seq) {
    out.push({ kind: "out-of-chain", issue: kept.issue, recordId: kept.record.id, message: `#${kept.issue} was record ${since.seq} in the chain head of ${source} but is record ${kept.record.seq} now.` });
  } else if (head && head.seq < since.seq) {
    out.push({ kind: "missing-link", message: `The chain head is record ${head.seq}, older than the head of ${source} (record ${since.seq}): the newest records were deleted.` });
  }
  return out;
}
