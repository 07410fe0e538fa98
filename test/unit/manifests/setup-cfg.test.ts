import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { minimatch } from "minimatch";
import { manager } from "../../../src/detect/manifests/setup-cfg/index.js";
import { ManifestParseError } from "../../../src/detect/manifests/types.js";

const fixture = (path: string): string =>
  readFileSync(new URL(`../../fixtures/manifests/setup-cfg/${path}`, import.meta.url), "utf8");

const parseError = (text: string): ManifestParseError => {
  try {
    manager.extract(text, "setup.cfg");
  } catch (err) {
    if (err instanceof ManifestParseError) return err;
    throw err;
  }
  throw new Error("expected a ManifestParseError");
};

describe("setup-cfg manager", () => {
  it("describes itself and matches setup.cfg anywhere", () => {
    expect(manager).toMatchObject({ id: "setup-cfg", ecosystem: "pypi", kind: "manifest" });
    expect(manager.filePatterns.some((p) => minimatch("libs/nlp/setup.cfg", p, { dot: true }))).toBe(true);
    expect(manager.filePatterns.some((p) => minimatch("setup.py", p, { dot: true }))).toBe(false);
  });

  it("reads install_requires, setup_requires, tests_require and extras, skipping comments and other sections", () => {
    const result = manager.extract(fixture("nlp-toolkit/setup.cfg"), "nlp-toolkit/setup.cfg");
    expect(result).toEqual({
      dependencies: [
        { name: "spacy", version: ">=3.7,<3.9", scope: "prod", direct: true },
        { name: "transformers", version: "4.47.0", scope: "prod", direct: true },
        { name: "tokenizers", version: "0.21.0", scope: "prod", direct: true },
        { name: "numpy", version: ">=1.24", scope: "prod", direct: true },
        { name: "sentencepiece", version: "~=0.2", scope: "prod", direct: true },
        {
          name: "acme-lexicons",
          scope: "prod",
          direct: true,
          source: "https://github.com/acme-ai/lexicons/archive/refs/tags/v3.0.0.tar.gz",
        },
        { name: "setuptools_scm", version: ">=8", scope: "dev", direct: true, group: "setup_requires" },
        { name: "pytest", version: ">=8", scope: "dev", direct: true, group: "tests_require" },
        { name: "pytest-mock", scope: "dev", direct: true, group: "tests_require" },
        { name: "openai", version: ">=1.55", scope: "optional", direct: true, group: "openai" },
        { name: "tiktoken", scope: "optional", direct: true, group: "openai" },
        { name: "torch", version: "2.5.1", scope: "optional", direct: true, group: "gpu" },
        { name: "accelerate", version: ">=1.1", scope: "optional", direct: true, group: "gpu" },
        { name: "ruff", version: "0.8.3", scope: "optional", direct: true, group: "dev" },
      ],
    });
  });

  it("reads a package without AI dependencies", () => {
    const { dependencies } = manager.extract(fixture("http-client/setup.cfg"), "setup.cfg");
    expect(dependencies.map((d) => [d.name, d.version])).toEqual([
      ["requests", ">=2.31"],
      ["urllib3", "<3"],
      ["certifi", undefined],
    ]);
  });

  it("reports file: directives as includes relative to the file", () => {
    expect(manager.extract(fixture("file-directive/setup.cfg"), "tools/report/setup.cfg")).toEqual({
      dependencies: [],
      includes: [
        "tools/report/requirements.txt",
        "tools/report/requirements/extra.txt",
        "tools/report/requirements-llm.txt",
      ],
    });
  });

  it("accepts CRLF, key: value, upper-case keys and a BOM", () => {
    const text = "\uFEFF[options]\r\nInstall_Requires:\r\n    openai==1.57.4\r\n    anthropic\r\n";
    expect(manager.extract(text, "setup.cfg").dependencies).toEqual([
      { name: "openai", version: "1.57.4", scope: "prod", direct: true },
      { name: "anthropic", scope: "prod", direct: true },
    ]);
  });

  it("returns no dependencies for an empty file or one with only tool settings", () => {
    expect(manager.extract("", "setup.cfg")).toEqual({ dependencies: [] });
    expect(manager.extract("[flake8]\nmax-line-length = 100\n", "setup.cfg")).toEqual({ dependencies: [] });
    expect(manager.extract("[options]\ninstall_requires =\n", "setup.cfg")).toEqual({ dependencies: [] });
  });

  describe("malformed files", () => {
    it("reports an invalid requirement at its own line", () => {
      const err = parseError(fixture("broken/setup.cfg"));
      expect(err.message).toContain("install_requires");
      expect(err.message).toContain("langchain==>0.3");
      expect(err.line).toBe(7);
    });

    it.each([
      ["install_requires = openai\n", 1, "before the first [section]"],
      ["[options]\nthis line has no delimiter\n", 2, 'expected "[section]" or "key = value"'],
      ["[options]\ninstall_requires = a\n[options]\n", 3, "appears twice"],
      ["[options]\ninstall_requires = a\nInstall_requires = b\n", 3, "appears twice"],
      ["[options]\ninstall_requires =\n    openai\n    -r requirements.txt\n", 4, "not a PEP 508 requirement"],
      ["[options]\ninstall_requires = openai; ~=1.0\n", 2, "invalid requirement"],
      ["<html>\n<body>Not Found</body>\n</html>\n", 1, 'expected "[section]"'],
    ])("rejects %j", (text, line, message) => {
      const err = parseError(text);
      expect(err.line).toBe(line);
      expect(err.message).toContain(message);
    });
  });
});
