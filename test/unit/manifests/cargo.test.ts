import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { minimatch } from "minimatch";
import { manager } from "../../../src/detect/manifests/cargo/index.js";
import { manager as lockManager } from "../../../src/detect/manifests/cargo-lock/index.js";
import { ManifestParseError, type ManifestManager } from "../../../src/detect/manifests/types.js";

const fixture = (dir: string, name: string): string =>
  readFileSync(new URL(`../../fixtures/manifests/${dir}/${name}`, import.meta.url), "utf8");

const toml = (text: string) => manager.extract(text, "Cargo.toml").dependencies;
const lock = (text: string) => lockManager.extract(text, "Cargo.lock").dependencies;

function parseError(m: ManifestManager, text: string): ManifestParseError {
  try {
    m.extract(text, m === manager ? "Cargo.toml" : "Cargo.lock");
  } catch (err) {
    if (err instanceof ManifestParseError) return err;
    throw err;
  }
  throw new Error("expected a ManifestParseError");
}

const matches = (m: ManifestManager, p: string) =>
  m.filePatterns.some((g) => minimatch(p, g, { dot: true, matchBase: false }));

describe("cargo manager (Cargo.toml)", () => {
  it("describes itself", () => {
    expect(manager).toMatchObject({ id: "cargo", ecosystem: "cargo", kind: "manifest" });
    expect(matches(manager, "Cargo.toml")).toBe(true);
    expect(matches(manager, "crates/embed/Cargo.toml")).toBe(true);
    expect(matches(manager, "Cargo.lock")).toBe(false);
  });

  it("reads a crate with AI dependencies in every table form", () => {
    expect(toml(fixture("cargo", "rag-server/Cargo.toml"))).toEqual([
      { name: "anyhow", version: "1.0.95", scope: "prod", direct: true },
      { name: "async-openai", version: "0.27.2", scope: "prod", direct: true },
      { name: "axum", version: "0.8.1", scope: "prod", direct: true },
      {
        name: "candle-core",
        scope: "prod",
        direct: true,
        source: "git+https://github.com/huggingface/candle.git?tag=0.8.4",
      },
      {
        name: "candle-nn",
        scope: "prod",
        direct: true,
        source: "git+https://github.com/huggingface/candle.git?rev=2a3f1c9",
      },
      { name: "candle-transformers", version: "0.8.4", scope: "prod", direct: true },
      // `hf = { package = "hf-hub" }`: the crate is hf-hub, `hf` is only the local name.
      { name: "hf-hub", version: "0.4.1", scope: "prod", direct: true },
      { name: "llama-cpp-2", version: "0.1.86", scope: "optional", direct: true },
      { name: "prompt-kit", scope: "prod", direct: true, source: "path+../prompt-kit" },
      { name: "serde", version: "1", scope: "prod", direct: true },
      { name: "tokio", version: "1.43", scope: "prod", direct: true },
      // Inherited from a workspace root that is another file: no version here.
      { name: "tracing", scope: "prod", direct: true },
      { name: "qdrant-client", version: "1.13.0", scope: "prod", direct: true },
      { name: "insta", version: "1.42", scope: "dev", direct: true },
      { name: "wiremock", version: "0.6", scope: "dev", direct: true },
      { name: "prost-build", version: "0.13", scope: "dev", direct: true },
      { name: "candle-metal-kernels", version: "0.8.4", scope: "prod", direct: true },
      { name: "windows-sys", version: "0.59", scope: "dev", direct: true, source: "registry+internal-mirror" },
    ]);
  });

  it("reads [workspace.dependencies] of a virtual workspace", () => {
    expect(toml(fixture("cargo", "inference-workspace/Cargo.toml"))).toEqual([
      { name: "ort", version: "2.0.0-rc.9", scope: "prod", direct: true },
      { name: "rmcp", version: "0.1.5", scope: "prod", direct: true },
      { name: "tiktoken-rs", version: "0.6.0", scope: "prod", direct: true },
      { name: "serde_json", version: "1.0.138", scope: "prod", direct: true },
    ]);
  });

  it("resolves `workspace = true` from the same file, keeping the member's own keys", () => {
    const text = [
      "[workspace]",
      'members = ["."]',
      "[workspace.dependencies]",
      'genai = { version = "0.1.19" }',
      'burn = "0.16.0"',
      "[package]",
      'name = "agent"',
      "[dependencies]",
      "genai = { workspace = true, optional = true }",
      "[dev-dependencies]",
      "burn.workspace = true",
    ].join("\n");
    expect(toml(text)).toEqual([
      { name: "genai", version: "0.1.19", scope: "optional", direct: true },
      { name: "burn", version: "0.16.0", scope: "dev", direct: true },
      { name: "genai", version: "0.1.19", scope: "prod", direct: true },
      { name: "burn", version: "0.16.0", scope: "prod", direct: true },
    ]);
  });

  it("accepts the old underscore table names and git branches", () => {
    const text = [
      "[package]",
      'name = "x"',
      "[dev_dependencies]",
      'mistralrs = { git = "https://github.com/EricLBuehler/mistral.rs", branch = "master" }',
    ].join("\n");
    expect(toml(text)).toEqual([
      {
        name: "mistralrs",
        scope: "dev",
        direct: true,
        source: "git+https://github.com/EricLBuehler/mistral.rs?branch=master",
      },
    ]);
  });

  it("returns no dependencies for an empty file or a package without dependencies", () => {
    expect(manager.extract("", "Cargo.toml")).toEqual({ dependencies: [] });
    expect(toml("# nothing yet\n")).toEqual([]);
    expect(toml('[package]\nname = "x"\nversion = "0.1.0"\n')).toEqual([]);
  });

  it("reads a crate with no AI packages", () => {
    const names = toml(fixture("cargo", "logtail/Cargo.toml")).map((d) => d.name);
    expect(names).toEqual(["clap", "regex", "serde", "toml", "tempfile"]);
  });

  describe("malformed files", () => {
    it("maps a TOML syntax error to line and column", () => {
      const text = '[package]\nname = "x"\n\n[dependencies]\nasync-openai = { version = "0.27" features = [] }\n';
      const err = parseError(manager, text);
      expect(err.message).toBe("invalid TOML: expected comma or end of structure");
      expect([err.line, err.column]).toEqual([5, 35]);
    });

    it("rejects a duplicate key", () => {
      const err = parseError(manager, '[package]\nname = "x"\n[dependencies]\nort = "2"\nort = "1"\n');
      expect(err.line).toBe(5);
    });

    it("rejects valid TOML that is not a Cargo manifest", () => {
      const err = parseError(manager, '[tool.poetry]\nname = "x"\n');
      expect(err.message).toMatch(/neither a \[package\] nor a \[workspace\]/);
    });

    it("rejects a dependency that is neither a string nor a table, with its line", () => {
      const err = parseError(manager, '[package]\nname = "x"\n\n[dependencies]\ncandle-core = 0.8\n');
      expect(err.message).toMatch(/"candle-core" must be a version string or a table/);
      expect(err.line).toBe(5);
    });

    it("points at the key inside the failing table when the name appears in several", () => {
      const text = '[package]\nname = "x"\n[dependencies]\nort = "2.0.0-rc.9"\n[dev-dependencies]\nort = true\n';
      expect(parseError(manager, text).line).toBe(6);
    });

    it("rejects a package rename that is not a string", () => {
      const err = parseError(manager, '[package]\nname = "x"\n[dependencies]\nhf = { package = 1 }\n');
      expect(err.message).toMatch(/"hf" has a "package" that is not a string/);
      expect(err.line).toBe(4);
    });

    it("rejects a dependency table that is not a table", () => {
      const err = parseError(manager, 'dependencies = ["serde"]\n\n[package]\nname = "x"\n');
      expect(err.message).toMatch(/\[dependencies\] must be a table/);
      expect(err.line).toBe(1);
    });
  });
});

describe("cargo-lock manager (Cargo.lock)", () => {
  it("describes itself", () => {
    expect(lockManager).toMatchObject({ id: "cargo-lock", ecosystem: "cargo", kind: "lockfile" });
    expect(matches(lockManager, "Cargo.lock")).toBe(true);
    expect(matches(lockManager, "services/api/Cargo.lock")).toBe(true);
    expect(matches(lockManager, "Cargo.toml")).toBe(false);
  });

  it("reads resolved packages; crates.io has no source, git and other registries do", () => {
    expect(lock(fixture("cargo-lock", "rag-server/Cargo.lock"))).toEqual([
      { name: "async-openai", version: "0.27.2", scope: "prod", direct: false },
      {
        name: "candle-core",
        version: "0.8.4",
        scope: "prod",
        direct: false,
        source: "git+https://github.com/huggingface/candle.git?tag=0.8.4#1f2e3d4c5b6a79880716253443526170819a0b1c",
      },
      // prompt-kit and rag-server have no source: the workspace's own crates are left out.
      { name: "safetensors", version: "0.4.5", scope: "prod", direct: false },
      { name: "tokenizers", version: "0.21.0", scope: "prod", direct: false },
      {
        name: "internal-metrics",
        version: "2.3.1",
        scope: "prod",
        direct: false,
        source: "registry+https://cargo.internal.example.com/index",
      },
    ]);
  });

  it("reads a lockfile with no AI packages", () => {
    expect(lock(fixture("cargo-lock", "logtail/Cargo.lock"))).toEqual([
      { name: "regex", version: "1.11.1", scope: "prod", direct: false },
    ]);
  });

  it("returns no dependencies for an empty file", () => {
    expect(lockManager.extract("", "Cargo.lock")).toEqual({ dependencies: [] });
  });

  describe("malformed files", () => {
    it("maps a TOML syntax error to its line", () => {
      const err = parseError(lockManager, 'version = 4\n\n[[package]]\nname = "ort\nversion = "2.0.0"\n');
      expect(err.line).toBe(4);
    });

    it("rejects TOML without [[package]] entries", () => {
      expect(parseError(lockManager, '[package]\nname = "x"\n').message).toMatch(/no \[\[package\]\]/);
    });

    it("rejects a package without a version, pointing at its header", () => {
      const text = 'version = 4\n\n[[package]]\nname = "a"\nversion = "1.0.0"\n\n[[package]]\nname = "ort"\n';
      const err = parseError(lockManager, text);
      expect(err.message).toMatch(/name and version/);
      expect(err.line).toBe(7);
    });
  });
});
