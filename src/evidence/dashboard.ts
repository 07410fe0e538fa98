import type { Catalogue, PrEvidence } from "../controls/catalogue.js";
import { buildInventory, type InventorySystem } from "./inventory.js";
import { entryDate, type EvidenceEntry } from "./query.js";
import { isFinal, isOperating } from "./record.js";
import { signHead, type ChainHead, type Signer } from "./signing.js";
import { chainHead } from "./verify.js";

/**
 * The governance dashboard's content for one source repository (pure): Annex A coverage, open
 * governed pull requests and the gate each waits on, recent overrides, and the AI inventory.
 * src/render/dashboard.ts renders it; src/github/dashboard-issue.ts keeps the issue current.
 */

const DAY = 86_400_000;

export interface CoverageRow {
  id: string;
  title: string;
  objective: string;
  applicable: boolean;
  /** From `controls.exclude` when excluded. */
  justification?: string;
  prEvidence: PrEvidence;
  /** Why pull requests cannot evidence it (pr_evidence none). */
  notByPullRequests?: string;
  last30: number;
  last90: number;
  /** Day of the newest finalised record evidencing the control. */
  lastEvidence: string | null;
}

export interface OpenPullRequest {
  id: string;
  number: number;
  title: string;
  url: string;
  issue: number;
  issueUrl: string;
  systems: string[];
  risk: string | null;
  /** Names of the gates that have not passed. */
  waitingOn: string[];
}

export interface OverrideRow {
  id: string;
  number: number;
  url: string;
  login: string;
  at: string;
  reason: string;
  issue: number;
  issueUrl: string;
}

/** Nonconformities (overrides) of the source repository and their corrective actions. */
export interface NonconformityCounts {
  total: number;
  /** Corrective-action issues still open, closed, or not opened at all. */
  open: number;
  closed: number;
  notOpened: number;
}

/** An approved assessment whose next review falls within 30 days (or is past). */
export interface ReviewDue {
  id: string;
  ref: string;
  nextReview: string;
  record: string;
  issueUrl: string;
}

export interface DashboardModel {
  source: string;
  /** The evidence repository's chain head, signed when the app holds a key. */
  chainHead?: ChainHead;
  /** The public key that verifies the head and the records. */
  publicKeyPem?: string;
  nonconformities: NonconformityCounts;
  /** Approved assessments whose next review is past or within 30 days, soonest first. */
  reviewsDue: ReviewDue[];
  records: number;
  finalised: number;
  coverage: CoverageRow[];
  openPullRequests: OpenPullRequest[];
  /**
   * Whether every open governed pull request has a record (`evidence.while_open`). When not, the
   * open ones listed are the overridden ones; `openPullsUrl` leads to the rest.
   */
  openRecordsKept: boolean;
  /** The source repository's open pull requests on GitHub. */
  openPullsUrl?: string;
  overrides: OverrideRow[];
  inventory: InventorySystem[];
  /** AI on the default branch outside every `systems:` entry; absent when it was not scanned. */
  unregistered?: UnregisteredAi;
}

/** A scan of the default branch: the gated AI findings no `systems:` entry covers. */
export interface UnregisteredAi {
  /** `main (1a2b3c4)`. */
  scanned: string;
  findings: Array<{ path: string; category: string; what: string; reason: string }>;
  /** Why the list may be incomplete (truncated tree, too many files to read, unreadable manifests). */
  problems: string[];
  /** Set when the scan failed: nothing is listed. */
  error?: string;
}

export interface DashboardInput {
  /** The source repository, owner/name. */
  source: string;
  /** Records of the evidence repository (only those of `source` are used). */
  entries: readonly EvidenceEntry[];
  catalogue: Catalogue;
  exclusions: ReadonlyArray<{ id: string; justification: string }>;
  /** Epoch milliseconds. */
  now: number;
  /** The evidence repository (owner/name), for the chain head. */
  evidenceRepo?: string;
  signer?: Signer;
  /** State of each corrective-action issue by number ("open" or "closed"). */
  correctiveActions?: ReadonlyMap<number, "open" | "closed">;
  /** `evidence.while_open` of the policy (default false). */
  openRecordsKept?: boolean;
  /** https://github.com, or the GitHub Enterprise host, for the link to open pull requests. */
  webUrl?: string;
}

export function dashboardModel(input: DashboardInput): DashboardModel {
  const entries = input.entries.filter((e) => e.record.pullRequest.repository.toLowerCase() === input.source.toLowerCase());
  const finals = entries.filter((e) => isFinal(e.record));
  const since30 = input.now - 30 * DAY;
  const since90 = input.now - 90 * DAY;
  const excluded = new Map(input.exclusions.map((x) => [x.id, x.justification]));

  const coverage = input.catalogue.controls.map((c): CoverageRow => {
    let last30 = 0;
    let last90 = 0;
    let lastEvidence: string | null = null;
    // Merged, non-overridden records only, and only controls the current catalogue lets them claim.
    for (const e of c.prEvidence === "none" ? [] : finals) {
      if (!isOperating(e.record) || !e.record.controls.some((x) => x.id === c.id)) continue;
      const date = entryDate(e);
      const t = Date.parse(date);
      if (t >= since30 && t <= input.now) last30++;
      if (t >= since90 && t <= input.now) last90++;
      if (!lastEvidence || date > lastEvidence) lastEvidence = date;
    }
    const justification = excluded.get(c.id);
    return {
      id: c.id,
      title: c.title,
      objective: c.objective,
      applicable: justification === undefined,
      ...(justification !== undefined ? { justification } : {}),
      prEvidence: c.prEvidence,
      ...(c.prEvidence === "none" ? { notByPullRequests: c.reason ?? "pull requests cannot evidence this control" } : {}),
      last30,
      last90,
      lastEvidence,
    };
  });

  const openPullRequests = entries
    .filter((e) => e.record.state === "open")
    .sort((a, b) => a.record.pullRequest.number - b.record.pullRequest.number)
    .map((e) => ({
      id: e.record.id,
      number: e.record.pullRequest.number,
      title: e.record.pullRequest.title,
      url: e.record.pullRequest.url,
      issue: e.issue,
      issueUrl: e.url,
      systems: e.record.systems.map((s) => s.id),
      risk: e.record.risk,
      waitingOn: e.record.gates.filter((g) => g.conclusion !== "success").map((g) => g.name),
    }));

  const overrides = entries
    .filter((e) => e.record.override && Date.parse(e.record.override.at) >= since90 && Date.parse(e.record.override.at) <= input.now)
    .map((e) => ({
      id: e.record.id,
      number: e.record.pullRequest.number,
      url: e.record.pullRequest.url,
      login: e.record.override!.login,
      at: e.record.override!.at,
      reason: e.record.override!.reason,
      issue: e.issue,
      issueUrl: e.url,
    }))
    .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));

  const nonconformities: NonconformityCounts = { total: 0, open: 0, closed: 0, notOpened: 0 };
  for (const e of entries) {
    if (!e.record.nonconformity && !e.record.override) continue;
    nonconformities.total++;
    const ca = e.record.nonconformity?.correctiveAction;
    const state = ca ? input.correctiveActions?.get(ca.issue) : undefined;
    if (!ca) nonconformities.notOpened++;
    else if (state === "closed") nonconformities.closed++;
    else nonconformities.open++;
  }
  // The newest record's view of each approved assessment.
  const latest = new Map<string, ReviewDue>();
  for (const e of [...entries].sort((a, b) => (entryDate(a) < entryDate(b) ? -1 : 1))) {
    for (const a of e.record.assessment.records) {
      if (a.nextReview && a.approvedBy.length > 0) latest.set(a.id, { id: a.id, ref: a.ref, nextReview: a.nextReview, record: e.record.id, issueUrl: e.url });
    }
  }
  const reviewsDue = [...latest.values()].filter((r) => Date.parse(`${r.nextReview}T00:00:00Z`) <= input.now + 30 * DAY).sort((a, b) => (a.nextReview < b.nextReview ? -1 : 1));
  // The head of the whole evidence repository's chain (every source's records).
  const head = input.evidenceRepo ? chainHead(input.entries.map((e) => ({ issue: e.issue, record: e.record }))) : null;
  const headRecord = head ? input.entries.find((e) => e.issue === head.issue)?.record : undefined;
  const signedHead = head && input.evidenceRepo ? signHead({ repository: input.evidenceRepo, seq: head.seq, hash: head.hash, at: headRecord?.pullRequest.closedAt ?? "" }, input.signer) : undefined;
  return {
    source: input.source,
    ...(signedHead ? { chainHead: signedHead } : {}),
    ...(input.signer ? { publicKeyPem: input.signer.publicKeyPem } : {}),
    nonconformities,
    reviewsDue,
    records: entries.length,
    finalised: finals.length,
    coverage,
    openPullRequests,
    openRecordsKept: input.openRecordsKept ?? false,
    ...(input.webUrl ? { openPullsUrl: `${input.webUrl}/${input.source}/pulls` } : {}),
    overrides,
    inventory: buildInventory(entries),
  };
}

/**
 * What the last rebuild of a dashboard read and wrote: a change to one record is applied to it
 * instead of listing every record again (one more page per 100 records, on every change).
 */
export interface DashboardSnapshot {
  evidence: { owner: string; repo: string };
  bot: string;
  entries: EvidenceEntry[];
  correctiveActions: Map<number, "open" | "closed">;
  unregistered?: UnregisteredAi;
  issue: number;
  title: string;
  body: string;
  takenAt: number;
}
