import { afterAll, describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { changedFiles, parseNumstat, splitPatches } from "../../src/cli/local-git.js";
import { main } from "../../src/cli/main.js";
import type { CheckReport } from "../../src/cli/report.js";
import { assessmentMarkdown } from "../support/assessments.js";

const POLICY = `systems:
  - id: recommender
    name: Product recommender
    paths: ["models/**", "data/**", "services/recs/**"]
    risk: limited
assessment:
  assessors:
    users: ["carol"]
`;

const LFS_OID = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";
const LFS_POINTER = `version https://git-lfs.github.com/spec/v1\noid sha256:${LFS_OID}\nsize 48213\n`;

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** A throwaway git repository: `main` with `base` files, and a `feature` branch with `head` changes on top. */
class Repo {
  readonly dir: string;
  constructor(base: Record<string, string>) {
    this.dir = mkdtempSync(join(tmpdir(), "aims-cli-"));
    roots.push(this.dir);
    this.git("init", "-q", "-b", "main");
    this.write(base);
    this.commitAll("Initial commit");
    this.git("checkout", "-q", "-b", "feature");
  }

  git(...args: string[]): string {
    return execFileSync("git", args, {
      cwd: this.dir,
      encoding: "utf8",
      env: { ...process.env, GIT_AUTHOR_NAME: "Alice", GIT_AUTHOR_EMAIL: "alice@example.com", GIT_COMMITTER_NAME: "Alice", GIT_COMMITTER_EMAIL: "alice@example.com", GIT_CONFIG_NOSYSTEM: "1", HOME: this.dir },
    });
  }

  write(files: Record<string, string | Buffer | null>): void {
    for (const [path, content] of Object.entries(files)) {
      const full = join(this.dir, path);
      if (content === null) {
        rmSync(full);
        continue;
      }
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
    }
  }

  commitAll(message: string): void {
    this.git("add", "-A");
    this.git("commit", "-q", "-m", message);
  }

  change(files: Record<string, string | Buffer | null>, message = "Change"): this {
    this.write(files);
    this.commitAll(message);
    return this;
  }
}

async function aims(dir: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, { cwd: dir, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

async function checkJson(dir: string, ...argv: string[]): Promise<{ code: number; report: CheckReport; stderr: string }> {
  const { code, stdout, stderr } = await aims(dir, "check", "--format", "json", ...argv);
  return { code, report: JSON.parse(stdout) as CheckReport, stderr };
}

function gate(report: CheckReport, name: string) {
  const g = report.gates.find((x) => x.name === name);
  if (!g) throw new Error(`no gate ${name}`);
  return g;
}

const baseFiles = () => ({
  ".github/aims.yml": POLICY,
  "README.md": "# Shop\n",
  "package.json": JSON.stringify({ name: "shop", version: "1.0.0", dependencies: { express: "^4.19.2" } }, null, 2) + "\n",
  "src/index.ts": "export {};\n",
});

describe("aims check on a local repository", () => {
  it("passes a docs-only branch with exit 0", async () => {
    const repo = new Repo(baseFiles()).change({ "README.md": "# Shop\n\nHow to run it.\n" });
    const { code, report } = await checkJson(repo.dir);
    expect(code).toBe(0);
    expect(report.schemaVersion).toBe(1);
    expect(report.base.ref).toBe("main");
    expect(report.head.sha).toBe(repo.git("rev-parse", "HEAD").trim());
    expect(report.changes).toEqual([]);
    expect(report.gates.map((g) => [g.name, g.conclusion, g.required])).toEqual([
      ["aims/impact-assessment", "success", []],
      ["aims/human-oversight", "success", []],
    ]);
  });

  it("gates a model added as a Git LFS pointer and reads the pointer from the local diff", async () => {
    const repo = new Repo(baseFiles()).change({
      ".gitattributes": "*.onnx filter=lfs diff=lfs merge=lfs -text\n",
      "models/ranker.onnx": LFS_POINTER,
    });
    const { code, report } = await checkJson(repo.dir);
    expect(code).toBe(1);
    const model = report.changes.find((c) => c.path === "models/ranker.onnx");
    expect(model).toMatchObject({ category: "model", system: "recommender", rule: "model.onnx", status: "added" });
    // Needs real line counts (not 0/0) from `git diff --numstat`: without them the pointer is never read.
    expect(model?.lfs).toEqual({ oid: `sha256:${LFS_OID}`, size: 48213 });
    expect(gate(report, "aims/impact-assessment").conclusion).toBe("action_required");
    const oversight = gate(report, "aims/human-oversight");
    expect(oversight.conclusion).toBe("action_required");
    expect(oversight.required.join("\n")).toMatch(/sign-off on GitHub/);

    const text = await aims(repo.dir, "check");
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`Git LFS object sha256:${LFS_OID} (48.2 KB)`);
    expect(text.stdout).toContain("required: sign-off on GitHub");
  });

  it("reads the outputs of a changed DVC file", async () => {
    const dvc = (md5: string) => `outs:\n- md5: ${md5}\n  size: 1048576\n  path: train.parquet\n  remote: storage\n`;
    const repo = new Repo({ ...baseFiles(), "data/train.parquet.dvc": dvc("a".repeat(32)) }).change({ "data/train.parquet.dvc": dvc("b".repeat(32)) });
    const { code, report } = await checkJson(repo.dir);
    expect(code).toBe(1);
    const change = report.changes.find((c) => c.path === "data/train.parquet.dvc");
    expect(change).toMatchObject({ category: "dataset", system: "recommender" });
    expect(change?.dvc?.[0]).toMatchObject({ path: "train.parquet", md5: "b".repeat(32), remote: "storage" });
  });

  it("reports an AI dependency added to package.json", async () => {
    const repo = new Repo(baseFiles()).change({
      "package.json": JSON.stringify({ name: "shop", version: "1.0.0", dependencies: { express: "^4.19.2", openai: "^4.56.0" } }, null, 2) + "\n",
    });
    const { code, report } = await checkJson(repo.dir);
    expect(code).toBe(1);
    expect(report.changes).toHaveLength(1);
    expect(report.changes[0]).toMatchObject({ path: "package.json", category: "dependency" });
    expect(report.changes[0]!.dependency).toMatchObject({ ecosystem: "npm", name: "openai", change: "added", to: "^4.56.0", direct: true });
    expect(gate(report, "aims/impact-assessment").conclusion).toBe("action_required");
  });

  it("accepts an approved assessment linked with --body, and still requires the sign-off GitHub holds", async () => {
    const repo = new Repo({
      ...baseFiles(),
      "governance/impact-assessments/recommender.md": assessmentMarkdown({ risk: "limited", approver: "carol" }),
    }).change({ "models/ranker.onnx": LFS_POINTER });
    writeFileSync(join(repo.dir, "PR.md"), "Adds the ranker.\n\nImpact-Assessment: governance/impact-assessments/recommender.md\n");
    const { code, report } = await checkJson(repo.dir, "--body", "PR.md");
    expect(gate(report, "aims/impact-assessment")).toMatchObject({ conclusion: "success", required: [] });
    expect(gate(report, "aims/human-oversight").conclusion).toBe("action_required");
    expect(code).toBe(1);

    // Without the link the same change needs an assessment.
    const unlinked = await checkJson(repo.dir);
    expect(gate(unlinked.report, "aims/impact-assessment").conclusion).toBe("action_required");
  });

  it("reports an assessment issue linked in --body as required on GitHub", async () => {
    const repo = new Repo(baseFiles()).change({ "models/ranker.onnx": LFS_POINTER });
    writeFileSync(join(repo.dir, "PR.md"), "Impact-Assessment: #12\n");
    const { code, report } = await checkJson(repo.dir, "--body", "PR.md");
    expect(code).toBe(1);
    const assessment = gate(report, "aims/impact-assessment");
    expect(assessment.conclusion).not.toBe("success");
    expect(assessment.required.join("\n")).toContain("#12");
  });

  it("judges by the base branch's policy and exits 2 when that policy is invalid", async () => {
    const repo = new Repo({ ...baseFiles(), ".github/aims.yml": "systems:\n  - id: Recommender\n    paths: []\n" }).change({ "README.md": "# Shop\nmore\n" });
    const { code, report } = await checkJson(repo.dir);
    expect(code).toBe(2);
    expect(report.policy.valid).toBe(false);
    expect(report.policy.problems.join("\n")).toMatch(/^\.github\/aims\.yml:2:\d+ /m);
    expect(report.gates.every((g) => g.conclusion !== "success")).toBe(true);
  });

  it("names the invalid policy file in markdown, never the built-in defaults", async () => {
    const repo = new Repo({ ...baseFiles(), ".github/aims.yml": "systems:\n  - id: Recommender\n    paths: []\n" }).change({ "README.md": "# Shop\nmore\n" });
    const { code, stdout } = await aims(repo.dir, "check", "--format", "markdown");
    expect(code).toBe(2);
    expect(stdout).toContain(".github/aims.yml:2:");
    expect(stdout).not.toContain("built-in defaults");
    expect(stdout).toMatch(/Policy: `\.github\/aims\.yml` on `main`, not applied/);
  });

  it("tells the command line to run aims check again, never to re-run a check on GitHub", async () => {
    const repo = new Repo({ ...baseFiles(), ".github/aims.yml": "systems:\n  - id: Recommender\n    paths: []\n" }).change({ "README.md": "# Shop\nmore\n" });
    for (const format of ["text", "markdown"]) {
      const { stdout } = await aims(repo.dir, "check", "--format", format);
      expect(stdout).toMatch(/run `?aims check`? again/i);
      expect(stdout).not.toMatch(/re-run this check|checks tab/i);
    }
    const { report } = await checkJson(repo.dir);
    expect(report.gates[0]!.nextSteps.join("\n")).toMatch(/run `aims check` again/i);
  });

  it("does not let the branch weaken its own policy", async () => {
    const repo = new Repo(baseFiles()).change({ ".github/aims.yml": "detect:\n  gate: []\n", "models/ranker.onnx": LFS_POINTER });
    const { code, report } = await checkJson(repo.dir);
    expect(code).toBe(1);
    expect(report.changes.map((c) => c.category).sort()).toEqual(["governance-policy", "model"]);
  });

  it("checks --base and --head ranges, and renders markdown", async () => {
    const repo = new Repo(baseFiles()).change({ "models/ranker.onnx": LFS_POINTER }, "model").change({ "README.md": "# Shop\ndocs\n" }, "docs");
    const { code, report } = await checkJson(repo.dir, "--base", "HEAD~1");
    expect(code).toBe(0);
    expect(report.base.ref).toBe("HEAD~1");
    const older = await checkJson(repo.dir, "--base", "main", "--head", "HEAD~1");
    expect(older.code).toBe(1);
    expect(older.report.changes.map((c) => c.path)).toEqual(["models/ranker.onnx"]);
    const md = await aims(repo.dir, "check", "--format", "markdown");
    expect(md.code).toBe(1);
    expect(md.stdout).toMatch(/^## aims\/impact-assessment: action_required — /m);
    expect(md.stdout).toContain("**Required on GitHub:**");
  });

  it("prints versions as written in text output, without Markdown escapes", async () => {
    const repo = new Repo(baseFiles()).change({
      "requirements.txt": "openai<2.0\n",
      "package.json": JSON.stringify({ name: "shop", version: "1.0.0", dependencies: { express: "^4.19.2", ai: "^4.0.0 || ^5.0.0" } }, null, 2) + "\n",
    });
    const { code, stdout } = await aims(repo.dir, "check");
    expect(code).toBe(1);
    expect(stdout).toContain("openai <2.0 added");
    expect(stdout).toContain("ai ^4.0.0 || ^5.0.0 added");
    expect(stdout).not.toMatch(/&lt;|\\\|/);
  });

  it.each([
    [["check", "--format", "xml"], /--format must be/],
    [["check", "--base", "no-such-branch"], /not a commit/],
    [["check", "--body", "missing.md"], /cannot read --body/],
    [["check", "--bogus"], /unknown option --bogus/],
    [["frobnicate", "-"], /unknown command/],
  ])("exits 2 on usage errors: %j", async (argv, message) => {
    const repo = new Repo(baseFiles()).change({ "README.md": "x\n" });
    const { code, stderr } = await aims(repo.dir, ...argv.filter((a) => a !== "-"));
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});

describe("local diff as GitHub lists it", () => {
  it("parses numstat with renames and binary files", () => {
    expect(parseNumstat("3\t1\ta.txt\0-\t-\tmodel.bin\0" + "0\t0\t\0old.md\0new.md\0")).toEqual([
      { filename: "a.txt", additions: 3, deletions: 1, binary: false },
      { filename: "model.bin", additions: 0, deletions: 0, binary: true },
      { filename: "new.md", additions: 0, deletions: 0, binary: false },
    ]);
  });

  it("splits a patch per file into hunks only, none for binary files", () => {
    const out = `diff --git a/a.txt b/a.txt\nindex 1..2 100644\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1,2 @@\n x\n+y\ndiff --git a/m.bin b/m.bin\nnew file mode 100644\nBinary files /dev/null and b/m.bin differ\n`;
    expect(splitPatches(out)).toEqual(["@@ -1 +1,2 @@\n x\n+y", undefined]);
  });

  it("gives binary files no counts and no patch, text files both", async () => {
    const repo = new Repo(baseFiles()).change({ "models/w.bin": Buffer.from([0, 1, 2, 3, 0, 255]), "src/index.ts": "export const a = 1;\n" });
    const files = await changedFiles(repo.dir, "main", "HEAD");
    expect(files).toEqual([
      { filename: "models/w.bin", status: "added", additions: 0, deletions: 0 },
      { filename: "src/index.ts", status: "modified", additions: 1, deletions: 1, patch: "@@ -1 +1 @@\n-export {};\n+export const a = 1;" },
    ]);
  });
});

describe("aims validate", () => {
  it("prints every problem as file:line:column message and exits 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aims-validate-"));
    roots.push(dir);
    mkdirSync(join(dir, ".github"));
    writeFileSync(join(dir, ".github/aims.yml"), "systems:\n  - id: Bad Id\n    name: x\n    paths: [\"m/**\"]\n    risk: extreme\nunknown_key: 1\n");
    const { code, stdout } = await aims(dir, "validate");
    expect(code).toBe(2);
    const lines = stdout.trim().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(line).toMatch(/^\.github\/aims\.yml:\d+:\d+ \S/);
    expect(stdout).toMatch(/^\.github\/aims\.yml:2:\d+ .*system ids/m);
    expect(stdout).toMatch(/^\.github\/aims\.yml:5:\d+ /m);
    expect(stdout).toMatch(/^\.github\/aims\.yml:6:\d+ /m);
  });

  it("prints human messages for bounds, whole numbers and dependency ignores, sorted by line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aims-validate-"));
    roots.push(dir);
    writeFileSync(
      join(dir, "aims.yml"),
      [
        "oversight:",
        "  tiers:",
        "    high:",
        "      required: -1",
        "detect:",
        "  dependencies:",
        '    ignore: ["npm:", "pip:torch", "npm:openai", "org.deeplearning4j:dl4j-core"]',
        "systems:",
        "  - id: a",
        "    name: A",
        '    paths: ["a/**"]',
        "    risk: extreme",
        "",
      ].join("\n"),
    );
    const { code, stdout } = await aims(dir, "validate", "aims.yml");
    expect(code).toBe(2);
    expect(stdout.trim().split("\n")).toEqual([
      "aims.yml:4:17 oversight.tiers.high.required: must be at least 0, not -1",
      'aims.yml:7:14 detect.dependencies.ignore[0]: "npm:" names no package after "npm:"; write npm:<name or pattern>',
      'aims.yml:7:22 detect.dependencies.ignore[1]: "pip:torch": unknown ecosystem "pip" (use npm, pypi, go, cargo, maven, nuget, docker or github-actions; for a Maven group:artifact, write maven:pip:torch)',
      'aims.yml:12:11 systems[0].risk: must be one of "minimal", "limited", "high", "prohibited"',
    ]);
  });

  it("accepts a valid file at a given path and exits 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aims-validate-"));
    roots.push(dir);
    writeFileSync(join(dir, "policy.yml"), POLICY);
    const { code, stdout } = await aims(dir, "validate", "policy.yml");
    expect(code).toBe(0);
    expect(stdout).toBe("policy.yml: valid\n");
    expect((await aims(dir, "validate", "absent.yml")).code).toBe(2);
  });
});

describe("aims check on AI use in code", () => {
  const app = (model: string, comment: string) =>
    `from openai import OpenAI\n\nclient = OpenAI()\n\n\ndef answer(question):\n    # ${comment}\n    return client.chat.completions.create(\n        model="${model}",\n        messages=[{"role": "user", "content": question}],\n    )\n`;

  it("blocks a model change and reports both ids with the line; a comment edit mentioning GPT reports nothing", async () => {
    const changed = new Repo({ ...baseFiles(), "services/recs/app.py": app("gpt-3.5-turbo", "GPT answers") }).change({ "services/recs/app.py": app("gpt-4o", "GPT answers") });
    const { code, report } = await checkJson(changed.dir);
    expect(code).toBe(1);
    expect(report.changes).toHaveLength(1);
    expect(report.changes[0]).toMatchObject({ category: "code", system: "recommender", rule: "code.openai.chat", gated: true });
    expect(report.changes[0]!.code).toMatchObject({ kind: "ai-api", change: "model-changed", fromModel: "gpt-3.5-turbo", model: "gpt-4o", line: 9, provider: { id: "openai", hosted: true } });
    const text = await aims(changed.dir, "check");
    expect(text.stdout).toContain("model gpt-3.5-turbo → gpt-4o in services/recs/app.py:9 (OpenAI chat completion call)");

    const comment = new Repo({ ...baseFiles(), "services/recs/app.py": app("gpt-4o", "GPT answers") }).change({ "services/recs/app.py": app("gpt-4o", "GPT-4 answers; see the GPT docs") });
    const quiet = await checkJson(comment.dir);
    expect(quiet.code).toBe(0);
    expect(quiet.report.changes).toEqual([]);
  });

  it("names the files it did not inspect above the per-event cap and fails closed", async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 61; i++) many[`src/bots/bot-${String(i).padStart(2, "0")}.py`] = app("gpt-4o", "x");
    const repo = new Repo(baseFiles()).change(many);
    const { code, report } = await checkJson(repo.dir);
    expect(code).toBe(1);
    expect(report.problems.find((p) => p.path === "1 source file")?.message).toMatch(/at most 60 changed source files .* not inspected: src\/bots\/bot-60\.py/);
  });
});
