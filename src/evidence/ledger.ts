import { buildRecord } from "./build.js";
import {
  recordId,
  recordLabels,
} from "./record.js";
import type { EvidenceIssue, ListOptions } from "./store.js";
import { repoKey, controlTitle, render, withOtherLabels, unchanged, onlyHeadMoved, recordsOfPull, latest, closeDuplicates, ensureCorrectiveAction, createRecord, type Ledger, type RecordInputWithoutRound, type UpsertResult } from "./ledger-records.js";

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

export type { FinaliseResult, Ledger, LedgerLog, RecordInputWithoutRound, UpsertResult } from "./ledger-records.js";
export { CHAIN_LOCK_LABEL, finaliseRecord } from "./ledger-chain.js";

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
