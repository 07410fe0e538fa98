import type { Coalescer } from "../util/coalescer.js";
import type { PolicyResult } from "../config/policy.js";
import { CHECK_NAMES, GATE_IDS, type GateResult } from "../gates/types.js";
import { pullRequestRef, type GitHub, type PullRequestContext, type PullRequestRef } from "../ports/pull-request-context.js";
import type { Evaluation } from "../evaluation.js";
import type { Identity } from "../ports/identity.js";
import type { Locks } from "../util/keyed-mutex.js";
import type { EvidenceEvents } from "./events.js";
import type { Signer } from "./signing.js";
import { isGoverned } from "./build.js";
import { finaliseRecord, recordListing, upsertOpenRecord, type FinaliseResult, type Ledger, type LedgerLog, type PullInfo, type UpsertResult } from "./ledger.js";
import { createGitHubStore, type EvidenceIssue, type LabelCache, type RepoRef } from "./store.js";

/**
 * Wiring of the evidence ledger to GitHub events: the open record after every evaluation of a
 * governed pull request, and finalisation when it closes. Evidence never changes a gate: callers
 * log a failure here and the next event (or the reconciler) repairs the record.
 */

type OkPolicy = PolicyResult & { ok: true };

/** What the evidence wiring takes from the process (Services). */
export interface EvidenceServices {
  settings: { appId?: number; signer?: Signer };
  locks: Locks;
  identity: Identity;
  labels: LabelCache;
  evidenceEvents: EvidenceEvents;
  /** Where label upkeep runs, after the event that asked for it. */
  background: Coalescer;
}

function evidenceRepo(policy: OkPolicy, pull: { owner: string; repo: string }): RepoRef {
  const configured = policy.policy.evidence.repository;
  if (configured) {
    const [owner, repo] = configured.split("/");
    return { owner: owner!, repo: repo! };
  }
  return { owner: pull.owner, repo: pull.repo };
}

function logOf(octokit: GitHub): LedgerLog | undefined {
  const log = (octokit as unknown as { log?: LedgerLog }).log;
  return log && typeof log.warn === "function" ? log : undefined;
}

/**
 * Bounds the search for earlier rounds, and catches late events. A ref read from GitHub in this
 * event (`fresh`) already says both; otherwise the pull request is read once, when a record is
 * about to be created.
 */
async function pullInfo(octokit: GitHub, pull: PullRequestRef): Promise<PullInfo> {
  if (pull.fresh && pull.createdAt) return { createdAt: pull.createdAt, open: pull.state === "open" };
  const { data } = await octokit.rest.pulls.get({ owner: pull.owner, repo: pull.repo, pull_number: pull.number });
  return { createdAt: data.created_at, open: data.state === "open" };
}

/** The pull request as read from GitHub in this event, when the ref says it was. */
function knownPull(pull: PullRequestRef): PullInfo | undefined {
  return pull.fresh && pull.createdAt ? { createdAt: pull.createdAt, open: pull.state === "open" } : undefined;
}

function ledgerOf(services: EvidenceServices, octokit: GitHub, policy: OkPolicy, pull: PullRequestRef): Ledger {
  return {
    store: createGitHubStore(octokit, services),
    repo: evidenceRepo(policy, pull),
    locks: services.locks,
    ...(logOf(octokit) ? { log: logOf(octokit)! } : {}),
    ...(services.settings.signer ? { signer: services.settings.signer } : {}),
  };
}

const sameRepo = (a: RepoRef, b: RepoRef) => `${a.owner}/${a.repo}`.toLowerCase() === `${b.owner}/${b.repo}`.toLowerCase();

/** The evidence listing started while the evaluation reads; handed to recordOpenEvidence. */
export interface EvidencePrefetch {
  repo: RepoRef;
  listing: Promise<EvidenceIssue[]>;
}

/**
 * Start the one listing of the evidence records while the rest of the evaluation reads (the
 * pipeline calls this once detection says the pull request is governed); recordOpenEvidence takes
 * it. Only for a pull request read in this event, and only inside the pipeline's per-pull-request
 * serialisation, so no other evaluation of it can write between the listing and its use.
 */
export function prefetchOpenEvidence(services: EvidenceServices, octokit: GitHub, ctx: PullRequestContext, policy: PolicyResult, facts: Evaluation["facts"]): EvidencePrefetch | undefined {
  if (!policy.ok || !policy.policy.evidence.enabled || !policy.policy.evidence.while_open || ctx.pull.state !== "open" || !isGoverned(facts)) return undefined;
  const known = knownPull(ctx.pull);
  if (!known) return undefined;
  const ledger = ledgerOf(services, octokit, policy, ctx.pull);
  const listing = ledger.store.list(ledger.repo, recordListing(known.createdAt!));
  // A failure surfaces where the listing is used (recordOpenEvidence logs it).
  listing.catch(() => undefined);
  return { repo: ledger.repo, listing };
}

/**
 * Whether an open pull request's record is written now: always under `evidence.while_open`; else
 * only once it is overridden, since a nonconformity and its corrective action must not wait for
 * the merge. Otherwise the record is first written when the pull request closes.
 */
export function recordsWhileOpen(policy: OkPolicy, gates: readonly GateResult[]): boolean {
  return policy.policy.evidence.while_open || gates.some((g) => g.override !== undefined);
}

/**
 * After the checks of an open pull request are published: create or update its evidence record
 * when it is governed, evidence is enabled and recordsWhileOpen says so. Returns undefined when
 * nothing was to be done.
 */
export async function recordOpenEvidence(services: EvidenceServices, octokit: GitHub, ctx: PullRequestContext, evaluation: Evaluation, early?: EvidencePrefetch): Promise<UpsertResult | undefined> {
  const { policy, facts, gates } = evaluation;
  if (!policy.ok || !policy.policy.evidence.enabled || ctx.pull.state !== "open") return undefined;
  if (!isGoverned(facts) || !recordsWhileOpen(policy, gates)) return undefined;
  const ledger = ledgerOf(services, octokit, policy, ctx.pull);
  const known = knownPull(ctx.pull);
  const result = await upsertOpenRecord(
    ledger,
    { pull: ctx.pull, policy, facts, gates, state: "open", mergeSha: null, closedAt: null, checks: [], webUrl: webUrl(octokit) },
    () => pullInfo(octokit, ctx.pull),
    // Read in this event already: its creation time bounds one listing of the records.
    known,
    known && early && sameRepo(early.repo, ledger.repo) ? early.listing : undefined,
  );
  if (result.action !== "unchanged" && result.action !== "skipped") {
    services.evidenceEvents.emit({
      octokit,
      source: { owner: ctx.pull.owner, repo: ctx.pull.repo },
      evidence: ledger.repo,
      action: result.action,
      ...(result.action === "created" || result.action === "updated" ? { written: result.written } : {}),
    });
  }
  return result;
}

/** Same as recordOpenEvidence, but a failure is logged instead of thrown. */
export async function recordOpenEvidenceSafely(services: EvidenceServices, octokit: GitHub, ctx: PullRequestContext, evaluation: Evaluation, early?: EvidencePrefetch): Promise<UpsertResult | undefined> {
  try {
    return await recordOpenEvidence(services, octokit, ctx, evaluation, early);
  } catch (error) {
    logOf(octokit)?.warn({ err: error, pr: ctx.pull.number }, "evidence record not updated; the next event for this pull request retries");
    return undefined;
  }
}

/** https://github.com, or the GitHub Enterprise host the API runs on. */
export function webUrl(octokit: GitHub): string {
  const base = String((octokit.request.endpoint.DEFAULTS as { baseUrl?: string }).baseUrl ?? "https://api.github.com");
  if (base === "https://api.github.com") return "https://github.com";
  return base.replace(/\/api\/v3\/?$/, "");
}

/** Check runs on the head SHA: ours give the final gate conclusions, the others go in the record. */
async function headCheckRuns(octokit: GitHub, pull: PullRequestRef, appId?: number) {
  const runs = await octokit.paginate(octokit.rest.checks.listForRef, { owner: pull.owner, repo: pull.repo, ref: pull.headSha, filter: "latest", per_page: 100 });
  const ourNames = new Set(GATE_IDS.map((g) => CHECK_NAMES[g]));
  const ours = runs.filter((r) => ourNames.has(r.name) && (appId === undefined || r.app?.id === appId));
  const others = runs
    .filter((r) => !ourNames.has(r.name))
    .map((r) => ({
      name: r.name,
      status: r.status,
      conclusion: r.conclusion ?? null,
      ...(r.app?.slug ? { app: r.app.slug } : {}),
      ...(r.app?.id !== undefined ? { appId: r.app.id } : {}),
      runId: r.id,
      ...(r.html_url ? { url: r.html_url } : {}),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return { ours, others };
}

/** The gate decisions that stood when the pull request closed: the published check runs win over a re-evaluation. */
function standingGates(gates: GateResult[], ours: Array<{ name: string; status: string; conclusion: string | null; output?: { title?: string | null } }>): GateResult[] {
  return gates.map((g) => {
    const run = ours.find((r) => r.name === g.name && r.status === "completed");
    if (!run || (run.conclusion !== "success" && run.conclusion !== "failure" && run.conclusion !== "action_required")) return g;
    return { ...g, conclusion: run.conclusion, title: run.output?.title ?? g.title };
  });
}

/**
 * Finalise the evidence record of a merged or closed pull request. Re-evaluates it (reads only)
 * for the facts, takes the gate conclusions from its published check runs, adds the merge commit
 * and the other checks on the head, and seals the record into the chain. Idempotent: a record
 * already final is left alone. Matches the reconciler's EvidenceFinaliser.
 */
export async function finalisePullRequestEvidence(services: EvidenceServices, octokit: GitHub, pull: PullRequestRef, evaluate: Evaluate): Promise<"finalised" | "already-final" | "not-governed"> {
  const result = await finaliseEvidence(services, octokit, pull, evaluate);
  return result.action === "finalised" ? "finalised" : result.action;
}

/**
 * Evaluates a pull request (reads only), as read from GitHub when it closed: the caller builds its
 * context and runs the pipeline's evaluatePullRequest, so evidence depends on neither.
 */
export type Evaluate = (pull: PullRequestRef) => Promise<Evaluation>;

export async function finaliseEvidence(services: EvidenceServices, octokit: GitHub, given: PullRequestRef, evaluate: Evaluate): Promise<FinaliseResult> {
  const { settings } = services;
  const { data } = await octokit.rest.pulls.get({ owner: given.owner, repo: given.repo, pull_number: given.number });
  if (data.state !== "closed") return { action: "not-governed" };
  const pull = pullRequestRef(data, { owner: given.owner, repo: given.repo });
  const evaluation = await evaluate(pull);
  const policy = evaluation.policy;
  if (!policy.ok) throw new Error(`the policy on ${pull.baseRef} cannot be read (${policy.reason}); the evidence record is finalised once it can`);
  if (!policy.policy.evidence.enabled) return { action: "not-governed" };
  const { ours, others } = await headCheckRuns(octokit, pull, settings.appId);
  const merged = data.merged === true;
  const ledger = ledgerOf(services, octokit, policy, pull);
  const result = await finaliseRecord(
    ledger,
    {
      pull,
      policy,
      facts: evaluation.facts,
      gates: standingGates(evaluation.gates, ours),
      state: merged ? "merged" : "closed",
      mergeSha: merged ? (data.merge_commit_sha ?? null) : null,
      closedAt: (merged ? data.merged_at : data.closed_at) ?? data.closed_at ?? null,
      checks: others,
      webUrl: webUrl(octokit),
      governed: isGoverned(evaluation.facts),
    },
    async () => data.created_at,
  );
  if (result.action === "finalised") services.evidenceEvents.emit({ octokit, source: { owner: pull.owner, repo: pull.repo }, evidence: ledger.repo, action: result.action });
  return result;
}
