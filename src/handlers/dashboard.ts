import { loadPolicy, type Policy } from "../config/policy.js";
import { UNREGISTERED_SYSTEM } from "../detect/types.js";
import type { UnregisteredAi } from "../evidence/dashboard.js";
import { defaultBranchTree } from "../github/tree-source.js";
import { scanTree } from "../inventory.js";
import { loadCatalogue } from "../controls/catalogue.js";
import { dashboardModel } from "../evidence/dashboard.js";
import { ensureDashboard, type DashboardResult } from "../github/dashboard-issue.js";
import { readCorrectiveActions, readEvidenceEntries, type Repo } from "../github/evidence-reader.js";
import type { GitHub } from "../ports/pull-request-context.js";
import { contentReader } from "../github/contents.js";
import { dashboardTitle, renderDashboard } from "../render/dashboard.js";
import type { Services } from "../services.js";
import type { EvidenceEntry } from "../evidence/query.js";
import type { DashboardSnapshot } from "../evidence/dashboard.js";
import { parseRecordBody } from "../evidence/record.js";
import type { EvidenceIssue } from "../evidence/store.js";
import { webUrl } from "../evidence/index.js";

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

/** A dashboard is rebuilt from every record at least this often, whatever changes were applied to it. */
export const DASHBOARD_REBUILD_MS = 60 * 60 * 1000;

const snapshotKey = (octokit: GitHub, source: Repo) => `${webUrl(octokit)}\u0000${source.owner}/${source.repo}`.toLowerCase();
const sameRepo = (a: Repo, b: Repo) => `${a.owner}/${a.repo}`.toLowerCase() === `${b.owner}/${b.repo}`.toLowerCase();

/** The entries with the written record issues applied: replaced, added, or dropped when closed as a duplicate. */
export function applyWrittenRecords(entries: readonly EvidenceEntry[], written: readonly EvidenceIssue[], bot: string): EvidenceEntry[] | undefined {
  const byIssue = new Map(entries.map((e) => [e.issue, e]));
  for (const issue of written) {
    if (issue.author.toLowerCase() !== bot.toLowerCase()) return undefined;
    const parsed = parseRecordBody(issue.body);
    byIssue.delete(issue.number);
    if (!parsed.ok || (issue.state === "closed" && issue.stateReason === "duplicate")) continue;
    byIssue.set(issue.number, { issue: issue.number, url: issue.htmlUrl, createdAt: issue.createdAt, record: parsed.record });
  }
  return [...byIssue.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.issue - b.issue);
}

/**
 * Rebuild and write (when changed) the dashboard of `source`. With `written` (the record issues
 * changed since the last update) and a recent snapshot, the change is applied to the snapshot: no
 * listing, and no write when the dashboard reads the same. Undefined when evidence is off or the
 * policy cannot be read.
 */
export async function updateDashboard(
  services: Services,
  octokit: GitHub,
  source: Repo,
  now = services.now(),
  options: { onlyIfOpen?: boolean; written?: readonly EvidenceIssue[] } = {},
): Promise<DashboardResult | undefined> {
  const { settings } = services;
  // The default branch's policy: its controls.exclude and evidence repository.
  const policy = await loadPolicy(contentReader(octokit), { owner: source.owner, repo: source.repo, baseRef: "" });
  if (!policy.ok || !policy.policy.evidence.enabled) return undefined;
  const configured = policy.policy.evidence.repository?.split("/");
  const evidence: Repo = configured ? { owner: configured[0]!, repo: configured[1]! } : source;
  const name = `${source.owner}/${source.repo}`;
  const dashboards = services.caches.dashboards;
  const key = snapshotKey(octokit, source);
  const kept = dashboards.get(key);
  const render = (parts: Pick<DashboardSnapshot, "entries" | "correctiveActions" | "unregistered">) => {
    const model = dashboardModel({
      source: name,
      entries: parts.entries,
      catalogue: loadCatalogue(),
      exclusions: policy.policy.controls.exclude,
      now,
      evidenceRepo: `${evidence.owner}/${evidence.repo}`,
      ...(settings.signer ? { signer: settings.signer } : {}),
      correctiveActions: parts.correctiveActions,
      openRecordsKept: policy.policy.evidence.while_open,
      webUrl: webUrl(octokit),
    });
    if (parts.unregistered) model.unregistered = parts.unregistered;
    return { source: name, title: dashboardTitle(name), body: renderDashboard(model) };
  };

  const applied =
    kept && options.written?.length && !options.onlyIfOpen && now - kept.takenAt < DASHBOARD_REBUILD_MS && sameRepo(kept.evidence, evidence) && (kept.unregistered !== undefined) === (settings.dashboardInventory !== false)
      ? applyWrittenRecords(kept.entries, options.written, kept.bot)
      : undefined;
  if (kept && applied) {
    const write = render({ ...kept, entries: applied });
    dashboards.set(key, { ...kept, entries: applied, title: write.title, body: write.body });
    if (write.body === kept.body && write.title === kept.title) return { action: "unchanged", issue: kept.issue, closedDuplicates: [] };
    await octokit.rest.issues.update({ owner: evidence.owner, repo: evidence.repo, issue_number: kept.issue, title: write.title, body: write.body });
    return { action: "updated", issue: kept.issue, closedDuplicates: [] };
  }

  const bot = await services.identity.botLogin(octokit);
  const entries = await readEvidenceEntries(octokit, evidence, bot);
  const correctiveActions = await readCorrectiveActions(octokit, evidence, bot);
  const unregistered = settings.dashboardInventory !== false ? await unregisteredAi(octokit, source, policy.policy) : undefined;
  const write = render({ entries, correctiveActions, ...(unregistered ? { unregistered } : {}) });
  const result = options.onlyIfOpen ? await ensureDashboard(octokit, evidence, bot, write, { onlyIfOpen: true }) : await ensureDashboard(octokit, evidence, bot, write);
  if (result) dashboards.set(key, { evidence, bot, entries, correctiveActions, ...(unregistered ? { unregistered } : {}), issue: result.issue, title: write.title, body: write.body, takenAt: now });
  return result;
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
  options: { delayMs?: number; log?: DashboardLog; onlyIfOpen?: boolean; written?: EvidenceIssue } = {},
): Promise<void> {
  const delayMs = options.delayMs ?? services.settings.dashboardDebounceMs;
  if (delayMs === undefined) return Promise.resolve();
  const key = `${source.owner}/${source.repo}`.toLowerCase();
  return services.background.schedule(`dashboard:${key}`, delayMs, {
    // `written`: the record issues written since the last update, applied to its snapshot; absent
    // once any request asks for a rebuild (a push, a finalised record).
    state: { onlyIfOpen: options.onlyIfOpen === true, written: options.written ? [options.written] : undefined } as { onlyIfOpen: boolean; written: EvidenceIssue[] | undefined },
    // Any request that may create the dashboard (an evidence change) wins over refresh-only ones.
    combine: (pending, newer) => ({ onlyIfOpen: pending.onlyIfOpen && newer.onlyIfOpen, written: pending.written && newer.written ? [...pending.written, ...newer.written] : undefined }),
    run: async ({ onlyIfOpen, written }) => {
      try {
        const result = await updateDashboard(services, octokit, source, services.now(), { onlyIfOpen, ...(written ? { written } : {}) });
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
