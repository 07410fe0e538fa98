import { describe, expect, it } from "@jest/globals";
import { resolvePolicy } from "../../src/config/policy.js";
import type { AiChange } from "../../src/detect/types.js";
import { evaluateGates, evaluationFailed } from "../../src/gates/evaluate.js";
import type { PullRequestFacts } from "../../src/gates/facts.js";
import { checkActions, describeDependency, MAX_SUMMARY_BYTES, renderCheck } from "../../src/render/check.js";
import { wordSteps } from "../../src/render/next-steps.js";
import { byteLength, cell, code, truncateBytes, uncell } from "../../src/util/markdown.js";

const policy = resolvePolicy(
  {
    systems: [{ id: "chatbot", name: "Support assistant", paths: ["chat/**"], risk: "high" }],
    detect: { gate: ["model", "dataset", "dependency"] },
  },
  [{ repository: "acme/shop", path: ".github/aims.yml", ref: "main" }],
);

function change(path: string, extra: Partial<AiChange> = {}): AiChange {
  return { path, status: "added", category: "model", rule: "model.safetensors", reason: "safetensors weights file", system: "chatbot", gated: true, ...extra };
}

function facts(changes: AiChange[]): PullRequestFacts {
  return { number: 7, author: "dev", headSha: "abcdef1234567890", baseRef: "main", changedFileCount: changes.length, filesTruncated: false, changes, problems: [] };
}

describe("markdown helpers", () => {
  it("keeps backticks and pipes in file names from breaking code spans and tables", () => {
    expect(code("a`b|c")).toBe("``a`b\\|c``");
    expect(code("`x`")).toBe("`` `x` ``");
  });

  it("shows bidirectional and other invisible controls as \\u escapes, and a line break in a name as \\n", () => {
    expect(code("models/evil\u202Egpj.onnx")).toBe("`models/evil\\u202Egpj.onnx`");
    expect(code("line\nbreak.gguf")).toBe("`line\\nbreak.gguf`");
    expect(code("a\u2066b\u200Bc\u0007d\te")).toBe("`a\\u2066b\\u200Bc\\u0007d\\te`");
    expect(code("<model>.pt")).toBe("`<model>.pt`");
    expect(cell("ok\u202E <b>bold</b> | x\nnext")).toBe("ok\\\\u202E &lt;b>bold&lt;/b> \\| x next");
  });

  it("escapes a hostile file name the same way in the check summary", () => {
    const changes = [change("chat/evil\u202Egpj.safetensors"), change("chat/line\nbreak.gguf")];
    const gates = evaluateGates({ ok: true, policy }, facts(changes));
    const summary = renderCheck(gates[0]!, { headSha: "abcdef1234567890", baseRef: "main", changes, policy }).summary;
    expect(summary).toContain("chat/evil\\u202Egpj.safetensors");
    expect(summary).toContain("chat/line\\nbreak.gguf");
    expect(summary).not.toContain("\u202E");
  });

  it("truncates by UTF-8 bytes without splitting a character", () => {
    const text = "é".repeat(100);
    const cut = truncateBytes(text, 51, "");
    expect(byteLength(cut)).toBeLessThanOrEqual(51);
    expect(cut).toBe("é".repeat(25));
  });
});

describe("renderCheck", () => {
  it("shows next steps, reasons, a table per system and the policy source", () => {
    const changes = [
      change("chat/model.safetensors", { lfs: { oid: "3f2a9c0e5b7d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a", size: 1_200_000_000 } }),
      change("data/train.parquet", { category: "dataset", rule: "dataset.parquet", reason: "Parquet file", system: "unregistered" }),
    ];
    const gates = evaluateGates({ ok: true, policy }, facts(changes));
    const out = renderCheck(gates[0]!, { headSha: "abcdef1234567890", baseRef: "main", changes, policy });
    expect(out.title).toBe("Impact assessment required for chatbot, unregistered");
    expect(out.summary).toContain("### Next steps");
    expect(out.summary).toContain("Impact-Assessment: governance/impact-assessments/chatbot.md");
    expect(out.summary).toContain("#### Support assistant (`chatbot`, high risk)");
    expect(out.summary).toContain("#### Unregistered");
    expect(out.summary).toContain("Git LFS `sha256:3f2a9c0e5b7d…`, 1.2 GB");
    expect(out.summary).toContain("Policy: `.github/aims.yml` on `main` over the built-in defaults");
  });

  it("stays within 65,535 bytes for 3000 multibyte file names and says how many were left out", () => {
    const changes = Array.from({ length: 3000 }, (_, i) => change(`chat/モデル/重み-${String(i).padStart(4, "0")}-${"長".repeat(20)}.safetensors`));
    const gates = evaluateGates({ ok: true, policy }, facts(changes));
    const out = renderCheck(gates[0]!, { headSha: "abcdef1234567890", baseRef: "main", changes, policy });
    expect(byteLength(out.summary)).toBeLessThanOrEqual(MAX_SUMMARY_BYTES);
    const m = /…and (\d+) more changes/.exec(out.summary);
    expect(m).not.toBeNull();
    const listed = (out.summary.match(/^\| model \|/gm) ?? []).length;
    expect(listed + Number(m![1])).toBe(3000);
    expect(out.summary.endsWith("</sub>")).toBe(true);
  });

  it("describes a dependency change in one line", () => {
    expect(
      describeDependency({
        ecosystem: "npm",
        name: "openai",
        kind: "llm-api",
        supplier: "OpenAI",
        change: "upgraded",
        from: "4.52.0",
        to: "5.1.0",
        bump: "major",
        direct: true,
        scope: "prod",
        manifests: ["package.json", "package-lock.json"],
      }),
    ).toBe("`openai` 4.52.0 → 5.1.0 (major, direct, npm, supplier OpenAI, llm-api)");
  });

  it("groups transitive additions of one lockfile into one row", () => {
    const dep = (name: string) =>
      change("package-lock.json", {
        category: "dependency",
        rule: "dependency.npm",
        reason: "AI package",
        dependency: { ecosystem: "npm", name, kind: "llm-api", supplier: "X", change: "added", to: "1.0.0", direct: false, scope: "prod", manifests: ["package-lock.json"] },
      });
    const changes = [dep("@langchain/core"), dep("@langchain/openai"), dep("openai")];
    const gates = evaluateGates({ ok: true, policy }, facts(changes));
    const out = renderCheck(gates[0]!, { headSha: "abcdef1", baseRef: "main", changes, policy });
    expect(out.summary).toContain("3 transitive packages added");
    expect(uncell(out.summary)).toContain("@langchain/core, @langchain/openai, openai");
  });
});

describe("evaluateGates", () => {
  it("passes both gates when nothing AI-relevant changed, and reports ungated tooling", () => {
    const gates = evaluateGates({ ok: true, policy }, facts([change("AGENTS.md", { category: "ai-tooling", gated: false })]));
    expect(gates.map((g) => [g.name, g.conclusion, g.title])).toEqual([
      ["aims/impact-assessment", "success", "No AI-relevant changes"],
      ["aims/human-oversight", "success", "No AI-relevant changes"],
    ]);
    expect(gates[0]!.reasons.some((r) => r.status === "info" && r.message.includes("ai-tooling"))).toBe(true);
  });

  it("requires action, never neutral or skipped, when AI files changed", () => {
    const gates = evaluateGates({ ok: true, policy }, facts([change("chat/model.onnx")]));
    expect(gates.map((g) => g.conclusion)).toEqual(["action_required", "action_required"]);
    expect(gates[1]!.title).toBe("Human sign-off required");
  });

  it("fails both gates closed on an invalid configuration with file:line:column reasons", () => {
    const gates = evaluateGates(
      { ok: false, reason: "invalid", sources: [], problems: [{ file: ".github/aims.yml", line: 3, column: 5, message: 'unknown key "x"' }] },
      facts([]),
    );
    for (const g of gates) {
      expect(g.conclusion).toBe("failure");
      expect(g.title).toBe("aims configuration is invalid");
      expect(g.reasons[0]!.message).toBe('.github/aims.yml:3:5 unknown key "x"');
      expect(g.nextSteps[0]).toEqual({ code: "fix-policy", path: ".github/aims.yml", baseRef: "main" });
      expect(wordSteps(g.nextSteps, "check-run")[0]).toContain("base branch `main`");
    }
  });

  it("fails both gates closed above GitHub's 3000-file listing limit", () => {
    const f = { ...facts([]), changedFileCount: 3001, filesTruncated: { listLimit: 3000 } };
    const gates = evaluateGates({ ok: true, policy }, f);
    expect(gates.map((g) => g.conclusion)).toEqual(["failure", "failure"]);
    expect(gates[0]!.title).toBe("Pull request too large to govern: 3001 changed files");
    // Truthful next steps: split, or break glass; `ignore:` cannot help when the list itself is unreadable.
    expect(gates[1]!.nextSteps.join("\n")).toContain("a repository admin can comment `/aims override <reason>`");
    expect(gates[1]!.nextSteps.join("\n")).not.toContain("add those paths");
  });

  it("lets a governance lead's override pass a pull request too large to govern (break glass)", () => {
    const at = "2026-11-20T10:00:00Z";
    const f: PullRequestFacts = {
      ...facts([]),
      changedFileCount: 120_000,
      filesTruncated: { listLimit: 3000 },
      oversight: {
        reviews: [],
        commands: [{ id: 1, login: "lead", bot: false, command: { kind: "override", reason: "vendored SDK drop, reviewed offline" }, createdAt: at, updatedAt: at, sha: "abcdef1234567890" }],
        standing: { lead: { teams: [], permission: "admin" } },
        sinceSigned: {},
      },
    };
    const gates = evaluateGates({ ok: true, policy }, f);
    expect(gates.map((g) => [g.conclusion, g.title])).toEqual([
      ["success", "Overridden by @lead"],
      ["success", "Overridden by @lead"],
    ]);
    expect(gates[0]!.reasons[1]!.message).toBe("Without the override: failure — Pull request too large to govern: 120000 changed files.");
  });

  it.each([
    ["an invalid configuration", () => evaluateGates({ ok: false, reason: "invalid", sources: [], problems: [{ file: ".github/aims.yml", message: "bad" }] }, facts([])), ["recheck"]],
    ["an unreadable configuration", () => evaluateGates({ ok: false, reason: "unavailable", sources: [], problems: [{ file: ".github/aims.yml", message: "HTTP 502" }] }, facts([])), ["recheck"]],
    ["a failed evaluation", () => evaluationFailed("HTTP 502"), ["recheck"]],
    ["a pull request too large to govern", () => evaluateGates({ ok: true, policy }, { ...facts([]), changedFileCount: 3001, filesTruncated: { listLimit: 3000 } }), ["recheck"]],
    ["a missing sign-off", () => evaluateGates({ ok: true, policy }, facts([change("chat/model.onnx")])), ["request-review", "recheck"]],
  ])("offers the oversight buttons that can help on %s", (_what, gates, expected) => {
    const oversight = gates().find((g) => g.gate === "human-oversight")!;
    expect(checkActions(oversight)?.map((a) => a.identifier)).toEqual(expected);
  });

  it("fails the assessment gate when a manifest could not be parsed", () => {
    const f = { ...facts([]), problems: [{ path: "package-lock.json", message: "Unexpected token", line: 12 }] };
    const gates = evaluateGates({ ok: true, policy }, f);
    expect(gates[0]!.conclusion).toBe("failure");
    expect(gates[0]!.reasons[0]!.message).toContain("package-lock.json:12 could not be read: Unexpected token");
  });
});
