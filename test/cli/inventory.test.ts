import { afterAll, describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { groupFolder, proposeSystems } from "../../src/cli/init.js";
import { main } from "../../src/cli/main.js";
import type { ScanReport } from "../../src/cli/scan.js";
import type { AiChange } from "../../src/detect/types.js";
import { writeFiles } from "../support/git-repo.js";

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

const FILES = {
  "README.md": "# Shop\n",
  "services/chat/package.json": '{ "name": "chat", "dependencies": { "openai": "^4.52.0", "express": "^4.19.2" } }\n',
  "services/chat/prompts/triage.prompt.yml": "messages: []\n",
  "models/ranker.onnx": "\u0000ONNX",
  "target/classes/models/ranker.onnx": "\u0000ONNX",
  "dist/prompts/triage.prompt.yml": "messages: []\n",
  "requirements.txt": "torch==2.4.0\nrequests==2.32.0\n",
  "data/train.parquet": "PAR1",
  "AGENTS.md": "# Agents\n",
  "src/app.py": "print('hello')\n",
};

function repo(files: Record<string, string>): { dir: string; git: (...args: string[]) => string } {
  const dir = mkdtempSync(join(tmpdir(), "aims-inventory-"));
  roots.push(dir);
  const env = { ...process.env, GIT_AUTHOR_NAME: "A", GIT_AUTHOR_EMAIL: "a@example.com", GIT_COMMITTER_NAME: "A", GIT_COMMITTER_EMAIL: "a@example.com", GIT_CONFIG_NOSYSTEM: "1", HOME: dir };
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, env, encoding: "utf8" });
  git("init", "-q", "-b", "main");
  writeFiles(dir, files);
  git("add", "-A");
  git("commit", "-q", "-m", "initial");
  return { dir, git };
}

async function aims(dir: string, ...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, { cwd: dir, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe("aims init and aims scan", () => {
  it("writes a starter policy that validate accepts once the risk tiers are chosen, and that covers every finding scan reports", async () => {
    const { dir, git } = repo(FILES);
    const before = JSON.parse((await aims(dir, "scan", "--format", "json")).stdout) as ScanReport;
    expect(before.unregistered.map((f) => f.path).sort()).toEqual(["data/train.parquet", "models/ranker.onnx", "requirements.txt", "services/chat/package.json", "services/chat/prompts/triage.prompt.yml"]);
    expect(before.reportedOnly.map((f) => f.path)).toEqual(["AGENTS.md"]);

    const init = await aims(dir, "init");
    expect(init.code).toBe(0);
    expect(init.stdout).toContain("wrote .github/aims.yml: 4 proposed systems for 5 AI findings");
    const policy = readFileSync(join(dir, ".github/aims.yml"), "utf8");
    expect(policy).toContain("  # Found in services/chat/:\n  #   1 prompt: services/chat/prompts/triage.prompt.yml\n  #   1 AI package: openai (services/chat/package.json)\n  - id: chat\n");
    expect(policy).not.toContain("target/");

    const unset = await aims(dir, "validate");
    expect(unset.code).toBe(2);
    expect(unset.stdout.trim().split("\n")).toHaveLength(4);
    expect(unset.stdout).toMatch(/^\.github\/aims\.yml:\d+:11 systems\[0\]\.risk: still a placeholder: choose one of "minimal", "limited", "high", "prohibited"$/m);

    writeFileSync(join(dir, ".github/aims.yml"), policy.replace(/"<choose: [^"]*>"/g, "limited"));
    expect(await aims(dir, "validate")).toEqual({ code: 0, stdout: ".github/aims.yml: valid\n", stderr: "" });
    git("add", "-A");
    git("commit", "-q", "-m", "policy");

    const after = JSON.parse((await aims(dir, "scan", "--format", "json")).stdout) as ScanReport;
    expect(after.unregistered).toEqual([]);
    expect(after.systems.map((s) => [s.id, s.findings.length])).toEqual([["data", 1], ["models", 1], ["chat", 2], [expect.stringMatching(/^aims-inventory-/), 1]]);
    expect((await aims(dir, "scan")).stdout.split("\n")[0]).toMatch(/: 6 AI findings in \d+ files; 5 in registered systems, 0 outside any registered system, 1 reported only$/);
  }, 60_000);

  it("never overwrites an existing policy", async () => {
    const { dir } = repo({ ...FILES, ".github/aims.yml": "systems: []\n" });
    const { code, stderr } = await aims(dir, "init");
    expect(code).toBe(2);
    expect(stderr).toContain(".github/aims.yml exists: aims init never overwrites a policy");
    expect(readFileSync(join(dir, ".github/aims.yml"), "utf8")).toBe("systems: []\n");
  });

  it("writes the inventory as a CycloneDX 1.6 AI-BOM and as Markdown", async () => {
    const { dir } = repo(FILES);
    const bom = JSON.parse((await aims(dir, "scan", "--format", "cyclonedx")).stdout);
    expect([bom.bomFormat, bom.specVersion]).toEqual(["CycloneDX", "1.6"]);
    const types = Object.fromEntries((bom.components as Array<{ type: string; name: string }>).map((c) => [c.name, c.type]));
    expect(types).toMatchObject({ "models/ranker.onnx": "machine-learning-model", "data/train.parquet": "data", openai: "library", torch: "library" });
    const md = (await aims(dir, "scan", "--format", "markdown")).stdout;
    expect(md).toContain("## Outside any registered system");
    expect(md).toContain("| model | `models/ranker.onnx` | ONNX model |");
    expect((await aims(dir, "scan", "--format", "xml")).code).toBe(2);
  }, 60_000);

  it("refuses to scan under an invalid policy instead of reporting nothing", async () => {
    const { dir } = repo({ ...FILES, ".github/aims.yml": "systems: 3\n" });
    const { code, stderr } = await aims(dir, "scan");
    expect(code).toBe(2);
    expect(stderr).toContain("the policy at HEAD is invalid, so nothing was scanned");
  });
});

describe("proposed systems", () => {
  const change = (path: string, gated = true): AiChange => ({ path, status: "added", category: "model", rule: "r", reason: "", system: "unregistered", gated });

  it.each([
    ["services/chat/app/model.onnx", "services/chat"],
    ["packages/ranker/model.onnx", "packages/ranker"],
    ["services/model.onnx", "services"],
    ["ml/models/a.onnx", "ml"],
    ["model.onnx", undefined],
  ])("groups %s by %s", (path, folder) => {
    expect(groupFolder(path)).toBe(folder);
  });

  it("gives unique ids, puts root files last, and leaves reported-only findings out", () => {
    const systems = proposeSystems([change("model.onnx"), change("a/chat/x.onnx"), change("services/chat/y.onnx"), change("AGENTS.md", false)], "My Repo!");
    expect(systems.map((s) => [s.id, s.paths])).toEqual([
      ["a", ["a/**"]],
      ["chat", ["services/chat/**"]],
      ["my-repo", ["model.onnx"]],
    ]);
  });
});
