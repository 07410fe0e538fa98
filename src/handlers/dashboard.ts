import { loadPolicy, type Policy } from "../config/policy.js";
import { UNREGISTERED_SYSTEM } from "../detect/types.js";
import type { UnregisteredAi } from "../evidence/dashboard.js";
import { defaultBranchTree } from "../github/tree-source.js";
import { scanTree } from "../inventory.js";
import { loadCatalogue } from "../controls/catalogue.js";
import { dashboardModel } from "../evidence/dashboard.js";
import { ensureDashboard, type DashboardResult } from "../github/dashboard-issue.js";
import { appBotLogin, readCorrectiveActions, readEvidenceEntries, type Repo } from "../github/evidence-reader.js";
import { contentReader, type GitHub } from "../github/pull-request-context.js";
import { dashboardTitle, renderDashboard } from "../render/dashboard.js";
import type { AppSettings } from "../settings.js";

/**
 * The dashboard issue of a source repository, rebuilt from the evidence records after they
 * change. Level-triggered: every update renders the whole dashboard from GitHub, so a missed
 * update is repaired by the next one. Debounced per source repository within the process: a
 * burst of record writes (a merge train, a reconcile pass) gives one update after the burst, and
 * a change arriving while an update runs gives one more update after it.
 */

export const DEFAULT_DASHBOARD_DEBOUNCE_MS = 5_000;

export interface DashboardLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Rebuild and write (when changed) the dashboard of `source`. Undefined when evidence is off or the policy cannot be read. */
export async function updateDashboard(octokit: GitHub, source: Repo, settings: AppSettings = {}, now = Date.now(), options: { onlyIfOpen?: boolean } = {}): Promise<DashboardResult | undefined> {
  // The default branch's policy: its controls.exclude and evidence repository.
  const policy = await loadPolicy(contentReader(octokit), { owner: source.owner, repo: source.repo, baseRef: "" });
  if (!policy.ok || !policy.policy.evidence.enabled) return undefined;
  const configured = policy.policy.evidence.repository?.split("/");
  const evidence: Repo = configured ? { owner: configured[0]!, repo: configured[1]! } : source;
  const bot = await appBotLogin(octokit, settings);
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

interface Pending {
  octokit: GitHub;
  source: Repo;
  settings: AppSettings;
  log?: DashboardLog;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Refresh only a dashboard that is open (a push to the default branch); any evidence change may create one. */
  onlyIfOpen: boolean;
  running: boolean;
  again: boolean;
  done: Promise<void>;
  resolve: () => void;
}

const pending = new Map<string, Pending>();

/**
 * `AIMS_DASHBOARD_DEBOUNCE_MS` (default 5000; 0 updates at once; `off` disables the dashboard).
 * Under NODE_ENV=test the dashboard is off unless the variable is set, so test suites of other
 * features see no background writes.
 */
export function dashboardDebounceMs(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.AIMS_DASHBOARD_DEBOUNCE_MS?.trim();
  if (raw === undefined || raw === "") return env.NODE_ENV === "test" ? undefined : DEFAULT_DASHBOARD_DEBOUNCE_MS;
  if (raw.toLowerCase() === "off") return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : DEFAULT_DASHBOARD_DEBOUNCE_MS;
}

function arm(p: Pending, key: string, delayMs: number): void {
  p.timer = setTimeout(() => void run(p, key, delayMs), delayMs);
  // A waiting update does not keep a server from shutting down; without a delay (Actions,
  // serverless) it runs before the process may exit.
  if (delayMs > 0) p.timer.unref?.();
}

async function run(p: Pending, key: string, delayMs: number): Promise<void> {
  p.timer = undefined;
  p.running = true;
  try {
    const result = await updateDashboard(p.octokit, p.source, p.settings, Date.now(), { onlyIfOpen: p.onlyIfOpen });
    if (result && result.action !== "unchanged") p.log?.info({ source: key, issue: result.issue, action: result.action, duplicates: result.closedDuplicates }, "governance dashboard updated");
  } catch (error) {
    p.log?.warn({ err: error, source: key }, "governance dashboard not updated; the next evidence change retries");
  } finally {
    p.running = false;
  }
  if (p.again) {
    p.again = false;
    arm(p, key, delayMs);
    return;
  }
  pending.delete(key);
  p.resolve();
}

/**
 * Ask for the dashboard of `source` to be rebuilt after `delayMs` (coalescing every request
 * for the same repository in the meantime). Resolves when the coalesced update has run; never
 * rejects (failures are logged).
 */
export function scheduleDashboardUpdate(
  octokit: GitHub,
  source: Repo,
  settings: AppSettings = {},
  options: { delayMs?: number; log?: DashboardLog; onlyIfOpen?: boolean } = {},
): Promise<void> {
  const delayMs = options.delayMs ?? dashboardDebounceMs();
  if (delayMs === undefined) return Promise.resolve();
  const key = `${source.owner}/${source.repo}`.toLowerCase();
  const existing = pending.get(key);
  if (existing) {
    // The newest token and settings win: an installation token from an older event may expire.
    existing.octokit = octokit;
    existing.settings = settings;
    if (options.log) existing.log = options.log;
    existing.onlyIfOpen &&= options.onlyIfOpen === true;
    if (existing.running) existing.again = true;
    return existing.done;
  }
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  const p: Pending = { octokit, source, settings, ...(options.log ? { log: options.log } : {}), timer: undefined, onlyIfOpen: options.onlyIfOpen === true, running: false, again: false, done, resolve };
  pending.set(key, p);
  arm(p, key, delayMs);
  return done;
}

/** Wait for every scheduled dashboard update (tests, and shutting down). */
export async function flushDashboardUpdates(): Promise<void> {
  while (pending.size > 0) await Promise.all([...pending.values()].map((p) => p.done));
}

/**
 * A push to the default branch may add or register AI: the open dashboard of the repository is
 * refreshed (debounced like every update), so its list of AI outside every system follows the branch.
 */
export function onDefaultBranchPush(
  octokit: GitHub,
  payload: { ref: string; deleted?: boolean; repository: { name: string; owner: { login: string; name?: string }; default_branch?: string } },
  settings: AppSettings,
  options: { log?: DashboardLog; delayMs?: number } = {},
): Promise<void> {
  const branch = payload.repository.default_branch;
  if (!branch || payload.deleted || payload.ref !== `refs/heads/${branch}` || settings.dashboardInventory === false) return Promise.resolve();
  const owner = payload.repository.owner.login ?? payload.repository.owner.name;
  return scheduleDashboardUpdate(octokit, { owner, repo: payload.repository.name }, settings, { ...options, onlyIfOpen: true });
}
