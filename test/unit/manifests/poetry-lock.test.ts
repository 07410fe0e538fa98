import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { minimatch } from "minimatch";
import { manager } from "../../../src/detect/manifests/poetry-lock/index.js";
import { ManifestParseError } from "../../../src/detect/manifests/types.js";

const fixture = (path: string): string =>
  readFileSync(new URL(`../../fixtures/manifests/poetry-lock/${path}`, import.meta.url), "utf8");

const parseError = (text: string): ManifestParseError => {
  try {
    manager.extract(text, "poetry.lock");
  } catch (err) {
    if (err instanceof ManifestParseError) return err;
    throw err;
  }
  throw new Error("expected a ManifestParseError");
};

describe("poetry-lock manager", () => {
  it("describes itself as a lockfile for poetry.lock", () => {
    expect(manager).toMatchObject({ id: "poetry-lock", ecosystem: "pypi", kind: "lockfile" });
    expect(manager.filePatterns.some((p) => minimatch("apps/rag/poetry.lock", p, { dot: true }))).toBe(true);
    expect(manager.filePatterns.some((p) => minimatch("poetry.toml", p, { dot: true }))).toBe(false);
  });

  it("reads a Poetry 2 lock: groups, optional packages, git, custom index and path sources", () => {
    const { dependencies } = manager.extract(fixture("rag-service/poetry.lock"), "rag-service/poetry.lock");
    expect(dependencies).toEqual([
      { name: "annotated-types", version: "0.7.0", scope: "prod", direct: false },
      { name: "anthropic", version: "0.40.0", scope: "prod", direct: false },
      { name: "colorama", version: "0.4.6", scope: "prod", direct: false },
      { name: "faiss-cpu", version: "1.9.0", scope: "prod", direct: false },
      { name: "mkdocs-material", version: "9.5.48", scope: "dev", direct: false },
      { name: "nltk", version: "3.9.1", scope: "optional", direct: false },
      { name: "openai", version: "1.57.4", scope: "prod", direct: false },
      { name: "pytest", version: "8.3.4", scope: "dev", direct: false },
      {
        name: "torch",
        version: "2.5.1+cpu",
        scope: "prod",
        direct: false,
        source: "https://download.pytorch.org/whl/cpu",
      },
      {
        name: "acme-embeddings",
        version: "0.9.1",
        scope: "prod",
        direct: false,
        source: "git+https://github.com/acme-ai/embeddings.git@4f3c2a1b9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a",
      },
      { name: "shared-utils", version: "0.4.0", scope: "prod", direct: false, source: "../shared-utils" },
      { name: "tiktoken", version: "0.8.0", scope: "prod", direct: false },
      { name: "requests", version: "2.32.3", scope: "prod", direct: false },
    ]);
  });

  it("reads the category field of Poetry < 1.5 locks", () => {
    const { dependencies } = manager.extract(fixture("legacy-category/poetry.lock"), "poetry.lock");
    expect(dependencies.map((d) => [d.name, d.scope])).toEqual([
      ["black", "dev"],
      ["mlflow", "prod"],
      ["scikit-learn", "prod"],
      ["xgboost", "prod"],
      ["pyarrow", "optional"],
    ]);
  });

  it("reads a lock without group information (Poetry 1.5 to 1.8) and without AI packages", () => {
    const { dependencies } = manager.extract(fixture("cli-tool/poetry.lock"), "poetry.lock");
    expect(dependencies).toEqual([
      { name: "click", version: "8.1.8", scope: "prod", direct: false },
      { name: "requests", version: "2.32.3", scope: "prod", direct: false },
      { name: "rich", version: "13.9.4", scope: "prod", direct: false },
    ]);
  });

  it("returns no dependencies for an empty lock or one with only metadata", () => {
    expect(manager.extract("", "poetry.lock")).toEqual({ dependencies: [] });
    expect(manager.extract('[metadata]\nlock-version = "2.1"\n', "poetry.lock")).toEqual({ dependencies: [] });
  });

  describe("malformed files", () => {
    it("reports TOML errors with line and column", () => {
      const text = fixture("cli-tool/poetry.lock").replace('version = "8.1.8"', 'version = "8.1.8');
      const err = parseError(text);
      expect(err.message).toMatch(/^invalid TOML/);
      expect(err.line).toBe(5);
      expect(err.column).toBeGreaterThan(0);
    });

    it("reports a package without a version at its line", () => {
      const err = parseError('[[package]]\nname = "openai"\n\n[[package]]\nname = "torch"\ndescription = "x"\n');
      expect(err.message).toContain('"openai" has no version');
      expect(err.line).toBe(2);
    });

    it.each([
      ['package = "openai"\n', "array of tables"],
      ["package = [1]\n", "must be a table"],
      ['[[package]]\nversion = "1.0"\n', "has no name"],
    ])("rejects %j", (text, message) => {
      expect(parseError(text).message).toContain(message);
    });
  });
});
