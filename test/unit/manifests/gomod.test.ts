import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { minimatch } from "minimatch";
import { manager } from "../../../src/detect/manifests/gomod/index.js";
import { ManifestParseError } from "../../../src/detect/manifests/types.js";

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/manifests/gomod/${name}`, import.meta.url), "utf8");

const extract = (text: string) => manager.extract(text, "go.mod").dependencies;

function parseError(text: string): ManifestParseError {
  try {
    manager.extract(text, "go.mod");
  } catch (err) {
    if (err instanceof ManifestParseError) return err;
    throw err;
  }
  throw new Error("expected a ManifestParseError");
}

describe("gomod manager", () => {
  it("describes itself", () => {
    expect(manager).toMatchObject({ id: "gomod", ecosystem: "go", kind: "manifest" });
    const matches = (p: string) => manager.filePatterns.some((g) => minimatch(p, g, { dot: true, matchBase: false }));
    expect(matches("go.mod")).toBe(true);
    expect(matches("services/agent/go.mod")).toBe(true);
    expect(matches("go.sum")).toBe(false);
    expect(matches("go.mod.bak")).toBe(false);
  });

  it("reads an AI service: blocks, single lines, indirect, replace and tool directives", () => {
    expect(extract(fixture("support-assistant/go.mod"))).toEqual([
      { name: "github.com/go-chi/chi/v5", version: "v5.2.1", scope: "prod", direct: true },
      { name: "github.com/jackc/pgx/v5", version: "v5.7.4", scope: "prod", direct: true },
      { name: "github.com/pgvector/pgvector-go", version: "v0.3.0", scope: "prod", direct: true },
      { name: "github.com/sashabaranov/go-openai", version: "v1.38.1", scope: "prod", direct: true },
      {
        name: "github.com/tmc/langchaingo",
        version: "v0.1.13",
        scope: "prod",
        direct: true,
        source: "../langchaingo",
      },
      { name: "google.golang.org/genai", version: "v1.3.0", scope: "prod", direct: true },
      { name: "github.com/anthropics/anthropic-sdk-go", version: "v1.2.0", scope: "prod", direct: true },
      { name: "cloud.google.com/go", version: "v0.120.0", scope: "prod", direct: false },
      { name: "github.com/dlclark/regexp2", version: "v1.11.5", scope: "prod", direct: false },
      { name: "github.com/google/uuid", version: "v1.6.0", scope: "prod", direct: false },
      {
        name: "github.com/pkoukk/tiktoken-go",
        version: "v0.1.7",
        scope: "prod",
        direct: false,
        source: "github.com/acme/tiktoken-go@v0.1.8-0.20250301120000-3f1a2b4c5d6e",
      },
      { name: "github.com/ollama/ollama", version: "v0.6.5", scope: "prod", direct: false },
      // Named by `tool` and not imported by the code: build tooling the module declares itself.
      { name: "golang.org/x/tools", version: "v0.31.0", scope: "dev", direct: true },
      { name: "github.com/golangci/golangci-lint", version: "v1.64.8", scope: "dev", direct: true },
      // The replace names v1.30.0 but v1.35.0 is required, so it does not apply.
      { name: "go.opentelemetry.io/otel", version: "v1.35.0", scope: "prod", direct: false },
    ]);
  });

  it("keeps pseudo-versions and +incompatible versions as written", () => {
    const deps = extract(
      [
        "module example.com/m",
        "require github.com/yalue/onnxruntime_go v0.0.0-20240214161254-4bd1c4c4f2a0",
        'require "gorgonia.org/gorgonia" v0.9.18',
        "require github.com/docker/docker v27.1.1+incompatible // indirect",
      ].join("\n"),
    );
    expect(deps).toEqual([
      { name: "github.com/yalue/onnxruntime_go", version: "v0.0.0-20240214161254-4bd1c4c4f2a0", scope: "prod", direct: true },
      { name: "gorgonia.org/gorgonia", version: "v0.9.18", scope: "prod", direct: true },
      { name: "github.com/docker/docker", version: "v27.1.1+incompatible", scope: "prod", direct: false },
    ]);
  });

  it("does not treat other comments as // indirect", () => {
    const deps = extract("module m\nrequire github.com/openai/openai-go/v2 v2.1.0 // indirectly needed? no: direct\n");
    expect(deps[0]?.direct).toBe(true);
  });

  it("ignores exclude, retract and godebug; a version-specific replace applies to that version only", () => {
    const deps = extract(
      [
        "module m",
        "go 1.23",
        "godebug default=go1.21",
        "require github.com/mark3labs/mcp-go v0.26.0",
        "exclude github.com/mark3labs/mcp-go v0.20.0",
        "replace github.com/mark3labs/mcp-go v0.26.0 => github.com/acme/mcp-go v0.26.1",
        "replace github.com/mark3labs/mcp-go v0.25.0 => ./vendor/mcp-go",
        "retract v1.0.0",
      ].join("\n"),
    );
    expect(deps).toEqual([
      {
        name: "github.com/mark3labs/mcp-go",
        version: "v0.26.0",
        scope: "prod",
        direct: true,
        source: "github.com/acme/mcp-go@v0.26.1",
      },
    ]);
  });

  it("reports a tool whose module is not required as a dev dependency", () => {
    expect(extract("module m\ntool example.com/gen/cmd/gen\n")).toEqual([
      { name: "example.com/gen/cmd/gen", scope: "dev", direct: true },
    ]);
  });

  it("keeps a tool's module prod when the code also imports it", () => {
    const deps = extract("module m\nrequire github.com/cloudwego/eino v0.3.0\ntool github.com/cloudwego/eino/cmd/eino\n");
    expect(deps).toEqual([{ name: "github.com/cloudwego/eino", version: "v0.3.0", scope: "prod", direct: true }]);
  });

  it("accepts Windows line endings and a byte order mark", () => {
    const deps = extract("\uFEFFmodule m\r\n\r\nrequire (\r\n\tgithub.com/openai/openai-go v1.6.0 // indirect\r\n)\r\n");
    expect(deps).toEqual([{ name: "github.com/openai/openai-go", version: "v1.6.0", scope: "prod", direct: false }]);
  });

  it("returns no dependencies for an empty file, a comment-only file and an empty block", () => {
    expect(manager.extract("", "go.mod")).toEqual({ dependencies: [] });
    expect(extract("// generated\n\n")).toEqual([]);
    expect(extract("module m\n\nrequire ()\n")).toEqual([]);
  });

  it("reads a project with no AI packages", () => {
    const deps = extract(fixture("inventory-api/go.mod"));
    expect(deps.map((d) => d.name)).toEqual([
      "github.com/gin-gonic/gin",
      "github.com/redis/go-redis/v9",
      "gorm.io/gorm",
      "github.com/stretchr/testify",
      "github.com/bytedance/sonic",
    ]);
    expect(deps.some((d) => /openai|anthropic|langchain|genai|ollama/.test(d.name))).toBe(false);
  });

  describe("malformed files", () => {
    it("rejects an unknown directive with its line", () => {
      const err = parseError("module m\n\ngo 1.22\nrequires github.com/x/y v1.0.0\n");
      expect(err.message).toMatch(/unknown directive "requires"/);
      expect(err.line).toBe(4);
    });

    it("rejects text that is not a go.mod", () => {
      const err = parseError("<html><body>404 Not Found</body></html>\n");
      expect(err.line).toBe(1);
    });

    it("rejects a block that is never closed, pointing at its start", () => {
      const err = parseError("module m\n\nrequire (\n\tgithub.com/tmc/langchaingo v0.1.13\n");
      expect(err.message).toMatch(/never closed/);
      expect(err.line).toBe(3);
    });

    it("rejects a require without a version", () => {
      const err = parseError("module m\nrequire (\n\tgithub.com/sashabaranov/go-openai\n)\n");
      expect(err.message).toMatch(/module path and a version/);
      expect(err.line).toBe(3);
    });

    it("rejects a replace without =>, or a module target without version", () => {
      expect(parseError("module m\nreplace a.com/x b.com/y v1.0.0\n").line).toBe(2);
      expect(parseError("module m\nreplace a.com/x => b.com/y\n").message).toMatch(/needs a version/);
    });

    it("rejects an unterminated quoted string with line and column", () => {
      const err = parseError('module m\nrequire "github.com/x/y v1.0.0\n');
      expect([err.line, err.column]).toEqual([2, 9]);
    });

    it("rejects a stray closing parenthesis", () => {
      expect(parseError("module m\n)\n").line).toBe(2);
    });
  });
});
