import { resolvePolicy } from "../../src/config/policy.js";
import { loadCatalogue } from "../../src/controls/catalogue.js";
import { statementOfApplicability } from "../../src/evidence/export.js";
import type { EvidenceEntry } from "../../src/evidence/query.js";
import { readmeExampleBody, readmeExampleRecord } from "./evidence-example.js";

/**
 * The samples in docs/evidence.md, produced by the real code: the catalogue's basis table, one
 * record, and a statement of applicability excerpt. test/unit/docs-evidence.test.ts keeps the
 * page in step (AIMS_WRITE_DOCS=1 rewrites it).
 */

export function basisTable(): string {
  const catalogue = loadCatalogue();
  const rows = [...catalogue.controls, ...catalogue.clauses].map((c) => {
    const facts = c.evidencedBy.length > 0 ? c.evidencedBy.map((f) => `\`${f}\``).join(", ") : "—";
    const why = (c.prEvidence === "none" ? c.reason : c.basis) ?? "";
    return `| ${c.id} | ${c.title} | ${c.prEvidence} | ${facts} | ${why.replace(/\|/g, "\\|")} |`;
  });
  return ["| Control | Title | From pull requests | Facts | Basis (claimed) or reason (not claimed) |", "|---|---|---|---|---|", ...rows].join("\n");
}

export function recordExample(): string {
  return readmeExampleBody();
}

/** The statement of applicability of the example record's period: its header, two objectives and the closing sections. */
export function soaExample(): string {
  const record = readmeExampleRecord();
  const entries: EvidenceEntry[] = [{ issue: 318, url: "https://github.com/acme/ai-evidence/issues/318", createdAt: "2026-11-28T10:00:00Z", record }];
  const policy = resolvePolicy(
    {
      controls: {
        exclude: [{ id: "A.4.6", justification: "Competence records are kept in the HR system, outside the scope of this management system." }],
        statement: { version: "4", approved_by: "@acme/ciso", approved_on: "2026-10-01" },
        implementation: {
          "A.2.2": { status: "organisational", owner: "@acme/ciso", evidence: "AI policy v4, AIMS-POL-01 (intranet)", justification: "Required by clause 5.2; the board approves the AI policy." },
          "A.5.2": { status: "implemented", owner: "@acme/ai-governance" },
        },
      },
    },
    [],
  );
  const soa = statementOfApplicability(entries, {
    evidenceRepo: "acme/ai-evidence",
    catalogue: loadCatalogue(),
    exclusions: policy.controls.exclude,
    controls: policy.controls,
    policySource: "acme/ai-evidence:.github/aims.yml (blob 2c9a0f5e1d3b7c4a6e8f0a2b4c6d8e0f1a3b5c7d)",
    since: "2026-11-01",
    until: "2026-11-30",
    generatedAt: "2026-12-01T08:00:00Z",
    toolVersion: "0.1.0",
  });
  const cut = (from: string, to: string) => soa.slice(soa.indexOf(from), soa.indexOf(to));
  return [soa.slice(0, soa.indexOf("## A.3 ")), cut("## A.5 ", "## A.6 "), "…\n\n", soa.slice(soa.indexOf("## Nonconformities"))].join("").trimEnd();
}
