import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Octokit } from "@octokit/rest";
import { formatProblem, parseConfigText } from "../config/parse.js";
import { loadCatalogue } from "../controls/catalogue.js";
import { cycloneDxBom, EXPORT_FILES, EXPORT_FORMATS, evidenceRows, statementOfApplicability, toCsv, toJson, type ExportFormat } from "../evidence/export.js";
import { entryDate, type EvidenceEntry } from "../evidence/query.js";
import { EVIDENCE_LABEL, parseRecordBody } from "../evidence/record.js";
import { verifyChain, type ChainProblem, type StoredIssue, type VerifyResult } from "../evidence/verify.js";
import { createProgress, type ProgressStream } from "./progress.js";

/**
 * `aims export` and `aims verify`: read the evidence repository through the REST API with
 * GITHUB_TOKEN (GITHUB_API_URL for GitHub Enterprise Server), the issues list endpoint only.
 */

export interface AuditIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Where progress goes; defaults to process.stderr. */
  progress?: ProgressStream;
}

export class UsageError extends Error {}

const REPO_RE = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const VERSION = "0.1.0";

interface Common {
  owner: string;
  repo: string;
  since?: string;
  until?: string;
  appLogin: string;
  octokit: Octokit;
}

function common(values: { repo?: string; since?: string; until?: string; app?: string }, io: AuditIo): Common {
  const env = io.env ?? process.env;
  if (!values.repo || !REPO_RE.test(values.repo)) throw new UsageError("--repo owner/name (the evidence repository) is required");
  for (const [name, v] of [["since", values.since], ["until", values.until]] as const) {
    if (v !== undefined && (!DAY_RE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)))) throw new UsageError(`--${name} takes a date as YYYY-MM-DD`);
  }
  if (values.since && values.until && values.since > values.until) throw new UsageError("--since is after --until");
  const token = env.GITHUB_TOKEN?.trim();
  if (!token) throw new UsageError("set GITHUB_TOKEN to a token that can read the evidence repository's issues");
  const slug = values.app ?? env.APP_SLUG ?? "aims-bot";
  const [owner, repo] = values.repo.split("/") as [string, string];
  const octokit = new Octokit({ auth: token, baseUrl: (env.GITHUB_API_URL ?? "https://api.github.com").replace(/\/$/, ""), userAgent: `aims-cli/${VERSION}`, log: { debug() {}, info() {}, warn() {}, error() {} } });
  return { owner, repo, ...(values.since ? { since: values.since } : {}), ...(values.until ? { until: values.until } : {}), appLogin: slug.endsWith("[bot]") ? slug : `${slug}[bot]`, octokit };
}

interface Listed {
  number: number;
  html_url: string;
  created_at: string;
  body?: string | null;
  user: { login: string } | null;
  state: string;
  state_reason?: string | null;
  labels: Array<string | { name?: string }>;
  pull_request?: unknown;
}

/** Every issue of the repository (optionally by label), with progress per page on stderr. */
async function listIssues(c: Common, io: AuditIo, labels?: string): Promise<Listed[]> {
  const progress = createProgress(io.progress ?? (process.stderr as ProgressStream), `reading ${c.owner}/${c.repo} issues`, "pages");
  const out: Listed[] = [];
  let page = 0;
  let total: number | undefined;
  const iterator = c.octokit.paginate.iterator(c.octokit.rest.issues.listForRepo, { owner: c.owner, repo: c.repo, state: "all", sort: "created", direction: "asc", per_page: 100, ...(labels ? { labels } : {}) });
  for await (const response of iterator) {
    page++;
    const last = /[?&]page=(\d+)[^>]*>;\s*rel="last"/.exec(response.headers.link ?? "");
    if (last) total = Number(last[1]);
    else if (!/rel="next"/.test(response.headers.link ?? "")) total = page;
    out.push(...(response.data as Listed[]).filter((i) => i.pull_request === undefined));
    progress.update(page, total);
  }
  progress.finish();
  return out;
}

const labelNames = (i: Listed) => i.labels.map((l) => (typeof l === "string" ? l : (l.name ?? ""))).filter(Boolean);

function inWindow(date: string, since?: string, until?: string): boolean {
  const day = date.slice(0, 10);
  return (!since || day >= since) && (!until || day <= until);
}

/** The exclusions of the policy: --config, else `.github/aims.yml` of the evidence repository. */
async function exclusions(c: Common, configPath: string | undefined, io: AuditIo): Promise<Array<{ id: string; justification: string }>> {
  let text: string | undefined;
  let source: string;
  if (configPath) {
    source = configPath;
    const path = isAbsolute(configPath) ? configPath : resolve(io.cwd, configPath);
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      throw new UsageError(`cannot read --config ${configPath}: ${(error as Error).message}`);
    }
  } else {
    source = `${c.owner}/${c.repo}:.github/aims.yml`;
    try {
      const res = await c.octokit.rest.repos.getContent({ owner: c.owner, repo: c.repo, path: ".github/aims.yml", mediaType: { format: "raw" } });
      text = typeof res.data === "string" ? res.data : undefined;
    } catch (error) {
      if ((error as { status?: number }).status !== 404) throw error;
    }
  }
  if (text === undefined) return [];
  const parsed = parseConfigText(text, source);
  if (!parsed.ok) throw new UsageError(`the policy in ${source} is invalid:\n${parsed.problems.map(formatProblem).join("\n")}`);
  return parsed.config.controls?.exclude ?? [];
}

export async function exportCommand(args: string[], io: AuditIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      repo: { type: "string" },
      since: { type: "string" },
      until: { type: "string" },
      format: { type: "string", multiple: true },
      out: { type: "string", default: "aims-audit-pack" },
      config: { type: "string" },
      app: { type: "string" },
    },
  });
  const formats = (values.format ?? EXPORT_FORMATS).flatMap((f) => f.split(",")).map((f) => f.trim().toLowerCase()).filter(Boolean);
  const unknown = formats.filter((f) => !(EXPORT_FORMATS as string[]).includes(f));
  if (unknown.length > 0) throw new UsageError(`--format takes ${EXPORT_FORMATS.join(", ")} (got ${unknown.join(", ")})`);
  const c = common(values, io);
  const excluded = await exclusions(c, values.config, io);
  const issues = await listIssues(c, io, EVIDENCE_LABEL);
  const entries: EvidenceEntry[] = [];
  let skipped = 0;
  for (const i of issues) {
    if ((i.user?.login ?? "").toLowerCase() !== c.appLogin.toLowerCase()) continue;
    if (i.state === "closed" && i.state_reason === "duplicate") continue;
    const parsed = parseRecordBody(i.body);
    if (!parsed.ok) {
      skipped++;
      continue;
    }
    const entry = { issue: i.number, url: i.html_url, createdAt: i.created_at, record: parsed.record };
    if (inWindow(entryDate(entry), c.since, c.until)) entries.push(entry);
  }
  const catalogue = loadCatalogue();
  const ctx = {
    evidenceRepo: `${c.owner}/${c.repo}`,
    catalogue,
    exclusions: excluded,
    ...(c.since ? { since: c.since } : {}),
    ...(c.until ? { until: c.until } : {}),
    generatedAt: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    toolVersion: VERSION,
  };
  const out = isAbsolute(values.out!) ? values.out! : join(io.cwd, values.out!);
  mkdirSync(out, { recursive: true });
  const rows = evidenceRows(entries, catalogue);
  const written: string[] = [];
  const write = (format: ExportFormat, text: string) => {
    writeFileSync(join(out, EXPORT_FILES[format]), text);
    written.push(EXPORT_FILES[format]);
  };
  const wanted = new Set(formats as ExportFormat[]);
  if (wanted.has("md")) write("md", statementOfApplicability(entries, ctx));
  if (wanted.has("csv")) write("csv", toCsv(rows));
  if (wanted.has("json")) write("json", toJson(rows, ctx, entries.length));
  if (wanted.has("cyclonedx")) write("cyclonedx", `${JSON.stringify(cycloneDxBom(entries, ctx, { serialNumber: `urn:uuid:${randomUUID()}` }), null, 2)}\n`);
  io.stdout(`aims export ${ctx.evidenceRepo}: ${entries.length} record${entries.length === 1 ? "" : "s"}, ${rows.length} row${rows.length === 1 ? "" : "s"} (one per record and control) → ${values.out}/\n`);
  for (const f of written) io.stdout(`  ${f}\n`);
  if (skipped > 0) io.stdout(`${skipped} evidence issue${skipped === 1 ? "" : "s"} of the app could not be read as records and were left out: run aims verify.\n`);
  return 0;
}

const KIND_NAMES: Record<ChainProblem["kind"], string> = {
  edited: "edited",
  "missing-link": "deleted",
  "out-of-chain": "out-of-chain",
  foreign: "foreign",
  duplicate: "duplicate",
};

export async function verifyCommand(args: string[], io: AuditIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { repo: { type: "string" }, since: { type: "string" }, until: { type: "string" }, app: { type: "string" }, "expected-head": { type: "string" } },
  });
  const expectedHead = values["expected-head"];
  if (expectedHead !== undefined && !/^[0-9a-f]{64}$/.test(expectedHead)) throw new UsageError("--expected-head takes a sha256 hex digest");
  const c = common(values, io);
  // Every issue, not only labelled ones: a record stripped of its labels, or a look-alike, still counts.
  const listed = await listIssues(c, io);
  const urls = new Map(listed.map((i) => [i.number, i.html_url]));
  const dates = new Map<number, string>();
  const issues: StoredIssue[] = listed.map((i) => {
    const parsed = parseRecordBody(i.body);
    dates.set(i.number, parsed.ok ? (parsed.record.pullRequest.closedAt ?? i.created_at) : i.created_at);
    return { number: i.number, author: i.user?.login ?? "ghost", body: i.body ?? null, state: i.state === "closed" ? "closed" : "open", stateReason: i.state_reason ?? null, labels: labelNames(i) };
  });
  const result = verifyChain(issues, { appLogin: c.appLogin, ...(expectedHead ? { expectedHead } : {}) });
  const windowed = c.since || c.until;
  const problems = result.problems.filter((p) => p.issue === undefined || !windowed || inWindow(dates.get(p.issue) ?? "", c.since, c.until));
  const report = formatVerifyReport(`${c.owner}/${c.repo}`, result, problems, (n) => urls.get(n), windowed ? { ...(c.since ? { since: c.since } : {}), ...(c.until ? { until: c.until } : {}) } : undefined);
  io.stdout(report);
  return problems.length === 0 ? 0 : 1;
}

/** The text `aims verify` prints (pure). */
export function formatVerifyReport(repo: string, result: VerifyResult, problems: readonly ChainProblem[], url: (issue: number) => string | undefined, window?: { since?: string; until?: string }): string {
  const L: string[] = [];
  L.push(
    `aims verify ${repo}: ${result.records} record${result.records === 1 ? "" : "s"} (${result.finalised} final), chain of ${result.chainLength}${result.head ? `, head record ${result.head.seq} sha256 ${result.head.hash} (#${result.head.issue})` : ""}.`,
  );
  if (window) L.push(`Findings limited to records dated ${window.since ?? "…"} to ${window.until ?? "…"}; the chain was walked in full.`);
  if (problems.length === 0) {
    L.push("OK: every record verifies and the chain is unbroken.");
    return `${L.join("\n")}\n`;
  }
  L.push(`${problems.length} finding${problems.length === 1 ? "" : "s"}:`);
  for (const p of problems) {
    const where = p.issue !== undefined ? ` ${url(p.issue) ?? `#${p.issue}`}` : "";
    L.push(`  ${KIND_NAMES[p.kind].padEnd(12)}${where}`);
    L.push(`      ${p.message}`);
  }
  return `${L.join("\n")}\n`;
}
