import { listPullsCapped } from "../github/open-pulls.js";
import { CHECK_NAMES, GATE_IDS } from "../gates/types.js";
import { pullRequestRef, type GitHub, type PullRequestRef } from "../ports/pull-request-context.js";
import { reevaluatePull } from "../reevaluate.js";
import type { Services } from "../services.js";
import { mapLimit } from "../util/concurrency.js";

/** Open PRs examined per repository per pass, most recently updated first. */
export const MAX_OPEN_PULLS_PER_REPO = 300;
/** Closed PRs examined per repository per pass for evidence finalisation. */
export const MAX_CLOSED_PULLS_PER_REPO = 100;
const CONCURRENCY = 4;

/**
 * Finalises the evidence record of a merged or closed pull request when it has none yet. Provided by
 * the evidence ledger (src/evidence); returns what it did. Must be idempotent: the reconciler calls
 * it for every recently closed PR on every pass.
 */
export type EvidenceFinaliser = (octokit: GitHub, pull: PullRequestRef) => Promise<"finalised" | "already-final" | "not-governed">;

export type CheckState = "current" | "missing" | "stuck";

/** Why an open PR needs evaluating: both aims checks must be completed on its head SHA. */
export function checkState(runs: Array<{ name: string; status: string }>): CheckState {
  const names = GATE_IDS.map((g) => CHECK_NAMES[g]);
  const ours = names.map((n) => runs.find((r) => r.name === n));
  if (ours.some((r) => r === undefined)) return "missing";
  // The app only ever writes completed runs: anything else was left behind by a crash or another tool.
  if (ours.some((r) => r!.status !== "completed")) return "stuck";
  return "current";
}

export interface RepositoryReport {
  repository: string;
  open: number;
  reevaluated: Array<{ number: number; reason: CheckState }>;
  finalised: number[];
  errors: Array<{ number: number; message: string }>;
  /** Why the governance dashboard could not be refreshed, when it could not. */
  dashboardError?: string;
  truncated: boolean;
}

export interface RepositoryOptions {
  finalise?: EvidenceFinaliser;
  /** Closed PRs updated within this many ms are looked at for evidence finalisation. */
  closedLookbackMs?: number;
  now?: number;
  /** Keeps the repository's governance dashboard current: its 30- and 90-day counts age without new evidence. */
  refreshDashboard?: (octokit: GitHub, source: { owner: string; repo: string }) => Promise<unknown>;
}


/**
 * One repository: re-evaluate every open PR whose aims checks are missing on its head SHA (never
 * evaluated, or only on an older head) or not completed; finalise evidence of recently merged or
 * closed PRs. Level-triggered: running it twice, or on several replicas, changes nothing more.
 */
export async function reconcileRepository(octokit: GitHub, owner: string, repo: string, services: Services, options: RepositoryOptions = {}): Promise<RepositoryReport> {
  const report: RepositoryReport = { repository: `${owner}/${repo}`, open: 0, reevaluated: [], finalised: [], errors: [], truncated: false };
  const open = await listPullsCapped(octokit, { owner, repo }, { state: "open", limit: MAX_OPEN_PULLS_PER_REPO });
  report.open = open.pulls.length;
  report.truncated = open.truncated;
  await mapLimit(open.pulls, CONCURRENCY, async (pr) => {
    try {
      const { data } = await octokit.rest.checks.listForRef({
        owner,
        repo,
        ref: pr.head.sha,
        filter: "latest",
        per_page: 100,
        ...(services.settings.appId ? { app_id: services.settings.appId } : {}),
      });
      const state = checkState(data.check_runs.map((r) => ({ name: r.name, status: r.status })));
      if (state === "current") return;
      const { data: full } = await octokit.rest.pulls.get({ owner, repo, pull_number: pr.number });
      if (full.state !== "open") return;
      const pull = pullRequestRef(full, { owner, repo });
      await reevaluatePull(services, octokit, pull);
      report.reevaluated.push({ number: pr.number, reason: state });
    } catch (error) {
      report.errors.push({ number: pr.number, message: (error as Error).message ?? String(error) });
    }
  });

  if (options.finalise) {
    const since = (options.now ?? Date.now()) - (options.closedLookbackMs ?? 7 * 24 * 60 * 60 * 1000);
    const closed = await listPullsCapped(octokit, { owner, repo }, { state: "closed", limit: MAX_CLOSED_PULLS_PER_REPO, since });
    await mapLimit(closed.pulls, CONCURRENCY, async (pr) => {
      try {
        const { data: full } = await octokit.rest.pulls.get({ owner, repo, pull_number: pr.number });
        const outcome = await options.finalise!(octokit, pullRequestRef(full, { owner, repo }));
        if (outcome === "finalised") report.finalised.push(pr.number);
      } catch (error) {
        report.errors.push({ number: pr.number, message: (error as Error).message ?? String(error) });
      }
    });
  }
  if (options.refreshDashboard) {
    try {
      await options.refreshDashboard(octokit, { owner, repo });
    } catch (error) {
      report.dashboardError = (error as Error).message ?? String(error);
    }
  }
  return report;
}
