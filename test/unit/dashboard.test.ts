import { describe, expect, it } from "@jest/globals";
import { loadCatalogue } from "../../src/controls/catalogue.js";
import { dashboardModel } from "../../src/evidence/dashboard.js";
import { buildInventory } from "../../src/evidence/inventory.js";
import type { EvidenceEntry } from "../../src/evidence/query.js";
import type { EvidenceRecord } from "../../src/evidence/record.js";
import { dashboardMarker, dashboardSource, renderDashboard } from "../../src/render/dashboard.js";
import { fixtureRecords, throwawaySigner } from "../support/evidence-fixture.js";
import { checkHeadSignature, createVerifier } from "../../src/evidence/signing.js";
import { parseChainHeadBlock } from "../../src/evidence/pack.js";

const NOW = Date.parse("2026-04-01T00:00:00Z");
const catalogue = loadCatalogue();

function entries(records: EvidenceRecord[]): EvidenceEntry[] {
  return records.map((record, i) => ({ issue: i + 1, url: `https://github.com/acme/evidence/issues/${i + 1}`, createdAt: "2026-03-30T00:00:00Z", record }));
}

const EXCLUDE = [{ id: "A.4.6", justification: "Competence records live in the HR system, outside this management system's scope." }];

describe("dashboard: nonconformities, reviews due and the signed chain head", () => {
  it("counts overrides as nonconformities with their corrective actions, lists assessments due within 30 days, and publishes the signed head", () => {
    const signer = throwawaySigner();
    const records = fixtureRecords(20, { open: 1 });
    const withAssessment = (r: EvidenceRecord, nextReview: string): EvidenceRecord => ({
      ...r,
      assessment: { ...r.assessment, records: [{ id: `AIA-${nextReview}`, source: "file", ref: "governance/impact-assessments/x.md", status: "approved", systems: ["chatbot"], nextReview, approvedBy: [{ login: "bob", at: "2026-01-01T00:00:00Z" }] }] },
    });
    records[0] = withAssessment(records[0]!, "2026-04-20");
    records[1] = withAssessment(records[1]!, "2026-09-01");
    const overridden = records.map((r, i) => ({ r, i })).filter(({ r }) => r.override).map(({ i }) => i);
    expect(overridden.length).toBeGreaterThan(0);
    const first = overridden[0]!;
    records[first] = { ...records[first]!, nonconformity: { clause: "10.2", kind: "override", summary: "bypassed", correctiveAction: { repository: "acme/evidence", issue: 900, url: "https://github.com/acme/evidence/issues/900", owner: "lead", due: "2026-05-01" } } };
    const model = dashboardModel({ source: "acme/shop", entries: entries(records), catalogue, exclusions: [], now: NOW, evidenceRepo: "acme/evidence", signer, correctiveActions: new Map([[900, "closed"]]) });
    expect(model.nonconformities).toEqual({ total: overridden.length, open: 0, closed: 1, notOpened: overridden.length - 1 });
    expect(model.reviewsDue.map((r) => r.id)).toEqual(["AIA-2026-04-20"]);
    const head = records.filter((r) => r.hash).at(-1)!;
    expect(model.chainHead).toMatchObject({ repository: "acme/evidence", seq: head.seq, hash: head.hash, keyId: signer.keyId });
    expect(checkHeadSignature(model.chainHead!, createVerifier(signer.publicKeyPem))).toBe("valid");
    const body = renderDashboard(model);
    expect(parseChainHeadBlock(body)).toEqual(model.chainHead);
    expect(body).toContain(`Nonconformities (gates overridden): ${overridden.length}; corrective actions 0 open, 1 closed`);
    expect(body).toContain("## Assessments due for review (1)");
    expect(body).toContain(signer.publicKeyPem.trim());
  });
});

describe("dashboardModel", () => {
  const all = entries(fixtureRecords(60, { open: 4, repositories: ["acme/shop", "acme/web"] }));
  const model = dashboardModel({ source: "acme/shop", entries: all, catalogue, exclusions: EXCLUDE, now: NOW });

  it("covers all 38 controls, with exclusions and their justification, and controls pull requests cannot evidence", () => {
    expect(model.coverage).toHaveLength(38);
    const a46 = model.coverage.find((c) => c.id === "A.4.6")!;
    expect(a46).toMatchObject({ applicable: false, justification: EXCLUDE[0]!.justification });
    const a33 = model.coverage.find((c) => c.id === "A.3.3")!;
    expect(a33.applicable).toBe(true);
    expect(a33.notByPullRequests).toContain("reporting channel");
    expect(model.coverage.filter((c) => c.notByPullRequests).map((c) => c.id)).toEqual(catalogue.controls.filter((c) => c.prEvidence === "none").map((c) => c.id));
  });

  it("counts finalised evidence of the source repository in the last 30 and 90 days", () => {
    // Only merged, non-overridden records show a control operating.
    const shopFinals = all.filter((e) => e.record.pullRequest.repository === "acme/shop" && e.record.state === "merged" && !e.record.override);
    const a53 = model.coverage.find((c) => c.id === "A.5.3")!;
    const within = (days: number) => shopFinals.filter((e) => Date.parse(e.record.pullRequest.closedAt!) >= NOW - days * 86_400_000 && Date.parse(e.record.pullRequest.closedAt!) <= NOW).length;
    expect(a53.last30).toBe(within(30));
    expect(a53.last90).toBe(within(90));
    expect(a53.last90).toBeGreaterThan(a53.last30);
    expect(a53.lastEvidence).toBe(shopFinals.map((e) => e.record.pullRequest.closedAt!).sort().at(-1));
    expect(model.coverage.find((c) => c.id === "A.2.2")).toMatchObject({ last30: 0, last90: 0, lastEvidence: null });
    expect(model.records).toBe(30);
  });

  it("lists open governed pull requests with the gates they wait on, and overrides of the last 90 days", () => {
    expect(model.openPullRequests.map((p) => p.number)).toEqual([156, 158]);
    expect(model.openPullRequests[0]!.waitingOn).toEqual(["aims/impact-assessment", "aims/human-oversight"]);
    expect(model.overrides).toEqual([]);
    // acme/web's overrides: three in the 90 days before now (#119 closed unmerged); the one dated after now is left out.
    const web = dashboardModel({ source: "acme/web", entries: all, catalogue, exclusions: [], now: NOW });
    expect(web.overrides.map((o) => o.number)).toEqual([139, 129, 109]);
    for (const o of web.overrides) {
      expect(Date.parse(o.at)).toBeGreaterThanOrEqual(NOW - 90 * 86_400_000);
      expect(o.login).toBe("lead");
      expect(o.reason).toContain("Incident");
    }
  });
});

describe("buildInventory", () => {
  it("replays merged changes: upgrades replace versions, removals drop entries, closed and open records do not count", () => {
    const [a, b, c, d] = fixtureRecords(4).map((r) => structuredClone(r));
    const dep = (name: string, change: "added" | "upgraded" | "removed", to?: string) => ({
      path: "package.json",
      status: "modified",
      category: "dependency" as const,
      system: "chatbot",
      rule: "dependency.npm",
      gated: true,
      dependency: { ecosystem: "npm", name, kind: "LLM", supplier: "OpenAI", change, ...(to ? { to } : {}), manifests: ["package.json"] },
    });
    const at = (r: EvidenceRecord, date: string, state: EvidenceRecord["state"], items: EvidenceRecord["changes"]["items"]): EvidenceRecord => ({
      ...r,
      state,
      systems: [{ id: "chatbot", risk: "limited" }],
      pullRequest: { ...r.pullRequest, closedAt: date },
      changes: { total: items.length, byCategory: {}, items },
    });
    const inv = buildInventory(
      entries([
        at(a!, "2026-01-01T00:00:00Z", "merged", [dep("openai", "added", "4.0.0"), dep("langchain", "added", "0.2.0")]),
        at(b!, "2026-01-02T00:00:00Z", "overridden", [dep("openai", "upgraded", "4.5.0")]),
        at(c!, "2026-01-03T00:00:00Z", "merged", [dep("langchain", "removed")]),
        at(d!, "2026-01-04T00:00:00Z", "closed", [dep("cohere-ai", "added", "7.0.0")]),
      ]),
    );
    expect(inv).toHaveLength(1);
    expect(inv[0]!.dependencies.map((x) => `${x.name}@${x.version}`)).toEqual(["openai@4.5.0"]);
    expect(inv[0]!.records).toBe(3);
  });
});

describe("renderDashboard", () => {
  const all = entries(fixtureRecords(60, { open: 4 }));
  const model = dashboardModel({ source: "acme/shop", entries: all, catalogue, exclusions: EXCLUDE, now: NOW });

  it("escapes names and free text with the shared helper: bidi controls, line breaks, HTML", () => {
    const hostile = {
      ...model,
      openPullRequests: model.openPullRequests.map((p, i) => (i === 0 ? { ...p, title: "Ship <b>it</b> \u202Enow" } : p)),
      inventory: model.inventory.map((s, i) => (i === 0 ? { ...s, models: s.models.map((x, j) => (j === 0 ? { ...x, path: "models/line\nbreak\u202E.gguf" } : x)) } : s)),
    };
    const body = renderDashboard(hostile);
    expect(body).toContain("Ship &lt;b>it&lt;/b> \\\\u202Enow");
    expect(body).toContain("`models/line\\nbreak\\u202E.gguf`");
    expect(body).not.toMatch(/[\u202E]/);
  });

  it("renders the marker, coverage with the exclusion justification, open PRs, overrides and the inventory", () => {
    const body = renderDashboard(model);
    expect(body.startsWith(`${dashboardMarker("acme/shop")}\n# AI governance dashboard: acme/shop`)).toBe(true);
    expect(dashboardSource(body)).toBe("acme/shop");
    expect(body).toContain(`| A.4.6 | Human resources | **excluded**: ${EXCLUDE[0]!.justification} |`);
    expect(body).toContain("| A.3.3 | Reporting of concerns | yes; not evidenced by pull requests: ");
    expect(body).toContain("37 of 38 controls applicable, 1 excluded");
    // Records written at the close (the default): the open ones listed are those with a record, and
    // the dashboard says where the others stand.
    expect(body).toContain("## Open governed pull requests with a record (4)");
    expect(body).toContain("Records are written when a pull request closes, and at once when it is overridden (`evidence.while_open: false`). The checks of the open pull requests show where each stands.");
    const kept = renderDashboard(dashboardModel({ source: "acme/shop", entries: all, catalogue, exclusions: EXCLUDE, now: NOW, openRecordsKept: true, webUrl: "https://github.com" }));
    expect(kept).toContain("## Open governed pull requests (4)");
    expect(kept).not.toContain("evidence.while_open");
    expect(body).toContain("`aims/human-oversight`");
    expect(body).toContain("## Overrides in the last 90 days");
    expect(body).toContain("### chatbot (limited risk)");
    expect(body).toContain("| npm LLM | `openai` | 4.56.0 | OpenAI |");
    expect(body).toContain("| model | `models/chatbot/model.safetensors` | sha256 ");
    expect(body).not.toMatch(/\d{2}:\d{2}:\d{2}/);
    expect(renderDashboard(model)).toBe(body);
  });

  it.each([
    [3000, 60_000],
    [3000, 20_000],
    [400, 6_000],
  ])("stays within bounds with %i records (limit %i) and says what was left out", (n, limit) => {
    const many = entries(fixtureRecords(n, { open: Math.floor(n / 3) }).map((r, i) => ({
      ...r,
      systems: [{ id: `system-${i % 150}`, risk: "high" as const }],
      changes: { ...r.changes, items: r.changes.items.map((c) => ({ ...c, system: `system-${i % 150}`, path: `${c.path}.${i}` })) },
      override: r.state === "open" ? null : { login: "lead", at: "2026-03-20T00:00:00Z", sha: "a".repeat(40), reason: "x".repeat(1500) },
    })));
    const big = dashboardModel({ source: "acme/shop", entries: many, catalogue, exclusions: EXCLUDE, now: NOW });
    const body = renderDashboard(big, { maxChars: limit });
    expect(body.length).toBeLessThanOrEqual(limit);
    expect(body.length).toBeLessThan(65_536);
    expect(body).toContain("left out to keep this issue within GitHub's size limit");
    expect(body).toContain("| A.4.6 |");
  });
});
