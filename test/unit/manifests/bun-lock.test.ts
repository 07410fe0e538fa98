import { describe, expect, it } from "@jest/globals";
import { manager } from "../../../src/detect/manifests/bun-lock/index.js";
import { fixture, matches, parseError } from "./npm-ecosystem.helpers.js";

const extract = (text: string) => manager.extract(text, "bun.lock").dependencies;
const lockfile = (name: string) => extract(fixture("bun-lock", name));

describe("bun-lock manager", () => {
  it("describes itself", () => {
    expect(manager).toMatchObject({ id: "bun-lock", ecosystem: "npm", kind: "lockfile" });
  });

  it("matches bun.lock anywhere outside node_modules, and not the binary bun.lockb", () => {
    expect(matches(manager, "bun.lock")).toBe(true);
    expect(matches(manager, "apps/voice/bun.lock")).toBe(true);
    expect(matches(manager, "bun.lockb")).toBe(false);
    expect(matches(manager, "apps/voice/bun.lockb")).toBe(false);
    expect(matches(manager, "node_modules/x/bun.lock")).toBe(false);
  });

  it("reads a workspace lockfile: nested copies, aliases, GitHub, tarball, file and private registry packages", () => {
    expect(lockfile("monorepo.bun.lock")).toEqual([
      {
        name: "@acme/telemetry",
        version: "1.4.0",
        scope: "prod",
        direct: false,
        source: "https://npm.pkg.github.com/download/@acme/telemetry/1.4.0/5f0c8e1d2a9b7c6e4f3a2b1c0d9e8f7a6b5c4d3e",
      },
      { name: "@deepgram/sdk", version: "4.2.0", scope: "prod", direct: true },
      { name: "@langchain/openai", version: "0.5.11", scope: "prod", direct: true },
      // "@langchain/openai/openai": the copy nested under @langchain/openai.
      { name: "openai", version: "5.1.0", scope: "prod", direct: false },
      { name: "@types/bun", version: "1.2.14", scope: "dev", direct: true },
      // Declared by the packages/app workspace only.
      { name: "ai", version: "4.3.16", scope: "prod", direct: false },
      { name: "bun-types", version: "1.2.14", scope: "dev", direct: false },
      { name: "cross-fetch", version: "3.2.0", scope: "prod", direct: false },
      { name: "hono", version: "4.7.10", scope: "prod", direct: true },
      { name: "js-tiktoken", version: "1.0.20", scope: "prod", direct: false },
      { name: "local-utils", scope: "prod", direct: false, source: "file:../utils" },
      { name: "onnxruntime-common", version: "1.22.0", scope: "optional", direct: false },
      { name: "onnxruntime-node", version: "1.22.0", scope: "optional", direct: true },
      { name: "openai", version: "4.103.0", scope: "prod", direct: true },
      // "openai-v3": "npm:openai@^3.3.0"
      { name: "openai", version: "3.3.0", scope: "prod", direct: true },
      { name: "prompt-kit", scope: "prod", direct: true, source: "github:acme/prompt-kit#3f1c2a9" },
      { name: "tokenizer", scope: "prod", direct: true, source: "https://downloads.example.com/tokenizer-1.0.0.tgz" },
      { name: "typescript", version: "5.8.3", scope: "dev", direct: true },
      { name: "zod", version: "3.25.42", scope: "prod", direct: false },
    ]);
  });

  it("returns the dependencies of a project without AI packages", () => {
    expect(lockfile("no-ai.bun.lock")).toEqual([
      { name: "@sinclair/typebox", version: "0.34.33", scope: "prod", direct: false },
      { name: "bun-types", version: "1.2.14", scope: "dev", direct: true },
      { name: "elysia", version: "1.3.1", scope: "prod", direct: true },
    ]);
  });

  it("resolves a dependency from the nearest install path outwards", () => {
    const text = `{
      // A nested copy under a scoped parent shadows the top-level one for that parent only.
      "lockfileVersion": 1,
      "workspaces": { "": { "name": "x", "dependencies": { "@scope/a": "1" }, "devDependencies": { "zod": "3" } } },
      "packages": {
        "@scope/a": ["@scope/a@1.0.0", "", { "dependencies": { "zod": "^4" } }, "sha512-a"],
        "@scope/a/zod": ["zod@4.0.0", "", {}, "sha512-b"],
        "zod": ["zod@3.25.0", "", {}, "sha512-c"],
      },
    }`;
    expect(extract(text)).toEqual([
      { name: "@scope/a", version: "1.0.0", scope: "prod", direct: true },
      { name: "zod", version: "4.0.0", scope: "prod", direct: false },
      { name: "zod", version: "3.25.0", scope: "dev", direct: true },
    ]);
  });

  it("returns nothing for an empty lockfile", () => {
    expect(extract("")).toEqual([]);
    expect(extract('{\n  "lockfileVersion": 1,\n  "workspaces": {\n    "": {\n      "name": "x",\n    },\n  },\n  "packages": {},\n}\n')).toEqual([]);
  });

  describe("malformed files", () => {
    it("places a missing comma", () => {
      const err = parseError(
        manager,
        '{\n  "lockfileVersion": 1,\n  "workspaces": {\n    "": { "name": "x" }\n  }\n  "packages": {}\n}\n',
      );
      expect(err.message).toBe("invalid JSON: Comma expected");
      expect([err.line, err.column]).toEqual([6, 3]);
    });

    it("places a merge conflict", () => {
      const err = parseError(manager, '{\n  "lockfileVersion": 1,\n<<<<<<< HEAD\n  "packages": {}\n}\n');
      expect(err.line).toBe(3);
    });

    it("rejects JSON that is not a lockfile", () => {
      expect(parseError(manager, '{ "name": "x" }').message).toBe("lockfileVersion is missing or not a number");
      expect(parseError(manager, "[1, 2]").message).toBe("bun.lock must be a JSON object");
    });

    it("places a package entry of the wrong type", () => {
      const err = parseError(manager, '{\n  "lockfileVersion": 1,\n  "packages": {\n    "openai": "openai@4.0.0",\n  }\n}\n');
      expect(err.message).toBe('package "openai" must be an array');
      expect(err.line).toBe(4);
    });

    it("rejects a package entry without name@version", () => {
      const err = parseError(manager, '{\n  "lockfileVersion": 1,\n  "packages": {\n    "openai": ["openai"],\n  }\n}\n');
      expect(err.message).toBe('package "openai" must start with "name@version", not "openai"');
      expect(err.line).toBe(4);
    });
  });
});
