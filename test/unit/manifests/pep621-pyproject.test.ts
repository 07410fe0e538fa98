import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { minimatch } from "minimatch";
import { manager } from "../../../src/detect/manifests/pep621-pyproject/index.js";
import { ManifestParseError } from "../../../src/detect/manifests/types.js";

const fixture = (path: string): string =>
  readFileSync(new URL(`../../fixtures/manifests/pep621-pyproject/${path}`, import.meta.url), "utf8");

const parseError = (text: string): ManifestParseError => {
  try {
    manager.extract(text, "pyproject.toml");
  } catch (err) {
    if (err instanceof ManifestParseError) return err;
    throw err;
  }
  throw new Error("expected a ManifestParseError");
};

describe("pep621-pyproject manager", () => {
  it("describes itself and matches pyproject.toml anywhere", () => {
    expect(manager).toMatchObject({ id: "pep621-pyproject", ecosystem: "pypi", kind: "manifest" });
    const matches = (path: string): boolean => manager.filePatterns.some((p) => minimatch(path, p, { dot: true }));
    expect(matches("pyproject.toml")).toBe(true);
    expect(matches("services/agent/pyproject.toml")).toBe(true);
    expect(matches("pyproject.toml.bak")).toBe(false);
  });

  it("reads a uv project: PEP 621, extras, PEP 735 groups with include-group, uv sources and build requirements, each with its group", () => {
    const { dependencies } = manager.extract(fixture("uv-agent/pyproject.toml"), "uv-agent/pyproject.toml");
    expect(dependencies).toEqual([
      { name: "fastapi", version: ">=0.115,<0.116", scope: "prod", direct: true },
      { name: "uvicorn", version: "0.32.1", scope: "prod", direct: true },
      { name: "openai", version: ">=1.55.0", scope: "prod", direct: true },
      { name: "langchain-community", version: "0.3.10", scope: "prod", direct: true },
      { name: "langgraph", version: ">=0.2.56", scope: "prod", direct: true },
      { name: "torch", version: ">=2.5", scope: "prod", direct: true, source: "https://download.pytorch.org/whl/cu121" },
      { name: "acme-tracing", scope: "prod", direct: true, source: "git+https://github.com/acme-ai/acme-tracing@v1.4.0" },
      { name: "pydantic-settings", version: "~=2.6", scope: "prod", direct: true },
      { name: "tomli", version: ">=2.0", scope: "prod", direct: true },
      { name: "llama-cpp-python", version: ">=0.3.2", scope: "optional", direct: true, group: "local-llm" },
      { name: "sentence-transformers", version: ">=3.3", scope: "optional", direct: true, group: "local-llm" },
      { name: "qdrant-client", version: ">=1.12", scope: "optional", direct: true, group: "vectors" },
      { name: "ruff", version: ">=0.8", scope: "dev", direct: true, group: "lint" },
      { name: "mypy", version: "1.13.0", scope: "dev", direct: true, group: "lint" },
      { name: "pytest", version: ">=8.3", scope: "dev", direct: true, group: "test" },
      { name: "pytest-asyncio", version: ">=0.24", scope: "dev", direct: true, group: "test" },
      { name: "ruff", version: ">=0.8", scope: "dev", direct: true, group: "test" },
      { name: "mypy", version: "1.13.0", scope: "dev", direct: true, group: "test" },
      { name: "ragas", version: ">=0.2.6", scope: "dev", direct: true, group: "eval" },
      { name: "deepeval", scope: "dev", direct: true, group: "eval", source: "../vendor/deepeval" },
      { name: "hatchling", version: ">=1.26", scope: "dev", direct: true, group: "build-system" },
      { name: "ipython", version: ">=8.30", scope: "dev", direct: true, group: "dev" },
    ]);
  });

  it("reads a Poetry project with groups, table forms, sources, optional and multiple constraints", () => {
    const { dependencies } = manager.extract(fixture("poetry-rag/pyproject.toml"), "poetry-rag/pyproject.toml");
    expect(dependencies).toEqual([
      { name: "poetry-core", version: ">=1.9.0", scope: "dev", direct: true, group: "build-system" },
      { name: "openai", version: "^1.57", scope: "prod", direct: true },
      { name: "anthropic", version: "0.40.0", scope: "prod", direct: true },
      { name: "langchain", version: "^0.3.11", scope: "prod", direct: true },
      { name: "torch", version: "2.5.1", scope: "prod", direct: true, source: "https://download.pytorch.org/whl/cpu" },
      { name: "faiss-cpu", version: "1.9.0", scope: "prod", direct: true },
      { name: "numpy", version: "<2.0", scope: "prod", direct: true },
      { name: "numpy", version: ">=2.1", scope: "prod", direct: true },
      { name: "tiktoken", scope: "prod", direct: true },
      {
        name: "acme-embeddings",
        scope: "prod",
        direct: true,
        source: "git+https://github.com/acme-ai/embeddings.git@v0.9.1",
      },
      { name: "shared-utils", scope: "prod", direct: true, source: "../shared-utils" },
      { name: "nltk", version: "^3.9", scope: "optional", direct: true },
      { name: "pandas", version: ">=2.2,<3", scope: "prod", direct: true },
      { name: "pytest", version: "^8.3.4", scope: "dev", direct: true, group: "dev" },
      { name: "ruff", version: "^0.8.3", scope: "dev", direct: true, group: "dev" },
      { name: "mkdocs-material", version: "^9.5", scope: "dev", direct: true, group: "docs" },
    ]);
    expect(dependencies.some((d) => d.name === "python")).toBe(false);
  });

  it("reads legacy [tool.poetry.dev-dependencies] as dev", () => {
    const { dependencies } = manager.extract(fixture("legacy-poetry/pyproject.toml"), "pyproject.toml");
    expect(dependencies.map((d) => [d.name, d.version, d.scope])).toEqual([
      ["poetry-core", ">=1.0.0", "dev"],
      ["scikit-learn", "^1.3", "prod"],
      ["xgboost", "~1.7.6", "prod"],
      ["mlflow", "^2.9", "prod"],
      ["pytest", "^7.4", "dev"],
      ["black", "^23.12", "dev"],
    ]);
  });

  it("returns the dependencies of a project without AI packages, with PDM dev groups", () => {
    const { dependencies } = manager.extract(fixture("cli-tool/pyproject.toml"), "pyproject.toml");
    expect(dependencies.map((d) => [d.name, d.version, d.scope])).toEqual([
      ["click", ">=8.1", "prod"],
      ["requests", "2.32.3", "prod"],
      ["rich", undefined, "prod"],
      ["weasyprint", ">=63", "optional"],
      ["setuptools", ">=75", "dev"],
      ["setuptools-scm", ">=8", "dev"],
      ["pytest", ">=8", "dev"],
    ]);
  });

  it("takes the source of a PEP 508 URL requirement and a Poetry group named main as prod", () => {
    const text = `
[project]
dependencies = ["whisper @ git+https://github.com/openai/whisper.git@v20240930"]

[tool.poetry.group.main.dependencies]
cohere = "^5.13"

[tool.uv.sources]
whisper = { git = "https://example.com/ignored.git" }
`;
    expect(manager.extract(text, "pyproject.toml").dependencies).toEqual([
      { name: "whisper", scope: "prod", direct: true, source: "git+https://github.com/openai/whisper.git@v20240930" },
      { name: "cohere", version: "^5.13", scope: "prod", direct: true },
    ]);
  });

  it("accepts pip's editable form in PDM dev groups", () => {
    const text = `
[tool.pdm.dev-dependencies]
dev = ["-e ./packages/core", "-e git+https://github.com/acme-ai/evals.git#egg=acme-evals", "pytest"]
`;
    expect(manager.extract(text, "pyproject.toml").dependencies).toEqual([
      {
        name: "acme-evals",
        scope: "dev",
        direct: true,
        source: "git+https://github.com/acme-ai/evals.git#egg=acme-evals",
        group: "dev",
      },
      { name: "pytest", scope: "dev", direct: true, group: "dev" },
    ]);
    expect(() => manager.extract('[project]\ndependencies = ["-e ./packages/core"]\n', "pyproject.toml")).toThrow(
      ManifestParseError,
    );
  });

  it("returns no dependencies for an empty file or one with only tool settings", () => {
    expect(manager.extract("", "pyproject.toml")).toEqual({ dependencies: [] });
    expect(manager.extract("[tool.black]\nline-length = 88\n", "pyproject.toml")).toEqual({ dependencies: [] });
  });

  describe("malformed files", () => {
    it("reports TOML syntax errors with line and column", () => {
      const err = parseError(fixture("broken/invalid-toml.toml"));
      expect(err.message).toMatch(/^invalid TOML/);
      // The missing comma after "langchain" is noticed where the next string starts.
      expect(err.line).toBe(6);
      expect(err.column).toBeGreaterThan(0);
    });

    it("reports an invalid requirement string with its line", () => {
      const err = parseError(fixture("broken/bad-requirement.toml"));
      expect(err.message).toContain("project.dependencies");
      expect(err.message).toContain("transformers>>4.0");
      expect(err.line).toBe(6);
    });

    it.each([
      ['[project]\ndependencies = "openai"\n', "project.dependencies must be an array"],
      ["[project]\ndependencies = [1]\n", "only strings"],
      ['project = "x"\n', "project must be a table"],
      ['[dependency-groups]\ntest = [{ include-group = "missing" }]\n', 'included group "missing" does not exist'],
      ['[dependency-groups]\na = [{ include-group = "b" }]\nb = [{ include-group = "a" }]\n', "includes itself"],
      ["[dependency-groups]\na = [{ other = 1 }]\n", "include-group"],
      ["[tool.poetry.dependencies]\nopenai = 1\n", "expected a version string or a table"],
      ["[tool.poetry.dependencies]\nopenai = { optional = true }\n", "neither a version nor a source"],
      ['[tool.poetry.dependencies]\n"bad name!" = "1"\n', "not a valid package name"],
      ['[tool.poetry.dependencies]\nopenai = { version = 1 }\n', '"version" must be a string'],
      ['[tool.poetry]\nsource = "pytorch"\n', "tool.poetry.source must be an array of tables"],
      ['[project]\noptional-dependencies = ["x"]\n', "optional-dependencies must be a table"],
      ['[build-system]\nrequires = ["-r requirements.txt"]\n', "not a PEP 508 requirement"],
    ])("rejects %j", (text, message) => {
      expect(parseError(text).message).toContain(message);
    });

    it("finds the line of a bad Poetry entry", () => {
      const err = parseError('[tool.poetry.dependencies]\npython = "^3.11"\nopenai = 1\n');
      expect(err.line).toBe(3);
    });
  });
});
