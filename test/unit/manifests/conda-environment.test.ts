import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { minimatch } from "minimatch";
import { manager } from "../../../src/detect/manifests/conda-environment/index.js";
import { ManifestParseError } from "../../../src/detect/manifests/types.js";

const fixture = (path: string): string =>
  readFileSync(new URL(`../../fixtures/manifests/conda-environment/${path}`, import.meta.url), "utf8");

const parseError = (text: string): ManifestParseError => {
  try {
    manager.extract(text, "environment.yml");
  } catch (err) {
    if (err instanceof ManifestParseError) return err;
    throw err;
  }
  throw new Error("expected a ManifestParseError");
};

describe("conda-environment manager", () => {
  it.each([
    ["environment.yml", true],
    ["envs/gpu/environment.yaml", true],
    ["model/conda.yaml", true],
    ["conda.yml", true],
    ["environment.yml.bak", false],
    [".github/workflows/environment.json", false],
  ])("matches %s: %s", (path, expected) => {
    expect(manager.filePatterns.some((p) => minimatch(path, p, { dot: true }))).toBe(expected);
    expect(manager).toMatchObject({ id: "conda-environment", ecosystem: "pypi", kind: "manifest" });
  });

  it("reads conda match specs with channels, builds and brackets, and the nested pip list", () => {
    const result = manager.extract(fixture("llm-finetune/environment.yml"), "llm-finetune/environment.yml");
    const CU121 = "https://download.pytorch.org/whl/cu121";
    expect(result.dependencies).toEqual([
      { name: "pytorch", version: "2.1.2", scope: "prod", direct: true, source: "conda:pytorch" },
      { name: "pytorch-cuda", version: "12.1", scope: "prod", direct: true, source: "conda" },
      { name: "cuda-toolkit", scope: "prod", direct: true, source: "conda:nvidia/label/cuda-12.1.0" },
      { name: "numpy", version: ">=1.26,<2", scope: "prod", direct: true, source: "conda:conda-forge" },
      { name: "pandas", version: "2.2.3", scope: "prod", direct: true, source: "conda" },
      { name: "scikit-learn", version: "1.5.*", scope: "prod", direct: true, source: "conda" },
      { name: "jupyterlab", scope: "prod", direct: true, source: "conda" },
      { name: "faiss-gpu", version: ">=1.8", scope: "prod", direct: true, source: "conda" },
      // The pip list's --extra-index-url.
      { name: "transformers", version: "4.47.0", scope: "prod", direct: true, source: CU121 },
      { name: "peft", version: ">=0.13", scope: "prod", direct: true, source: CU121 },
      { name: "trl", version: "~=0.12", scope: "prod", direct: true, source: CU121 },
      { name: "bitsandbytes", version: "0.45.0", scope: "prod", direct: true, source: CU121 },
      {
        name: "accelerate",
        scope: "prod",
        direct: true,
        source: "git+https://github.com/huggingface/accelerate.git@v1.2.0",
      },
    ]);
    expect(result.includes).toEqual(["llm-finetune/requirements-train.txt"]);
  });

  it("reads an MLflow conda.yaml, skipping python and pip", () => {
    const result = manager.extract(fixture("mlflow-model/conda.yaml"), "models/churn/conda.yaml");
    expect(result).toEqual({
      dependencies: [
        { name: "mlflow", version: "2.19.0", scope: "prod", direct: true },
        { name: "cloudpickle", version: "3.1.0", scope: "prod", direct: true },
        { name: "lightgbm", version: "4.5.0", scope: "prod", direct: true },
        { name: "scikit-learn", version: "1.5.2", scope: "prod", direct: true },
      ],
    });
  });

  it("reads an environment without AI packages", () => {
    const { dependencies } = manager.extract(fixture("geo-analysis/environment.yaml"), "environment.yaml");
    expect(dependencies.map((d) => [d.name, d.version])).toEqual([
      ["gdal", "3.10"],
      ["geopandas", "1.0.1"],
      ["shapely", ">=2.0"],
      ["rasterio", undefined],
    ]);
  });

  it("treats a wildcard version as no version", () => {
    const { dependencies } = manager.extract("dependencies:\n  - libblas=*=*mkl\n  - numpy *\n", "environment.yml");
    expect(dependencies).toEqual([
      { name: "libblas", scope: "prod", direct: true, source: "conda" },
      { name: "numpy", scope: "prod", direct: true, source: "conda" },
    ]);
  });

  it("returns no dependencies for an empty file or one without dependencies", () => {
    expect(manager.extract("", "environment.yml")).toEqual({ dependencies: [] });
    expect(manager.extract("# nothing yet\n", "environment.yml")).toEqual({ dependencies: [] });
    expect(manager.extract("name: empty\nchannels: [conda-forge]\n", "environment.yml")).toEqual({ dependencies: [] });
    expect(manager.extract("name: empty\ndependencies:\n", "environment.yml")).toEqual({ dependencies: [] });
  });

  describe("malformed files", () => {
    it("reports YAML errors with line and column", () => {
      const err = parseError(fixture("broken/indentation.yml"));
      expect(err.message).toMatch(/^invalid YAML/);
      expect(err.line).toBe(6);
      expect(err.column).toBeGreaterThan(0);
    });

    it("reports an invalid match spec at its line", () => {
      const err = parseError(fixture("broken/bad-spec.yml"));
      expect(err.message).toContain("@@@");
      expect(err.line).toBe(4);
    });

    it("reports an invalid pip requirement at its line", () => {
      const err = parseError(fixture("broken/pip-line.yml"));
      expect(err.message).toContain("langchain=0.3.11");
      expect(err.line).toBe(6);
    });

    it.each([
      ["just some text", 1],
      ["- numpy\n- pandas\n", 1],
      ["name: x\ndependencies: numpy\n", 2],
      ["name: x\ndependencies:\n  - 3.11\n", 3],
      ["name: x\ndependencies:\n  - pip: openai\n", 3],
      ["name: x\ndependencies:\n  - pip:\n    - [openai]\n", 4],
      ["name: x\ndependencies:\n  - conda: [numpy]\n", 3],
      ["name: x\ndependencies:\n  - numpy==\n", 3],
      ["name: x\ndependencies:\n  - ::numpy\n", 3],
      ["name: x\nname: y\n", 2],
    ])("rejects %j", (text, line) => {
      expect(parseError(text).line).toBe(line);
    });
  });
});
