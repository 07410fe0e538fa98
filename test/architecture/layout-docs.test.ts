import { describe, expect, it } from "@jest/globals";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * docs/architecture.md's layout names every folder of src/ (the one folder per manifest format is
 * covered by the line for src/detect/manifests/), and no folder that is gone.
 */
const ROOT = new URL("../../", import.meta.url).pathname;

function folders(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => {
      const path = `${dir}/${e.name}`;
      if (dir === "src/detect/manifests" && e.name !== "shared") return [];
      return [`${path}/`, ...folders(path)];
    });
}

describe("the layout in docs/architecture.md", () => {
  const doc = readFileSync(join(ROOT, "docs/architecture.md"), "utf8");
  const layout = doc.slice(doc.indexOf("## Layout"));
  const listed = [...layout.matchAll(/^(src\/\S*)\s/gm)].map((m) => m[1]!);

  it("names every folder of src/", () => {
    expect(folders("src").filter((f) => !listed.includes(f))).toEqual([]);
  });

  it("names no folder that does not exist", () => {
    const existing = new Set(["src/", ...folders("src")]);
    expect(listed.filter((f) => !existing.has(f))).toEqual([]);
  });
});
