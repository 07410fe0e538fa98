import type { Identity } from "../ports/identity.js";
import type { GitHub } from "../ports/pull-request-context.js";
import type { Coalescer } from "../util/coalescer.js";
import { EVIDENCE_LABEL, type LabelSpec } from "./record.js";

/**
 * The evidence store: GitHub issues in the evidence repository, behind a small interface so the
 * ledger's logic (src/evidence/ledger.ts) can be tested against a fake. Issues are found through
 * the issues list endpoint filtered by the `aims:evidence` label and the app's bot as creator,
 * never through search (its index lags, so a record just written could be missed and duplicated).
 */

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface EvidenceIssue {
  number: number;
  author: string;
  body: string;
  title: string;
  state: "open" | "closed";
  stateReason: string | null;
  labels: string[];
  createdAt: string;
  updatedAt: string;
  htmlUrl: string;
}

export interface IssueWrite {
  title?: string;
  body?: string;
  labels?: string[];
  state?: "open" | "closed";
  stateReason?: "completed" | "not_planned" | "duplicate";
}

export interface ListOptions {
  state: "open" | "closed" | "all";
  since?: string;
  sort?: "created" | "updated";
  direction?: "asc" | "desc";
  /** Called with each page as it arrives; return true to stop listing. */
  stop?: (page: EvidenceIssue[]) => boolean;
  /** The label to list by; default aims:evidence. */
  label?: string;
}

export interface EvidenceStore {
  /** The app's bot login (`<slug>[bot]`): only issues it opened are records. */
  botLogin(): Promise<string>;
  /** Evidence issues (label aims:evidence) opened by the app. */
  list(repo: RepoRef, options: ListOptions): Promise<EvidenceIssue[]>;
  /** One issue as GitHub holds it now; undefined when it no longer exists. */
  get(repo: RepoRef, number: number): Promise<EvidenceIssue | undefined>;
  /** One content-creating request: the issue with its labels. */
  create(repo: RepoRef, write: Required<Pick<IssueWrite, "title" | "body" | "labels">>): Promise<EvidenceIssue>;
  /** One content-creating request: body, title, labels and state together. */
  update(repo: RepoRef, number: number, write: IssueWrite): Promise<EvidenceIssue>;
  /**
   * Make sure the labels exist with their colour and description (once per repository). Does not
   * wait: the write naming them creates any that are missing, and the upkeep styles them after.
   */
  ensureLabels(repo: RepoRef, labels: LabelSpec[]): Promise<void>;
  /**
   * Take a lock shared by every replica: creating a label is atomic (a second create fails with
   * 422), so the label exists while someone holds the lock. Its description says until when; an
   * expired lock (its holder crashed) is removed so the next try can take it. False when held.
   */
  tryLock(repo: RepoRef, name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Release a lock this holder took (a lock that expired and was taken over is left alone). */
  unlock(repo: RepoRef, name: string, holder: string): Promise<void>;
}

type IssueData = {
  number: number;
  title: string;
  body?: string | null;
  user: { login: string } | null;
  state: string;
  state_reason?: string | null;
  labels: Array<string | { name?: string }>;
  created_at: string;
  updated_at: string;
  html_url: string;
  pull_request?: unknown;
};

function toIssue(d: IssueData): EvidenceIssue {
  return {
    number: d.number,
    author: d.user?.login ?? "ghost",
    body: d.body ?? "",
    title: d.title,
    state: d.state === "closed" ? "closed" : "open",
    stateReason: d.state_reason ?? null,
    labels: d.labels.map((l) => (typeof l === "string" ? l : (l.name ?? ""))).filter(Boolean),
    createdAt: d.created_at,
    updatedAt: d.updated_at,
    htmlUrl: d.html_url,
  };
}

const repoKey = (r: RepoRef) => `${r.owner}/${r.repo}`.toLowerCase();

/** Label names known to exist per repository, shared by the process (Services.labels). */
export interface LabelCache {
  /** Label names (lower case) known to exist in `repo` (`owner/repo`, lower case); undefined until listed once. */
  get(repo: string): Promise<ReadonlySet<string> | undefined>;
  /** Remember that these labels exist (after a listing, or after creating one). */
  add(repo: string, names: Iterable<string>): Promise<void>;
}

/** What the store shares with the rest of the process (held by Services). */
export interface GitHubStoreServices {
  identity: Identity;
  labels: LabelCache;
  /** Where label upkeep runs, after the event that asked for it (else it starts at once, unawaited). */
  background?: Coalescer;
}

export function createGitHubStore(octokit: GitHub, services: GitHubStoreServices): EvidenceStore {
  return {
    botLogin() {
      return services.identity.botLogin(octokit);
    },

    async list(repo, opts) {
      const creator = await this.botLogin();
      const out: EvidenceIssue[] = [];
      const params = {
        owner: repo.owner,
        repo: repo.repo,
        labels: opts.label ?? EVIDENCE_LABEL,
        state: opts.state,
        creator,
        sort: opts.sort ?? "created",
        direction: opts.direction ?? "desc",
        per_page: 100,
        ...(opts.since ? { since: opts.since } : {}),
      } as const;
      for await (const response of octokit.paginate.iterator(octokit.rest.issues.listForRepo, params)) {
        const page = (response.data as IssueData[]).filter((d) => d.pull_request === undefined).map(toIssue);
        out.push(...page);
        if (opts.stop?.(page)) break;
      }
      return out;
    },

    async get(repo, number) {
      try {
        const { data } = await octokit.rest.issues.get({ owner: repo.owner, repo: repo.repo, issue_number: number });
        return toIssue(data as IssueData);
      } catch (error) {
        if ((error as { status?: number }).status === 404 || (error as { status?: number }).status === 410) return undefined;
        throw error;
      }
    },

    async create(repo, write) {
      const { data } = await octokit.rest.issues.create({ owner: repo.owner, repo: repo.repo, title: write.title, body: write.body, labels: write.labels });
      const issue = toIssue(data as IssueData);
      // The author of what we just wrote is who we are: corrects a guess made for plain tokens.
      services.identity.learn(octokit, issue.author);
      return issue;
    },

    async update(repo, number, write) {
      const { data } = await octokit.rest.issues.update({
        owner: repo.owner,
        repo: repo.repo,
        issue_number: number,
        ...(write.title !== undefined ? { title: write.title } : {}),
        ...(write.body !== undefined ? { body: write.body } : {}),
        ...(write.labels !== undefined ? { labels: write.labels } : {}),
        ...(write.state ? { state: write.state } : {}),
        ...(write.stateReason ? { state_reason: write.stateReason } : {}),
      });
      return toIssue(data as IssueData);
    },

    async ensureLabels(repo, labels) {
      const key = repoKey(repo);
      const known = await services.labels.get(key);
      if (known && labels.every((l) => known.has(l.name.toLowerCase()))) return;
      // Never awaited by the event: the issue write that follows applies the labels by name (GitHub
      // creates one that is missing), and their colour and description are set after the event,
      // once the write has created them, so no paced label write ever holds up a webhook.
      if (!services.background) {
        void upkeepLabels(octokit, repo, labels, services.labels).catch(() => undefined);
        return;
      }
      void services.background.schedule(`labels:${key}`, LABEL_UPKEEP_DELAY_MS, {
        state: labels,
        combine: (pending, newer) => [...pending, ...newer.filter((l) => !pending.some((p) => p.name.toLowerCase() === l.name.toLowerCase()))],
        run: (wanted) => upkeepLabels(octokit, repo, wanted, services.labels),
      });
    },

    async tryLock(repo, name, holder, ttlMs) {
      const until = new Date(Date.now() + ttlMs).toISOString();
      try {
        await octokit.rest.issues.createLabel({ owner: repo.owner, repo: repo.repo, name, color: "000000", description: `locked until ${until} by ${holder}` });
        return true;
      } catch (error) {
        if (statusOf(error) !== 422) throw error;
      }
      try {
        const { data } = await octokit.rest.issues.getLabel({ owner: repo.owner, repo: repo.repo, name });
        const expiry = LOCK_RE.exec(data.description ?? "")?.[1];
        if (expiry === undefined || Date.parse(expiry) < Date.now()) {
          await octokit.rest.issues.deleteLabel({ owner: repo.owner, repo: repo.repo, name });
        }
      } catch (error) {
        if (statusOf(error) !== 404) throw error; // released in between: try again
      }
      return false;
    },

    async unlock(repo, name, holder) {
      try {
        const { data } = await octokit.rest.issues.getLabel({ owner: repo.owner, repo: repo.repo, name });
        if (LOCK_RE.exec(data.description ?? "")?.[2] !== holder) return;
        await octokit.rest.issues.deleteLabel({ owner: repo.owner, repo: repo.repo, name });
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
    },
  };
}

/**
 * Create the labels a repository lacks with their colour and description, and give those GitHub
 * created on the fly (grey, no description) theirs; a label someone styled is left alone.
 */
async function upkeepLabels(octokit: GitHub, repo: RepoRef, labels: LabelSpec[], cache: LabelCache): Promise<void> {
  const key = repoKey(repo);
  const before = await cache.get(key);
  const wanted = labels.filter((l) => !before?.has(l.name.toLowerCase()));
  if (wanted.length === 0) return;
  const existing = new Map(
    (await octokit.paginate(octokit.rest.issues.listLabelsForRepo, { owner: repo.owner, repo: repo.repo, per_page: 100 })).map((l) => [l.name.toLowerCase(), l]),
  );
  const styled = [...existing.values()].filter((l) => l.color !== AUTO_CREATED_COLOR || l.description).map((l) => l.name.toLowerCase());
  await cache.add(key, styled);
  const known = new Set(styled);
  const style = (l: LabelSpec) => octokit.rest.issues.updateLabel({ owner: repo.owner, repo: repo.repo, name: l.name, color: l.color, description: l.description });
  for (const l of wanted) {
    if (known.has(l.name.toLowerCase())) continue;
    if (existing.has(l.name.toLowerCase())) await style(l);
    else {
      try {
        await octokit.rest.issues.createLabel({ owner: repo.owner, repo: repo.repo, name: l.name, color: l.color, description: l.description });
      } catch (error) {
        // An issue write or another replica created it first: style it.
        if (statusOf(error) !== 422) throw error;
        await style(l);
      }
    }
    await cache.add(key, [l.name.toLowerCase()]);
  }
}

/** How long label upkeep waits for the issue write that asked for it. */
const LABEL_UPKEEP_DELAY_MS = 1000;

/** GitHub's look of a label it created because an issue write named it: grey, without a description. */
const AUTO_CREATED_COLOR = "ededed";

const LOCK_RE = /^locked until (\S+) by (\S+)$/;

function statusOf(error: unknown): number | undefined {
  return (error as { status?: number }).status;
}
