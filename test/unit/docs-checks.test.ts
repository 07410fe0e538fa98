import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { aiChangeExample, invalidConfigExample, noAiChangeExample } from "../support/check-examples.js";

describe("docs/checks.md", () => {
  const readme = readFileSync(new URL("../../docs/checks.md", import.meta.url), "utf8");

  it.each([
    ["no AI change", noAiChangeExample],
    ["AI changes, impact assessment", () => aiChangeExample(0)],
    ["AI changes, human oversight", () => aiChangeExample(1)],
    ["invalid policy", invalidConfigExample],
  ])("shows the %s check exactly as the pipeline renders it (regenerate: npx tsx test/support/check-examples.ts)", async (_name, example) => {
    expect(readme).toContain((await example()).trimEnd());
  });
});
