import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Octokit } from "@octokit/rest";
import { formatProblem, parseConfigText } from "../config/parse.js";
import { loadCatalogue } from "../controls/catalogue.js";
import { cycloneDxBom, EXPORT_FILES, EXPORT_FORMATS, evidenceRows, statementOfApplicability, toCsv, toJson, type DeploymentEntry, type ExportFormat } from "../evidence/export.js";
import { DEPLOYMENT_LABEL, parseDeploymentBody } from "../evidence/deployment.js";
import { entryDate, type EvidenceEntry } from "../evidence/query.js";
import { parseRecordBody } from "../evidence/record.js";
import { createVerifier, type ChainHead, type Verifier } from "../evidence/signing.js";
import { verifyChain, type ChainProblem, type StoredIssue, type VerifyResult } from "../evidence/verify.js";
import { AIMS_VERSION } from "../version.js";
import { gitBlobSha } from "../util/digest.js";
import type { ControlImplementation } from "../config/policy.js";
import { correctiveActionOf } from "../evidence/corrective-action.js";
import { CHAIN_HEAD_FILE, MANIFEST_FILE, PUBLIC_KEY_FILE, RECORDS_FILE, VERIFY_REPORT_FILE, checkManifest, manifestOf, publishedHeadOf, type PackIssue } from "../evidence/pack.js";
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
const VERSION = AIMS_VERSION;

interface Common {
  owner: string;
  repo: string;
  since?: string;
  until?: string;
  appLogin: string;
  octokit: Octokit;
}

/** The options of every command that reads an evidence repository: `common` reads the first four, verifierFrom the key. */
const EVIDENCE_OPTIONS = {
  repo: { type: "string" },
  since: { type: "string" },
  until: { type: "string" },
  app: { type: "string" },
  "public-key": { type: "string" },
} as const;

function common(values: { repo?: string; since?: string; until?: string; app?: string }, io: AuditIo): Common {
  const env = io.env ?? {};
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
  title?: string;
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

interface Applicability {
  exclusions: Array<{ id: string; justification: string }>;
  controls: { implementation: Record<string, ControlImplementation>; statement: { version?: string; approved_by?: string; approved_on?: string } };
  source: string;
}

/** Applicability from the policy's controls section: --config, else `.github/aims.yml` of the evidence repository. */
async function applicability(c: Common, configPath: string | undefined, io: AuditIo): Promise<Applicability> {
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
  if (text === undefined) return { exclusions: [], controls: { implementation: {}, statement: {} }, source: `no policy at ${source}: nothing excluded` };
  const parsed = parseConfigText(text, source);
  if (!parsed.ok) throw new UsageError(`the policy in ${source} is invalid:\n${parsed.problems.map(formatProblem).join("\n")}`);
  const controls = parsed.config.controls;
  return {
    exclusions: controls?.exclude ?? [],
    controls: { implementation: { ...(controls?.implementation ?? {}) }, statement: { ...(controls?.statement ?? {}) } },
    source: `${source} (blob ${gitBlobSha(text)})`,
  };
}

function toPackIssue(i: Listed): PackIssue {
  return {
    number: i.number,
    url: i.html_url,
    author: i.user?.login ?? "ghost",
    title: i.title ?? "",
    state: i.state === "closed" ? "closed" : "open",
    stateReason: i.state_reason ?? null,
    labels: labelNames(i),
    createdAt: i.created_at,
    body: i.body ?? null,
  };
}

/** State of every corrective-action issue the app opened, by number. */
function correctiveActionStates(issues: readonly PackIssue[], appLogin: string): Map<number, "open" | "closed"> {
  return new Map(issues.filter((i) => i.author.toLowerCase() === appLogin.toLowerCase() && correctiveActionOf(i.body)).map((i) => [i.number, i.state]));
}

const toStored = (i: PackIssue): StoredIssue => ({ number: i.number, author: i.author, body: i.body, state: i.state, stateReason: i.stateReason, labels: i.labels });

function controlTitle(id: string): string | undefined {
  return loadCatalogue().controls.find((c) => c.id === id)?.title;
}

function readText(path: string, what: string, io: AuditIo): string {
  const full = isAbsolute(path) ? path : resolve(io.cwd, path);
  try {
    return readFileSync(full, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
}

function verifierFrom(path: string | undefined, io: AuditIo): Verifier | undefined {
  if (path === undefined) return undefined;
  try {
    return createVerifier(readText(path, "--public-key", io));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--public-key ${path}: ${(error as Error).message}`);
  }
}

/** The chain head of an earlier pack, after checking that pack's manifest. */
function headOfPack(dir: string, io: AuditIo, flag: string): ChainHead {
  const full = isAbsolute(dir) ? dir : resolve(io.cwd, dir);
  if (!existsSync(join(full, CHAIN_HEAD_FILE))) throw new UsageError(`${flag} ${dir} is not an audit pack: it has no ${CHAIN_HEAD_FILE}`);
  const broken = checkManifest(full);
  if (broken.length > 0) throw new UsageError(`${flag} ${dir} fails its own manifest, so its chain head cannot be trusted:\n  ${broken.join("\n  ")}`);
  const head = JSON.parse(readFileSync(join(full, CHAIN_HEAD_FILE), "utf8")) as ChainHead;
  if (typeof head.hash !== "string" || !/^[0-9a-f]{64}$/.test(head.hash) || !Number.isInteger(head.seq)) throw new UsageError(`${flag} ${dir}: ${CHAIN_HEAD_FILE} holds no chain head`);
  return head;
}

/** Kinds that make a record untrustworthy: export leaves such records out and lists them. */
const EXCLUDING: ReadonlySet<ChainProblem["kind"]> = new Set(["edited", "foreign", "forged", "unsigned", "state", "duplicate", "out-of-chain"]);

function verifyIssues(repo: string, issues: readonly PackIssue[], appLogin: string, options: { verifier?: Verifier; since?: ChainHead; expectedHead?: string; published?: ChainHead }): VerifyResult {
  // The head the app last published on a dashboard (or a pack's own head) must still be in the chain.
  const published = options.published ?? publishedHeadOf(issues, appLogin, repo);
  return verifyChain(issues.map(toStored), {
    appLogin,
    ...(published ? { published } : {}),
    rerender: { version: AIMS_VERSION, controlTitle },
    ...(options.verifier ? { verifier: options.verifier } : {}),
    ...(options.since ? { since: options.since } : {}),
    ...(options.expectedHead ? { expectedHead: options.expectedHead } : {}),
  });
}

export async function exportCommand(args: string[], io: AuditIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...EVIDENCE_OPTIONS,
      format: { type: "string", multiple: true },
      out: { type: "string", default: "aims-audit-pack" },
      config: { type: "string" },
    },
  });
  const formats = (values.format ?? EXPORT_FORMATS).flatMap((f) => f.split(",")).map((f) => f.trim().toLowerCase()).filter(Boolean);
  const unknown = formats.filter((f) => !(EXPORT_FORMATS as string[]).includes(f));
  if (unknown.length > 0) throw new UsageError(`--format takes ${EXPORT_FORMATS.join(", ")} (got ${unknown.join(", ")})`);
  const verifier = verifierFrom(values["public-key"], io);
  const c = common(values, io);
  const applies = await applicability(c, values.config, io);
  // Every issue, as verify reads them: a record stripped of its labels still counts.
  const issues = (await listIssues(c, io)).map(toPackIssue);
  const evidenceRepo = `${c.owner}/${c.repo}`;
  const generatedAt = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  const result = verifyIssues(evidenceRepo, issues, c.appLogin, verifier ? { verifier } : {});
  const untrusted = new Set(result.problems.filter((p) => p.issue !== undefined && EXCLUDING.has(p.kind)).map((p) => p.issue!));
  const entries: EvidenceEntry[] = [];
  for (const i of issues) {
    if (i.author.toLowerCase() !== c.appLogin.toLowerCase() || untrusted.has(i.number)) continue;
    if (i.state === "closed" && i.stateReason === "duplicate") continue;
    const parsed = parseRecordBody(i.body);
    if (!parsed.ok) continue;
    const entry = { issue: i.number, url: i.url, createdAt: i.createdAt, record: parsed.record };
    if (inWindow(entryDate(entry), c.since, c.until)) entries.push(entry);
  }
  const catalogue = loadCatalogue();
  const deployments: DeploymentEntry[] = [];
  for (const i of issues) {
    if (i.author.toLowerCase() !== c.appLogin.toLowerCase() || !i.labels.includes(DEPLOYMENT_LABEL)) continue;
    const parsed = parseDeploymentBody(i.body);
    if (parsed.ok && inWindow(parsed.record.decidedAt, c.since, c.until)) deployments.push({ issue: i.number, url: i.url, record: parsed.record });
  }
  const ctx = {
    evidenceRepo,
    deployments,
    catalogue,
    exclusions: applies.exclusions,
    controls: applies.controls,
    policySource: applies.source,
    correctiveActions: correctiveActionStates(issues, c.appLogin),
    ...(c.since ? { since: c.since } : {}),
    ...(c.until ? { until: c.until } : {}),
    generatedAt,
    toolVersion: VERSION,
  };
  const out = isAbsolute(values.out!) ? values.out! : join(io.cwd, values.out!);
  mkdirSync(out, { recursive: true });
  const rows = evidenceRows(entries, catalogue);
  const written: string[] = [];
  const write = (name: string, text: string) => {
    writeFileSync(join(out, name), text);
    written.push(name);
  };
  const wanted = new Set(formats as ExportFormat[]);
  if (wanted.has("md")) write(EXPORT_FILES.md, statementOfApplicability(entries, ctx));
  if (wanted.has("csv")) write(EXPORT_FILES.csv, toCsv(rows));
  if (wanted.has("json")) write(EXPORT_FILES.json, toJson(rows, ctx, entries.length));
  if (wanted.has("cyclonedx")) write(EXPORT_FILES.cyclonedx, `${JSON.stringify(cycloneDxBom(entries, ctx, { serialNumber: `urn:uuid:${randomUUID()}` }), null, 2)}\n`);
  // What makes the pack verifiable offline: the full records, the verify report, the key and the head.
  const urls = new Map(issues.map((i) => [i.number, i.url]));
  write(RECORDS_FILE, `${JSON.stringify({ evidenceRepository: evidenceRepo, appLogin: c.appLogin, generatedAt, issues: issues.filter((i) => parseRecordBody(i.body).id !== undefined || correctiveActionOf(i.body) !== undefined) }, null, 1)}\n`);
  write(VERIFY_REPORT_FILE, formatVerifyReport(evidenceRepo, result, result.problems, (n) => urls.get(n)));
  if (values["public-key"]) write(PUBLIC_KEY_FILE, readText(values["public-key"], "--public-key", io));
  const published = publishedHeadOf(issues, c.appLogin, evidenceRepo);
  const headUrl = result.head ? urls.get(result.head.issue) : undefined;
  const bare: ChainHead | null = published && result.head && published.hash === result.head.hash ? published : result.head ? { repository: evidenceRepo, seq: result.head.seq, hash: result.head.hash, at: generatedAt } : null;
  const head = bare && headUrl ? { ...bare, url: headUrl } : bare;
  write(CHAIN_HEAD_FILE, `${JSON.stringify(head, null, 2)}\n`);
  writeFileSync(join(out, MANIFEST_FILE), manifestOf(out, written));
  written.push(MANIFEST_FILE);
  io.stdout(`aims export ${evidenceRepo}: ${entries.length} record${entries.length === 1 ? "" : "s"}, ${rows.length} row${rows.length === 1 ? "" : "s"} (one per record and control) → ${values.out}/\n`);
  for (const f of written) io.stdout(`  ${f}\n`);
  if (untrusted.size > 0) {
    io.stdout(`${untrusted.size} issue${untrusted.size === 1 ? "" : "s"} left out because verification found ${untrusted.size === 1 ? "it" : "them"} tampered, foreign or outside the chain (see ${VERIFY_REPORT_FILE}):\n`);
    for (const n of [...untrusted].sort((a, b) => a - b)) io.stdout(`  ${urls.get(n) ?? `#${n}`}\n`);
  }
  if (head && !head.signature) io.stdout(`The chain head is not signed: no signed head matching it is published on a dashboard issue.\n`);
  return 0;
}

const KIND_NAMES: Record<ChainProblem["kind"], string> = {
  edited: "edited",
  "missing-link": "deleted",
  "out-of-chain": "out-of-chain",
  foreign: "foreign",
  duplicate: "duplicate",
  state: "state",
  unsigned: "unsigned",
  forged: "forged",
};

export async function verifyCommand(args: string[], io: AuditIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...EVIDENCE_OPTIONS,
      "expected-head": { type: "string" },
      "since-pack": { type: "string" },
      pack: { type: "string" },
    },
  });
  const expectedHead = values["expected-head"];
  if (expectedHead !== undefined && !/^[0-9a-f]{64}$/.test(expectedHead)) throw new UsageError("--expected-head takes a sha256 hex digest");
  const since = values["since-pack"] !== undefined ? headOfPack(values["since-pack"], io, "--since-pack") : undefined;
  if (values.pack !== undefined) return verifyPack(values.pack, values, io, since);
  const verifier = verifierFrom(values["public-key"], io);
  const c = common(values, io);
  const issues = (await listIssues(c, io)).map(toPackIssue);
  const result = verifyIssues(`${c.owner}/${c.repo}`, issues, c.appLogin, { ...(verifier ? { verifier } : {}), ...(since ? { since } : {}), ...(expectedHead ? { expectedHead } : {}) });
  return report(`${c.owner}/${c.repo}`, issues, result, c, io, verifier);
}

function report(repo: string, issues: readonly PackIssue[], result: VerifyResult, window: { since?: string; until?: string }, io: AuditIo, verifier: Verifier | undefined, note?: string): number {
  const urls = new Map(issues.map((i) => [i.number, i.url]));
  const dates = new Map<number, string>();
  for (const i of issues) {
    const parsed = parseRecordBody(i.body);
    dates.set(i.number, parsed.ok ? (parsed.record.pullRequest.closedAt ?? i.createdAt) : i.createdAt);
  }
  const windowed = window.since || window.until;
  const problems = result.problems.filter((p) => p.issue === undefined || !windowed || inWindow(dates.get(p.issue) ?? "", window.since, window.until));
  let text = formatVerifyReport(repo, result, problems, (n) => urls.get(n), windowed ? { ...(window.since ? { since: window.since } : {}), ...(window.until ? { until: window.until } : {}) } : undefined);
  if (note) text = `${note}\n${text}`;
  if (!verifier) text += "Signatures not checked: pass --public-key <file> with the app's published Ed25519 key.\n";
  io.stdout(text);
  return problems.length === 0 ? 0 : 1;
}

/** `aims verify --pack <dir>`: the pack's manifest, then its records, offline. */
function verifyPack(dir: string, values: { "public-key"?: string | undefined; app?: string | undefined }, io: AuditIo, since: ChainHead | undefined): number {
  const full = isAbsolute(dir) ? dir : resolve(io.cwd, dir);
  if (!existsSync(join(full, MANIFEST_FILE))) throw new UsageError(`--pack ${dir} is not an audit pack: it has no ${MANIFEST_FILE}`);
  const broken = checkManifest(full);
  const packed = JSON.parse(readFileSync(join(full, RECORDS_FILE), "utf8")) as { evidenceRepository: string; appLogin: string; issues: PackIssue[] };
  let keyNote: string | undefined;
  let verifier = verifierFrom(values["public-key"], io);
  if (!verifier && existsSync(join(full, PUBLIC_KEY_FILE))) {
    verifier = createVerifier(readFileSync(join(full, PUBLIC_KEY_FILE), "utf8"));
    keyNote = `Signatures checked with the key shipped in the pack (${verifier.keyId}); pass --public-key to check against the key the app publishes.`;
  }
  const appLogin = values.app ? (values.app.endsWith("[bot]") ? values.app : `${values.app}[bot]`) : packed.appLogin;
  const packHead = existsSync(join(full, CHAIN_HEAD_FILE)) ? (JSON.parse(readFileSync(join(full, CHAIN_HEAD_FILE), "utf8")) as ChainHead | null) : null;
  const result = verifyIssues(packed.evidenceRepository, packed.issues, appLogin, { ...(verifier ? { verifier } : {}), ...(since ? { since } : {}), ...(packHead ? { published: packHead } : {}) });
  const manifestProblems: ChainProblem[] = broken.map((message) => ({ kind: "edited", message: `Pack file ${message}` }));
  const merged: VerifyResult = { ...result, ok: result.ok && broken.length === 0, problems: [...manifestProblems, ...result.problems] };
  const note = `Offline check of the audit pack ${dir} (${readdirSync(full).length} files, manifest ${broken.length === 0 ? "intact" : "broken"}).${keyNote ? `\n${keyNote}` : ""}`;
  return report(packed.evidenceRepository, packed.issues, merged, {}, io, verifier, note);
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
    L.push(`  ${KIND_NAMES[p.kind].padEnd(12)}${where}`.trimEnd());
    L.push(`      ${p.message}`);
  }
  return `${L.join("\n")}\n`;
}
