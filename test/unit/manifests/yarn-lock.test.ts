import { describe, expect, it } from "@jest/globals";
import { createAiPackageMatcher, loadAiPackageCatalogue } from "../../../src/detect/catalogue.js";
import { diffAiDependencies } from "../../../src/detect/dependency-diff.js";
import type { ManifestSnapshot } from "../../../src/detect/dependency-sightings.js";
import { manager as packageJson } from "../../../src/detect/manifests/npm-package-json/index.js";
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
        ranges: ["^1.4.0"],
      },
      // Two descriptors, one entry.
      { name: "@langchain/core", version: "0.3.57", scope: "prod", direct: false, ranges: [">=0.3.48 <0.4.0", "^0.3.57"] },
      { name: "@langchain/openai", version: "0.5.11", scope: "prod", direct: false, ranges: ["^0.5.11"] },
      { name: "js-tiktoken", version: "1.0.20", scope: "prod", direct: false, ranges: ["^1.0.12"] },
      { name: "langsmith", version: "0.3.29", scope: "prod", direct: false, ranges: ["^0.3.29"] },
      { name: "local-utils", version: "0.2.0", scope: "prod", direct: false, source: "file:../utils" },
      // "openai-v3@npm:openai@^3.3.0" installs openai.
      { name: "openai", version: "3.3.0", scope: "prod", direct: false, ranges: ["^3.3.0"] },
      { name: "openai", version: "4.103.0", scope: "prod", direct: false, ranges: ["^4.103.0"] },
      { name: "openai", version: "5.1.0", scope: "prod", direct: false, ranges: ["^5.1.0"] },
      {
        name: "prompt-kit",
        version: "1.2.0",
        scope: "prod",
        direct: false,
        source: "git+https://github.com/acme/prompt-kit.git#3f1c2a9d8e7b6c5a4f3e2d1c0b9a8f7e6d5c4b3a",
      },
      { name: "zod", version: "3.25.42", scope: "prod", direct: false, ranges: ["^3.22.4", "^3.25.32"] },
    ]);
  });

  it("reads a berry lockfile: npm: protocol, aliases, patches, git and links; skips workspaces; the root workspace's own are direct", () => {
    expect(lockfile("berry.yarn.lock")).toEqual([
      // Declared by a workspace member, not by the root.
      { name: "@anthropic-ai/sdk", version: "0.52.0", scope: "prod", direct: false, ranges: ["^0.52.0"] },
      { name: "@langchain/core", version: "0.3.57", scope: "prod", direct: true, ranges: [">=0.3.48 <0.4.0", "^0.3.57"] },
      // A project patch changes the package's code: reported beside the original it applies to.
      {
        name: "@mlc-ai/web-llm",
        version: "0.2.79",
        scope: "prod",
        direct: false,
        source: "patch:@mlc-ai/web-llm@npm%3A0.2.79#~/.yarn/patches/@mlc-ai-web-llm-npm-0.2.79-4f3a2b1c0d.patch",
      },
      { name: "@mlc-ai/web-llm", version: "0.2.79", scope: "prod", direct: false, ranges: ["0.2.79"] },
      { name: "langsmith", version: "0.3.29", scope: "prod", direct: false, ranges: ["^0.3.29"] },
      { name: "local-utils", scope: "prod", direct: true, source: "link:../utils" },
      // The root's alias "openai-v3": "npm:openai@^3.3.0".
      { name: "openai", version: "3.3.0", scope: "prod", direct: true, ranges: ["^3.3.0"] },
      { name: "openai", version: "4.103.0", scope: "prod", direct: true, ranges: ["^4.103.0"] },
      {
        name: "prompt-kit",
        version: "1.2.0",
        scope: "prod",
        direct: true,
        source: "https://github.com/acme/prompt-kit.git#commit=3f1c2a9d8e7b6c5a4f3e2d1c0b9a8f7e6d5c4b3a",
      },
      // yarn's built-in compatibility patch of typescript is not reported twice.
      { name: "typescript", version: "5.8.3", scope: "prod", direct: true, ranges: ["^5.8.3"] },
    ]);
  });

  it("returns the dependencies of a project without AI packages", () => {
    expect(lockfile("no-ai.yarn.lock")).toEqual([
      { name: "accepts", version: "1.3.8", scope: "prod", direct: false, ranges: ["~1.3.8"] },
      { name: "express", version: "4.21.2", scope: "prod", direct: false, ranges: ["^4.21.2"] },
      { name: "mime-types", version: "2.1.35", scope: "prod", direct: false, ranges: ["~2.1.34"] },
      { name: "negotiator", version: "0.6.3", scope: "prod", direct: false, ranges: ["0.6.3"] },
    ]);
  });

  it("reads a classic lockfile that lost its header", () => {
    const text = 'openai@^4.20.0:\n  version "4.20.0"\n  resolved "https://registry.yarnpkg.com/openai/-/openai-4.20.0.tgz"\n';
    expect(extract(text)).toEqual([{ name: "openai", version: "4.20.0", scope: "prod", direct: false, ranges: ["^4.20.0"] }]);
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
        ranges: ["^1.0.0"],
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

  describe("with package.json in the dependency diff", () => {
    const matcher = createAiPackageMatcher(loadAiPackageCatalogue());
    const entry = (descriptors: string, version: string) =>
      `"${descriptors}":\n  version: ${version}\n  resolution: "@langchain/openai@npm:${version}"\n  languageName: node\n  linkType: hard\n`;
    const berry = (declared: string | undefined, ...entries: string[]) =>
      "__metadata:\n  version: 8\n  cacheKey: 10c0\n\n" +
      entries.join("\n") +
      (declared === undefined
        ? ""
        : `\n"app@workspace:.":\n  version: 0.0.0-use.local\n  resolution: "app@workspace:."\n  dependencies:\n    "@langchain/openai": "npm:${declared}"\n    langchain: "npm:^1.0.0"\n  languageName: unknown\n  linkType: soft\n`);
    const pkg = (range: string) => JSON.stringify({ dependencies: { "@langchain/openai": range, langchain: "^1.0.0" } });
    const side = (range: string | undefined, lock: string, withManifest = true): ManifestSnapshot[] => [
      ...(withManifest && range !== undefined
        ? [{ path: "package.json", ecosystem: "npm" as const, kind: "manifest" as const, dependencies: packageJson.extract(pkg(range), "package.json").dependencies }]
        : []),
      { path: "yarn.lock", ecosystem: "npm", kind: "lockfile", dependencies: extract(lock) },
    ];
    // langchain-ai/langchain-nextjs-template 69faaa3: langchain 1.x brings its own @langchain/openai.
    const before = berry(
      "^0.4.9",
      entry("@langchain/openai@npm:^0.4.9", "0.4.9"),
      entry("@langchain/openai@npm:^1.2.0", "1.2.10"),
    );
    const after = berry("^1.5.8", entry("@langchain/openai@npm:^1.2.0, @langchain/openai@npm:^1.5.8", "1.5.8"));

    it.each([
      ["with package.json", true],
      ["yarn.lock alone", false],
    ])("reports @langchain/openai 0.4.9 → 1.5.8 as major (%s)", (_label, withManifest) => {
      const changes = diffAiDependencies(side("^0.4.9", before, withManifest), side("^1.5.8", after, withManifest), matcher);
      expect(changes.filter((c) => c.name === "@langchain/openai")).toEqual([
        expect.objectContaining({ change: "upgraded", from: "0.4.9", to: "1.5.8", bump: "major", direct: true }),
      ]);
    });

    it("matches a classic lockfile's descriptors against package.json's range", () => {
      const classic = (range: string, version: string, other: string) =>
        `# yarn lockfile v1\n\n\n"@langchain/openai@${range}":\n  version "${version}"\n\n"@langchain/openai@^1.2.0":\n  version "${other}"\n`;
      const changes = diffAiDependencies(
        side("^0.4.9", classic("^0.4.9", "0.4.9", "1.2.10")),
        side("^0.4.9", classic("^0.4.9", "0.4.12", "1.2.10")),
        matcher,
      );
      expect(changes).toEqual([expect.objectContaining({ change: "upgraded", from: "0.4.9", to: "0.4.12", bump: "patch" })]);
    });
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
