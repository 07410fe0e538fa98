import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { minimatch } from "minimatch";
import { manager } from "../../../src/detect/manifests/pipenv-lock/index.js";
import { ManifestParseError } from "../../../src/detect/manifests/types.js";

const fixture = (path: string): string =>
  readFileSync(new URL(`../../fixtures/manifests/pipenv-lock/${path}`, import.meta.url), "utf8");

const parseError = (text: string): ManifestParseError => {
  try {
    manager.extract(text, "Pipfile.lock");
  } catch (err) {
    if (err instanceof ManifestParseError) return err;
    throw err;
  }
  throw new Error("expected a ManifestParseError");
};

describe("pipenv-lock manager (Pipfile.lock)", () => {
  it("describes itself as a lockfile for Pipfile.lock", () => {
    expect(manager).toMatchObject({ id: "pipenv-lock", ecosystem: "pypi", kind: "lockfile" });
    expect(manager.filePatterns.some((p) => minimatch("api/Pipfile.lock", p, { dot: true }))).toBe(true);
    expect(manager.filePatterns.some((p) => minimatch("Pipfile", p, { dot: true }))).toBe(false);
  });

  it("reads default and develop with pinned versions, git refs, paths and custom indexes", () => {
    const { dependencies } = manager.extract(fixture("vision-api/Pipfile.lock"), "vision-api/Pipfile.lock");
    expect(dependencies).toEqual([
      {
        name: "acme-vision-utils",
        scope: "prod",
        direct: false,
        source: "git+https://github.com/acme-ai/vision-utils.git@3e1f0c9d8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e",
      },
      { name: "blinker", version: "1.9.0", scope: "prod", direct: false },
      { name: "click", version: "8.1.8", scope: "prod", direct: false },
      { name: "deepface", version: "0.0.93", scope: "prod", direct: false },
      { name: "flask", version: "3.1.0", scope: "prod", direct: false },
      { name: "gunicorn", version: "23.0.0", scope: "prod", direct: false },
      { name: "local-models", scope: "prod", direct: false, source: "./libs/local-models" },
      { name: "numpy", version: "1.26.4", scope: "prod", direct: false },
      { name: "opencv-python-headless", version: "4.10.0.84", scope: "prod", direct: false },
      {
        name: "torch",
        version: "2.1.2+cu118",
        scope: "prod",
        direct: false,
        source: "https://download.pytorch.org/whl/cu118",
      },
      {
        name: "torchvision",
        version: "0.16.2+cu118",
        scope: "prod",
        direct: false,
        source: "https://download.pytorch.org/whl/cu118",
      },
      { name: "transformers", version: "4.47.0", scope: "prod", direct: false },
      { name: "ultralytics", version: "8.3.49", scope: "prod", direct: false },
      { name: "black", version: "24.10.0", scope: "dev", direct: false },
      { name: "iniconfig", version: "2.0.0", scope: "dev", direct: false },
      { name: "pytest", version: "8.3.4", scope: "dev", direct: false },
      { name: "pytest-cov", version: "6.0.0", scope: "dev", direct: false },
    ]);
  });

  it("reads a lock without AI packages", () => {
    const { dependencies } = manager.extract(fixture("blog/Pipfile.lock"), "blog/Pipfile.lock");
    expect(dependencies.map((d) => `${d.name}@${d.version ?? ""}`)).toEqual([
      "asgiref@3.8.1",
      "django@5.1.4",
      "markdown@3.7",
      "pillow@11.0.0",
      "sqlparse@0.5.3",
    ]);
  });

  it("returns no dependencies for an empty file or empty sections", () => {
    expect(manager.extract("", "Pipfile.lock")).toEqual({ dependencies: [] });
    expect(manager.extract('{"_meta": {"sources": []}, "default": {}, "develop": {}}', "Pipfile.lock")).toEqual({
      dependencies: [],
    });
  });

  describe("malformed files", () => {
    it("reports JSON errors with line and column", () => {
      const text = fixture("blog/Pipfile.lock").replace('"==3.7"', '"==3.7",');
      const err = parseError(text);
      expect(err.message).toMatch(/^invalid JSON/);
      const line = text.split("\n").findIndex((l) => l.includes('"==3.7",')) + 2;
      expect(err.line).toBe(line);
      expect(err.column).toBeGreaterThan(0);
    });

    it("reports truncated JSON at its last line", () => {
      const err = parseError('{\n  "default": {\n    "openai": {\n');
      expect(err.message).toMatch(/^invalid JSON/);
      expect(err.line).toBe(4);
    });

    it.each([
      ["[]", "must be a JSON object"],
      ['{"default": []}', '"default" must be an object'],
      ['{"_meta": 1}', "_meta must be an object"],
      ['{"default": {"openai": 1}}', "expected a version string or a table"],
      ['{"develop": {"bad name": {"version": "==1"}}}', "not a valid package name"],
    ])("rejects %j", (text, message) => {
      expect(parseError(text).message).toContain(message);
    });
  });
});
