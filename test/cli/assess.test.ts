import { afterAll, describe, expect, it } from "@jest/globals";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";
import { parseAssessmentFile } from "../../src/gates/assessment-file.js";

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function workspace(policy?: string): string {
  const dir = mkdtempSync(join(tmpdir(), "aims-assess-"));
  roots.push(dir);
  if (policy !== undefined) {
    mkdirSync(join(dir, ".github"));
    writeFileSync(join(dir, ".github/aims.yml"), policy);
  }
  return dir;
}

async function aims(dir: string, ...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, { cwd: dir, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

const POLICY = `systems:
  - id: fraud-scoring
    name: Fraud scoring model
    paths: ["models/fraud/**"]
    risk: high
    owner: "@acme/risk-ml"
  - id: support-chatbot
    name: Support assistant
    paths: ["prompts/**"]
    risk: limited
assessment:
  directory: docs/aia
`;

describe("aims assess init", () => {
  it("writes a pre-filled assessment into the configured directory that the real parser reads, placeholders flagged", async () => {
    const dir = workspace(POLICY);
    const { code, stdout } = await aims(dir, "assess", "init", "--system", "fraud-scoring");
    expect(code).toBe(0);
    const path = "docs/aia/fraud-scoring.md";
    expect(stdout).toContain(`wrote ${path}`);
    const text = readFileSync(join(dir, path), "utf8");

    const parsed = parseAssessmentFile(text, path);
    expect(parsed.kind).toBe("invalid");
    if (parsed.kind !== "invalid") return;
    expect(parsed.summary).toMatchObject({ id: `AIA-${new Date().getUTCFullYear()}-fraud-scoring`, systems: ["fraud-scoring"], riskLevel: "high", status: "draft" });
    const fields = parsed.problems.map((p) => p.field);
    expect(fields).toEqual(expect.arrayContaining(["intended_purpose", "review.next_review", "assessors[0].login"]));
    // Pre-filled from the registry: none of these are flagged.
    expect(fields).not.toEqual(expect.arrayContaining(["id"]));
    expect(fields.filter((f) => f === "systems" || f === "risk_level" || f === "mitigations[0].owner")).toEqual([]);
    expect(text).toContain('owner: "@acme/risk-ml"');
    expect(text).toContain("# AIA-");
    expect(text).toContain(": Fraud scoring model");
    // Every placeholder is printed as file:line:column so an editor can jump to it.
    for (const p of parsed.problems) expect(stdout).toContain(`${path}:${p.line}:${p.column} `);
    expect(stdout).toContain(`Impact-Assessment: ${path}`);
  });

  it("refuses to overwrite an existing assessment", async () => {
    const dir = workspace(POLICY);
    expect((await aims(dir, "assess", "init", "--system", "support-chatbot")).code).toBe(0);
    const path = join(dir, "docs/aia/support-chatbot.md");
    writeFileSync(path, "edited by hand\n");
    const again = await aims(dir, "assess", "init", "--system", "support-chatbot", "--id", "AIA-X");
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists.*never overwrites/);
    expect(readFileSync(path, "utf8")).toBe("edited by hand\n");
  });

  it("uses the default directory and a given id", async () => {
    const dir = workspace(POLICY.replace("assessment:\n  directory: docs/aia\n", ""));
    const { code } = await aims(dir, "assess", "init", "--system", "support-chatbot", "--id", "AIA-2026-007");
    expect(code).toBe(0);
    const text = readFileSync(join(dir, "governance/impact-assessments/support-chatbot.md"), "utf8");
    const parsed = parseAssessmentFile(text, "x.md");
    expect(parsed.kind === "invalid" && parsed.summary).toMatchObject({ id: "AIA-2026-007", riskLevel: "limited" });
  });

  it.each([
    ["an unknown system", POLICY, ["assess", "init", "--system", "nope"], /no system "nope".*fraud-scoring, support-chatbot/],
    ["no --system", POLICY, ["assess", "init"], /needs --system/],
    ["no init", POLICY, ["assess", "--system", "fraud-scoring"], /usage: aims assess init/],
    ["an invalid policy", "systems: 3\n", ["assess", "init", "--system", "x"], /^\.github\/aims\.yml:1:\d+ /m],
  ])("exits 2 for %s", async (_name, policy, argv, message) => {
    const dir = workspace(policy);
    const { code, stderr } = await aims(dir, ...argv);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(existsSync(join(dir, "docs"))).toBe(false);
  });
});
