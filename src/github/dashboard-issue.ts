import { DASHBOARD_TITLE, dashboardSource } from "../render/dashboard.js";
import type { Repo } from "./evidence-reader.js";
import type { GitHub } from "../ports/pull-request-context.js";

/**
 * Keeping one dashboard issue per source repository current in the evidence repository, the way
 * Renovate keeps its Dependency Dashboard: the issue is found by its hidden marker among the
 * app's own issues (the list endpoint, never search), duplicates are closed, a closed dashboard is
 * reopened rather than replaced, and nothing is written when title and body are unchanged.
 */

export const DASHBOARD_LABEL = "aims:dashboard";

export interface DashboardWrite {
  source: string;
  title: string;
  body: string;
}

export type DashboardResult = { action: "created" | "updated" | "reopened" | "unchanged"; issue: number; closedDuplicates: number[] };

type Listed = { number: number; title: string; body?: string | null; state: string; user: { login: string } | null; pull_request?: unknown };

async function listOwn(octokit: GitHub, repo: Repo, botLogin: string, params: { state: "open" | "all"; labels?: string }): Promise<Listed[]> {
  const out: Listed[] = [];
  const iterator = octokit.paginate.iterator(octokit.rest.issues.listForRepo, {
    owner: repo.owner,
    repo: repo.repo,
    creator: botLogin,
    state: params.state,
    ...(params.labels ? { labels: params.labels } : {}),
    sort: "created",
    direction: "asc",
    per_page: 100,
  });
  for await (const response of iterator) {
    for (const i of response.data as Listed[]) {
      if (i.pull_request === undefined && (i.user?.login ?? "").toLowerCase() === botLogin.toLowerCase()) out.push(i);
    }
  }
  return out;
}

const isFor = (source: string) => (i: Listed) => dashboardSource(i.body)?.toLowerCase() === source.toLowerCase();

export async function ensureDashboard(octokit: GitHub, repo: Repo, botLogin: string, write: DashboardWrite): Promise<DashboardResult>;
export async function ensureDashboard(octokit: GitHub, repo: Repo, botLogin: string, write: DashboardWrite, options: { onlyIfOpen: true }): Promise<DashboardResult | undefined>;
/** With `onlyIfOpen`, an open dashboard is kept current but none is opened, reopened or created. */
export async function ensureDashboard(octokit: GitHub, repo: Repo, botLogin: string, write: DashboardWrite, options: { onlyIfOpen?: boolean } = {}): Promise<DashboardResult | undefined> {
  // Open issues of the app are few (open records and dashboards): look there first.
  const open = (await listOwn(octokit, repo, botLogin, { state: "open" })).filter(isFor(write.source)).sort((a, b) => a.number - b.number);
  const [keep, ...duplicates] = open;
  const closedDuplicates: number[] = [];
  for (const d of duplicates) {
    await octokit.rest.issues.update({
      owner: repo.owner,
      repo: repo.repo,
      issue_number: d.number,
      state: "closed",
      state_reason: "not_planned",
      body: `Duplicate of #${keep!.number}, the ${DASHBOARD_TITLE.toLowerCase()} of ${write.source}.`,
      labels: [],
    });
    closedDuplicates.push(d.number);
  }
  if (keep) {
    if ((keep.body ?? "") === write.body && keep.title === write.title) return { action: "unchanged", issue: keep.number, closedDuplicates };
    await octokit.rest.issues.update({ owner: repo.owner, repo: repo.repo, issue_number: keep.number, title: write.title, body: write.body });
    return { action: "updated", issue: keep.number, closedDuplicates };
  }
  if (options.onlyIfOpen) return undefined;
  // None open: reopen the newest closed one (closing a dashboard does not make the facts go away).
  const closed = (await listOwn(octokit, repo, botLogin, { state: "all", labels: DASHBOARD_LABEL })).filter((i) => i.state === "closed" && isFor(write.source)(i)).sort((a, b) => b.number - a.number);
  if (closed[0]) {
    await octokit.rest.issues.update({ owner: repo.owner, repo: repo.repo, issue_number: closed[0].number, state: "open", title: write.title, body: write.body, labels: [DASHBOARD_LABEL] });
    return { action: "reopened", issue: closed[0].number, closedDuplicates };
  }
  const { data } = await octokit.rest.issues.create({ owner: repo.owner, repo: repo.repo, title: write.title, body: write.body, labels: [DASHBOARD_LABEL] });
  // A concurrent writer (another replica) may have created one at the same moment: keep the lowest.
  const again = (await listOwn(octokit, repo, botLogin, { state: "open" })).filter(isFor(write.source)).sort((a, b) => a.number - b.number);
  if (again.length > 1) {
    const lowest = again[0]!;
    for (const d of again.slice(1)) {
      await octokit.rest.issues.update({ owner: repo.owner, repo: repo.repo, issue_number: d.number, state: "closed", state_reason: "not_planned", body: `Duplicate of #${lowest.number}, the ${DASHBOARD_TITLE.toLowerCase()} of ${write.source}.`, labels: [] });
      closedDuplicates.push(d.number);
    }
    return { action: lowest.number === data.number ? "created" : "unchanged", issue: lowest.number, closedDuplicates };
  }
  return { action: "created", issue: data.number, closedDuplicates };
}
