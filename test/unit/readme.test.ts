import { describe, expect, it } from "@jest/globals";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { aiChangeExample } from "../support/check-examples.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const readme = readFileSync(join(root, "README.md"), "utf8");

/** Relative link targets of a Markdown file, outside code blocks, without their #anchor. */
function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/^(`{3,})[^\n]*\n[\s\S]*?^\1$/gm, "");
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((t) => !/^(https?:|mailto:|#)/.test(t)).map((t) => t.split("#")[0]!);
}

describe("README", () => {
  it("is an entry point of at most 200 lines", () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(200);
  });

  it("shows one real check exactly as the pipeline renders it (regenerate: npx tsx test/support/check-examples.ts)", async () => {
    expect(readme).toContain((await aiChangeExample(1)).trimEnd());
  });

  it("says how to set the webhook URL, and app.yml carries no placeholder for it", () => {
    expect(readme).toContain("WEBHOOK_PROXY_URL");
    expect(readme).toContain("/api/github/webhooks");
    expect(readFileSync(join(root, "app.yml"), "utf8")).not.toMatch(/example\.com/);
  });
});

describe("links between the README and docs/", () => {
  const pages = ["README.md", ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

  it.each(pages)("%s links only to files that exist", (page) => {
    const text = readFileSync(join(root, page), "utf8");
    const missing = relativeLinks(text).filter((target) => !existsSync(join(root, dirname(page), target)));
    expect(missing).toEqual([]);
  });

  it("links every page of docs/ from the README's reference list", () => {
    const linked = new Set(relativeLinks(readme));
    expect(pages.filter((p) => p !== "README.md" && !linked.has(p))).toEqual([]);
  });
});
