import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { configJsonSchema } from "../../src/config/json-schema.js";

describe("published JSON Schema of .github/aims.yml", () => {
  it("matches the zod schema (run `npm run schema` after changing it)", () => {
    const committed = JSON.parse(readFileSync(new URL("../../schema/aims.schema.json", import.meta.url), "utf8"));
    expect(committed).toEqual(JSON.parse(JSON.stringify(configJsonSchema())));
  });

  it("rejects unknown keys so editors flag typos", () => {
    const schema = configJsonSchema() as { additionalProperties?: unknown; properties?: Record<string, unknown> };
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties ?? {})).toEqual(
      expect.arrayContaining(["systems", "detect", "ignore", "assessment", "oversight", "evidence", "controls", "_extends"]),
    );
  });
});
