import { describe, expect, it } from "@jest/globals";
import { manager } from "../../../src/detect/manifests/npm-package-lock/index.js";
import { fixture, matches, parseError } from "./npm-ecosystem.helpers.js";

const extract = (text: string) => manager.extract(text, "package-lock.json").dependencies;
const lockfile = (name: string) => extract(fixture("npm-package-lock", name));

describe("npm-package-lock manager", () => {
  it("describes itself", () => {
    expect(manager).toMatchObject({ id: "npm-package-lock", ecosystem: "npm", kind: "lockfile" });
  });

  it("matches package-lock.json and npm-shrinkwrap.json anywhere outside node_modules", () => {
    expect(matches(manager, "package-lock.json")).toBe(true);
    expect(matches(manager, "npm-shrinkwrap.json")).toBe(true);
    expect(matches(manager, "services/api/package-lock.json")).toBe(true);
    expect(matches(manager, "node_modules/some-cli/npm-shrinkwrap.json")).toBe(false);
    expect(matches(manager, "services/api/node_modules/x/package-lock.json")).toBe(false);
    expect(matches(manager, "package.json")).toBe(false);
  });

  it("reads lockfile v3 with nested node_modules, workspaces, links, aliases and flags", () => {
    expect(lockfile("v3-monorepo.package-lock.json")).toEqual([
      {
        name: "@acme/telemetry",
        version: "1.4.0",
        scope: "prod",
        direct: true,
        source: "https://npm.pkg.github.com/download/@acme/telemetry/1.4.0/5f0c8e1d2a9b7c6e4f3a2b1c0d9e8f7a6b5c4d3e",
      },
      { name: "@langchain/core", version: "0.3.57", scope: "prod", direct: true },
      { name: "@langchain/openai", version: "0.5.11", scope: "prod", direct: true },
      // node_modules/@langchain/openai/node_modules/openai: a second copy, needed only by @langchain/openai.
      { name: "openai", version: "5.1.0", scope: "prod", direct: false },
      { name: "@cfworker/json-schema", version: "4.1.1", scope: "prod", direct: false },
      { name: "@types/node", version: "20.17.50", scope: "dev", direct: true },
      // dev + optional: an optional dependency of a dev dependency.
      { name: "fsevents", version: "2.3.3", scope: "dev", direct: false },
      { name: "js-tiktoken", version: "1.0.20", scope: "prod", direct: false },
      { name: "langsmith", version: "0.3.29", scope: "prod", direct: false },
      // A link outside the workspaces: the linked folder's version, its path as the source.
      { name: "local-utils", version: "0.2.0", scope: "prod", direct: true, source: "file:../utils" },
      { name: "onnxruntime-common", version: "1.22.0", scope: "optional", direct: false },
      { name: "onnxruntime-node", version: "1.22.0", scope: "optional", direct: true },
      { name: "openai", version: "4.103.0", scope: "prod", direct: true },
      // "openai-v3": "npm:openai@^3.3.0" installs openai under another folder name.
      { name: "openai", version: "3.3.0", scope: "prod", direct: true },
      {
        name: "prompt-kit",
        version: "1.2.0",
        scope: "prod",
        direct: true,
        source: "git+ssh://git@github.com/acme/prompt-kit.git#3f1c2a9d8e7b6c5a4f3e2d1c0b9a8f7e6d5c4b3a",
      },
      { name: "semver", version: "7.7.2", scope: "prod", direct: false },
      { name: "sharp", version: "0.34.2", scope: "optional", direct: false },
      { name: "typescript", version: "5.8.3", scope: "dev", direct: true },
      { name: "zod", version: "3.25.42", scope: "prod", direct: false },
      // Installed for the packages/prompts workspace, not declared by the root package.
      { name: "@anthropic-ai/sdk", version: "0.52.0", scope: "prod", direct: false },
    ]);
  });

  it("reads lockfile v2 from `packages` and ignores its legacy copy", () => {
    expect(lockfile("v2-ticket-triage.package-lock.json")).toEqual([
      { name: "cohere-ai", version: "7.17.1", scope: "prod", direct: true },
      { name: "express", version: "4.21.2", scope: "prod", direct: true },
      { name: "body-parser", version: "1.20.3", scope: "prod", direct: false },
      { name: "form-data", version: "4.0.2", scope: "prod", direct: false },
      { name: "js-base64", version: "3.7.2", scope: "prod", direct: false },
      { name: "nodemon", version: "3.1.10", scope: "dev", direct: true },
    ]);
  });

  it("reads lockfile v1 (npm-shrinkwrap.json) with nested dependencies, aliases, git and file specs", () => {
    const deps = manager.extract(fixture("npm-package-lock", "v1-legacy.npm-shrinkwrap.json"), "npm-shrinkwrap.json");
    expect(deps.dependencies).toEqual([
      // Version 1 does not say what the root declares: package.json supplies direct.
      { name: "@tensorflow/tfjs-node", version: "4.22.0", scope: "prod", direct: false },
      { name: "gpt-tokenizer", version: "1.0.5", scope: "prod", direct: false },
      {
        name: "label-map",
        scope: "prod",
        direct: false,
        source: "git+https://github.com/acme/label-map.git#9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b",
      },
      { name: "local-utils", scope: "prod", direct: false, source: "file:../utils" },
      { name: "mocha", version: "10.8.2", scope: "dev", direct: false },
      { name: "node-fetch", version: "2.7.0", scope: "prod", direct: false },
      { name: "sharp", version: "0.32.6", scope: "optional", direct: false },
      { name: "tar", version: "6.2.1", scope: "prod", direct: false },
      { name: "fsevents", version: "2.3.3", scope: "dev", direct: false },
      // Nested under @tensorflow/tfjs-node: a second version of node-fetch.
      { name: "node-fetch", version: "2.6.13", scope: "prod", direct: false },
    ]);
  });

  it("returns the dependencies of a project without AI packages", () => {
    expect(lockfile("express-api.package-lock.json")).toEqual([
      { name: "express", version: "4.21.2", scope: "prod", direct: true },
      { name: "debug", version: "2.6.9", scope: "prod", direct: false },
      { name: "debug", version: "4.4.1", scope: "dev", direct: false },
      { name: "jest", version: "29.7.0", scope: "dev", direct: true },
      { name: "pg", version: "8.16.0", scope: "prod", direct: true },
    ]);
  });

  it("reports a copy installed at two places once", () => {
    const text = JSON.stringify({
      lockfileVersion: 3,
      packages: {
        "": { dependencies: { openai: "^4.0.0", a: "1", b: "1" } },
        "node_modules/openai": { version: "4.20.0" },
        "node_modules/a/node_modules/zod": { version: "3.22.0", dev: true },
        "node_modules/b/node_modules/zod": { version: "3.22.0" },
      },
    });
    expect(extract(text)).toEqual([
      { name: "openai", version: "4.20.0", scope: "prod", direct: true },
      { name: "zod", version: "3.22.0", scope: "prod", direct: false },
    ]);
  });

  it("returns nothing for an empty file or a lockfile with only the root package", () => {
    expect(extract("")).toEqual([]);
    expect(extract('{ "name": "x", "lockfileVersion": 3, "requires": true, "packages": { "": { "name": "x" } } }')).toEqual(
      [],
    );
    expect(extract('{ "name": "x", "lockfileVersion": 1, "requires": true }')).toEqual([]);
  });

  describe("malformed files", () => {
    it("places a JSON syntax error", () => {
      const err = parseError(manager, '{\n  "lockfileVersion": 3,\n  "packages": {\n    "": {},\n<<<<<<< HEAD\n');
      expect(err.message).toBe("invalid JSON: Expected double-quoted property name");
      expect([err.line, err.column]).toEqual([5, 1]);
    });

    it("rejects JSON that is not a lockfile", () => {
      expect(parseError(manager, '{ "name": "x", "version": "1.0.0" }').message).toBe(
        "lockfileVersion is missing or not a number",
      );
      expect(parseError(manager, "42").message).toBe("the lockfile must be a JSON object");
    });

    it("places an entry of the wrong type", () => {
      const err = parseError(
        manager,
        '{\n  "lockfileVersion": 3,\n  "packages": {\n    "": {},\n    "node_modules/openai": "4.20.0"\n  }\n}\n',
      );
      expect(err.message).toBe('entry "node_modules/openai" must be an object');
      expect(err.line).toBe(5);
    });

    it("rejects a version of the wrong type", () => {
      const err = parseError(
        manager,
        '{\n  "lockfileVersion": 1,\n  "dependencies": {\n    "openai": {\n      "version": 4\n    }\n  }\n}\n',
      );
      expect(err.message).toBe('entry "openai" has a non-string "version"');
      expect(err.line).toBe(4);
    });
  });

  it("reads a 20 MB lockfile v3", () => {
    const count = 66_000;
    const direct = 150;
    const lines: string[] = [];
    const rootDeps: string[] = [];
    for (let i = 0; i < direct; i++) rootDeps.push(`"pkg-${i}": "^1.${i % 100}.0"`);
    for (let i = 0; i < count; i++) {
      // Every third package is scoped, every fifth nested under a top-level one.
      const name = i % 3 === 0 ? `@scope-${i % 40}/pkg-${i}` : `pkg-${i}`;
      const key = i % 5 === 4 ? `node_modules/pkg-${i - 1}/node_modules/${name}` : `node_modules/${name}`;
      const version = `1.${i % 100}.${i % 7}`;
      lines.push(
        `    ${JSON.stringify(key)}: {\n` +
          `      "version": "${version}",\n` +
          `      "resolved": "https://registry.npmjs.org/${name}/-/pkg-${i}-${version}.tgz",\n` +
          `      "integrity": "sha512-${"A".repeat(86)}==",\n` +
          `      "license": "MIT"${i % 2 ? ',\n      "dev": true' : ""}\n` +
          `    }`,
      );
    }
    const text =
      `{\n  "name": "big",\n  "version": "1.0.0",\n  "lockfileVersion": 3,\n  "requires": true,\n  "packages": {\n` +
      `    "": {\n      "name": "big",\n      "dependencies": {\n        ${rootDeps.join(",\n        ")}\n      }\n    },\n` +
      `${lines.join(",\n")}\n  }\n}\n`;
    expect(text.length).toBeGreaterThan(20_000_000);

    const deps = extract(text);
    expect(deps).toHaveLength(count);
    // pkg-0..pkg-149 minus the scoped ones (i % 3 === 0) and the nested ones (i % 5 === 4).
    const expectedDirect = Array.from({ length: direct }, (_, i) => i).filter((i) => i % 3 !== 0 && i % 5 !== 4);
    expect(deps.filter((d) => d.direct).map((d) => d.name)).toEqual(expectedDirect.map((i) => `pkg-${i}`));
    expect(deps.filter((d) => d.scope === "dev")).toHaveLength(count / 2);
    expect(deps[3]).toEqual({ name: "@scope-3/pkg-3", version: "1.3.3", scope: "dev", direct: false });
    expect(deps[4]).toEqual({ name: "pkg-4", version: "1.4.4", scope: "prod", direct: false });
  });
});
