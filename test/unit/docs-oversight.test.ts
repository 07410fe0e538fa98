import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { oversightExample } from "../support/oversight-example.js";

describe("docs/oversight.md", () => {
  it("shows the oversight check exactly as the gate and renderer produce it (regenerate: npx tsx test/support/oversight-example.ts)", () => {
    const readme = readFileSync(new URL("../../docs/oversight.md", import.meta.url), "utf8");
    expect(readme).toContain(oversightExample());
  });
});
