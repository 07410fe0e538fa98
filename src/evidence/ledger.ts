import { randomBytes } from "node:crypto";
import { loadCatalogue } from "../controls/catalogue.js";
import type { Locks } from "../util/keyed-mutex.js";
import { buildRecord, type RecordInput } from "./build.js";
import { CORRECTIVE_ACTION_LABEL, correctiveActionOf, correctiveActionTitle, dueDate, renderCorrectiveAction, type CorrectiveAction } from "./corrective-action.js";
import {
  hashMatches,
  isFinal,
  parseRecordBody,
  parseRecordId,
  recordId,
  recordLabels,
  recordTitle,
  renderRecordBody,
  sealRecord,
  markerId,
  type EvidenceRecord,
} from "./record.js";
import type { EvidenceIssue, EvidenceStore, ListOptions, RepoRef } from "./store.js";
import { signRecord, type Signer } from "./signing.js";
import { chainHead, type VerifiedRecord } from "./verify.js";

/**
 * The evidence ledger: upserts the record of a governed pull request while it is open and
 * finalises it into the hash chain when it closes. Uses only the EvidenceStore interface.
 *
 * Writes per pull request: one POST when the record is first needed (issue and labels in one
 * request), one PATCH whenever its rendered content changes (body, title and labels together;
 * nothing when unchanged), and one PATCH to finalise (body, labels and closing together). Labels
 * are created once per repository, with their descriptions.
 *
 * Concurrency. Within a process, a keyed mutex serialises work on one record (two deliveries of
 * the same event) and another serialises finalisation per evidence repository (two merges at
 * once). Across replicas:
 *  - finalisation takes a lock shared through GitHub itself: the label `aims:chain-lock` in the
 *    evidence repository. Creating a label is atomic (a second create fails with 422), so whoever
 *    created it holds the lock until deleting it; its description carries an expiry so a crashed
 *    holder blocks the chain for two minutes at most. Under the lock the writer reads the chain
 *    head, seals its record onto it and writes it, so two merges at the same moment take turns;
 *  - as a safety net (a lock that expired mid-write), the writer re-reads the newest finalised
 *    records after writing; when a lower-numbered record took the same sequence number and nobody
 *    builds on its own record yet, it re-links its record to the current head;
 *  - after opening a record it lists the pull request's open records again; when there are
 *    several, the lowest issue number is the record and every newer one is closed as a duplicate
 *    (state_reason `duplicate`, labels removed, body pointing to the record).
 * Records are only ever re-linked by the writer that just sealed them, so a finalised record that
 * verified is never changed afterwards.
 * The chain head is found without reading every record: records are listed most recently updated
 * first, and a record finalised after the current best was updated after that record's pull
 * request closed, so listing stops at the first page older than that.
 */

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

const MAX_RELINKS = 5;

/** Label that is the cross-replica lock on an evidence repository's chain. */
export const CHAIN_LOCK_LABEL = "aims:chain-lock";
const LOCK_TTL_MS = 120_000;
const LOCK_WAIT_MS = 90_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Run `fn` holding the chain lock of the evidence repository: in this process, then across replicas. */
async function withChainLock<T>(ledger: Ledger, fn: () => Promise<T>): Promise<T> {
  // Locks shared by every replica (REDIS_URL) need no lock label on GitHub.
  if (ledger.locks.shared) return ledger.locks.run(`chain:${repoKey(ledger.repo)}`, fn);
  return ledger.locks.run(`chain:${repoKey(ledger.repo)}`, async () => {
    const holder = randomBytes(8).toString("hex");
    const deadline = Date.now() + LOCK_WAIT_MS;
    let wait = 200;
    while (!(await ledger.store.tryLock(ledger.repo, CHAIN_LOCK_LABEL, holder, LOCK_TTL_MS))) {
      if (Date.now() > deadline) throw new Error(`the evidence chain of ${repoKey(ledger.repo)} stayed locked for ${LOCK_WAIT_MS / 1000} s; the record is finalised on the next event or reconcile pass`);
      await sleep(wait + Math.random() * wait);
      wait = Math.min(wait * 2, 1000);
    }
    try {
      return await fn();
    } finally {
      await ledger.store.unlock(ledger.repo, CHAIN_LOCK_LABEL, holder).catch((error: unknown) => {
        ledger.log?.warn({ err: error }, "could not release the evidence chain lock; it expires by itself");
      });
    }
  });
}

const repoKey = (r: RepoRef) => `${r.owner}/${r.repo}`.toLowerCase();

function controlTitle(id: string): string | undefined {
  return loadCatalogue().controls.find((c) => c.id === id)?.title;
}

interface Rendered {
  title: string;
  body: string;
  labels: string[];
}

function render(record: EvidenceRecord): Rendered {
  return { title: recordTitle(record), body: renderRecordBody(record, controlTitle), labels: recordLabels(record, controlTitle).map((l) => l.name) };
}

function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  const x = new Set(a.map((l) => l.toLowerCase()));
  const y = new Set(b.map((l) => l.toLowerCase()));
  return x.size === y.size && [...x].every((l) => y.has(l));
}

/** Labels the ledger manages; any other label on a record (added by people) is kept. */
function ownLabel(name: string): boolean {
  return /^(?:aims:evidence$|aims:override$|aims:nonconformity$|annex-a:|ai-system:|risk:|state:)/i.test(name);
}

function withOtherLabels(issue: EvidenceIssue | undefined, labels: string[]): string[] {
  return [...labels, ...(issue?.labels ?? []).filter((l) => !ownLabel(l))];
}

function unchanged(issue: EvidenceIssue, r: Rendered): boolean {
  return issue.body === r.body && issue.title === r.title && sameLabels(issue.labels.filter(ownLabel), r.labels);
}

/**
 * A push that moved the head and changed nothing else the record says: the open record keeps the
 * head it names (the record of the last change in governance state); its final state, with the
 * final head, is written when the pull request is merged or closed.
 */
function onlyHeadMoved(current: PullRecord, input: RecordInputWithoutRound, rendered: Rendered, correctiveAction: CorrectiveAction | undefined): boolean {
  const recordedHead = current.record?.pullRequest.headSha;
  if (!recordedHead || recordedHead === input.pull.headSha || current.issue.title !== rendered.title) return false;
  const atRecordedHead = buildRecord({ ...input, pull: { ...input.pull, headSha: recordedHead }, round: current.round, ...(correctiveAction ? { correctiveAction } : {}) });
  return unchanged(current.issue, render(atRecordedHead));
}

/** An issue of the store that holds a record of the given pull request. */
interface PullRecord {
  issue: EvidenceIssue;
  id: string;
  round: number;
  record?: EvidenceRecord;
}

function recordsOfPull(issues: readonly EvidenceIssue[], repository: string, number: number): PullRecord[] {
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
function latest(records: PullRecord[]): PullRecord | undefined {
  const top = Math.max(0, ...records.map((r) => r.round));
  return records.filter((r) => r.round === top).sort((a, b) => a.issue.number - b.issue.number)[0];
}

/** Close every open record of `id` but the lowest-numbered one, pointing each to it. */
async function closeDuplicates(ledger: Ledger, records: PullRecord[], id: string): Promise<number[]> {
  const open = records.filter((r) => r.id === id && r.issue.state === "open").sort((a, b) => a.issue.number - b.issue.number);
  const [keep, ...dupes] = open;
  if (!keep) return [];
  for (const d of dupes) {
    await ledger.store.update(ledger.repo, d.issue.number, {
      body: `Duplicate of #${keep.issue.number}: the evidence record of ${id} is #${keep.issue.number}. This issue was opened by a concurrent delivery and is not a record.`,
      labels: [],
      state: "closed",
      stateReason: "duplicate",
    });
    ledger.log?.warn({ record: id, duplicate: d.issue.number, kept: keep.issue.number }, "closed a duplicate evidence record");
  }
  return dupes.map((d) => d.issue.number);
}

/**
 * An override is a nonconformity: find the pull request's corrective-action issue, or open it (with
 * owner and due date), so the record can link it. Undefined when the gates were not overridden.
 */
async function ensureCorrectiveAction(ledger: Ledger, input: RecordInputWithoutRound, existing: EvidenceRecord | undefined): Promise<CorrectiveAction | undefined> {
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
    due: dueDate(override, settings.due_days),
  };
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

async function createRecord(ledger: Ledger, record: EvidenceRecord): Promise<EvidenceIssue> {
  const r = render(record);
  await ledger.store.ensureLabels(ledger.repo, recordLabels(record, controlTitle));
  return ledger.store.create(ledger.repo, r);
}

/**
 * Create or update the open record of a governed pull request. `pullCreatedAt` bounds the search
 * for earlier rounds and duplicates (records are never older than their pull request).
 */
export interface PullInfo {
  createdAt?: string;
  /** false when GitHub says the pull request is closed now (the event was late). */
  open?: boolean;
}

/**
 * Every record created since a pull request was opened (its records cannot be older), newest first:
 * `since` drops issues untouched since then, and the listing stops at the first page that reaches
 * issues created before it.
 */
export function recordListing(createdAt: string): ListOptions {
  const from = Date.parse(createdAt);
  return { state: "all", since: createdAt, sort: "created", direction: "desc", stop: (page) => page.some((i) => Date.parse(i.createdAt) < from) };
}

/**
 * `known`: the pull request as read earlier in this event (its creation time allows one listing).
 * `listed`: that one listing (`recordListing(known.createdAt)`), started earlier in the event by
 * the caller, who serialises evaluations of the pull request; used instead of listing here.
 */
export async function upsertOpenRecord(
  ledger: Ledger,
  input: RecordInputWithoutRound,
  pullInfo?: () => Promise<PullInfo | undefined>,
  known?: PullInfo,
  listed?: Promise<EvidenceIssue[]>,
): Promise<UpsertResult> {
  const repository = `${input.pull.owner}/${input.pull.repo}`;
  const baseId = recordId(repository, input.pull.number);
  return ledger.locks.run(`record:${repoKey(ledger.repo)}\u0000${baseId}`, async () => {
    // One listing per event. When the pull request's creation time is known already (it was read
    // in this event), every record of it, open or final, was updated since then: list those once.
    // Otherwise open records are few (one per open governed pull request): look there first.
    const listedAll = known?.createdAt !== undefined;
    let records = recordsOfPull(
      await (listedAll ? (listed ?? ledger.store.list(ledger.repo, recordListing(known!.createdAt!))) : ledger.store.list(ledger.repo, { state: "open" })),
      repository,
      input.pull.number,
    );
    let current = latest(records);
    if (current && current.issue.state === "open") {
      const correctiveAction = await ensureCorrectiveAction(ledger, input, current.record);
      const record = buildRecord({ ...input, round: current.round, ...(correctiveAction ? { correctiveAction } : {}) });
      // Two open records of one round: another replica created the same record at the same moment.
      // The lower number is the record; the next event after the race closes the other (no extra read).
      const duplicates = await closeDuplicates(ledger, records, current.id);
      const r = render(record);
      if (unchanged(current.issue, r) || onlyHeadMoved(current, input, r, correctiveAction)) {
        return duplicates.length > 0
          ? { action: "duplicate-closed", issue: current.issue.number, id: record.id, duplicates }
          : { action: "unchanged", issue: current.issue.number, id: record.id };
      }
      await ledger.store.ensureLabels(ledger.repo, recordLabels(record, controlTitle));
      const written = await ledger.store.update(ledger.repo, current.issue.number, { ...r, labels: withOtherLabels(current.issue, r.labels) });
      return { action: "updated", issue: current.issue.number, id: record.id, written };
    }

    // None open: a finalised earlier round (the pull request was reopened) decides the round. A
    // late event for a pull request closed since must not open a new round.
    // With one listing and no earlier round, the pull request read in this event decides; a final
    // earlier round means it was closed once (reopened, or closed again since): read it now.
    const info = listedAll && !current ? known : ((await pullInfo?.()) ?? known);
    if (info?.open === false) return { action: "skipped", id: baseId };
    if (!listedAll) {
      const since = info?.createdAt;
      records = recordsOfPull(await ledger.store.list(ledger.repo, { state: "all", ...(since ? { since } : {}) }), repository, input.pull.number);
      current = latest(records);
    }
    const round = current ? (current.issue.state === "open" ? current.round : current.round + 1) : 1;
    const correctiveAction = await ensureCorrectiveAction(ledger, input, undefined);
    const record = buildRecord({ ...input, round, ...(correctiveAction ? { correctiveAction } : {}) });
    const created = await createRecord(ledger, record);
    // Within this process the record lock rules out a twin. A replica creating the same record at
    // the same moment leaves two open issues; the next event of the pull request (or its
    // finalisation) closes the newer one, so no listing is spent here on every new record.
    return { action: "created", issue: created.number, id: record.id, written: created };
  });
}

// ---------------------------------------------------------------------------------------------
// The chain

/**
 * The newest finalised records, enough to know the chain head: listed most recently updated
 * first, stopping at the first page older than the best head's closing time.
 */
async function recentFinals(ledger: Ledger, botLogin: string): Promise<VerifiedRecord[]> {
  const seen: VerifiedRecord[] = [];
  await ledger.store.list(ledger.repo, {
    state: "closed",
    sort: "updated",
    direction: "desc",
    stop: (page) => {
      for (const issue of page) {
        if (issue.author.toLowerCase() !== botLogin.toLowerCase()) continue;
        const parsed = parseRecordBody(issue.body);
        if (parsed.ok && isFinal(parsed.record) && hashMatches(parsed.record)) seen.push({ issue: issue.number, record: parsed.record });
      }
      const head = chainHead(seen);
      const closedAt = head ? seen.find((s) => s.issue === head.issue)?.record.pullRequest.closedAt : undefined;
      const oldest = page.at(-1)?.updatedAt;
      return closedAt !== undefined && closedAt !== null && oldest !== undefined && Date.parse(oldest) < Date.parse(closedAt);
    },
  });
  return seen;
}

/** Whether the just-sealed record must move: a lower-numbered record holds its place, or its predecessor moved. */
function mustRelink(me: VerifiedRecord, seen: readonly VerifiedRecord[]): boolean {
  const others = seen.filter((s) => s.issue !== me.issue);
  if (others.some((s) => s.record.prev === me.record.hash)) return false; // someone builds on it already
  const seq = me.record.seq!;
  if (others.some((s) => s.record.seq === seq && s.issue < me.issue)) return true;
  const predecessors = others.filter((s) => s.record.seq === seq - 1);
  if (seq === 1) return false;
  return predecessors.length > 0 && !predecessors.some((p) => p.record.hash === me.record.prev);
}

async function seal(ledger: Ledger, issue: number, record: EvidenceRecord, write: boolean, labelsAndState: { labels: string[]; stateReason: "completed" | "not_planned" }): Promise<{ sealed: EvidenceRecord; relinked: number }> {
  const bot = await ledger.store.botLogin();
  let head = chainHead(await recentFinals(ledger, bot));
  let sealed = signRecord(sealRecord(record, { prev: head?.hash ?? null, seq: (head?.seq ?? 0) + 1 }), ledger.signer);
  if (write) {
    await ledger.store.update(ledger.repo, issue, {
      title: recordTitle(sealed),
      body: renderRecordBody(sealed, controlTitle),
      labels: labelsAndState.labels,
      state: "closed",
      stateReason: labelsAndState.stateReason,
    });
  }
  let relinked = 0;
  for (; relinked < MAX_RELINKS; relinked++) {
    const seen = await recentFinals(ledger, bot);
    const me: VerifiedRecord = { issue, record: sealed };
    if (!mustRelink(me, seen)) break;
    head = chainHead(seen.filter((s) => s.issue !== issue));
    sealed = signRecord(sealRecord(record, { prev: head?.hash ?? null, seq: (head?.seq ?? 0) + 1 }), ledger.signer);
    ledger.log?.warn({ record: record.id, issue, seq: sealed.seq }, "another record was finalised at the same moment: re-linked this record to the chain head");
    await ledger.store.update(ledger.repo, issue, { body: renderRecordBody(sealed, controlTitle) });
  }
  return { sealed, relinked };
}

/**
 * Finalise the record of a merged or closed pull request: seal it into the chain and close its
 * issue. A record already final is never rewritten. Without a record, a governed pull request
 * gets one now (created, then sealed); an ungoverned one gets none.
 */
export async function finaliseRecord(ledger: Ledger, input: RecordInputWithoutRound & { governed: boolean }, pullCreatedAt?: () => Promise<string | undefined>): Promise<FinaliseResult> {
  if (input.state === "open") throw new Error("finaliseRecord needs a merged or closed pull request");
  const repository = `${input.pull.owner}/${input.pull.repo}`;
  const baseId = recordId(repository, input.pull.number);
  return ledger.locks.run(`record:${repoKey(ledger.repo)}\u0000${baseId}`, async () => {
    let records = recordsOfPull(await ledger.store.list(ledger.repo, { state: "open" }), repository, input.pull.number);
    let current = latest(records);
    if (!current) {
      const since = await pullCreatedAt?.();
      records = recordsOfPull(await ledger.store.list(ledger.repo, { state: "all", ...(since ? { since } : {}) }), repository, input.pull.number);
      current = latest(records);
    }
    if (current && current.issue.state === "closed" && current.record && isFinal(current.record)) {
      return { action: "already-final", issue: current.issue.number, id: current.id };
    }
    if (!current && !input.governed) return { action: "not-governed" };

    await closeDuplicates(ledger, records, current?.id ?? baseId);
    const round = current ? current.round : 1;
    const correctiveAction = await ensureCorrectiveAction(ledger, input, current?.record);
    const record = buildRecord({ ...input, round, ...(correctiveAction ? { correctiveAction } : {}) });
    const labels = recordLabels(record, controlTitle);
    const stateReason = input.state === "merged" ? "completed" : "not_planned";

    return withChainLock(ledger, async () => {
      let issue = current?.issue.number;
      let created = false;
      if (issue === undefined) {
        issue = (await createRecord(ledger, record)).number;
        created = true;
      } else {
        await ledger.store.ensureLabels(ledger.repo, labels);
      }
      const { sealed, relinked } = await seal(ledger, issue, record, true, { labels: withOtherLabels(current?.issue, labels.map((l) => l.name)), stateReason });
      ledger.log?.info({ record: sealed.id, issue, seq: sealed.seq, hash: sealed.hash }, "evidence record finalised");
      return { action: "finalised", issue, id: sealed.id, seq: sealed.seq!, hash: sealed.hash!, relinked, created };
    });
  });
}
