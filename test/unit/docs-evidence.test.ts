import { describe, expect, it } from "@jest/globals";
import { readFileSync, writeFileSync } from "node:fs";
import { parseRecordBody, hashMatches } from "../../src/evidence/record.js";
import { checkRecordSignature, createVerifier } from "../../src/evidence/signing.js";
import { basisTable, recordExample, soaExample } from "../support/evidence-docs.js";
import { throwawaySigner } from "../support/evidence-fixture.js";

/** docs/evidence.md shows the real code's output (AIMS_WRITE_DOCS=1 rewrites the samples). */
describe("docs/evidence.md samples", () => {
  const url = new URL("../../docs/evidence.md", import.meta.url);
  const blocks: Array<[string, () => string, string]> = [
    ["basis-table", basisTable, ""],
    ["record-example", recordExample, "````markdown"],
    ["soa-example", soaExample, "````markdown"],
  ];
  let doc = readFileSync(url, "utf8");
  for (const [name, make, fence] of blocks) {
    const body = make().replace(/\n+$/, "");
    const inner = fence ? `${fence}\n${body}\n\`\`\`\`` : body;
    doc = doc.replace(new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`), (_m, a: string, b: string) => `${a}${inner}\n${b}`);
  }
  if (process.env.AIMS_WRITE_DOCS === "1") writeFileSync(url, doc);

  it("matches what the code produces", () => {
    expect(readFileSync(url, "utf8")).toBe(doc);
  });

  it("shows a record whose hash and signature verify", () => {
    const shown = /<!-- record-example:start -->\n````markdown\n([\s\S]*?)\n````\n/.exec(doc)?.[1];
    const parsed = parseRecordBody(`${shown}\n`);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(hashMatches(parsed.record)).toBe(true);
    expect(checkRecordSignature(parsed.record, createVerifier(throwawaySigner().publicKeyPem))).toBe("valid");
  });
});
