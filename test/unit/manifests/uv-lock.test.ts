import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { minimatch } from "minimatch";
import { manager } from "../../../src/detect/manifests/uv-lock/index.js";
import type { Dependency } from "../../../src/detect/manifests/types.js";
import { ManifestParseError } from "../../../src/detect/manifests/types.js";

const fixture = (path: string): string =>
  readFileSync(new URL(`../../fixtures/manifests/uv-lock/${path}`, import.meta.url), "utf8");

const parseError = (text: string): ManifestParseError => {
  try {
    manager.extract(text, "uv.lock");
  } catch (err) {
    if (err instanceof ManifestParseError) return err;
    throw err;
  }
  throw new Error("expected a ManifestParseError");
};

const byName = (deps: Dependency[]): Record<string, Omit<Dependency, "name">[]> => {
  const out: Record<string, Omit<Dependency, "name">[]> = {};
  for (const { name, ...rest } of deps) (out[name] ??= []).push(rest);
  return out;
};

describe("uv-lock manager", () => {
  it("describes itself as a lockfile for uv.lock", () => {
    expect(manager).toMatchObject({ id: "uv-lock", ecosystem: "pypi", kind: "lockfile" });
    expect(manager.filePatterns.some((p) => minimatch("services/agent/uv.lock", p, { dot: true }))).toBe(true);
  });

  describe("a uv workspace with an AI agent", () => {
    const { dependencies } = manager.extract(fixture("support-agent/uv.lock"), "support-agent/uv.lock");
    const deps = byName(dependencies);

    it("skips the virtual project and the editable workspace member", () => {
      expect(deps["support-agent"]).toBeUndefined();
      expect(deps["acme-prompts"]).toBeUndefined();
      expect(dependencies).toHaveLength(32);
    });

    it("marks the project's and members' own dependencies as direct", () => {
      const direct = dependencies.filter((d) => d.direct).map((d) => d.name);
      expect(direct.sort()).toEqual(
        ["acme-tracing", "fastapi", "jinja2", "llama-cpp-python", "openai", "pytest", "ruff", "torch"].sort(),
      );
    });

    it("reports versions and non-PyPI sources", () => {
      expect(deps["openai"]).toEqual([{ version: "1.57.4", scope: "prod", direct: true }]);
      expect(deps["torch"]).toEqual([
        { version: "2.5.1+cu121", scope: "prod", direct: true, source: "https://download.pytorch.org/whl/cu121" },
      ]);
      expect(deps["acme-tracing"]).toEqual([
        {
          version: "1.4.0",
          scope: "prod",
          direct: true,
          source: "git+https://github.com/acme-ai/acme-tracing?tag=v1.4.0#9f1c2e3d4b5a69788766554433221100ffeeddcc",
        },
      ]);
    });

    it("derives scopes from the dependency graph: prod wins over extras, extras over groups", () => {
      expect(deps["httpx"]?.[0]).toMatchObject({ scope: "prod", direct: false });
      expect(deps["colorama"]?.[0]).toMatchObject({ scope: "prod", direct: false });
      expect(deps["markupsafe"]?.[0]).toMatchObject({ scope: "prod", direct: false });
      expect(deps["opentelemetry-api"]?.[0]).toMatchObject({ scope: "prod" });
      expect(deps["llama-cpp-python"]).toEqual([{ version: "0.3.5", scope: "optional", direct: true }]);
      expect(deps["numpy"]).toEqual([
        { version: "1.26.4", scope: "optional", direct: false },
        { version: "2.1.3", scope: "optional", direct: false },
      ]);
      expect(deps["jinja2"]?.[0]).toMatchObject({ scope: "prod", direct: true });
      for (const name of ["pytest", "ruff", "iniconfig", "packaging", "pluggy"]) {
        expect(deps[name]?.[0]?.scope).toBe("dev");
      }
    });
  });

  it("marks nothing direct when the lock has no project package", () => {
    const { dependencies } = manager.extract(fixture("single-script/uv.lock"), "uv.lock");
    expect(dependencies).toEqual([
      { name: "httpx", version: "0.28.1", scope: "prod", direct: false },
      { name: "certifi", version: "2024.12.14", scope: "prod", direct: false },
    ]);
  });

  it("reads a project without AI packages, whose root has no static version", () => {
    const { dependencies } = manager.extract(fixture("cli-tool/uv.lock"), "uv.lock");
    expect(dependencies).toEqual([
      { name: "click", version: "8.1.8", scope: "prod", direct: true },
      { name: "requests", version: "2.32.3", scope: "prod", direct: true },
      { name: "certifi", version: "2024.12.14", scope: "prod", direct: false },
      { name: "weasyprint", version: "63.1", scope: "optional", direct: true },
    ]);
  });

  it("follows extras requested on an edge", () => {
    const text = `
version = 1
[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "langchain", extra = ["openai"] }]

[[package]]
name = "langchain"
version = "0.3.11"
source = { registry = "https://pypi.org/simple" }

[package.optional-dependencies]
openai = [{ name = "langchain-openai" }]

[[package]]
name = "langchain-openai"
version = "0.2.12"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "local-lib"
version = "0.1.0"
source = { directory = "../local-lib" }

[[package]]
name = "wheel-pkg"
version = "1.0"
source = { url = "https://example.com/wheel_pkg-1.0-py3-none-any.whl" }

[[package]]
name = "mirror-pkg"
version = "2.0"
source = { registry = "https://pypi.example.com/simple" }
`;
    expect(manager.extract(text, "uv.lock").dependencies).toEqual([
      { name: "langchain", version: "0.3.11", scope: "prod", direct: true },
      { name: "langchain-openai", version: "0.2.12", scope: "prod", direct: false },
      { name: "local-lib", version: "0.1.0", scope: "prod", direct: false, source: "../local-lib" },
      {
        name: "wheel-pkg",
        version: "1.0",
        scope: "prod",
        direct: false,
        source: "https://example.com/wheel_pkg-1.0-py3-none-any.whl",
      },
      { name: "mirror-pkg", version: "2.0", scope: "prod", direct: false, source: "https://pypi.example.com/simple" },
    ]);
  });

  it("returns no dependencies for an empty lock", () => {
    expect(manager.extract("", "uv.lock")).toEqual({ dependencies: [] });
    expect(manager.extract('version = 1\nrequires-python = ">=3.12"\n', "uv.lock")).toEqual({ dependencies: [] });
  });

  describe("malformed files", () => {
    it("reports TOML errors with line and column", () => {
      const err = parseError('version = 1\n\n[[package]]\nname = "openai"\nversion = 1.57.4\n');
      expect(err.message).toMatch(/^invalid TOML/);
      expect(err.line).toBe(5);
    });

    it.each([
      ['package = "x"\n', "array of tables"],
      ['[[package]]\nversion = "1"\n', "has no name"],
      ['[[package]]\nname = "openai"\nversion = 1\n', "version must be a string"],
      ['[[package]]\nname = "openai"\nsource = "pypi"\n', "source must be a table"],
      ['[[package]]\nname = "openai"\ndependencies = "httpx"\n', "dependencies must be an array"],
      ['[[package]]\nname = "openai"\ndependencies = [{ version = "1" }]\n', "entries need a name"],
      ['[[package]]\nname = "openai"\noptional-dependencies = []\n', "optional-dependencies must be a table"],
    ])("rejects %j", (text, message) => {
      const err = parseError(text);
      expect(err.message).toContain(message);
    });

    it("points at the package that is wrong", () => {
      const err = parseError('[[package]]\nname = "httpx"\nversion = "0.28.1"\n\n[[package]]\nname = "openai"\nversion = 1\n');
      expect(err.line).toBe(6);
    });
  });
});
