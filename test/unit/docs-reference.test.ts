import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { configKeys, configurationReference } from "../../src/config/reference.js";
import { detectionReference } from "../../src/detect/reference.js";

const doc = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), "utf8");

describe("generated reference pages (regenerate: npm run docs)", () => {
  it("describes every key of .github/aims.yml in the schema", () => {
    const keys = configKeys();
    expect(keys.length).toBeGreaterThan(60);
    expect(keys.filter((k) => !k.node.description?.trim()).map((k) => k.path)).toEqual([]);
  });

  it("documents every key in docs/configuration.md, as the schema describes it", () => {
    const page = doc("configuration.md");
    const headings = new Set([...page.matchAll(/^#{2,4} `([^`]+)`$/gm)].map((m) => m[1]));
    expect(configKeys().map((k) => k.path).filter((p) => !headings.has(p))).toEqual([]);
    expect(page).toBe(configurationReference());
  });

  it("lists every path rule, manifest manager and catalogue entry in docs/detection.md", () => {
    expect(doc("detection.md")).toBe(detectionReference());
  });
});
