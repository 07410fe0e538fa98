import { afterAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";
import { formatText, type CheckReport } from "../../src/cli/report.js";
import { repoWith as sharedRepoWith } from "../support/git-repo.js";

const POLICY = `ignore: ["generated/**"]
systems:
  - id: recommender
    name: Product recommender
    paths: ["models/**"]
    risk: limited
`;

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

const repoWith = (base: Record<string, string>, head: Record<string, string>, author?: string) => sharedRepoWith(roots, base, head, author);

async function aims(dir: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, { cwd: dir, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

const BASE = { ".github/aims.yml": POLICY, "README.md": "# Shop\n", "package.json": '{ "name": "shop", "dependencies": {} }\n' };

describe("aims check output", () => {
  it("names the local author by git name, without an @-mention (there is no GitHub login locally)", async () => {
    const dir = repoWith(BASE, { "models/ranker.onnx": "\u0000ONNX" }, "Albert Villanova del Moral");
    const { code, stdout } = await aims(dir, "check");
    expect(code).toBe(1);
    expect(stdout).toContain("other than the author (Albert Villanova del Moral);");
    expect(stdout).toContain("other than the author (Albert Villanova del Moral), to approve");
    expect(stdout).not.toContain("@Albert");
  });

  it("checks a branch of more than 3000 files in full: ignored generated paths pass, a model among them is found", async () => {
    const generated = Object.fromEntries(Array.from({ length: 3100 }, (_, i) => [`generated/api/f${String(i).padStart(4, "0")}.ts`, `export const v = ${i};\n`]));
    const dir = repoWith(BASE, { ...generated, "models/ranker.onnx": "\u0000ONNX" });
    const { code, stdout } = await aims(dir, "check");
    expect(code).toBe(1);
    expect(stdout.split("\n")[0]).toMatch(/^aims check main\.\.\.[0-9a-f]{7}: 1 AI-related change in recommender$/);
    expect(stdout).not.toContain("too large");
  }, 60_000);

  it("says a report too large to check is too large, instead of 0 changes", () => {
    const report: CheckReport = {
      schemaVersion: 1,
      base: { ref: "main", sha: "a".repeat(40) },
      head: { sha: "b".repeat(40) },
      policy: { valid: true, problems: [], sources: [".github/aims.yml at main"] },
      tooLarge: { changedFiles: 250_000 },
      changes: [],
      problems: [],
      gates: [],
    };
    expect(formatText(report).split("\n")[0]).toBe(
      "aims check main...bbbbbbb: too large to check (250000 changed files; not every file could be read, so nothing was classified)",
    );
  });

  it("exits 2 with `not a git repository: <path>` outside a repository", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aims-cli-nogit-"));
    roots.push(dir);
    const { code, stdout, stderr } = await aims(dir, "check");
    expect([code, stdout, stderr]).toEqual([2, "", `aims: not a git repository: ${dir}\n`]);
    const withBase = await aims(dir, "check", "--base", "main");
    expect([withBase.code, withBase.stderr]).toEqual([2, `aims: not a git repository: ${dir}\n`]);
  });

  it("says in which manifest a dependency change was declared", async () => {
    const dir = repoWith(BASE, { "package.json": '{ "name": "shop", "dependencies": { "openai": "^4.52.0" } }\n' });
    const { code, stdout } = await aims(dir, "check");
    expect(code).toBe(1);
    expect(stdout).toMatch(/openai \^4\.52\.0 added \(.*\), declared in package\.json {2}\[/);
  });
});
