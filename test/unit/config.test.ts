import { describe, expect, it } from "@jest/globals";
import { formatProblem, mergeConfigs, parseConfigText, sortProblems } from "../../src/config/parse.js";
import { builtInDefaults, loadPolicy, parseExtends, type ConfigReader } from "../../src/config/policy.js";

/** An in-memory GitHub: `owner/repo@ref:path` → text; `@` omitted means the default branch. */
function reader(files: Record<string, string>, calls: string[] = []): ConfigReader {
  return async (owner, repo, path, ref) => {
    const key = `${owner}/${repo}${ref ? `@${ref}` : ""}:${path}`;
    calls.push(key);
    return files[key];
  };
}

const VALID = `
systems:
  - id: support-chatbot
    name: Support assistant
    paths: ["services/chat/**", "prompts/support/**"]
    risk: limited
    owner: "@acme/ml-platform"
ignore:
  - "generated/**"
detect:
  dataset:
    include: ["corpora/**/*.txt"]
  gate: [model, dataset, prompt, dependency]
`;

describe("parseConfigText", () => {
  it("accepts a complete configuration", () => {
    const result = parseConfigText(VALID, ".github/aims.yml");
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.config.systems?.[0]?.id).toBe("support-chatbot");
      expect(result.config.detect?.gate).toEqual(["model", "dataset", "prompt", "dependency"]);
    }
  });

  it("treats an empty file as an empty configuration", () => {
    expect(parseConfigText("", ".github/aims.yml")).toEqual({ ok: true, config: {}, warnings: [] });
    expect(parseConfigText("# only a comment\n", ".github/aims.yml")).toEqual({ ok: true, config: {}, warnings: [] });
  });

  it("reports an unknown key at the key's own line and column", () => {
    const text = "systems: []\ndetect:\n  modle:\n    include: [x]\n";
    const result = parseConfigText(text, ".github/aims.yml");
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems).toHaveLength(1);
      expect(formatProblem(result.problems[0]!)).toBe('.github/aims.yml:3:3 detect: unknown key "modle"; did you mean "model"?');
    }
  });

  it("reports a YAML syntax error with line and column", () => {
    const text = "systems:\n  - id: a\n    paths: [x\n  risk: high\n";
    const result = parseConfigText(text, ".github/aims.yml");
    expect(result.ok).toBe(false);
    if (!result.ok) {
      const p = result.problems[0]!;
      expect(p.file).toBe(".github/aims.yml");
      expect(p.line).toBeGreaterThanOrEqual(3);
      expect(p.column).toBeGreaterThan(0);
      expect(formatProblem(p)).toMatch(/^\.github\/aims\.yml:\d+:\d+ /);
    }
  });

  it("reports every schema problem with its position", () => {
    const text = [
      "systems:",
      "  - id: Bad Id",
      "    name: x",
      "    paths: []",
      "    risk: extreme",
      "  - id: other",
      "    paths: [a/**]",
      "    risk: high",
    ].join("\n");
    const result = parseConfigText(text, ".github/aims.yml");
    expect(result.ok).toBe(false);
    if (!result.ok) {
      const lines = result.problems.map(formatProblem);
      expect(lines).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^\.github\/aims\.yml:2:9 systems\[0\]\.id: system ids are lowercase/),
          expect.stringMatching(/^\.github\/aims\.yml:4:12 systems\[0\]\.paths: list at least one path/),
          expect.stringMatching(/^\.github\/aims\.yml:5:11 systems\[0\]\.risk: must be one of "minimal", "limited", "high", "prohibited"/),
          expect.stringMatching(/^\.github\/aims\.yml:6:5 systems\[1\]\.name is required/),
        ]),
      );
    }
  });

  it("says a key of the wrong type is of the wrong type, not missing", () => {
    const text = ["systems:", "  - id: chat", "    name: Chat", '    paths: "services/chat/**"', "    risk: high", 'ignore: "generated/**"', ""].join("\n");
    const result = parseConfigText(text, ".github/aims.yml");
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems.map(formatProblem).sort()).toEqual([
        ".github/aims.yml:4:12 systems[0].paths: expected a list, not a string",
        ".github/aims.yml:6:9 ignore: expected a list, not a string",
      ]);
    }
  });

  it("words zod's bounds for people: numbers, whole numbers, empty strings and lists", () => {
    const text = [
      "assessment:",
      '  approval_label: ""',
      "  max_age_days: 99999",
      "oversight:",
      "  tiers:",
      "    limited:",
      "      required: 1.5",
      "    high:",
      "      required: -1",
      "",
    ].join("\n");
    const result = parseConfigText(text, ".github/aims.yml");
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([
      ".github/aims.yml:2:19 assessment.approval_label: must not be empty",
      ".github/aims.yml:3:17 assessment.max_age_days: must be at most 3650, not 99999",
      ".github/aims.yml:7:17 oversight.tiers.limited.required: must be a whole number, not 1.5",
      ".github/aims.yml:9:17 oversight.tiers.high.required: must be at least 0, not -1",
    ]);
  });

  it("rejects dependency ignores with an empty name after the ecosystem or an unknown ecosystem", () => {
    const ignore = (entries: string[]) => {
      const r = parseConfigText(`detect:\n  dependencies:\n    ignore: ${JSON.stringify(entries)}\n`, "aims.yml");
      return r.ok ? [] : r.problems.map((p) => p.message);
    };
    expect(ignore(["npm:openai", "pypi:torch*", "langchain", "org.deeplearning4j:dl4j-core", "maven:junit:junit", "docker:ollama/ollama"])).toEqual([]);
    expect(ignore(["npm:"])).toEqual(['detect.dependencies.ignore[0]: "npm:" names no package after "npm:"; write npm:<name or pattern>']);
    expect(ignore(["pypi:  "])[0]).toContain("names no package after");
    expect(ignore(["pip:torch"])[0]).toContain('unknown ecosystem "pip"');
    expect(ignore([":openai"])[0]).toContain("names no ecosystem");
    expect(ignore([""])).toEqual(["detect.dependencies.ignore[0]: an entry cannot be empty"]);
  });

  it("sorts problems by file, line and column, whatever order the schema checks keys in", () => {
    // The schema checks systems before oversight; the file has them the other way round.
    const text = ["oversight:", "  tiers:", "    high:", "      required: -1", "systems:", "  - id: a", "    name: A", '    paths: ["a/**"]', "    risk: extreme", ""].join("\n");
    const result = parseConfigText(text, "aims.yml");
    expect(result.ok ? [] : result.problems.map((p) => [p.line, p.column])).toEqual([
      [4, 17],
      [9, 11],
    ]);
    expect(sortProblems([{ file: "b.yml", line: 1 }, { file: "a.yml", line: 9, column: 3 }, { file: "a.yml", line: 9, column: 1 }, { file: "a.yml" }].map((p) => ({ ...p, message: "m" })))).toEqual([
      { file: "a.yml", message: "m" },
      { file: "a.yml", line: 9, column: 1, message: "m" },
      { file: "a.yml", line: 9, column: 3, message: "m" },
      { file: "b.yml", line: 1, message: "m" },
    ]);
  });

  it("rejects duplicate system ids and a non-mapping document", () => {
    const dup = parseConfigText("systems:\n  - {id: a, name: A, paths: [a], risk: high}\n  - {id: a, name: B, paths: [b], risk: high}\n", "f.yml");
    expect(dup.ok).toBe(false);
    if (!dup.ok) expect(dup.problems[0]!.message).toContain('duplicate system id "a"');
    const list = parseConfigText("- a\n- b\n", "f.yml");
    expect(list.ok).toBe(false);
  });

  it("rejects a dependency entry with both name and pattern", () => {
    const r = parseConfigText("detect:\n  dependencies:\n    extra:\n      - {ecosystem: npm, name: a, pattern: 'a-*', kind: llm-api, supplier: A}\n", "f.yml");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]!.message).toContain("exactly one of name or pattern");
  });
});

describe("mergeConfigs", () => {
  it("merges objects and replaces arrays", () => {
    const merged = mergeConfigs<Record<string, unknown>>(
      { ignore: ["a/**", "b/**"], detect: { gate: ["model"], model: { include: ["x"] } } },
      { ignore: ["c/**"], detect: { dataset: { include: ["y"] } } },
    );
    expect(merged).toEqual({ ignore: ["c/**"], detect: { gate: ["model"], model: { include: ["x"] }, dataset: { include: ["y"] } } });
  });
});

describe("parseExtends", () => {
  it("reads repo, owner/repo and owner/repo:path", () => {
    expect(parseExtends("policies", "acme")).toEqual({ owner: "acme", repo: "policies", path: ".github/aims.yml" });
    expect(parseExtends("corp/policies", "acme")).toEqual({ owner: "corp", repo: "policies", path: ".github/aims.yml" });
    expect(parseExtends("corp/policies:ai/aims.yml", "acme")).toEqual({ owner: "corp", repo: "policies", path: "ai/aims.yml" });
    expect(parseExtends("corp/policies:../x", "acme")).toBeUndefined();
    expect(parseExtends("not a repo", "acme")).toBeUndefined();
  });
});

describe("loadPolicy", () => {
  const target = { owner: "acme", repo: "shop", baseRef: "release/2.0" };

  it("reads the base branch, never the default branch or the head", async () => {
    const calls: string[] = [];
    const files = {
      "acme/shop@release/2.0:.github/aims.yml": VALID,
      "acme/shop:.github/aims.yml": "systems: []\nignore: []\n",
      "acme/shop@feature:.github/aims.yml": "detect:\n  gate: []\n",
    };
    const result = await loadPolicy(reader(files, calls), target);
    expect(calls).toEqual(["acme/shop@release/2.0:.github/aims.yml"]);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.policy.systems.map((s) => s.id)).toEqual(["support-chatbot"]);
      expect(result.policy.detect.gate).toEqual(["model", "dataset", "prompt", "dependency"]);
      expect(result.policy.ignore).toEqual(["generated/**"]);
      expect(result.policy.sources[0]).toEqual({ repository: "acme/shop", path: ".github/aims.yml", ref: "release/2.0", blobSha: expect.stringMatching(/^[0-9a-f]{40}$/) });
    }
  });

  it("falls back to the organisation's .github repository", async () => {
    const calls: string[] = [];
    const result = await loadPolicy(reader({ "acme/.github:.github/aims.yml": "ignore: ['docs/**']\n" }, calls), target);
    expect(calls).toEqual(["acme/shop@release/2.0:.github/aims.yml", "acme/.github:.github/aims.yml"]);
    expect(result.ok && result.policy.ignore).toEqual(["docs/**"]);
    expect(result.ok && result.policy.sources[0]!.repository).toBe("acme/.github");
  });

  it("uses the built-in default policy when no file exists", async () => {
    const result = await loadPolicy(reader({}), target);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.policy.ignore).toEqual(builtInDefaults().ignore);
      expect(result.policy.detect.gate).not.toContain("ai-tooling");
      expect(result.policy.sources).toEqual([{ repository: "aims-bot", path: "policies/default.yml", builtIn: true }]);
    }
  });

  it("follows _extends, with the repository's own keys winning", async () => {
    const files = {
      "acme/shop@release/2.0:.github/aims.yml": "_extends: corp/policies:ai/aims.yml\nignore: ['own/**']\n",
      "corp/policies:ai/aims.yml": "_extends: .github\nignore: ['corp/**']\nsystems:\n  - {id: chat, name: Chat, paths: ['chat/**'], risk: high}\n",
      "corp/.github:.github/aims.yml": "detect:\n  gate: [model]\n",
    };
    const result = await loadPolicy(reader(files), target);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.policy.ignore).toEqual(["own/**"]);
      expect(result.policy.systems.map((s) => s.id)).toEqual(["chat"]);
      expect(result.policy.detect.gate).toEqual(["model"]);
      expect(result.policy.sources.map((s) => `${s.repository}:${s.path}`)).toEqual([
        "acme/shop:.github/aims.yml",
        "corp/policies:ai/aims.yml",
        "corp/.github:.github/aims.yml",
        "aims-bot:policies/default.yml",
      ]);
    }
  });

  it("reports an _extends cycle and a missing _extends target", async () => {
    const cycle = await loadPolicy(
      reader({ "acme/shop@release/2.0:.github/aims.yml": "_extends: acme/a\n", "acme/a:.github/aims.yml": "_extends: acme/a\n" }),
      target,
    );
    expect(cycle.ok).toBe(false);
    if (!cycle.ok) expect(cycle.problems[0]!.message).toContain("cycle");
    const missing = await loadPolicy(reader({ "acme/shop@release/2.0:.github/aims.yml": "_extends: gone\n" }), target);
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.problems[0]!.message).toContain("acme/gone:.github/aims.yml");
  });

  it("labels problems in another repository's file with that repository", async () => {
    const result = await loadPolicy(reader({ "acme/.github:.github/aims.yml": "systms: []\n" }), target);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toBe("invalid");
      expect(formatProblem(result.problems[0]!)).toBe('acme/.github:.github/aims.yml:1:1 unknown key "systms"; did you mean "systems"?');
    }
  });

  it("is unavailable, not valid, when GitHub fails", async () => {
    const failing: ConfigReader = async () => {
      throw Object.assign(new Error("Server Error"), { status: 502 });
    };
    const result = await loadPolicy(failing, target);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toBe("unavailable");
      expect(result.problems[0]!.message).toContain("HTTP 502");
    }
  });
});
