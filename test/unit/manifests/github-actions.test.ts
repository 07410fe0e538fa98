import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { minimatch } from "minimatch";
import { manager } from "../../../src/detect/manifests/github-actions/index.js";
import { ManifestParseError } from "../../../src/detect/manifests/types.js";

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/manifests/github-actions/${name}`, import.meta.url), "utf8");

const WORKFLOW = ".github/workflows/ci.yml";
const extract = (text: string, path = WORKFLOW) => manager.extract(text, path).dependencies;

function parseError(text: string): ManifestParseError {
  try {
    manager.extract(text, WORKFLOW);
  } catch (err) {
    if (err instanceof ManifestParseError) return err;
    throw err;
  }
  throw new Error("expected a ManifestParseError");
}

const action = (name: string, version?: string) => ({
  name,
  ...(version !== undefined ? { version } : {}),
  scope: "prod",
  direct: true,
});

describe("github-actions manager", () => {
  it("describes itself", () => {
    expect(manager).toMatchObject({ id: "github-actions", ecosystem: "github-actions", kind: "manifest" });
    const matches = (p: string) => manager.filePatterns.some((g) => minimatch(p, g, { dot: true, matchBase: false }));
    for (const p of [".github/workflows/ci.yml", ".github/workflows/release.yaml", "action.yml", ".github/actions/embed/action.yaml"]) {
      expect(matches(p)).toBe(true);
    }
    for (const p of [".github/workflows/README.md", ".github/dependabot.yml", "docs/.github/workflows/x.yml", "action.yml.bak"]) {
      expect(matches(p)).toBe(false);
    }
  });

  it("reads a workflow: steps, reusable workflows, docker actions, anchors; skips local ones", () => {
    expect(extract(fixture("support-bot/.github/workflows/pr-review.yml"))).toEqual([
      action("actions/checkout", "11bd71901bbe5b1630ceea73d27597364c9af683"),
      action("actions/ai-inference", "v1"),
      action("docker://ghcr.io/acme/promptlint", "1.4.0"),
      action("acme/ml-workflows/.github/workflows/run-evals.yml", "v2"),
      action("actions/checkout", "v4"),
      action("actions/setup-python", "v5"),
      action("huggingface/hf-hub-action/download", "v0.2.0"),
    ]);
  });

  it("follows YAML aliases to anchored steps", () => {
    const text = [
      "jobs:",
      "  a:",
      "    steps:",
      "      - &infer",
      "        uses: actions/ai-inference@v1.2.0",
      "  b:",
      "    steps:",
      "      - *infer",
    ].join("\n");
    expect(extract(text)).toEqual([action("actions/ai-inference", "v1.2.0"), action("actions/ai-inference", "v1.2.0")]);
  });

  it("reads a composite action", () => {
    expect(extract(fixture("embed-docs/action.yml"), ".github/actions/embed/action.yml")).toEqual([action("actions/setup-node", "v4")]);
  });

  it("reads a Docker container action's image", () => {
    const text = "name: scan\nruns:\n  using: docker\n  image: docker://ollama/ollama:0.5.7@sha256:abc123\n";
    expect(extract(text, "action.yml")).toEqual([action("docker://ollama/ollama", "0.5.7@sha256:abc123")]);
    expect(extract("runs:\n  using: docker\n  image: Dockerfile\n", "action.yml")).toEqual([]);
  });

  it("returns no dependencies for an empty file, a comment-only file or a workflow without uses", () => {
    expect(manager.extract("", WORKFLOW)).toEqual({ dependencies: [] });
    expect(extract("# disabled\n")).toEqual([]);
    expect(extract("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n")).toEqual([]);
  });

  it("reads a workflow with no AI actions", () => {
    expect(extract(fixture("plain-ci/.github/workflows/ci.yml"))).toEqual([
      action("actions/checkout", "v4"),
      action("actions/setup-go", "v5"),
      action("codecov/codecov-action", "v5"),
    ]);
  });

  describe("malformed files", () => {
    it("reports a YAML syntax error with its line and without the code excerpt", () => {
      const err = parseError("on: push\njobs:\n  build:\n    steps:\n      - uses: actions/checkout@v4\n     - run: make\n");
      expect(err.message).toMatch(/^invalid YAML: /);
      expect(err.message).not.toMatch(/\n/);
      expect(err.line).toBe(6);
    });

    it("reports an unclosed flow sequence", () => {
      const err = parseError("on: [push\njobs: {}\n");
      expect(err.message).toMatch(/^invalid YAML: /);
      expect(err.line).toBeGreaterThanOrEqual(1);
    });

    it("rejects a document that is not a mapping", () => {
      const err = parseError("just some text\n");
      expect(err.message).toMatch(/mapping at the top level/);
      expect(err.line).toBe(1);
    });

    it("rejects steps that are not a list, pointing at them", () => {
      const err = parseError("jobs:\n  a:\n    steps:\n      uses: actions/checkout@v4\n");
      expect(err.message).toMatch(/"steps" must be a list/);
      expect(err.line).toBe(4);
    });

    it("rejects a uses reference without @ref, pointing at it", () => {
      const err = parseError("jobs:\n  a:\n    steps:\n      - uses: actions/checkout\n");
      expect(err.message).toMatch(/invalid "uses" reference "actions\/checkout"/);
      expect([err.line, err.column]).toEqual([4, 15]);
    });

    it("rejects a uses that is not a string", () => {
      expect(parseError("jobs:\n  a:\n    uses:\n      - x\n").line).toBe(4);
    });

    it("rejects a file with several YAML documents", () => {
      const err = parseError("on: push\n---\njobs: {}\n");
      expect(err.message).toBe("invalid YAML: the file holds more than one YAML document");
      expect(err.line).toBe(2);
    });

    it("rejects duplicate keys", () => {
      expect(parseError("jobs:\n  a:\n    runs-on: x\n  a:\n    runs-on: y\n").line).toBe(4);
    });
  });
});
