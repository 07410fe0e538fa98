import { describe, expect, it } from "@jest/globals";
import { manager } from "../../../src/detect/manifests/pnpm-lock/index.js";
import { fixture, matches, parseError } from "./npm-ecosystem.helpers.js";

const extract = (text: string) => manager.extract(text, "pnpm-lock.yaml").dependencies;
const lockfile = (name: string) => extract(fixture("pnpm-lock", name));

describe("pnpm-lock manager", () => {
  it("describes itself", () => {
    expect(manager).toMatchObject({ id: "pnpm-lock", ecosystem: "npm", kind: "lockfile" });
  });

  it("matches pnpm-lock.yaml anywhere outside node_modules", () => {
    expect(matches(manager, "pnpm-lock.yaml")).toBe(true);
    expect(matches(manager, "tools/evals/pnpm-lock.yaml")).toBe(true);
    expect(matches(manager, "node_modules/.pnpm/lock.yaml")).toBe(false);
    expect(matches(manager, "node_modules/x/pnpm-lock.yaml")).toBe(false);
    expect(matches(manager, "pnpm-workspace.yaml")).toBe(false);
  });

  it("reads lockfile 5.4: /name/version keys, peer suffixes, dev/optional flags, git packages", () => {
    expect(lockfile("v5.pnpm-lock.yaml")).toEqual([
      { name: "@huggingface/inference", version: "2.8.1", scope: "prod", direct: true },
      { name: "@huggingface/tasks", version: "0.12.30", scope: "prod", direct: false },
      { name: "@types/prop-types", version: "15.7.11", scope: "dev", direct: false },
      { name: "@types/react", version: "18.2.45", scope: "dev", direct: true },
      { name: "csstype", version: "3.1.3", scope: "dev", direct: false },
      { name: "fsevents", version: "2.3.3", scope: "dev", direct: false },
      // No dev flag: needed by both prod and dev.
      { name: "js-tokens", version: "4.0.0", scope: "prod", direct: false },
      { name: "loose-envify", version: "1.4.0", scope: "prod", direct: false },
      // /react-dom/18.2.0_react@18.2.0
      { name: "react-dom", version: "18.2.0", scope: "prod", direct: true },
      { name: "react", version: "18.2.0", scope: "prod", direct: true },
      { name: "replicate", version: "0.25.2", scope: "prod", direct: true },
      { name: "readable-stream", version: "4.5.2", scope: "optional", direct: false },
      { name: "scheduler", version: "0.23.0", scope: "prod", direct: false },
      { name: "typescript", version: "5.3.3", scope: "dev", direct: true },
      {
        name: "speech-kit",
        version: "0.3.0",
        scope: "prod",
        direct: true,
        source: "https://codeload.github.com/acme/speech-kit/tar.gz/7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d",
      },
    ]);
  });

  it("reads lockfile 6.0: /name@version(peers) keys, aliases and tarballs from another registry", () => {
    expect(lockfile("v6.pnpm-lock.yaml")).toEqual([
      // Two peer variants of @langchain/core 0.2.18, one dependency.
      { name: "@langchain/core", version: "0.2.18", scope: "prod", direct: true },
      { name: "@langchain/openai", version: "0.2.5", scope: "prod", direct: true },
      { name: "js-tiktoken", version: "1.0.12", scope: "prod", direct: false },
      { name: "langsmith", version: "0.1.39", scope: "prod", direct: false },
      { name: "openai", version: "4.52.7", scope: "prod", direct: true },
      // Pulled in by @langchain/openai only.
      { name: "openai", version: "4.53.0", scope: "prod", direct: false },
      // tiktoken-legacy: npm:tiktoken@^1.0.15
      { name: "tiktoken", version: "1.0.15", scope: "prod", direct: true },
      { name: "vitest", version: "1.6.0", scope: "dev", direct: true },
      { name: "zod", version: "3.23.8", scope: "prod", direct: false },
      {
        name: "@acme/guardrails",
        version: "2.0.1",
        scope: "prod",
        direct: false,
        source: "https://registry.example.com/@acme/guardrails/-/guardrails-2.0.1.tgz",
      },
    ]);
  });

  it("reads lockfile 9.0: importers, snapshots, scope from the graph, git and directory packages", () => {
    expect(lockfile("v9-workspace.pnpm-lock.yaml")).toEqual([
      { name: "@ai-sdk/openai", version: "1.3.22", scope: "prod", direct: true },
      { name: "@ai-sdk/provider", version: "1.1.3", scope: "prod", direct: false },
      // Declared by the packages/shared workspace, not by the root importer.
      { name: "@pinecone-database/pinecone", version: "6.0.1", scope: "prod", direct: false },
      { name: "ai", version: "4.3.16", scope: "prod", direct: true },
      {
        name: "eval-kit",
        version: "0.4.0",
        scope: "prod",
        direct: true,
        source: "https://codeload.github.com/acme/eval-kit/tar.gz/0a1b2c3d4e5f60718293a4b5c6d7e8f901234567",
      },
      // gpt-tokenizer-legacy: npm:gpt-tokenizer@^2.1.2
      { name: "gpt-tokenizer", version: "2.1.2", scope: "prod", direct: true },
      { name: "local-utils", scope: "prod", direct: false, source: "file:utils" },
      { name: "onnxruntime-common", version: "1.22.0", scope: "optional", direct: false },
      { name: "onnxruntime-node", version: "1.22.0", scope: "optional", direct: true },
      { name: "promptfoo", version: "0.114.0", scope: "dev", direct: true },
      // Only an optional peer of ai.
      { name: "react", version: "19.1.0", scope: "optional", direct: false },
      // Needed by a dev tool and by prod packages: prod wins.
      { name: "zod", version: "3.25.42", scope: "prod", direct: false },
    ]);
  });

  it("returns the dependencies of a project without AI packages", () => {
    expect(lockfile("no-ai.pnpm-lock.yaml")).toEqual([
      { name: "fast-json-stringify", version: "6.0.1", scope: "prod", direct: false },
      { name: "fastify", version: "5.3.3", scope: "prod", direct: true },
      { name: "tsx", version: "4.19.4", scope: "dev", direct: true },
    ]);
  });

  it("reads the main document when pnpm writes an env lockfile before it", () => {
    const text = [
      "---",
      "lockfileVersion: '9.0'",
      "",
      "importers:",
      "",
      "  .:",
      "    configDependencies: {}",
      "    packageManagerDependencies:",
      "      pnpm:",
      "        specifier: 10.12.1",
      "        version: 10.12.1",
      "",
      "packages:",
      "",
      "  pnpm@10.12.1:",
      "    resolution: {integrity: sha512-AAAA}",
      "",
      "---",
      "lockfileVersion: '9.0'",
      "",
      "importers:",
      "",
      "  .:",
      "    dependencies:",
      "      ollama:",
      "        specifier: ^0.5.16",
      "        version: 0.5.16",
      "",
      "packages:",
      "",
      "  ollama@0.5.16:",
      "    resolution: {integrity: sha512-BBBB}",
      "",
      "snapshots:",
      "",
      "  ollama@0.5.16: {}",
      "",
    ].join("\n");
    expect(extract(text)).toEqual([{ name: "ollama", version: "0.5.16", scope: "prod", direct: true }]);
  });

  it("drops credentials from tarball and git URLs", () => {
    const text = [
      "lockfileVersion: '9.0'",
      "importers:",
      "  .:",
      "    dependencies:",
      "      mirror:",
      "        specifier: ^2.0.0",
      "        version: 2.0.0",
      "packages:",
      "  mirror@2.0.0:",
      "    resolution: {integrity: sha512-cccc, tarball: 'https://user:pw@npm.example.com/mirror-2.0.0.tgz'}",
      "  gitdep@git+https://github.com/x/gitdep.git#deadbeef:",
      "    resolution: {type: git, repo: 'https://token@github.com/x/gitdep.git', commit: deadbeef}",
      "    version: 0.1.0",
      "snapshots:",
      "  mirror@2.0.0: {}",
      "",
    ].join("\n");
    expect(extract(text)).toEqual([
      { name: "mirror", version: "2.0.0", scope: "prod", direct: true, source: "https://npm.example.com/mirror-2.0.0.tgz" },
      // Present but not reached from any importer: only a dev tool could want it.
      { name: "gitdep", version: "0.1.0", scope: "dev", direct: false, source: "git+https://github.com/x/gitdep.git#deadbeef" },
    ]);
  });

  it("returns nothing for an empty lockfile", () => {
    expect(extract("")).toEqual([]);
    expect(extract("# nothing yet\n")).toEqual([]);
    expect(extract("lockfileVersion: '9.0'\n\nsettings:\n  autoInstallPeers: true\n\nimporters:\n\n  .: {}\n")).toEqual([]);
  });

  describe("malformed files", () => {
    it("places a YAML syntax error", () => {
      const err = parseError(
        manager,
        "lockfileVersion: '9.0'\n\nimporters:\n  .:\n    dependencies:\n      openai: {specifier: ^4, version: 4.0.0\n\npackages: {}\n",
      );
      expect(err.message).toMatch(/^Flow map/);
      expect(err.line).toBe(8);
    });

    it("places a merge conflict", () => {
      const err = parseError(
        manager,
        "lockfileVersion: '9.0'\n\npackages:\n\n<<<<<<< HEAD\n  openai@4.0.0:\n    resolution: {integrity: sha512-a}\n=======\n",
      );
      expect([err.line, err.column]).toEqual([5, 1]);
    });

    it("rejects YAML that is not a lockfile", () => {
      expect(parseError(manager, "- a\n- b\n").message).toBe("pnpm-lock.yaml must be a mapping");
      expect(parseError(manager, "importers: {}\n").message).toBe("lockfileVersion is missing or not a number");
    });

    it("places a package entry of the wrong type", () => {
      const err = parseError(manager, "lockfileVersion: '9.0'\npackages:\n  openai@4.0.0: [a, b]\n");
      expect(err.message).toBe('package "openai@4.0.0" must be a mapping');
      expect(err.line).toBe(3);
    });

    it("places an importer dependency without a version", () => {
      const err = parseError(
        manager,
        "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      openai:\n        specifier: ^4\n",
      );
      expect(err.message).toBe('"openai" in "dependencies" has no version');
      expect(err.line).toBe(5);
    });
  });
});
