import { describe, expect, it } from "@jest/globals";
import { manager } from "../../../src/detect/manifests/npm-package-json/index.js";
import { MAX_DEPTH } from "../../../src/detect/manifests/shared/npm-patterns.js";
import { fixture, matches, parseError } from "./npm-ecosystem.helpers.js";

const extract = (text: string) => manager.extract(text, "package.json").dependencies;

describe("npm-package-json manager", () => {
  it("describes itself", () => {
    expect(manager).toMatchObject({ id: "npm-package-json", ecosystem: "npm", kind: "manifest" });
  });

  it("matches package.json at the root and in any folder, never inside node_modules", () => {
    expect(matches(manager, "package.json")).toBe(true);
    expect(matches(manager, "apps/web/package.json")).toBe(true);
    expect(matches(manager, ".github/actions/triage/package.json")).toBe(true);
    expect(matches(manager, `${"d/".repeat(MAX_DEPTH)}package.json`)).toBe(true);
    expect(matches(manager, "node_modules/openai/package.json")).toBe(false);
    expect(matches(manager, "apps/web/node_modules/@langchain/core/package.json")).toBe(false);
    expect(matches(manager, "node_modules/package.json")).toBe(false);
    expect(matches(manager, "package-lock.json")).toBe(false);
    expect(matches(manager, "my-package.json")).toBe(false);
  });

  it("reads a Next.js app with AI SDKs in every dependency section", () => {
    expect(extract(fixture("npm-package-json", "nextjs-chat.package.json"))).toEqual([
      { name: "@ai-sdk/openai", version: "^1.3.22", scope: "prod", direct: true },
      { name: "@langchain/core", version: "^0.3.57", scope: "prod", direct: true },
      { name: "@langchain/openai", version: "^0.5.11", scope: "prod", direct: true },
      { name: "ai", version: "^4.3.16", scope: "prod", direct: true },
      { name: "next", version: "15.3.2", scope: "prod", direct: true },
      { name: "openai", version: "^4.103.0", scope: "prod", direct: true },
      { name: "react", version: "^19.0.0", scope: "prod", direct: true },
      { name: "react-dom", version: "^19.0.0", scope: "prod", direct: true },
      { name: "zod", version: "^3.25.28", scope: "prod", direct: true },
      { name: "@eslint/eslintrc", version: "^3", scope: "dev", direct: true },
      { name: "@types/node", version: "^20", scope: "dev", direct: true },
      { name: "@types/react", version: "^19", scope: "dev", direct: true },
      { name: "@types/react-dom", version: "^19", scope: "dev", direct: true },
      { name: "eslint", version: "^9", scope: "dev", direct: true },
      { name: "eslint-config-next", version: "15.3.2", scope: "dev", direct: true },
      { name: "typescript", version: "^5", scope: "dev", direct: true },
      { name: "onnxruntime-node", version: "~1.22.0", scope: "optional", direct: true },
    ]);
  });

  it("reports aliases, git, paths, URLs and workspace specs as sources", () => {
    expect(extract(fixture("npm-package-json", "agent-worker.package.json"))).toEqual([
      // The alias installs openai, so openai is what is reported.
      { name: "openai", version: "^3.3.0", scope: "prod", direct: true, source: "npm:openai@^3.3.0" },
      { name: "@acme/prompts", scope: "prod", direct: true, source: "workspace:^" },
      {
        name: "prompt-kit",
        scope: "prod",
        direct: true,
        source: "git+https://github.com/acme/prompt-kit.git#v1.2.0",
      },
      { name: "vector-store", scope: "prod", direct: true, source: "acme/vector-store#main" },
      { name: "local-utils", scope: "prod", direct: true, source: "file:../utils" },
      { name: "tokenizer", scope: "prod", direct: true, source: "https://downloads.example.com/tokenizer-1.0.0.tgz" },
      // Credentials in the URL never reach the report.
      { name: "private-sdk", scope: "prod", direct: true, source: "git+https://gitlab.example.com/ml/private-sdk.git" },
      { name: "@mastra/core", version: "latest", scope: "prod", direct: true },
      // A catalog entry's version lives in the workspace file.
      { name: "zod", scope: "prod", direct: true },
      { name: "left-pad", scope: "prod", direct: true },
      { name: "vitest", version: "^3.1.4", scope: "dev", direct: true },
      { name: "@langchain/core", version: ">=0.3.0 <0.4.0", scope: "prod", direct: true },
    ]);
  });

  it("reads scoped aliases, protocol-prefixed ranges and other git hosts", () => {
    const text = JSON.stringify({
      dependencies: {
        claude: "npm:@anthropic-ai/sdk@0.52.0",
        bare: "npm:ollama",
        gh: "github:acme/embeddings#semver:^2.0.0",
        ssh: "git+ssh://git@github.com/acme/rag.git#main",
        tilde: "~/src/models",
        berry: "npm:^4.103.0",
        digits: "npm:7zip-bin@5.2.0",
      },
    });
    expect(extract(text)).toEqual([
      {
        name: "@anthropic-ai/sdk",
        version: "0.52.0",
        scope: "prod",
        direct: true,
        source: "npm:@anthropic-ai/sdk@0.52.0",
      },
      { name: "ollama", scope: "prod", direct: true, source: "npm:ollama" },
      { name: "gh", scope: "prod", direct: true, source: "github:acme/embeddings#semver:^2.0.0" },
      { name: "ssh", scope: "prod", direct: true, source: "git+ssh://git@github.com/acme/rag.git#main" },
      { name: "tilde", scope: "prod", direct: true, source: "~/src/models" },
      // The npm: protocol in front of a plain range is not an alias.
      { name: "berry", version: "^4.103.0", scope: "prod", direct: true },
      { name: "7zip-bin", version: "5.2.0", scope: "prod", direct: true, source: "npm:7zip-bin@5.2.0" },
    ]);
  });

  it("returns the dependencies of a project without AI packages", () => {
    expect(extract(fixture("npm-package-json", "express-api.package.json"))).toEqual([
      { name: "express", version: "^4.21.2", scope: "prod", direct: true },
      { name: "helmet", version: "^8.1.0", scope: "prod", direct: true },
      { name: "pg", version: "^8.16.0", scope: "prod", direct: true },
      { name: "pino", version: "^9.7.0", scope: "prod", direct: true },
      { name: "jest", version: "^29.7.0", scope: "dev", direct: true },
      { name: "supertest", version: "^7.1.1", scope: "dev", direct: true },
    ]);
  });

  it("returns nothing for an empty file or a package without dependencies", () => {
    expect(extract("")).toEqual([]);
    expect(extract("\n  \n")).toEqual([]);
    expect(extract('{ "name": "empty", "version": "1.0.0" }')).toEqual([]);
  });

  it("accepts a byte-order mark", () => {
    expect(extract('\uFEFF{ "dependencies": { "openai": "^4.0.0" } }')).toEqual([
      { name: "openai", version: "^4.0.0", scope: "prod", direct: true },
    ]);
  });

  describe("malformed files", () => {
    it("places a trailing comma", () => {
      const err = parseError(manager, '{\n  "name": "x",\n  "dependencies": {\n    "openai": "^4.0.0",\n  }\n}\n');
      expect(err.message).toBe("invalid JSON: Expected double-quoted property name");
      expect([err.line, err.column]).toEqual([5, 3]);
    });

    it("places a missing colon", () => {
      const err = parseError(manager, '{\n  "dependencies": {\n    "openai" "^4.0.0"\n  }\n}\n');
      expect(err.message).toMatch(/^invalid JSON: /);
      expect([err.line, err.column]).toEqual([3, 14]);
    });

    it("places an unexpected token that V8 reports without a position", () => {
      const err = parseError(manager, '{\n  "name": "x",\n  "dependencies": {\n    "openai": }\n}\n');
      expect(err.message).toMatch(/^invalid JSON: Unexpected token '\}'/);
      expect([err.line, err.column]).toEqual([4, 15]);
    });

    it("places a truncated file at its end", () => {
      const err = parseError(manager, '{\n  "dependencies": {\n    "openai": "^4.0.0"\n');
      expect(err.line).toBe(4);
    });

    it("rejects merge-conflict markers", () => {
      const err = parseError(manager, '<<<<<<< HEAD\n{ "dependencies": {} }\n');
      expect(err.line).toBe(1);
    });

    it("rejects JSON that is not an object", () => {
      expect(parseError(manager, '["openai"]').message).toBe("package.json must be a JSON object");
    });

    it("rejects a dependency section that is not an object", () => {
      const err = parseError(manager, '{\n  "name": "x",\n  "devDependencies": ["openai"]\n}\n');
      expect(err.message).toBe('"devDependencies" must be an object of name to version');
      expect(err.line).toBe(3);
    });

    it("rejects a version that is not a string", () => {
      const err = parseError(manager, '{\n  "dependencies": {\n    "zod": "^3",\n    "openai": 4\n  }\n}\n');
      expect(err.message).toBe('version of "openai" in "dependencies" must be a string');
      expect(err.line).toBe(4);
    });
  });
});
