import { loadPolicy, type Policy } from "../config/policy.js";
import { UNREGISTERED_SYSTEM } from "../detect/types.js";
import type { UnregisteredAi } from "../evidence/dashboard.js";
import { defaultBranchTree } from "../github/tree-source.js";
import { scanTree } from "../inventory.js";
import { loadCatalogue } from "../controls/catalogue.js";
import { dashboardModel } from "../evidence/dashboard.js";
import { ensureDashboard, type DashboardResult } from "../github/dashboard-issue.js";
import { readCorrectiveActions, readEvidenceEntries, type Repo } from "../github/evidence-reader.js";
import { contentReader, type GitHub } from "../github/pull-request-context.js";
import { dashboardTitle, renderDashboard } from "../render/dashboard.js";
import type { Services } from "../services.js";

/**
 * The dashboard issue of a source repository, rebuilt from the evidence records after they
 * change. Level-triggered: every update renders the whole dashboard from GitHub, so a missed
 * update is repaired by the next one. Debounced per source repository within the process: a
 * burst of record writes (a merge train, a reconcile pass) gives one update after the burst, and
 * a change arriving while an update runs gives one more update after it.
 */

export interface DashboardLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Rebuild and write (when changed) the dashboard of `source`. Undefined when evidence is off or the policy cannot be read. */
export async function updateDashboard(services: Services, octokit: GitHub, source: Repo, now = services.now(), options: { onlyIfOpen?: boolean } = {}): Promise<DashboardResult | undefined> {
  const { settings } = services;
  // The default branch's policy: its controls.exclude and evidence repository.
  const policy = await loadPolicy(contentReader(octokit), { owner: source.owner, repo: source.repo, baseRef: "" });
  if (!policy.ok || !policy.policy.evidence.enabled) return undefined;
  const configured = policy.policy.evidence.repository?.split("/");
  const evidence: Repo = configured ? { owner: configured[0]!, repo: configured[1]! } : source;
  const bot = await services.identity.botLogin(octokit);
  const entries = await readEvidenceEntries(octokit, evidence, bot);
  const name = `${source.owner}/${source.repo}`;
  const model = dashboardModel({
    source: name,
    entries,
    catalogue: loadCatalogue(),
    exclusions: policy.policy.controls.exclude,
    now,
    evidenceRepo: `${evidence.owner}/${evidence.repo}`,
    ...(settings.signer ? { signer: settings.signer } : {}),
    correctiveActions: await readCorrectiveActions(octokit, evidence, bot),
  });
  if (settings.dashboardInventory !== false) model.unregistered = await unregisteredAi(octokit, source, policy.policy);
  const write = { source: name, title: dashboardTitle(name), body: renderDashboard(model) };
  return options.onlyIfOpen ? ensureDashboard(octokit, evidence, bot, write, { onlyIfOpen: true }) : ensureDashboard(octokit, evidence, bot, write);
}

/** Files read per scan of the default branch (manifests, LFS and DVC pointers), at most. */
export const MAX_DASHBOARD_SCAN_READS = 200;

/** The gated AI on the default branch outside every system; a failure is shown, never thrown. */
export async function unregisteredAi(octokit: GitHub, source: Repo, policy: Policy): Promise<UnregisteredAi> {
  try {
    const { source: tree, truncated } = await defaultBranchTree(octokit, source.owner, source.repo);
    const inventory = await scanTree(tree, policy, MAX_DASHBOARD_SCAN_READS);
    const findings = inventory.changes
      .filter((c) => c.gated && c.system === UNREGISTERED_SYSTEM && c.category !== "governance-policy")
      .map((c) => ({ path: c.path, category: c.category, what: c.dependency ? `${c.dependency.ecosystem} ${c.dependency.name}` : c.path, reason: c.reason }));
    return {
      scanned: tree.label,
      findings,
      problems: [...(truncated ? ["GitHub listed only part of the tree (more than 100,000 entries)"] : []), ...inventory.problems.map((p) => `${p.path}: ${p.message}`)],
    };
  } catch (error) {
    return { scanned: "the default branch", findings: [], problems: [], error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Ask for the dashboard of `source` to be rebuilt after the debounce (coalescing every request
 * for the same repository in the meantime). Resolves when the coalesced update has run; never
 * rejects (failures are logged). Without a debounce in the settings the dashboard is off.
 */
export function scheduleDashboardUpdate(
  services: Services,
  octokit: GitHub,
  source: Repo,
  options: { delayMs?: number; log?: DashboardLog; onlyIfOpen?: boolean } = {},
): Promise<void> {
  const delayMs = options.delayMs ?? services.settings.dashboardDebounceMs;
  if (delayMs === undefined) return Promise.resolve();
  const key = `${source.owner}/${source.repo}`.toLowerCase();
  return services.background.schedule(`dashboard:${key}`, delayMs, {
    state: { onlyIfOpen: options.onlyIfOpen === true },
    // Any request that may create the dashboard (an evidence change) wins over refresh-only ones.
    combine: (pending, newer) => ({ onlyIfOpen: pending.onlyIfOpen && newer.onlyIfOpen }),
    run: async ({ onlyIfOpen }) => {
      try {
        const result = await updateDashboard(services, octokit, source, services.now(), { onlyIfOpen });
        if (result && result.action !== "unchanged") options.log?.info({ source: key, issue: result.issue, action: result.action, duplicates: result.closedDuplicates }, "governance dashboard updated");
      } catch (error) {
        options.log?.warn({ err: error, source: key }, "governance dashboard not updated; the next evidence change retries");
      }
    },
  });
}

/**
 * A push to the default branch may add or register AI: the open dashboard of the repository is
 * refreshed (debounced like every update), so its list of AI outside every system follows the branch.
 */
export function onDefaultBranchPush(
  services: Services,
  octokit: GitHub,
  payload: { ref: string; deleted?: boolean; repository: { name: string; owner: { login: string; name?: string }; default_branch?: string } },
  options: { log?: DashboardLog; delayMs?: number } = {},
): Promise<void> {
  const branch = payload.repository.default_branch;
  if (!branch || payload.deleted || payload.ref !== `refs/heads/${branch}` || services.settings.dashboardInventory === false) return Promise.resolve();
  const owner = payload.repository.owner.login ?? payload.repository.owner.name;
  return scheduleDashboardUpdate(services, octokit, { owner, repo: payload.repository.name }, { ...options, onlyIfOpen: true });
}
