import { describe, expect, it } from "@jest/globals";
import { loadCatalogue } from "../../src/controls/catalogue.js";
import { statementOfApplicability } from "../../src/evidence/export.js";

describe("the statement of applicability", () => {
  it("shows text from the policy as written: no link, mention or table break", () => {
    const ctx = {
      evidenceRepo: "acme/evidence",
      catalogue: loadCatalogue(),
      exclusions: [],
      generatedAt: "2026-12-03T00:00:00Z",
      controls: {
        implementation: { "A.2.2": { status: "organisational" as const, owner: "@acme/ciso", evidence: "see [the policy](https://evil.example) | forged cell <b>x</b>" } },
        statement: {},
      },
    } as unknown as Parameters<typeof statementOfApplicability>[1];
    const row = statementOfApplicability([], ctx)
      .split("\n")
      .find((l) => l.startsWith("| A.2.2 |"))!;
    expect(row).toContain("Kept outside GitHub: see \\[the policy\\](https:/\u2060/evil.example) \\| forged cell &lt;b>x&lt;/b>.");
    expect(row).not.toContain("[the policy](");
    expect(row).toContain("| \u2060@\u2060acme/ciso |");
    // The row keeps its seven cells.
    expect(row.replace(/\\\|/g, "").split("|").length - 2).toBe(7);
  });
});
