import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { minimatch } from "minimatch";
import { manager } from "../../../src/detect/manifests/pipenv/index.js";
import { ManifestParseError } from "../../../src/detect/manifests/types.js";

const fixture = (path: string): string =>
  readFileSync(new URL(`../../fixtures/manifests/pipenv/${path}`, import.meta.url), "utf8");

const parseError = (text: string): ManifestParseError => {
  try {
    manager.extract(text, "Pipfile");
  } catch (err) {
    if (err instanceof ManifestParseError) return err;
    throw err;
  }
  throw new Error("expected a ManifestParseError");
};

describe("pipenv manager (Pipfile)", () => {
  it("describes itself and matches Pipfile only", () => {
    expect(manager).toMatchObject({ id: "pipenv", ecosystem: "pypi", kind: "manifest" });
    const matches = (path: string): boolean => manager.filePatterns.some((p) => minimatch(path, p, { dot: true }));
    expect(matches("Pipfile")).toBe(true);
    expect(matches("services/vision/Pipfile")).toBe(true);
    expect(matches("Pipfile.lock")).toBe(false);
  });

  it("reads packages, dev-packages and custom categories with every entry form", () => {
    const { dependencies } = manager.extract(fixture("vision-api/Pipfile"), "vision-api/Pipfile");
    expect(dependencies).toEqual([
      { name: "flask", version: "3.1.0", scope: "prod", direct: true },
      { name: "gunicorn", scope: "prod", direct: true },
      { name: "ultralytics", version: ">=8.3,<9", scope: "prod", direct: true },
      { name: "opencv-python-headless", version: "~=4.10", scope: "prod", direct: true },
      { name: "torch", version: "2.1.2", scope: "prod", direct: true, source: "https://download.pytorch.org/whl/cu118" },
      { name: "torchvision", scope: "prod", direct: true, source: "https://download.pytorch.org/whl/cu118" },
      { name: "transformers", version: ">=4.46", scope: "prod", direct: true },
      {
        name: "acme-vision-utils",
        scope: "prod",
        direct: true,
        source: "git+https://github.com/acme-ai/vision-utils.git@v1.3.0",
      },
      { name: "deepface", version: "0.0.93", scope: "prod", direct: true },
      { name: "local-models", scope: "prod", direct: true, source: "./libs/local-models" },
      { name: "pytest", scope: "dev", direct: true },
      { name: "black", version: "24.10.0", scope: "dev", direct: true },
      { name: "pytest-cov", version: ">=6.0", scope: "dev", direct: true },
      { name: "sphinx", version: ">=8.1", scope: "dev", direct: true, group: "docs" },
    ]);
  });

  it("reads a project without AI packages and an empty dev-packages table", () => {
    const { dependencies } = manager.extract(fixture("blog/Pipfile"), "blog/Pipfile");
    expect(dependencies).toEqual([
      { name: "django", version: "5.1.4", scope: "prod", direct: true },
      { name: "markdown", scope: "prod", direct: true },
      { name: "pillow", version: ">=11.0", scope: "prod", direct: true },
    ]);
  });

  it("keeps an unknown index name as the source and drops the PyPI index", () => {
    const text = `
[[source]]
url = "https://pypi.org/simple/"
name = "pypi"

[packages]
openai = {version = "*", index = "pypi"}
mistralai = {version = ">=1.2", index = "internal"}
vendored = {file = "https://example.com/vendored-1.0.tar.gz"}
`;
    expect(manager.extract(text, "Pipfile").dependencies).toEqual([
      { name: "openai", scope: "prod", direct: true },
      { name: "mistralai", version: ">=1.2", scope: "prod", direct: true, source: "internal" },
      { name: "vendored", scope: "prod", direct: true, source: "https://example.com/vendored-1.0.tar.gz" },
    ]);
  });

  it("returns no dependencies for an empty Pipfile", () => {
    expect(manager.extract("", "Pipfile")).toEqual({ dependencies: [] });
    expect(manager.extract('[requires]\npython_version = "3.12"\n', "Pipfile")).toEqual({ dependencies: [] });
  });

  describe("malformed files", () => {
    it("reports TOML errors with line and column", () => {
      const err = parseError('[packages]\nflask = "==3.1.0"\nopenai = ==1.57\n');
      expect(err.message).toMatch(/^invalid TOML/);
      expect(err.line).toBe(3);
      expect(err.column).toBeGreaterThan(0);
    });

    it.each([
      ['packages = "flask"\n', "[packages] must be a table"],
      ["[packages]\nflask = 3\n", "expected a version string or a table"],
      ["[packages]\nflask = {version = 3}\n", '"version" must be a string'],
      ['[packages]\n"not a name!" = "*"\n', "not a valid package name"],
      ['source = "pypi"\n', "source must be an array"],
    ])("rejects %j", (text, message) => {
      expect(parseError(text).message).toContain(message);
    });

    it("finds the line of a bad entry", () => {
      expect(parseError('[packages]\nflask = "*"\n\n[dev-packages]\npytest = 8\n').line).toBe(5);
    });
  });
});
