import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { bomExample, csvExample, dashboardExample, queryExample, soaExample, verifyExample } from "../support/governance-examples.js";

/** The samples in docs/evidence-and-audit.md are the real code's output (regenerate: npx tsx test/support/governance-examples.ts). */
describe("docs/evidence-and-audit.md governance-lead samples", () => {
  const readme = readFileSync(new URL("../../docs/evidence-and-audit.md", import.meta.url), "utf8");
  const block = (name: string) => {
    const m = new RegExp(`<!-- ${name}:start -->\\n(\`{3,4})[a-z]*\\n([\\s\\S]*?)\\n\\1\\n<!-- ${name}:end -->`).exec(readme);
    if (!m) throw new Error(`docs/evidence-and-audit.md has no ${name} block`);
    return m[2];
  };

  it.each([
    ["query-example", queryExample],
    ["dashboard-example", dashboardExample],
    ["soa-example", soaExample],
    ["csv-example", csvExample],
    ["bom-example", bomExample],
    ["verify-example", verifyExample],
  ])("%s matches what the code produces", (name, make) => {
    expect(block(name)).toBe(make().replace(/\n+$/, ""));
  });
});
