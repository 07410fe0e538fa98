import { RECORD_STATES, type EvidenceRecord, type RecordState } from "./record.js";

/**
 * `/aims query` (pure): parsing the filters, matching records, and the equivalent GitHub issue
 * search. The handler (src/handlers/query.ts) reads the records; src/render/query.ts renders the
 * reply within GitHub's comment size.
 *
 *   /aims query control:A.6.2.5 system:chatbot risk:high state:merged since:2026-01-01 until:2026-03-31 repo:acme/shop
 *
 * Every filter is optional. control, system, risk, state and repo may be repeated (or given as a
 * comma-separated list): a record matches when it has any of the values of each filter given.
 * since and until (inclusive, UTC days) may appear once each.
 */

export const RISKS = ["minimal", "limited", "high", "prohibited"] as const;
export type Risk = (typeof RISKS)[number];

export interface EvidenceQuery {
  controls: string[];
  systems: string[];
  risks: Risk[];
  states: RecordState[];
  repos: string[];
  /** YYYY-MM-DD, inclusive. */
  since?: string;
  /** YYYY-MM-DD, inclusive. */
  until?: string;
}

/** A failed parse lists every problem; `message` joins them for a one-line reply. */
export type QueryParse = { ok: true; query: EvidenceQuery } | { ok: false; message: string; problems: string[] };

export const QUERY_USAGE =
  "/aims query [control:A.6.2.5] [system:<id>] [risk:minimal|limited|high|prohibited] [state:open|merged|closed|overridden] [since:YYYY-MM-DD] [until:YYYY-MM-DD] [repo:owner/name]";

/** Help for a malformed query: what each filter takes. */
export const QUERY_HELP = [
  `Usage: \`${QUERY_USAGE}\``,
  "",
  "Every filter is optional; `control`, `system`, `risk`, `state` and `repo` can be repeated or given as a comma-separated list (any of them matches).",
  "- `control:` an Annex A control such as `A.6.2.5`, or clause `6.1.4` / `8.4`",
  "- `system:` an AI system id from `systems:` in `.github/aims.yml`",
  "- `risk:` the record's highest risk tier",
  "- `state:` the record's state",
  "- `since:` / `until:` the day the pull request closed (open records: the day the record was opened), inclusive, UTC",
  "- `repo:` the pull request's repository, `owner/name`",
  "",
  "Example: `/aims query control:A.6.2.5 risk:high state:merged since:2026-01-01`",
].join("\n");

/** At most this many values per filter: a query is a question, not a list. */
export const MAX_VALUES = 20;

const KEYS: Record<string, keyof EvidenceQuery> = {
  control: "controls",
  controls: "controls",
  "annex-a": "controls",
  system: "systems",
  systems: "systems",
  "ai-system": "systems",
  risk: "risks",
  state: "states",
  since: "since",
  from: "since",
  until: "until",
  to: "until",
  repo: "repos",
  repository: "repos",
};

const CONTROL_RE = /^(?:A\.(?:[2-9]|10)\.\d+(?:\.\d+)?|\d+(?:\.\d+)+)$/;
const SYSTEM_RE = /^[a-z0-9][a-z0-9._-]{0,59}$/;
const REPO_RE = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/;
const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function validDay(s: string): boolean {
  const m = DAY_RE.exec(s);
  if (!m) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

export function emptyQuery(): EvidenceQuery {
  return { controls: [], systems: [], risks: [], states: [], repos: [] };
}

/**
 * Parse the text after `/aims query`. `knownControls` (catalogue control and clause ids) rejects
 * ids that do not exist; without it any well-formed id is accepted.
 */
export function parseQuery(text: string, knownControls?: readonly string[]): QueryParse {
  const query = emptyQuery();
  const tokens = text.trim().split(/\s+/).filter(Boolean);
  // Every bad filter is reported, so one reply lists all of them.
  const problems: string[] = [];
  const once = new Set<string>();
  const fail = (message: string) => {
    if (!problems.includes(message)) problems.push(message);
  };
  for (const token of tokens) {
    const colon = token.indexOf(":");
    if (colon <= 0) {
      fail(`\`${clipToken(token)}\` is not a filter: write \`key:value\``);
      continue;
    }
    const key = token.slice(0, colon).toLowerCase();
    const field = KEYS[key];
    if (!field) {
      fail(`\`${clipToken(key)}\` is not a filter (use control, system, risk, state, since, until or repo)`);
      continue;
    }
    const raw = token.slice(colon + 1).replace(/^["']|["']$/g, "");
    if (raw === "") {
      fail(`\`${key}:\` needs a value`);
      continue;
    }
    if (field === "since" || field === "until") {
      if (once.has(field)) {
        fail(`\`${key}:\` can be given only once`);
        continue;
      }
      once.add(field);
      if (!validDay(raw)) fail(`\`${clipToken(token)}\`: ${key} takes a date as YYYY-MM-DD`);
      else query[field] = raw;
      continue;
    }
    for (const value of raw.split(",")) {
      if (value === "") {
        fail(`\`${clipToken(token)}\` has an empty value`);
        continue;
      }
      const problem = addValue(query, field, value, knownControls);
      if (problem) fail(problem);
    }
  }
  if (query.since && query.until && query.since > query.until) fail(`since:${query.since} is after until:${query.until}`);
  for (const field of ["controls", "systems", "risks", "states", "repos"] as const) {
    if (query[field].length > MAX_VALUES) fail(`at most ${MAX_VALUES} values per filter (${field} has ${query[field].length})`);
  }
  if (problems.length === 0) return { ok: true, query };
  return { ok: false, message: problems.length === 1 ? problems[0]! : `${problems.length} problems: ${problems.join("; ")}`, problems };
}

function clipToken(s: string): string {
  const t = s.replace(/`/g, "'");
  return t.length <= 60 ? t : `${t.slice(0, 59)}…`;
}

function pushUnique<T>(list: T[], value: T): void {
  if (!list.includes(value)) list.push(value);
}

function addValue(query: EvidenceQuery, field: keyof EvidenceQuery, value: string, knownControls?: readonly string[]): string | undefined {
  switch (field) {
    case "controls": {
      const id = value.replace(/^a\./, "A.");
      if (!CONTROL_RE.test(id)) return `\`${clipToken(value)}\` is not a control id (e.g. A.6.2.5, or clause 8.4)`;
      if (knownControls && !knownControls.includes(id)) return `${id} is not an Annex A control or clause in the catalogue`;
      pushUnique(query.controls, id);
      return undefined;
    }
    case "systems": {
      const id = value.toLowerCase();
      if (!SYSTEM_RE.test(id)) return `\`${clipToken(value)}\` is not a system id (lowercase letters, digits, '.', '_' or '-')`;
      pushUnique(query.systems, id);
      return undefined;
    }
    case "risks": {
      const r = value.toLowerCase();
      if (!(RISKS as readonly string[]).includes(r)) return `\`risk:${clipToken(value)}\`: risk is one of ${RISKS.join(", ")}`;
      pushUnique(query.risks, r as Risk);
      return undefined;
    }
    case "states": {
      const s = value.toLowerCase();
      if (!(RECORD_STATES as readonly string[]).includes(s)) return `\`state:${clipToken(value)}\`: state is one of ${RECORD_STATES.join(", ")}`;
      pushUnique(query.states, s as RecordState);
      return undefined;
    }
    case "repos": {
      if (!REPO_RE.test(value)) return `\`repo:${clipToken(value)}\`: repo takes owner/name`;
      if (!query.repos.some((r) => r.toLowerCase() === value.toLowerCase())) query.repos.push(value);
      return undefined;
    }
    default:
      return `unexpected filter ${field}`;
  }
}

/** The query written back as filters, in a stable order (for the reply's first line). */
export function formatQuery(q: EvidenceQuery): string {
  const parts = [
    ...q.controls.map((v) => `control:${v}`),
    ...q.systems.map((v) => `system:${v}`),
    ...q.risks.map((v) => `risk:${v}`),
    ...q.states.map((v) => `state:${v}`),
    ...(q.since ? [`since:${q.since}`] : []),
    ...(q.until ? [`until:${q.until}`] : []),
    ...q.repos.map((v) => `repo:${v}`),
  ];
  return parts.join(" ");
}

// ---------------------------------------------------------------------------------------------
// Records as read from the evidence repository

/** A record with the issue that holds it. */
export interface EvidenceEntry {
  issue: number;
  /** The issue's web URL. */
  url: string;
  /** When the issue was opened (the record's date while its pull request is open). */
  createdAt: string;
  record: EvidenceRecord;
}

/** The day a record counts for: when its pull request closed, or when its record was opened. */
export function entryDate(entry: Pick<EvidenceEntry, "createdAt" | "record">): string {
  return entry.record.pullRequest.closedAt ?? entry.createdAt;
}

export function matchesQuery(entry: EvidenceEntry, q: EvidenceQuery): boolean {
  const r = entry.record;
  if (q.controls.length > 0 && !r.controls.some((c) => q.controls.includes(c.id))) return false;
  if (q.systems.length > 0 && !r.systems.some((s) => q.systems.includes(s.id.toLowerCase()))) return false;
  if (q.risks.length > 0 && (r.risk === null || !q.risks.includes(r.risk))) return false;
  if (q.states.length > 0 && !q.states.includes(r.state)) return false;
  if (q.repos.length > 0 && !q.repos.some((x) => x.toLowerCase() === r.pullRequest.repository.toLowerCase())) return false;
  const day = entryDate(entry).slice(0, 10);
  if (q.since && day < q.since) return false;
  if (q.until && day > q.until) return false;
  return true;
}

/** Matching entries, newest first (ties: higher issue number first). */
export function runQuery(entries: readonly EvidenceEntry[], q: EvidenceQuery): EvidenceEntry[] {
  return entries
    .filter((e) => matchesQuery(e, q))
    .sort((a, b) => (entryDate(a) < entryDate(b) ? 1 : entryDate(a) > entryDate(b) ? -1 : b.issue - a.issue));
}

/** How many matching records evidence each control, in catalogue order when given. */
export function controlTotals(entries: readonly EvidenceEntry[], order?: (a: string, b: string) => number): Array<{ id: string; records: number }> {
  const counts = new Map<string, number>();
  for (const e of entries) for (const id of new Set(e.record.controls.map((c) => c.id))) counts.set(id, (counts.get(id) ?? 0) + 1);
  const cmp = order ?? ((a: string, b: string) => a.localeCompare(b, "en", { numeric: true }));
  return [...counts.entries()].map(([id, records]) => ({ id, records })).sort((a, b) => cmp(a.id, b.id));
}

// ---------------------------------------------------------------------------------------------
// The same question as a GitHub issue search

export interface SearchLink {
  url: string;
  /** The search text. */
  q: string;
  /** Filters GitHub's search cannot express exactly. */
  caveats: string[];
}

const quote = (s: string) => `"${s.replace(/"/g, "")}"`;

/**
 * GitHub's issue search for the same records: labels for controls, systems, risk and state (one
 * `label:` with several values matches any of them), the record title for the repository, and
 * the issue's closing (or creation) date for the period.
 */
export function searchLink(q: EvidenceQuery, evidenceRepo: string, options: { webUrl?: string; appSlug?: string } = {}): SearchLink {
  const parts = [`repo:${evidenceRepo}`, "is:issue", `label:${quote("aims:evidence")}`];
  if (options.appSlug) parts.push(`author:app/${options.appSlug}`);
  const caveats: string[] = [];
  const annex = q.controls.filter((c) => c.startsWith("A."));
  const clauses = q.controls.filter((c) => !c.startsWith("A."));
  if (annex.length > 0 && clauses.length === 0) parts.push(`label:${annex.map((c) => quote(`annex-a:${c}`)).join(",")}`);
  if (clauses.length > 0) caveats.push(`clauses (${clauses.join(", ")}) have no labels, so the search leaves the control filter out`);
  if (q.systems.length > 0) parts.push(`label:${q.systems.map((s) => quote(`ai-system:${s}`)).join(",")}`);
  if (q.risks.length > 0) parts.push(`label:${q.risks.map((r) => quote(`risk:${r}`)).join(",")}`);
  if (q.states.length > 0) parts.push(`label:${q.states.map((s) => quote(`state:${s}`)).join(",")}`);
  if (q.repos.length === 1) parts.push(`${quote(`${q.repos[0]}#`)} in:title`);
  else if (q.repos.length > 1) parts.push(`(${q.repos.map((r) => `${quote(`${r}#`)} in:title`).join(" OR ")})`);
  if (q.since || q.until) {
    const finalOnly = q.states.length > 0 && q.states.every((s) => s !== "open");
    const field = finalOnly ? "closed" : "created";
    const range = q.since && q.until ? `${q.since}..${q.until}` : q.since ? `>=${q.since}` : `<=${q.until}`;
    parts.push(`${field}:${range}`);
    caveats.push(`dates are when the record's issue was ${finalOnly ? "closed" : "opened"}, which can differ slightly from the pull request's`);
  }
  const text = parts.join(" ");
  const web = (options.webUrl ?? "https://github.com").replace(/\/$/, "");
  return { url: `${web}/search?type=issues&q=${encodeURIComponent(text)}`, q: text, caveats };
}
