import { CORRECTIVE_ACTION_LABEL, correctiveActionOf } from "../evidence/corrective-action.js";
import type { EvidenceEntry } from "../evidence/query.js";
import { EVIDENCE_LABEL, parseRecordBody } from "../evidence/record.js";
import type { GitHub } from "../ports/pull-request-context.js";

export { isOwnComment } from "./identity.js";

/**
 * Reading evidence records for queries and the dashboard: the issues list endpoint filtered by
 * the `aims:evidence` label and the app's bot as creator (state all, paginated), never search
 * (its index lags). Only the app's own issues count, and only those whose JSON block parses.
 */

export interface Repo {
  owner: string;
  repo: string;
}

type ListedIssue = {
  number: number;
  html_url: string;
  created_at: string;
  body?: string | null;
  user: { login: string } | null;
  state: string;
  state_reason?: string | null;
  pull_request?: unknown;
};

/** Every evidence record the app wrote in `repo` (open and closed; duplicates closed by the ledger are skipped). */
export async function readEvidenceEntries(octokit: GitHub, repo: Repo, botLogin: string): Promise<EvidenceEntry[]> {
  const entries: EvidenceEntry[] = [];
  const params = { owner: repo.owner, repo: repo.repo, labels: EVIDENCE_LABEL, state: "all", creator: botLogin, sort: "created", direction: "asc", per_page: 100 } as const;
  for await (const response of octokit.paginate.iterator(octokit.rest.issues.listForRepo, params)) {
    for (const issue of response.data as ListedIssue[]) {
      if (issue.pull_request !== undefined) continue;
      if ((issue.user?.login ?? "").toLowerCase() !== botLogin.toLowerCase()) continue;
      if (issue.state === "closed" && issue.state_reason === "duplicate") continue;
      const parsed = parseRecordBody(issue.body);
      if (!parsed.ok) continue;
      entries.push({ issue: issue.number, url: issue.html_url, createdAt: issue.created_at, record: parsed.record });
    }
  }
  return entries;
}

/** Roles that may run evidence queries: triage and above. */
const TRIAGE_OR_ABOVE = new Set(["admin", "maintain", "write", "triage"]);

/**
 * Whether `login` has at least triage permission on `repo`. The legacy `permission` field folds
 * triage into read, so the role name decides; a custom role counts by its base permission.
 */
export async function hasTriage(octokit: GitHub, repo: Repo, login: string): Promise<boolean> {
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner: repo.owner, repo: repo.repo, username: login });
    const role = (data as { role_name?: string }).role_name?.toLowerCase();
    if (role && TRIAGE_OR_ABOVE.has(role)) return true;
    return data.permission === "admin" || data.permission === "write";
  } catch (error) {
    // 404: not a collaborator (or not a user at all).
    if ((error as { status?: number }).status === 404) return false;
    throw error;
  }
}

/** State of every corrective-action issue the app opened in `repo`, by number. */
export async function readCorrectiveActions(octokit: GitHub, repo: Repo, botLogin: string): Promise<Map<number, "open" | "closed">> {
  const out = new Map<number, "open" | "closed">();
  const params = { owner: repo.owner, repo: repo.repo, labels: CORRECTIVE_ACTION_LABEL, state: "all", creator: botLogin, per_page: 100 } as const;
  for await (const response of octokit.paginate.iterator(octokit.rest.issues.listForRepo, params)) {
    for (const issue of response.data as ListedIssue[]) {
      if (issue.pull_request === undefined && correctiveActionOf(issue.body)) out.set(issue.number, issue.state === "closed" ? "closed" : "open");
    }
  }
  return out;
}
