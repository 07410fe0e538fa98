import { afterAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";
import { COMMAND_USAGE, optionsOf } from "../../src/cli/usage.js";
import { repoWith, writeFiles } from "../support/git-repo.js";

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function folder(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "aims-manners-"));
  roots.push(dir);
  writeFiles(dir, files);
  return dir;
}

async function aims(dir: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, { cwd: dir, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {} });
  return { code, stdout, stderr };
}

describe("aims <command> --help", () => {
  const commands = Object.keys(COMMAND_USAGE);

  it("covers every command", () => {
    expect(commands).toEqual(expect.arrayContaining(["check", "validate", "assess", "export", "verify", "reconcile"]));
  });

  it.each(commands.flatMap((c) => [[c, "--help"], [c, "-h"]]))("aims %s %s prints that command's usage and exits 0", async (command, flag) => {
    const { code, stdout, stderr } = await aims(folder(), command, flag);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Usage: aims ${command}`));
    expect(stdout).toContain(COMMAND_USAGE[command]);
  });

  it("aims help after other arguments still helps", async () => {
    const { code, stdout } = await aims(folder(), "check", "--format", "json", "--help");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: aims check/);
  });
});

describe("unknown options and commands", () => {
  it.each([
    [["check", "--formt", "json"], "unknown option --formt; did you mean --format? (run aims check --help for its options)"],
    [["export", "--repo=acme/x", "--sinse", "2026-01-01"], "unknown option --sinse; did you mean --since?"],
    [["reconcile", "--no-pull"], "unknown option --no-pull; did you mean --no-pulls?"],
    [["check", "--zzzzzzzz"], "unknown option --zzzzzzzz (run aims check --help for its options)"],
    [["check", "--format"], "--format needs a value (run aims check --help for its options)"],
  ])("%j → %s", async (argv, message) => {
    const { code, stderr } = await aims(folder(), ...argv);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).not.toMatch(/To specify a positional argument/);
  });

  it("names the closest command", async () => {
    const { code, stderr } = await aims(folder(), "valdate");
    expect(code).toBe(2);
    expect(stderr).toContain('unknown command "valdate"; did you mean "validate"?');
  });

  it("lists in each usage exactly the options the command accepts", () => {
    expect(optionsOf("check")).toEqual(["--base", "--head", "--body", "--format"]);
    expect(optionsOf("verify")).toEqual(["--repo", "--since", "--until", "--app", "--public-key", "--since-pack", "--pack", "--expected-head"]);
  });
});

describe("aims validate", () => {
  it("treats a missing .github/aims.yml as the built-in defaults (exit 0)", async () => {
    const { code, stdout } = await aims(folder(), "validate");
    expect(code).toBe(0);
    expect(stdout).toBe("no .github/aims.yml: the built-in defaults apply (policies/default.yml); aims init writes a starter policy\n");
  });

  it("says a named file that does not exist does not exist (exit 2), without ENOENT", async () => {
    const { code, stderr } = await aims(folder(), "validate", "policy.yml");
    expect(code).toBe(2);
    expect(stderr).toBe("aims: policy.yml does not exist\n");
  });

  it("reports a misspelt key once, naming the key it was meant to be", async () => {
    const dir = folder({ ".github/aims.yml": 'systems:\n  - id: bot\n    name: Bot\n    paths: ["src/**"]\n    riskk: high\noversigt: {}\n' });
    const { code, stdout } = await aims(dir, "validate");
    expect(code).toBe(2);
    expect(stdout.trim().split("\n")).toEqual([
      '.github/aims.yml:5:5 systems[0]: unknown key "riskk"; did you mean "risk"?',
      '.github/aims.yml:6:1 unknown key "oversigt"; did you mean "oversight"?',
    ]);
  });

  it("says a missing risk is required and which values it takes", async () => {
    const dir = folder({ ".github/aims.yml": 'systems:\n  - id: bot\n    name: Bot\n    paths: ["src/**"]\n' });
    const { stdout } = await aims(dir, "validate");
    expect(stdout).toBe('.github/aims.yml:2:5 systems[0].risk is required: one of "minimal", "limited", "high", "prohibited"\n');
  });

  it("warns about globs that can never match, and still accepts the file", async () => {
    const dir = folder({ ".github/aims.yml": 'systems:\n  - id: bot\n    name: Bot\n    paths: ["/src/bot/**", "./prompts/**"]\n    risk: limited\nignore: ["../x/**"]\n' });
    const { code, stdout } = await aims(dir, "validate");
    expect(code).toBe(0);
    expect(stdout.trim().split("\n")).toEqual([
      '.github/aims.yml:4:13 warning: systems[0].paths[0]: "/src/bot/**" can never match: paths are relative to the repository root, write "src/bot/**"',
      '.github/aims.yml:4:28 warning: systems[0].paths[1]: "./prompts/**" can never match: paths have no leading "./", write "prompts/**"',
      '.github/aims.yml:6:10 warning: ignore[0]: "../x/**" can never match: paths inside the repository have no ".." segment',
      ".github/aims.yml: valid (3 warnings)",
    ]);
  });
});

describe("aims check text output", () => {
  const repo = (base: Record<string, string>, head: Record<string, string>) => repoWith(roots, base, head);
  const POLICY = 'systems:\n  - id: recommender\n    name: Recommender\n    paths: ["models/**"]\n    risk: limited\n';

  it("names the policy source, and changes outside every system as such", async () => {
    const dir = repo({ ".github/aims.yml": POLICY, "README.md": "x\n" }, { "models/a.onnx": "\u0000", "prompts/x.prompt.md": "hi\n" });
    const { stdout } = await aims(dir, "check");
    const [headline, policy] = stdout.split("\n");
    expect(headline).toMatch(/: 2 AI-related changes in recommender and outside any registered system$/);
    expect(policy).toBe("policy: .github/aims.yml at main over built-in defaults (policies/default.yml)");
    expect(stdout).not.toContain("in unregistered");
  }, 60_000);

  it("counts nothing when the policy is invalid, and points at the problems above", async () => {
    const dir = repo({ ".github/aims.yml": "systems: 3\n" }, { "models/a.onnx": "\u0000" });
    const { code, stdout } = await aims(dir, "check");
    expect(code).toBe(2);
    expect(stdout.split("\n")[0]).toMatch(/: the policy is invalid, so nothing was classified \(fix it first\)$/);
    expect(stdout).not.toMatch(/\b0 AI-related/);
    expect(stdout).not.toContain("“Why”");
  }, 60_000);

  it("ignores build output folders by default (a Maven target/ copy is no second finding)", async () => {
    const dir = repo({ ".github/aims.yml": POLICY }, { "models/a.onnx": "\u0000", "target/classes/models/a.onnx": "\u0000", "dist/prompts/x.prompt.md": "x\n" });
    const { stdout } = await aims(dir, "check", "--format", "json");
    expect(JSON.parse(stdout).changes.map((c: { path: string }) => c.path)).toEqual(["models/a.onnx"]);
  }, 60_000);
});
