import { randomBytes } from "node:crypto";
import { buildRecord } from "./build.js";
import {
  hashMatches,
  isFinal,
  parseRecordBody,
  recordId,
  recordLabels,
  recordTitle,
  renderRecordBody,
  sealRecord,
  type EvidenceRecord,
} from "./record.js";
import { signRecord } from "./signing.js";
import { chainHead, type VerifiedRecord } from "./verify.js";
import { repoKey, controlTitle, withOtherLabels, recordsOfPull, latest, closeDuplicates, ensureCorrectiveAction, createRecord, type Ledger, type RecordInputWithoutRound, type FinaliseResult } from "./ledger-records.js";

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
    } });
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
      stateReason: labelsAndState.stateReason });
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
    let since: string | undefined;
    if (!current) {
      since = await pullCreatedAt?.();
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
      // Another replica finalising the same merge may have written the record meanwhile: the chain
      // lock is shared by replicas, the record lock above is not (without Redis). Sealing it again
      // would overwrite a link of the chain.
      if (current) {
        const now = await ledger.store.get(ledger.repo, current.issue.number);
        const parsed = now ? parseRecordBody(now.body) : undefined;
        if (now?.state === "closed" && parsed?.ok && isFinal(parsed.record)) return { action: "already-final", issue: now.number, id: current.id };
      } else {
        const now = latest(recordsOfPull(await ledger.store.list(ledger.repo, { state: "all", ...(since ? { since } : {}) }), repository, input.pull.number));
        if (now?.issue.state === "closed" && now.record && isFinal(now.record)) return { action: "already-final", issue: now.issue.number, id: now.id };
        current = now;
      }
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
