import { afterAll, describe, expect, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

describe("npm run demo", () => {
  const out = mkdtempSync(join(tmpdir(), "aims-demo-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("plays a governed change from opening to merge against the simulator, writes each step as HTML, and stops by itself", () => {
    // lib/ is built by npm test before the tests run, as npm run demo builds it before the script.
    const run = spawnSync(process.execPath, ["node_modules/tsx/dist/cli.mjs", "scripts/demo.ts", "--out", out], { encoding: "utf8", timeout: 120_000 });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    for (const heading of ["A documentation change passes", "A new model is blocked", "The assessment is linked", "Signed off by the reviewer", "Merged: evidence record", "aims verify --repo acme/shop (exit 0)"]) {
      expect(run.stdout).toContain(`━━ ${heading}`);
    }
    expect(run.stdout).toContain("aims/human-oversight: action_required — Human sign-off required");
    expect(run.stdout).toContain("OK: every record verifies and the chain is unbroken.");
    expect(readdirSync(out).sort()).toEqual([
      "01-a-documentation-change-passes.html",
      "02-a-new-model-is-blocked.html",
      "03-the-assessment-is-linked.html",
      "04-signed-off-by-the-reviewer.html",
      "05-evidence-record.html",
      "06-aims-verify.html",
      "index.html",
    ]);
    expect(readFileSync(join(out, "02-a-new-model-is-blocked.html"), "utf8")).toContain("<h3>Next steps</h3>");
  }, 150_000);
});
