import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { parseRecordBody, hashMatches } from "../../src/evidence/record.js";
import { readmeExampleBody } from "../support/evidence-example.js";

describe("docs/evidence-and-audit.md evidence example", () => {
  const readme = readFileSync(new URL("../../docs/evidence-and-audit.md", import.meta.url), "utf8");
  const shown = /<!-- evidence-example:start -->\n````markdown\n([\s\S]*?)````\n<!-- evidence-example:end -->/.exec(readme)?.[1];

  it("shows the record exactly as the renderer writes it", () => {
    expect(shown).toBeDefined();
    expect(shown).toBe(readmeExampleBody());
  });

  it("shows a sealed record whose hash verifies", () => {
    const parsed = parseRecordBody(shown);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(hashMatches(parsed.record)).toBe(true);
  });

  it("gives the governance leads' queries", () => {
    expect(readme).toContain('label:"annex-a:A.5.2" label:state:merged');
    expect(readme).not.toContain('label:"annex-a:A.6.2.5"');
  });
});
