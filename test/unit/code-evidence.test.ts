import { describe, expect, it } from "@jest/globals";
import { loadCatalogue } from "../../src/controls/catalogue.js";
import { createCodeDetector } from "../../src/detect/code/index.js";
import { toEvidenceChange } from "../../src/evidence/build.js";
import { cycloneDxBom } from "../../src/evidence/export.js";
import { buildInventory } from "../../src/evidence/inventory.js";
import { changeSchema } from "../../src/evidence/record.js";
import { cycloneDx16Validator } from "../support/cyclonedx-schema.js";
import { fixtureRecords } from "../support/evidence-fixture.js";

describe("AI use in code in the evidence record and the AI-BOM", () => {
  it("records models and providers, and exports them as machine-learning-model components and services", async () => {
    const detector = createCodeDetector({ systemFor: () => "support-bot", gated: true, today: "2026-12-01" });
    const head = `from openai import OpenAI\nc = OpenAI()\nr = c.chat.completions.create(model="gpt-4.1", messages=[])\n`;
    const base = head.replace("gpt-4.1", "gpt-4o-mini");
    const { changes } = await detector.detect([{ file: { filename: "bot/answer.py", status: "modified", additions: 1, deletions: 1 }, base, head }]);
    const recorded = changes.map(toEvidenceChange);
    for (const c of recorded) expect(changeSchema.safeParse(c).success).toBe(true);
    expect(recorded[0]!.code).toMatchObject({ kind: "ai-api", change: "model-changed", provider: "openai", hosted: true, model: "gpt-4.1", fromModel: "gpt-4o-mini" });

    const [record] = fixtureRecords(1);
    const merged = { ...record!, state: "merged" as const, changes: { total: 1, byCategory: { code: 1 }, items: recorded } };
    const inventory = buildInventory([{ issue: 1, url: "https://github.com/acme/evidence/issues/1", createdAt: "2026-02-01T00:00:00Z", record: merged }]);
    expect(inventory.find((s) => s.id === "support-bot")?.codeModels.map((m) => m.model)).toEqual(["gpt-4.1"]);

    const bom = cycloneDxBom(
      [{ issue: 1, url: "https://github.com/acme/evidence/issues/1", createdAt: "2026-02-01T00:00:00Z", record: merged }],
      { evidenceRepo: "acme/evidence", catalogue: loadCatalogue(), exclusions: [], generatedAt: "2026-03-01T09:00:00Z" },
      { serialNumber: "urn:uuid:0b7d2c1e-5f3a-4e8b-9c6d-2a1f0e9d8c7b" },
    ) as { components: Array<Record<string, unknown>>; services?: Array<Record<string, unknown>> };
    expect(bom.components.find((c) => c.name === "gpt-4.1")).toMatchObject({ type: "machine-learning-model", supplier: { name: "OpenAI" } });
    expect(bom.services?.map((s) => s.name)).toEqual(["OpenAI API"]);
    const validate = cycloneDx16Validator();
    validate(bom);
    expect(validate.errors ?? []).toEqual([]);
  });
});
