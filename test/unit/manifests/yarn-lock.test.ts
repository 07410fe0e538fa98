import { describe, expect, it } from "@jest/globals";
import { manager } from "../../../src/detect/manifests/yarn-lock/index.js";
import { fixture, matches, parseError } from "./npm-ecosystem.helpers.js";

const extract = (text: string) => manager.extract(text, "yarn.lock").dependencies;
const lockfile = (name: string) => extract(fixture("yarn-lock", name));

describe("yarn-lock manager", () => {
  it("describes itself", () => {
    expect(manager).toMatchObject({ id: "yarn-lock", ecosystem: "npm", kind: "lockfile" });
  });

  it("matches yarn.lock anywhere outside node_modules", () => {
    expect(matches(manager, "yarn.lock")).toBe(true);
    expect(matches(manager, "examples/rag/yarn.lock")).toBe(true);
    expect(matches(manager, "node_modules/left-pad/yarn.lock")).toBe(false);
    expect(matches(manager, "packages/a/node_modules/b/yarn.lock")).toBe(false);
    expect(matches(manager, ".yarnrc.yml")).toBe(false);
  });

  it("reads a classic (v1) lockfile: shared entries, scopes, aliases, git, file and private registries", () => {
    expect(lockfile("classic.yarn.lock")).toEqual([
      {
        name: "@acme/telemetry",
        version: "1.4.0",
        scope: "prod",
        direct: false,
        // The `#<sha1>` checksum is dropped; the registry stays.
        source: "https://npm.pkg.github.com/download/@acme/telemetry/1.4.0/5f0c8e1d2a9b7c6e4f3a2b1c0d9e8f7a6b5c4d3e",
      },
      // Two descriptors, one entry.
      { name: "@langchain/core", version: "0.3.57", scope: "prod", direct: false },
      { name: "@langchain/openai", version: "0.5.11", scope: "prod", direct: false },
      { name: "js-tiktoken", version: "1.0.20", scope: "prod", direct: false },
      { name: "langsmith", version: "0.3.29", scope: "prod", direct: false },
      { name: "local-utils", version: "0.2.0", scope: "prod", direct: false, source: "file:../utils" },
      // "openai-v3@npm:openai@^3.3.0" installs openai.
      { name: "openai", version: "3.3.0", scope: "prod", direct: false },
      { name: "openai", version: "4.103.0", scope: "prod", direct: false },
      { name: "openai", version: "5.1.0", scope: "prod", direct: false },
      {
        name: "prompt-kit",
        version: "1.2.0",
        scope: "prod",
        direct: false,
        source: "git+https://github.com/acme/prompt-kit.git#3f1c2a9d8e7b6c5a4f3e2d1c0b9a8f7e6d5c4b3a",
      },
      { name: "zod", version: "3.25.42", scope: "prod", direct: false },
    ]);
  });

  it("reads a berry lockfile: npm: protocol, aliases, patches, git and links; skips workspaces", () => {
    expect(lockfile("berry.yarn.lock")).toEqual([
      { name: "@anthropic-ai/sdk", version: "0.52.0", scope: "prod", direct: false },
      { name: "@langchain/core", version: "0.3.57", scope: "prod", direct: false },
      // A project patch changes the package's code: reported beside the original it applies to.
      {
        name: "@mlc-ai/web-llm",
        version: "0.2.79",
        scope: "prod",
        direct: false,
        source: "patch:@mlc-ai/web-llm@npm%3A0.2.79#~/.yarn/patches/@mlc-ai-web-llm-npm-0.2.79-4f3a2b1c0d.patch",
      },
      { name: "@mlc-ai/web-llm", version: "0.2.79", scope: "prod", direct: false },
      { name: "langsmith", version: "0.3.29", scope: "prod", direct: false },
      { name: "local-utils", scope: "prod", direct: false, source: "link:../utils" },
      { name: "openai", version: "3.3.0", scope: "prod", direct: false },
      { name: "openai", version: "4.103.0", scope: "prod", direct: false },
      {
        name: "prompt-kit",
        version: "1.2.0",
        scope: "prod",
        direct: false,
        source: "https://github.com/acme/prompt-kit.git#commit=3f1c2a9d8e7b6c5a4f3e2d1c0b9a8f7e6d5c4b3a",
      },
      // yarn's built-in compatibility patch of typescript is not reported twice.
      { name: "typescript", version: "5.8.3", scope: "prod", direct: false },
    ]);
  });

  it("returns the dependencies of a project without AI packages", () => {
    expect(lockfile("no-ai.yarn.lock")).toEqual([
      { name: "accepts", version: "1.3.8", scope: "prod", direct: false },
      { name: "express", version: "4.21.2", scope: "prod", direct: false },
      { name: "mime-types", version: "2.1.35", scope: "prod", direct: false },
      { name: "negotiator", version: "0.6.3", scope: "prod", direct: false },
    ]);
  });

  it("reads a classic lockfile that lost its header", () => {
    const text = 'openai@^4.20.0:\n  version "4.20.0"\n  resolved "https://registry.yarnpkg.com/openai/-/openai-4.20.0.tgz"\n';
    expect(extract(text)).toEqual([{ name: "openai", version: "4.20.0", scope: "prod", direct: false }]);
  });

  it("drops credentials from a resolved URL", () => {
    const text =
      "# yarn lockfile v1\n\n\n" +
      'ml-kit@^1.0.0:\n  version "1.0.0"\n  resolved "https://ci:hunter2@npm.example.com/ml-kit/-/ml-kit-1.0.0.tgz"\n';
    expect(extract(text)).toEqual([
      {
        name: "ml-kit",
        version: "1.0.0",
        scope: "prod",
        direct: false,
        source: "https://npm.example.com/ml-kit/-/ml-kit-1.0.0.tgz",
      },
    ]);
  });

  it("returns nothing for an empty lockfile", () => {
    expect(extract("")).toEqual([]);
    expect(extract("# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n\n\n")).toEqual(
      [],
    );
    expect(extract("__metadata:\n  version: 8\n  cacheKey: 10c0\n")).toEqual([]);
  });

  describe("malformed files", () => {
    it("places a classic syntax error", () => {
      const err = parseError(manager, '# yarn lockfile v1\n\n\nopenai@^4:\n  version "4.0.0"\n<<<<<<< HEAD\n');
      expect(err.message).toMatch(/^Expected /);
      expect([err.line, err.column]).toEqual([6, 13]);
    });

    it("places a berry syntax error", () => {
      const err = parseError(
        manager,
        '__metadata:\n  version: 8\n\n"openai@npm:^4":\n  version: 4.0.0\n  resolution: "openai@npm:4.0.0"\n   checksum: x\n',
      );
      expect(err.message).toBe("bad indentation of a mapping entry");
      expect([err.line, err.column]).toEqual([7, 4]);
    });

    it("rejects text that is not a lockfile", () => {
      const err = parseError(manager, "this is not a lockfile");
      expect(err.message).toMatch(/^Expected /);
      expect(err.line).toBe(1);
    });

    it("places an entry without a version", () => {
      const err = parseError(manager, '__metadata:\n  version: 8\n\n"openai@npm:^4":\n  resolution: "openai@npm:4.0.0"\n');
      expect(err.message).toBe('entry "openai@npm:^4" has no "version"');
      expect(err.line).toBe(4);
    });

    it("rejects an entry key without a range", () => {
      const err = parseError(manager, '# yarn lockfile v1\n\n\nopenai:\n  version "4.0.0"\n');
      expect(err.message).toBe('entry "openai" does not start with name@range');
      expect(err.line).toBe(4);
    });
  });
});
