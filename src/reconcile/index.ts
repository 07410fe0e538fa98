import type { Probot } from "probot";
import type { GitHub } from "../ports/pull-request-context.js";
import type { Services } from "../services.js";
import { redeliverFailedDeliveries, type RedeliveryOptions, type RedeliveryReport } from "./deliveries.js";
import { updateDashboard } from "../handlers/dashboard.js";
import { evidenceFinaliser } from "./evidence-hook.js";
import { reconcileRepository, type EvidenceFinaliser, type RepositoryReport } from "./pulls.js";

export interface ReconcileOptions extends RedeliveryOptions {
  /** Skip redelivery (e.g. the app has no webhook, or another job does it). */
  redeliver?: boolean;
  /** Skip the per-repository pass. */
  pulls?: boolean;
  finalise?: EvidenceFinaliser;
  closedLookbackMs?: number;
  /** Skip refreshing open governance dashboards. */
  dashboards?: boolean;
  /** The Redis intake's dead letters (deliveries that failed every attempt): each pass retries and reports them. */
  deadLetters?: { retryDeadLetters(): Promise<string[]> };
}

export interface ReconcileReport {
  deliveries?: RedeliveryReport;
  deliveriesError?: string;
  /** Dead-lettered deliveries put back in the intake queue by this pass. */
  deadLettersRetried?: string[];
  deadLettersError?: string;
  installations: number;
  repositories: RepositoryReport[];
  errors: string[];
  /** False when evidence finalisation was skipped because no finaliser is available. */
  evidenceFinalisation: boolean;
}

export interface ReconcileDeps {
  /** Authenticated as the app (JWT): deliveries and installations. */
  appOctokit: GitHub;
  /** Authenticated as one installation. */
  installationOctokit: (installationId: number) => Promise<GitHub>;
  services: Services;
  log?: { info: (obj: object, msg: string) => void; warn: (obj: object, msg: string) => void };
}

/**
 * One reconcile pass: (a) redeliver failed webhook deliveries; (b) per installation and
 * repository, re-evaluate open PRs whose aims checks are missing, stale or stuck; (c) finalise
 * evidence of recently merged or closed PRs. Safe to run on every replica at once.
 */
export async function reconcile(deps: ReconcileDeps, options: ReconcileOptions = {}): Promise<ReconcileReport> {
  const { appOctokit, services } = deps;
  const finalise = options.finalise ?? evidenceFinaliser(services);
  const report: ReconcileReport = { installations: 0, repositories: [], errors: [], evidenceFinalisation: true };
  if (options.redeliver !== false) {
    try {
      report.deliveries = await redeliverFailedDeliveries(appOctokit, options);
    } catch (error) {
      // A missing webhook or permission must not stop the other repairs.
      report.deliveriesError = (error as Error).message ?? String(error);
    }
  }
  if (options.deadLetters) {
    try {
      report.deadLettersRetried = await options.deadLetters.retryDeadLetters();
    } catch (error) {
      report.deadLettersError = (error as Error).message ?? String(error);
    }
  }
  if (options.pulls !== false) {
    const installations = await appOctokit.paginate(appOctokit.rest.apps.listInstallations, { per_page: 100 });
    report.installations = installations.length;
    for (const installation of installations) {
      try {
        const octokit = await deps.installationOctokit(installation.id);
        const repos = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
        for (const repo of repos) {
          if (repo.archived) continue;
          try {
            report.repositories.push(
              await reconcileRepository(octokit, repo.owner.login, repo.name, services, {
                finalise,
                ...(options.closedLookbackMs !== undefined ? { closedLookbackMs: options.closedLookbackMs } : {}),
                ...(options.now !== undefined ? { now: options.now } : {}),
                ...(options.dashboards !== false
                  ? { refreshDashboard: (o: GitHub, source: { owner: string; repo: string }) => updateDashboard(services, o, source, options.now ?? services.now(), { onlyIfOpen: true }) }
                  : {}),
              }),
            );
          } catch (error) {
            report.errors.push(`${repo.full_name}: ${(error as Error).message ?? String(error)}`);
          }
        }
      } catch (error) {
        report.errors.push(`installation ${installation.id}: ${(error as Error).message ?? String(error)}`);
      }
    }
  }
  deps.log?.info(summarise(report), "aims reconcile pass finished");
  return report;
}

export function summarise(report: ReconcileReport): Record<string, unknown> {
  return {
    deliveriesScanned: report.deliveries?.scanned ?? 0,
    failedGuids: report.deliveries?.failedGuids ?? 0,
    redelivered: report.deliveries?.redelivered.length ?? 0,
    gaveUp: report.deliveries?.gaveUp.length ?? 0,
    ...(report.deliveriesError ? { deliveriesError: report.deliveriesError } : {}),
    ...(report.deadLettersRetried ? { deadLettersRetried: report.deadLettersRetried.length } : {}),
    ...(report.deadLettersError ? { deadLettersError: report.deadLettersError } : {}),
    installations: report.installations,
    repositories: report.repositories.length,
    reevaluated: report.repositories.reduce((n, r) => n + r.reevaluated.length, 0),
    finalised: report.repositories.reduce((n, r) => n + r.finalised.length, 0),
    evidenceFinalisation: report.evidenceFinalisation,
    errors: report.errors.length + report.repositories.reduce((n, r) => n + r.errors.length + (r.dashboardError ? 1 : 0), 0),
  };
}

/** The same pass from inside the running app, with Probot's clients. */
export function reconcileWithProbot(app: Pick<Probot, "auth" | "log">, services: Services, options: ReconcileOptions = {}): Promise<ReconcileReport> {
  return (async () =>
    reconcile(
      {
        appOctokit: (await app.auth()) as GitHub,
        installationOctokit: async (id) => (await app.auth(id)) as GitHub,
        services,
        log: app.log,
      },
      options,
    ))();
}

/**
 * Run a pass now and then every `minutes`; passes never overlap and errors are logged, never
 * thrown. Returns a stop function. The timer does not keep the process alive.
 */
export function startReconciler(app: Pick<Probot, "auth" | "log">, services: Services, minutes: number, options: ReconcileOptions = {}): () => void {
  let running = false;
  let stopped = false;
  const pass = async () => {
    if (running || stopped) return;
    running = true;
    try {
      await reconcileWithProbot(app, services, options);
    } catch (error) {
      app.log.warn({ err: error }, "aims reconcile pass failed; the next pass tries again");
    } finally {
      running = false;
    }
  };
  const first = setTimeout(() => void pass(), 1000);
  first.unref();
  const timer = setInterval(() => void pass(), Math.max(1000, minutes * 60_000));
  timer.unref();
  return () => {
    stopped = true;
    clearTimeout(first);
    clearInterval(timer);
  };
}
