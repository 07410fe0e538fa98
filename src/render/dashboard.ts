import { chainHeadBlock } from "../evidence/pack.js";
import type { DashboardModel, UnregisteredAi } from "../evidence/dashboard.js";
import { cell, code } from "../util/markdown.js";

/**
 * The dashboard issue's body (pure), always below `maxChars` (GitHub rejects issue bodies above
 * 65,536 characters): long lists are cut, and the body says how many entries were left out.
 * It holds no timestamp of its own, so an unchanged situation renders byte-identical text and
 * the issue is not rewritten.
 */

export const DASHBOARD_TITLE = "AI governance dashboard";
export const MAX_DASHBOARD_CHARS = 60_000;

/** Hidden first line: `<!-- aims:dashboard owner/repo -->`. */
export function dashboardMarker(source: string): string {
  return `<!-- aims:dashboard ${source} -->`;
}

const MARKER_RE = /^<!-- aims:dashboard (\S+) -->/;

export function dashboardSource(body: string | null | undefined): string | undefined {
  return MARKER_RE.exec(body ?? "")?.[1];
}

export function dashboardTitle(source: string): string {
  return `${DASHBOARD_TITLE}: ${source}`;
}

const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
const day = (s: string | null) => (s ? s.slice(0, 10) : "—");

interface Limits {
  open: number;
  overrides: number;
  systems: number;
  items: number;
  text: number;
}

function more(n: number, what: string): string[] {
  return n > 0 ? ["", `…and ${n} more ${what} left out to keep this issue within GitHub's size limit.`] : [];
}

function render(m: DashboardModel, limits: Limits, queryHint: boolean): string {
  const L: string[] = [];
  L.push(dashboardMarker(m.source));
  L.push(`# ${dashboardTitle(m.source)}`);
  L.push("");
  L.push(
    `Kept current by aims-bot from the evidence records of ${code(m.source)} (${m.records} record${m.records === 1 ? "" : "s"}, ${m.finalised} final). Edits to this issue are overwritten.${queryHint ? ` Ask for details with \`/aims query repo:${m.source} ...\` in a comment.` : ""}`,
  );
  L.push("");

  if (m.chainHead) {
    const h = m.chainHead;
    L.push(chainHeadBlock(h));
    L.push(`Evidence chain of ${code(h.repository)}: head record ${h.seq}, sha256 ${code(h.hash)}${h.signature ? `, signed with Ed25519 key ${code(h.keyId ?? "")}` : " (not signed: the app holds no signing key)"}. Keep it: \`aims verify --since-pack\` proves the chain only grew since.`);
    L.push("");
  }
  const nc = m.nonconformities;
  L.push(`Nonconformities (gates overridden): ${nc.total}; corrective actions ${nc.open} open, ${nc.closed} closed${nc.notOpened > 0 ? `, ${nc.notOpened} not opened` : ""}.`);
  L.push("");
  if (m.reviewsDue.length > 0) {
    L.push(`## Assessments due for review (${m.reviewsDue.length})`);
    L.push("");
    L.push("| Assessment | Next review | Last relied on by |");
    L.push("|---|---|---|");
    for (const r of m.reviewsDue.slice(0, limits.items)) L.push(`| ${code(r.id)} (${code(r.ref)}) | ${r.nextReview} | [${r.record}](${r.issueUrl}) |`);
    L.push(...more(m.reviewsDue.length - limits.items, "assessments"));
    L.push("");
  }

  const applicable = m.coverage.filter((c) => c.applicable);
  const evidenced = applicable.filter((c) => c.last90 > 0).length;
  L.push(`## Annex A coverage`);
  L.push("");
  L.push(`${applicable.length} of ${m.coverage.length} controls applicable, ${m.coverage.length - applicable.length} excluded; ${evidenced} evidenced by pull requests in the last 90 days.`);
  L.push("");
  L.push("| Control | Title | Applicable | Last 30 days | Last 90 days | Last evidence |");
  L.push("|---|---|---|---:|---:|---|");
  for (const c of m.coverage) {
    const status = !c.applicable
      ? `**excluded**: ${cell(clip(c.justification ?? "", limits.text))}`
      : c.notByPullRequests
        ? `yes; not evidenced by pull requests: ${cell(clip(c.notByPullRequests, limits.text))}`
        : `yes (${c.prEvidence} evidence from pull requests)`;
    const none = !c.applicable || c.notByPullRequests;
    L.push(`| ${c.id} | ${cell(c.title)} | ${status} | ${none && c.last30 === 0 ? "—" : c.last30} | ${none && c.last90 === 0 ? "—" : c.last90} | ${day(c.lastEvidence)} |`);
  }
  L.push("");

  L.push(m.openRecordsKept ? `## Open governed pull requests (${m.openPullRequests.length})` : `## Open governed pull requests with a record (${m.openPullRequests.length})`);
  L.push("");
  if (!m.openRecordsKept) {
    const where = m.openPullsUrl ? `[open pull requests](${m.openPullsUrl})` : "open pull requests";
    L.push(`Records are written when a pull request closes, and at once when it is overridden (\`evidence.while_open: false\`). The checks of the ${where} show where each stands.`);
    L.push("");
  }
  if (m.openPullRequests.length === 0) L.push("None.");
  else {
    L.push("| Pull request | AI systems | Risk | Waiting on | Record |");
    L.push("|---|---|---|---|---|");
    for (const p of m.openPullRequests.slice(0, limits.open)) {
      const waiting = p.waitingOn.length > 0 ? p.waitingOn.map(code).join(", ") : "nothing: both gates pass";
      L.push(`| [#${p.number}](${p.url}) ${cell(clip(p.title, limits.text))} | ${cell(p.systems.join(", ") || "—")} | ${p.risk ?? "—"} | ${waiting} | [#${p.issue}](${p.issueUrl}) |`);
    }
    L.push(...more(m.openPullRequests.length - limits.open, "pull requests"));
  }
  L.push("");

  L.push(`## Overrides in the last 90 days (${m.overrides.length})`);
  L.push("");
  if (m.overrides.length === 0) L.push("None.");
  else {
    L.push("| Pull request | By | When | Why |");
    L.push("|---|---|---|---|");
    for (const o of m.overrides.slice(0, limits.overrides)) {
      L.push(`| [#${o.number}](${o.url}) ([record](${o.issueUrl})) | @${o.login} | ${day(o.at)} | ${cell(clip(o.reason, limits.text))} |`);
    }
    L.push(...more(m.overrides.length - limits.overrides, "overrides"));
  }
  L.push("");

  if (m.unregistered) L.push(...unregisteredSection(m.unregistered, limits), "");

  L.push(`## AI inventory from merged evidence (${m.inventory.length} system${m.inventory.length === 1 ? "" : "s"})`);
  L.push("");
  if (m.inventory.length === 0) L.push("No merged evidence yet.");
  for (const s of m.inventory.slice(0, limits.systems)) {
    L.push(`### ${s.id}${s.risk ? ` (${s.risk} risk)` : ""}`);
    L.push("");
    L.push(`${s.records} merged record${s.records === 1 ? "" : "s"}, last change ${day(s.lastChange)}.`);
    L.push("");
    const rows: string[] = [];
    for (const x of s.models) rows.push(`| model | ${code(x.path)} | ${x.lfs ? `${x.lfs.oid.replace(/^sha256:/, "sha256 ").slice(0, 19)}…, ${x.lfs.size} bytes` : "—"} | — | [${x.record}](${x.prUrl}) ${day(x.date)} |`);
    for (const x of s.datasets) {
      const fact = x.dvc ? `DVC ${x.dvc.md5 ? `md5 ${x.dvc.md5.slice(0, 12)}…` : x.dvc.hash ? `hash ${x.dvc.hash.slice(0, 12)}…` : "output"}${x.dvc.remote ? ` at ${x.dvc.remote}` : ""}` : x.lfs ? `${x.lfs.oid.slice(0, 19)}…` : "—";
      rows.push(`| dataset | ${code(x.path)} | ${cell(fact)} | — | [${x.record}](${x.prUrl}) ${day(x.date)} |`);
    }
    for (const x of s.dependencies) rows.push(`| ${cell(x.ecosystem)} ${cell(x.kind)} | ${code(x.name)} | ${cell(x.version ?? "—")} | ${cell(x.supplier)} | [${x.record}](${x.prUrl}) ${day(x.date)} |`);
    if (rows.length === 0) L.push("No models, datasets or AI dependencies in the merged evidence.");
    else {
      L.push("| Kind | Name | Version or hash | Supplier | Last change |");
      L.push("|---|---|---|---|---|");
      L.push(...rows.slice(0, limits.items));
      L.push(...more(rows.length - limits.items, "entries of this system"));
    }
    L.push("");
  }
  L.push(...more(m.inventory.length - limits.systems, "AI systems"));
  if (m.publicKeyPem) {
    L.push("");
    L.push("## Public key of the evidence signatures");
    L.push("");
    L.push("```");
    L.push(m.publicKeyPem.trim());
    L.push("```");
  }
  return `${L.join("\n").trimEnd()}\n`;
}

function unregisteredSection(u: UnregisteredAi, limits: Limits): string[] {
  const L = [`## AI outside every registered system at ${code(u.scanned)} (${u.error ? "not scanned" : u.findings.length})`, ""];
  if (u.error) return [...L, `The default branch could not be scanned: ${cell(clip(u.error, limits.text))}. The next push to it or reconcile pass tries again.`];
  if (u.findings.length === 0) L.push("None: every AI finding on the default branch belongs to a system in `.github/aims.yml`.");
  else {
    L.push("Register each under `systems:` in `.github/aims.yml` (`aims init` proposes entries, `aims scan` lists them locally); until then, changing it needs both gates as an unregistered system.", "");
    L.push("| Category | Where | Detected because |", "|---|---|---|");
    for (const f of u.findings.slice(0, limits.items)) L.push(`| ${f.category} | ${f.what === f.path ? code(f.path) : `${cell(clip(f.what, limits.text))} in ${code(f.path)}`} | ${cell(clip(f.reason, limits.text))} |`);
    L.push(...more(u.findings.length - limits.items, "findings"));
  }
  for (const p of u.problems) L.push("", `Possibly incomplete: ${cell(clip(p, limits.text))}`);
  return L;
}

/** The dashboard body, cut down until it fits `maxChars`. */
export function renderDashboard(model: DashboardModel, options: { maxChars?: number; queryHint?: boolean } = {}): string {
  const max = options.maxChars ?? MAX_DASHBOARD_CHARS;
  const limits: Limits = { open: 500, overrides: 500, systems: 200, items: 500, text: 300 };
  for (let round = 0; round < 40; round++) {
    const body = render(model, limits, options.queryHint ?? true);
    if (body.length <= max) return body;
    limits.open = Math.floor(limits.open / 2);
    limits.overrides = Math.floor(limits.overrides / 2);
    limits.items = Math.floor(limits.items / 2);
    limits.systems = Math.max(1, Math.floor(limits.systems / 2));
    limits.text = Math.max(40, Math.floor(limits.text * 0.75));
  }
  const body = render(model, { open: 0, overrides: 0, systems: 0, items: 0, text: 40 }, false);
  if (body.length <= max) return body;
  throw new Error(`the dashboard of ${model.source} cannot be brought under ${max} characters`);
}
