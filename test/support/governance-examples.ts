import { pathToFileURL } from "node:url";
import { formatVerifyReport } from "../../src/cli/audit.js";
import { compareControlIds, loadCatalogue } from "../../src/controls/catalogue.js";
import { dashboardModel } from "../../src/evidence/dashboard.js";
import { cycloneDxBom, evidenceRows, statementOfApplicability, toCsv } from "../../src/evidence/export.js";
import { parseQuery, runQuery, type EvidenceEntry } from "../../src/evidence/query.js";
import { recordLabels, renderRecordBody } from "../../src/evidence/record.js";
import { verifyChain, type StoredIssue } from "../../src/evidence/verify.js";
import { renderDashboard } from "../../src/render/dashboard.js";
import { renderQueryReply } from "../../src/render/query.js";
import { fixtureRecords } from "./evidence-fixture.js";

/**
 * The samples in docs/evidence-and-audit.md of the query reply, the dashboard, the audit pack and `aims verify`,
 * produced by the real code from the record fixture. Regenerate: npx tsx test/support/governance-examples.ts
 */

const catalogue = loadCatalogue();
const titles = new Map([...catalogue.controls, ...catalogue.clauses].map((c) => [c.id, c.title]));
const EXCLUSIONS = [{ id: "A.4.6", justification: "Competence records are kept in the HR system, outside the scope of this management system." }];
const NOW = "2026-03-01T09:00:00Z";

function entries(): EvidenceEntry[] {
  return fixtureRecords(24, { open: 2 }).map((record, i) => ({
    issue: 40 + i,
    url: `https://github.com/acme/evidence/issues/${40 + i}`,
    createdAt: "2026-02-25T08:00:00Z",
    record,
  }));
}

export function queryExample(): string {
  const text = "control:A.5.3 risk:high state:merged,overridden since:2026-01-01 until:2026-02-28 repo:acme/shop";
  const parsed = parseQuery(text, [...titles.keys()]);
  if (!parsed.ok) throw new Error(parsed.message);
  const all = entries();
  return renderQueryReply({
    query: parsed.query,
    matches: runQuery(all, parsed.query),
    scanned: all.length,
    evidenceRepo: "acme/evidence",
    login: "gov-lead",
    appSlug: "aims-bot",
    controlTitle: (id) => titles.get(id),
    controlOrder: compareControlIds,
  });
}

export function dashboardExample(): string {
  const model = dashboardModel({ source: "acme/shop", entries: entries(), catalogue, exclusions: EXCLUSIONS, now: Date.parse(NOW), webUrl: "https://github.com" });
  return renderDashboard(model);
}

const ctx = { evidenceRepo: "acme/evidence", catalogue, exclusions: EXCLUSIONS, since: "2026-01-01", until: "2026-02-28", generatedAt: NOW, toolVersion: "0.1.0" };

/** The statement of applicability's first objectives (the file holds all nine). */
export function soaExample(): string {
  const inPeriod = entries().filter((e) => e.record.pullRequest.closedAt && e.record.pullRequest.closedAt < "2026-03-01");
  const soa = statementOfApplicability(inPeriod, ctx);
  return soa.slice(0, soa.indexOf("## A.5 "));
}

export function csvExample(): string {
  const inPeriod = entries().filter((e) => e.record.pullRequest.closedAt && e.record.pullRequest.closedAt < "2026-03-01");
  return toCsv(evidenceRows(inPeriod, catalogue)).split("\r\n").slice(0, 4).join("\n");
}

export function bomExample(): string {
  const bom = cycloneDxBom(entries(), ctx, { serialNumber: "urn:uuid:0b7d2c1e-5f3a-4e8b-9c6d-2a1f0e9d8c7b" }) as { components: Array<Record<string, unknown>> };
  // One component of each AI kind, as they appear in the file's `components`.
  const pick = ["machine-learning-model", "data", "library"].map((t) => bom.components.find((c) => c.type === t)!);
  return JSON.stringify(pick, null, 2);
}

export function verifyExample(): string {
  const records = fixtureRecords(24, { open: 2 });
  const issues: StoredIssue[] = records.map((r, i) => ({
    number: 40 + i,
    author: "aims-bot[bot]",
    body: renderRecordBody(r),
    state: r.hash ? "closed" : "open",
    stateReason: r.hash ? "completed" : null,
    labels: recordLabels(r).map((l) => l.name),
  }));
  // Someone edits a finalised record, deletes another, and opens a look-alike.
  issues[5]!.body = issues[5]!.body!.replace('"login": "alice"', '"login": "mallory"');
  issues.splice(12, 1);
  issues.push({ number: 80, author: "mallory", body: issues[3]!.body, state: "open", labels: [] });
  const result = verifyChain(issues, { appLogin: "aims-bot[bot]" });
  return formatVerifyReport("acme/evidence", result, result.problems, (n) => `https://github.com/acme/evidence/issues/${n}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const [name, f] of Object.entries({ queryExample, dashboardExample, soaExample, csvExample, bomExample, verifyExample })) {
    process.stdout.write(`===== ${name}\n${f()}\n`);
  }
}
