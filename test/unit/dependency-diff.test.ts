import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { createAiPackageMatcher, loadAiPackageCatalogue, packageKey } from "../../src/detect/catalogue.js";
import { compareVersions } from "../../src/detect/versioning/index.js";
import { diffAiDependencies } from "../../src/detect/dependency-diff.js";
import type { ManifestSnapshot } from "../../src/detect/dependency-sightings.js";
import type { Dependency, Ecosystem } from "../../src/detect/manifests/types.js";
import type { DependencyChange } from "../../src/detect/types.js";
import { describeDependency } from "../../src/render/check.js";

const matcher = createAiPackageMatcher(loadAiPackageCatalogue());

function dep(name: string, version?: string, more: Partial<Dependency> = {}): Dependency {
  return { name, ...(version !== undefined ? { version } : {}), scope: "prod", direct: true, ...more };
}

function manifest(path: string, ecosystem: Ecosystem, dependencies: Dependency[], previousPath?: string): ManifestSnapshot {
  return { path, ecosystem, kind: "manifest", dependencies, ...(previousPath ? { previousPath } : {}) };
}

function lockfile(path: string, ecosystem: Ecosystem, dependencies: Dependency[], previousPath?: string): ManifestSnapshot {
  return { path, ecosystem, kind: "lockfile", dependencies, ...(previousPath ? { previousPath } : {}) };
}

const diff = (base: ManifestSnapshot[], head: ManifestSnapshot[]) => diffAiDependencies(base, head, matcher);

describe("diffAiDependencies", () => {
  it("reports an added AI package with its catalogue facts", () => {
    const changes = diff(
      [manifest("package.json", "npm", [dep("react", "^18.0.0")])],
      [manifest("package.json", "npm", [dep("react", "^18.0.0"), dep("openai", "^4.52.0")])],
    );
    expect(changes).toEqual([
      {
        ecosystem: "npm",
        name: "openai",
        kind: "llm-api",
        supplier: "OpenAI",
        change: "added",
        to: "^4.52.0",
        direct: true,
        scope: "prod",
        manifests: ["package.json"],
      },
    ]);
  });

  it("reports a removed package, and a project whose manifest was deleted", () => {
    const changes = diff(
      [
        manifest("requirements.txt", "pypi", [dep("anthropic", "==0.30.0"), dep("requests", "==2.32.0")]),
        manifest("tools/requirements.txt", "pypi", [dep("langchain-openai", ">=0.1")]),
      ],
      [manifest("requirements.txt", "pypi", [dep("requests", "==2.32.0")])],
    );
    expect(changes.map((c) => [c.name, c.change, c.from, c.manifests])).toEqual([
      ["anthropic", "removed", "==0.30.0", ["requirements.txt"]],
      ["langchain-openai", "removed", ">=0.1", ["tools/requirements.txt"]],
    ]);
  });

  it.each([
    ["npm", "openai", "4.52.0", "5.0.0", "upgraded", "major"],
    ["pypi", "torch", "==2.1.0", "==2.2.0", "upgraded", "minor"],
    ["cargo", "async-openai", "0.23.1", "0.23.2", "upgraded", "patch"],
    ["npm", "ai", "4.0.0-beta.1", "4.0.0-beta.2", "upgraded", "prerelease"],
    ["pypi", "transformers", "4.41.0", "4.40.2", "downgraded", "minor"],
    ["maven", "dev.langchain4j:langchain4j", "1.0.0-beta3", "1.0.0", "upgraded", "prerelease"],
    ["nuget", "Microsoft.ML", "3.0.0.1", "3.0.0.2", "upgraded", "patch"],
    ["docker", "ollama/ollama", "0.3.12", "0.1.0", "downgraded", "minor"],
    ["docker", "pytorch/pytorch", "latest", "2.3.1-cuda12.1-cudnn8-runtime", "upgraded", "other"],
    ["github-actions", "actions/ai-inference", "v1", "v2.0.1", "upgraded", "major"],
  ] as const)("%s %s %s → %s is %s (%s)", (ecosystem, name, from, to, change, bump) => {
    const changes = diff(
      [manifest("x/m", ecosystem, [dep(name, from)])],
      [manifest("x/m", ecosystem, [dep(name, to)])],
    );
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ name, change, from, to, bump });
  });

  it("reports a Go major upgrade across the /vN module rename as one upgrade", () => {
    const changes = diff(
      [manifest("go.mod", "go", [dep("github.com/openai/openai-go/v2", "v2.7.1")])],
      [manifest("go.mod", "go", [dep("github.com/openai/openai-go/v3", "v3.0.0")])],
    );
    expect(changes).toEqual([
      expect.objectContaining({
        name: "github.com/openai/openai-go/v3",
        change: "upgraded",
        from: "v2.7.1",
        to: "v3.0.0",
        bump: "major",
      }),
    ]);
  });

  it("reports a changed source, with the versions for context", () => {
    const changes = diff(
      [manifest("Cargo.toml", "cargo", [dep("candle-core", "0.6.0")])],
      [manifest("Cargo.toml", "cargo", [dep("candle-core", "0.6.0", { source: "git+https://github.com/acme/candle" })])],
    );
    expect(changes).toEqual([
      expect.objectContaining({
        name: "candle-core",
        change: "source-changed",
        from: "0.6.0",
        to: "0.6.0",
        toSource: "git+https://github.com/acme/candle",
      }),
    ]);
    expect(changes[0]).not.toHaveProperty("bump");
    expect(changes[0]).not.toHaveProperty("fromSource");
  });

  it("keeps both sources on an upgrade that also moves source", () => {
    const [c] = diff(
      [manifest("m", "pypi", [dep("vllm", "==0.5.0", { source: "https://pypi.acme.internal/simple" })])],
      [manifest("m", "pypi", [dep("vllm", "==0.6.0")])],
    );
    expect(c).toMatchObject({ change: "upgraded", bump: "minor", fromSource: "https://pypi.acme.internal/simple" });
    expect(c).not.toHaveProperty("toSource");
  });

  it("marks a package only a lockfile brings in as transitive", () => {
    const changes = diff(
      [lockfile("package-lock.json", "npm", [dep("express", "4.19.2", { direct: false })])],
      [
        lockfile("package-lock.json", "npm", [
          dep("express", "4.19.2", { direct: false }),
          dep("@langchain/core", "0.2.18", { direct: false }),
        ]),
      ],
    );
    expect(changes).toEqual([
      expect.objectContaining({ name: "@langchain/core", change: "added", to: "0.2.18", direct: false }),
    ]);
  });

  it("reports a package in both manifest and lockfile once, with the resolved version", () => {
    const changes = diff(
      [manifest("web/package.json", "npm", [dep("react", "^18.0.0")]), lockfile("web/package-lock.json", "npm", [])],
      [
        manifest("web/package.json", "npm", [dep("react", "^18.0.0"), dep("openai", "^4.52.0", { scope: "dev" })]),
        lockfile("web/package-lock.json", "npm", [dep("openai", "4.56.0", { direct: false, scope: "prod" })]),
      ],
    );
    expect(changes).toEqual([
      expect.objectContaining({
        name: "openai",
        change: "added",
        to: "4.56.0",
        direct: true,
        scope: "dev",
        manifests: ["web/package-lock.json", "web/package.json"],
      }),
    ]);
  });

  it("takes the direct, then the highest, of several lockfile copies whatever their order", () => {
    const copies = [
      dep("openai", "3.3.0", { direct: false }),
      dep("openai", "4.56.0", { direct: false }),
      dep("openai", "4.10.0", { direct: false }),
      dep("openai", "latest", { direct: false }),
    ];
    const one = diff([], [lockfile("package-lock.json", "npm", copies)]);
    const other = diff([], [lockfile("package-lock.json", "npm", [...copies].reverse())]);
    expect(one[0]?.to).toBe("4.56.0");
    expect(other).toEqual(one);
    const direct = diff([], [lockfile("package-lock.json", "npm", [...copies, dep("openai", "4.1.0")])]);
    expect(direct[0]).toMatchObject({ to: "4.1.0", direct: true });
  });

  it("compares a renamed manifest with its old self, even in another folder", () => {
    const base = [manifest("services/a/requirements.txt", "pypi", [dep("torch", "==2.1.0"), dep("openai", "==1.30.0")])];
    const moved = [
      manifest("services/b/requirements.txt", "pypi", [dep("torch", "==2.1.0"), dep("openai", "==1.35.0")], "services/a/requirements.txt"),
    ];
    expect(diff(base, moved)).toEqual([
      expect.objectContaining({
        name: "openai",
        change: "upgraded",
        bump: "minor",
        manifests: ["services/b/requirements.txt"],
      }),
    ]);
    const renamed = [manifest("services/a/requirements-prod.txt", "pypi", base[0]!.dependencies, "services/a/requirements.txt")];
    expect(diff(base, renamed)).toEqual([]);
  });

  it("moves the lockfile beside a moved manifest into the same project", () => {
    const changes = diff(
      [manifest("old/package.json", "npm", [dep("openai", "^4.0.0")]), lockfile("old/package-lock.json", "npm", [dep("openai", "4.1.0")])],
      [
        manifest("new/package.json", "npm", [dep("openai", "^4.0.0")], "old/package.json"),
        lockfile("new/package-lock.json", "npm", [dep("openai", "4.2.0")]),
      ],
    );
    expect(changes).toEqual([expect.objectContaining({ name: "openai", change: "upgraded", from: "4.1.0", to: "4.2.0" })]);
  });

  it("treats each folder of a monorepo as its own project", () => {
    const changes = diff(
      [
        manifest("packages/a/package.json", "npm", [dep("openai", "^4.0.0")]),
        manifest("packages/b/package.json", "npm", []),
      ],
      [
        manifest("packages/a/package.json", "npm", []),
        manifest("packages/b/package.json", "npm", [dep("openai", "^4.0.0")]),
      ],
    );
    expect(changes.map((c) => [c.name, c.change, c.manifests[0]])).toEqual([
      ["openai", "removed", "packages/a/package.json"],
      ["openai", "added", "packages/b/package.json"],
    ]);
  });

  it("keeps ecosystems apart even in one folder", () => {
    const changes = diff(
      [manifest("package.json", "npm", [dep("openai", "4.0.0")])],
      [manifest("package.json", "npm", []), manifest("requirements.txt", "pypi", [dep("openai", "==1.0.0")])],
    );
    expect(changes.map((c) => [c.ecosystem, c.change])).toEqual([
      ["npm", "removed"],
      ["pypi", "added"],
    ]);
  });

  it("reports nothing for non-AI changes, equal versions or an npm side without a version", () => {
    expect(
      diff(
        [manifest("package.json", "npm", [dep("react", "^17.0.0"), dep("openai", "^4.2.0"), dep("ai")])],
        [manifest("package.json", "npm", [dep("react", "^18.0.0"), dep("lodash", "4.17.21"), dep("openai", "^4.2"), dep("ai", "4.0.0")])],
      ),
    ).toEqual([]);
    expect(diff([manifest("r.txt", "pypi", [dep("torch", "==2.1")])], [manifest("r.txt", "pypi", [dep("Torch", "==2.1.0")])])).toEqual([]);
    expect(diff([], [])).toEqual([]);
  });

  it("carries the catalogue note of biometric packages", () => {
    const [c] = diff([], [manifest("requirements.txt", "pypi", [dep("face_recognition", "==1.3.0")])]);
    expect(c).toMatchObject({ kind: "biometric", name: "face_recognition" });
    expect(c?.note).toMatch(/EU AI Act/);
  });

  it("orders changes by ecosystem, then name", () => {
    const changes = diff(
      [],
      [
        manifest("requirements.txt", "pypi", [dep("torch", "==2.1.0"), dep("anthropic", "==0.30.0")]),
        manifest("package.json", "npm", [dep("openai", "4.0.0"), dep("@anthropic-ai/sdk", "0.20.0")]),
        manifest("go.mod", "go", [dep("github.com/tmc/langchaingo", "v0.1.0")]),
      ],
    );
    expect(changes.map((c) => `${c.ecosystem}:${c.name}`)).toEqual([
      "go:github.com/tmc/langchaingo",
      "npm:@anthropic-ai/sdk",
      "npm:openai",
      "pypi:anthropic",
      "pypi:torch",
    ]);
  });

  it("applies repository extras and ignores through the matcher", () => {
    const custom = createAiPackageMatcher(loadAiPackageCatalogue(), {
      extra: [{ ecosystem: "npm", name: "@acme/llm", kind: "llm-api", supplier: "Acme" }],
      ignore: ["npm:openai"],
    });
    const changes = diffAiDependencies(
      [],
      [manifest("package.json", "npm", [dep("openai", "4.0.0"), dep("@acme/llm", "1.0.0")])],
      custom,
    );
    expect(changes.map((c) => c.name)).toEqual(["@acme/llm"]);
  });

  describe("which lockfile copy stands for a declared package", () => {
    // langchain-ai/langchain-nextjs-template 69faaa3: @langchain/openai 0.4.9 → 1.5.8 was reported as 1.2.10 → 1.5.8 (minor).
    it("takes the copy whose descriptor matches the manifest's range, so a major bump reads as major", () => {
      const changes = diff(
        [
          manifest("package.json", "npm", [dep("@langchain/openai", "^0.4.9")]),
          lockfile("yarn.lock", "npm", [
            dep("@langchain/openai", "0.4.9", { direct: false, ranges: ["^0.4.9"] }),
            dep("@langchain/openai", "1.2.10", { direct: false, ranges: ["^1.2.0"] }),
          ]),
        ],
        [
          manifest("package.json", "npm", [dep("@langchain/openai", "^1.5.8")]),
          lockfile("yarn.lock", "npm", [dep("@langchain/openai", "1.5.8", { direct: false, ranges: ["^1.2.0", "^1.5.8"] })]),
        ],
      );
      expect(changes).toEqual([
        expect.objectContaining({ name: "@langchain/openai", change: "upgraded", from: "0.4.9", to: "1.5.8", bump: "major", direct: true }),
      ]);
    });

    it("without descriptors (package-lock v1), takes the copy that satisfies the manifest's range", () => {
      const side = (top: string) => [
        manifest("package.json", "npm", [dep("openai", "^3.0.0")]),
        lockfile("package-lock.json", "npm", [dep("openai", top, { direct: false }), dep("openai", "4.56.0", { direct: false })]),
      ];
      expect(diff(side("3.3.0"), side("3.4.0"))).toEqual([
        expect.objectContaining({ name: "openai", change: "upgraded", from: "3.3.0", to: "3.4.0", bump: "minor" }),
      ]);
    });

    it("compares like with like when the lockfile changed alone", () => {
      const copies = (ours: string, theirs: string) => [
        lockfile("yarn.lock", "npm", [
          dep("@langchain/openai", ours, { direct: false, ranges: ["^0.4.9"] }),
          dep("@langchain/openai", theirs, { direct: false, ranges: ["^1.2.0"] }),
        ]),
      ];
      expect(diff(copies("0.4.9", "1.2.10"), copies("0.4.12", "1.2.10"))).toEqual([
        expect.objectContaining({ change: "upgraded", from: "0.4.9", to: "0.4.12", bump: "patch" }),
      ]);
      expect(diff(copies("0.4.9", "1.2.10"), copies("0.4.9", "1.5.8"))).toEqual([
        expect.objectContaining({ change: "upgraded", from: "1.2.10", to: "1.5.8", bump: "minor" }),
      ]);
      // A second copy for another range is not a version change of the first.
      const one = [lockfile("yarn.lock", "npm", [dep("@langchain/openai", "0.4.9", { direct: false, ranges: ["^0.4.9"] })])];
      expect(diff(one, copies("0.4.9", "1.5.8"))).toEqual([]);
    });
  });

  describe("constraints", () => {
    it("keeps a constraint with only an upper bound a range, not a version", () => {
      const changes = diff(
        [manifest("requirements.txt", "pypi", [dep("openai", "<1.100.0")])],
        [manifest("requirements.txt", "pypi", [dep("openai", ">=1.0,<2.0")])],
      );
      expect(changes).toEqual([expect.objectContaining({ change: "constraint-changed", from: "<1.100.0", to: ">=1.0,<2.0" })]);
      expect(changes[0]).not.toHaveProperty("bump");
      expect(compareVersions("pypi", "<1.100.0", "1.99.0").bump).toBe("other");
    });

    it.each([
      ["pypi", "vllm", undefined, ">=0.10.2"],
      ["pypi", "huggingface-hub", ">=0.31.2,<1.0.0", ">=0.31.2"],
      ["pypi", "transformers", undefined, "<4.54.0"],
      ["pypi", "transformers", "<4.54.0", undefined],
      ["pypi", "torch", "==2.1.0", ">=2.1.0"],
      ["pypi", "torch", ">=2.1", "~=2.1"],
      ["npm", "openai", "^4.0.0", ">=4.0.0"],
      ["npm", "openai", "^4.2.0", "~4.2.0"],
    ] as const)("%s %s %s → %s is a constraint change", (ecosystem, name, from, to) => {
      const changes = diff([manifest("x/m", ecosystem, [dep(name, from)])], [manifest("x/m", ecosystem, [dep(name, to)])]);
      expect(changes).toHaveLength(1);
      expect(changes[0]).toMatchObject({ name, change: "constraint-changed" });
      expect(changes[0]?.from).toBe(from);
      expect(changes[0]?.to).toBe(to);
    });

    it.each([
      ["pypi", ">=2.0,<3", "<3, >=2.0"],
      ["pypi", "==2.1", "2.1.0"],
      ["pypi", ">=1.0", ">=1.0.0"],
      ["npm", "^1.2.0", "^1.2"],
    ] as const)("%s %s and %s are one constraint", (ecosystem, from, to) => {
      const name = ecosystem === "npm" ? "openai" : "torch";
      expect(diff([manifest("m", ecosystem, [dep(name, from)])], [manifest("m", ecosystem, [dep(name, to)])])).toEqual([]);
    });

    it("reports a moved constraint when the locked version stayed, and only the version when it moved", () => {
      const side = (constraint: string, locked: string) => [
        manifest("pyproject.toml", "pypi", [dep("huggingface-hub", constraint, { scope: "optional", group: "hub" })]),
        lockfile("uv.lock", "pypi", [dep("huggingface-hub", locked, { direct: false })]),
      ];
      const [c, ...rest] = diff(side(">=0.31.2,<1.0.0", "0.36.0"), side(">=0.31.2", "0.36.0"));
      expect(rest).toEqual([]);
      expect(c).toMatchObject({ change: "constraint-changed", from: ">=0.31.2,<1.0.0", to: ">=0.31.2", scope: "optional", group: "hub" });
      expect(describeDependency(c!)).toBe(
        '`huggingface-hub` >=0.31.2,&lt;1.0.0 → >=0.31.2 (constraint changed, direct, optional group "hub", pypi, supplier Hugging Face, model-hub)',
      );
      expect(diff(side(">=0.31.2,<1.0.0", "0.36.0"), side(">=0.31.2", "1.0.1"))).toEqual([
        expect.objectContaining({ change: "upgraded", from: "0.36.0", to: "1.0.1", bump: "major" }),
      ]);
    });

    it("compares each optional group with itself: a pin dropped in one is not a downgrade in another", () => {
      const base = [
        manifest("pyproject.toml", "pypi", [
          dep("torch", "2.1.0", { scope: "optional", group: "gpu" }),
          dep("torch", "2.0.0", { scope: "optional", group: "cpu" }),
        ]),
      ];
      const unpinned = [
        manifest("pyproject.toml", "pypi", [
          dep("torch", undefined, { scope: "optional", group: "gpu" }),
          dep("torch", "2.0.0", { scope: "optional", group: "cpu" }),
        ]),
      ];
      expect(diff(base, unpinned)).toEqual([
        expect.objectContaining({ change: "constraint-changed", from: "2.1.0", group: "gpu", scope: "optional" }),
      ]);
      expect(diff(base, unpinned)[0]).not.toHaveProperty("to");
      const dropped = [manifest("pyproject.toml", "pypi", [dep("torch", "2.0.0", { scope: "optional", group: "cpu" })])];
      expect(diff(base, dropped)).toEqual([]);
      const bumped = [
        manifest("pyproject.toml", "pypi", [
          dep("torch", "2.2.0", { scope: "optional", group: "gpu" }),
          dep("torch", "2.0.0", { scope: "optional", group: "cpu" }),
        ]),
      ];
      expect(diff(base, bumped)).toEqual([
        expect.objectContaining({ change: "upgraded", from: "2.1.0", to: "2.2.0", bump: "minor", group: "gpu" }),
      ]);
    });
  });

  describe("scope", () => {
    it("reports an AI SDK moved from devDependencies to dependencies", () => {
      const changes = diff(
        [manifest("package.json", "npm", [dep("openai", "^4.52.0", { scope: "dev" })])],
        [manifest("package.json", "npm", [dep("openai", "^4.52.0")])],
      );
      expect(changes).toEqual([
        expect.objectContaining({ name: "openai", change: "scope-changed", fromScope: "dev", scope: "prod", from: "^4.52.0", to: "^4.52.0" }),
      ]);
      expect(describeDependency(changes[0]!)).toBe("`openai` scope dev → prod (direct, npm, supplier OpenAI, llm-api)");
    });

    it("keeps the scope move on a version change made in the same pull request", () => {
      const [c, ...rest] = diff(
        [manifest("package.json", "npm", [dep("openai", "^4.52.0", { scope: "dev" })])],
        [manifest("package.json", "npm", [dep("openai", "^5.1.0")])],
      );
      expect(rest).toEqual([]);
      expect(c).toMatchObject({ change: "upgraded", bump: "major", fromScope: "dev", scope: "prod" });
      expect(describeDependency(c!)).toBe("`openai` ^4.52.0 → ^5.1.0 (major, direct, dev → prod, npm, supplier OpenAI, llm-api)");
    });

    it("reports a package moved from a dev group to the project's dependencies", () => {
      const changes = diff(
        [manifest("pyproject.toml", "pypi", [dep("anthropic", ">=0.40", { scope: "dev", group: "eval" })])],
        [manifest("pyproject.toml", "pypi", [dep("anthropic", ">=0.40")])],
      );
      expect(changes).toEqual([expect.objectContaining({ change: "scope-changed", fromScope: "dev", scope: "prod" })]);
    });
  });

  it("handles lockfiles of tens of thousands of packages", () => {
    const big = (aiVersion: string): ManifestSnapshot[] => [
      lockfile("package-lock.json", "npm", [
        ...Array.from({ length: 30_000 }, (_, i) => dep(`pkg-${i}`, `1.${i % 50}.0`, { direct: false })),
        dep("openai", aiVersion, { direct: false }),
      ]),
    ];
    expect(diff(big("4.0.0"), big("4.0.0"))).toEqual([]);
    expect(diff(big("4.0.0"), big("4.1.0"))).toEqual([
      expect.objectContaining({ name: "openai", change: "upgraded", bump: "minor" }),
    ]);
  });
});

describe("compareVersions", () => {
  it.each([
    ["pypi", "1.0rc1", "1.0", -1, "prerelease"],
    ["pypi", "1.0.dev1", "1.0a1", -1, "prerelease"],
    ["pypi", "1.0.post1", "1.0", 1, "patch"],
    ["pypi", "1!1.0", "2.0", 1, "other"],
    ["pypi", "2.3.1+cu121", "2.3.1+cpu", 1, "other"],
    ["pypi", ">=2.0,<3", "==2.1.0", -1, "minor"],
    ["pypi", "<3,>=2.0", "~=2.0.1", -1, "patch"],
    ["npm", "^1.2.3", "1.10.0", -1, "minor"],
    ["go", "v0.0.0-20240101120000-abcdef123456", "v0.1.0", -1, "minor"],
    ["maven", "1.0.0-M6", "1.0.0-RC1", -1, "prerelease"],
    ["nuget", "[1.0,2.0)", "1.5.0", -1, "minor"],
    ["github-actions", "8e5e7e5ab8b370d6c329ec480221332ada57f0ab", "v4", -1, "other"],
    ["npm", "github:openai/openai-node#main", "4.0.0", -1, "other"],
    ["docker", "2.3.1-cuda12.1-cudnn8-runtime", "2.3.1-cpu", 1, "other"],
  ] as const)("%s %s vs %s", (ecosystem, a, b, order, bump) => {
    const forward = compareVersions(ecosystem, a, b);
    expect(Math.sign(forward.order)).toBe(order);
    expect(forward.bump).toBe(bump);
    const backward = compareVersions(ecosystem, b, a);
    expect(Math.sign(backward.order)).toBe(-order);
    expect(backward.bump).toBe(bump);
  });

  it("treats spellings of one version as equal", () => {
    expect(compareVersions("pypi", "1.0", "1.0.0").order).toBe(0);
    expect(compareVersions("npm", "^1.2.0", "~1.2.0").order).toBe(0);
    expect(compareVersions("nuget", "8.0", "8.0.0.0").order).toBe(0);
  });
});

// ── properties ──────────────────────────────────────────────────────────────

const NAMES: Partial<Record<Ecosystem, string[]>> = {
  npm: ["openai", "@langchain/core", "langchain", "@ai-sdk/openai", "react", "left-pad"],
  pypi: ["torch", "Torch", "langchain-openai", "langchain_openai", "transformers", "requests", "numpy"],
  go: ["github.com/openai/openai-go", "github.com/openai/openai-go/v2", "github.com/openai/openai-go/v3", "github.com/pkg/errors"],
  docker: ["pytorch/pytorch", "docker.io/pytorch/pytorch", "ollama/ollama", "python"],
  maven: ["dev.langchain4j:langchain4j", "org.springframework.ai:spring-ai-core", "org.slf4j:slf4j-api"],
  nuget: ["OpenAI", "openai", "Microsoft.ML", "Newtonsoft.Json"],
};
const ECOS = Object.keys(NAMES) as Ecosystem[];
const VERSIONS = [
  "1.0.0", "1.2.0", "2.0.0", "1.0", "^1.2.3", "~1.2.0", "==2.1.0", ">=2.0,<3", "1.0.0-beta.1", "v1.2.3",
  "latest", "main", "8e5e7e5ab8b3", "2.3.1+cu121", "2.3.1+cpu", "1.0.0.1", "1.0rc1", "[1.0,2.0)",
];
const SOURCES = ["git+https://example.test/x.git", "https://pypi.example.test/simple", "../local"];

const dependencyArb = (ecosystem: Ecosystem): fc.Arbitrary<Dependency> =>
  fc
    .record({
      name: fc.constantFrom(...NAMES[ecosystem]!),
      version: fc.option(fc.constantFrom(...VERSIONS), { nil: undefined }),
      source: fc.option(fc.constantFrom(...SOURCES), { nil: undefined, freq: 4 }),
      scope: fc.constantFrom("prod", "dev", "optional"),
      direct: fc.boolean(),
      group: fc.option(fc.constantFrom("hub", "eval"), { nil: undefined, freq: 3 }),
      ranges: fc.option(fc.uniqueArray(fc.constantFrom("^1.0.0", "^2.0.0", ">=1 <3"), { minLength: 1, maxLength: 2 }), {
        nil: undefined,
        freq: 3,
      }),
    })
    .map((d) => {
      const out: Dependency = { name: d.name, scope: d.scope, direct: d.direct };
      if (d.version !== undefined) out.version = d.version;
      if (d.source !== undefined) out.source = d.source;
      if (d.group !== undefined) out.group = d.group;
      if (d.ranges !== undefined) out.ranges = d.ranges;
      return out;
    });

const snapshotArb: fc.Arbitrary<ManifestSnapshot> = fc
  .record({
    ecosystem: fc.constantFrom(...ECOS),
    dir: fc.constantFrom("", "a/", "a/b/"),
    kind: fc.constantFrom("manifest" as const, "lockfile" as const),
  })
  .chain(({ ecosystem, dir, kind }) =>
    fc.array(dependencyArb(ecosystem), { maxLength: 6 }).map((dependencies) => ({
      path: `${dir}${kind}.${ecosystem}`,
      ecosystem,
      kind,
      dependencies,
    })),
  );

const sideArb = fc.uniqueArray(snapshotArb, { maxLength: 6, selector: (s) => s.path });

const FLIP: Record<DependencyChange["change"], DependencyChange["change"]> = {
  added: "removed",
  removed: "added",
  upgraded: "downgraded",
  downgraded: "upgraded",
  "source-changed": "source-changed",
  "constraint-changed": "constraint-changed",
  "scope-changed": "scope-changed",
};

/** What must be mirrored when base and head swap; where a change was read from may differ. */
function essence(changes: DependencyChange[], flip: boolean): string[] {
  return changes
    .map((c) =>
      JSON.stringify([
        c.ecosystem,
        packageKey(c.ecosystem, c.name),
        flip ? FLIP[c.change] : c.change,
        flip ? c.to : c.from,
        flip ? c.from : c.to,
        c.bump,
        flip ? c.toSource : c.fromSource,
        flip ? c.fromSource : c.toSource,
      ]),
    )
    .sort();
}

function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe("diffAiDependencies properties", () => {
  it("finds nothing between a side and itself", () => {
    fc.assert(fc.property(sideArb, (side) => diff(side, side).length === 0), { numRuns: 300 });
  });

  it("mirrors added/removed and upgraded/downgraded when base and head swap", () => {
    fc.assert(
      fc.property(sideArb, sideArb, (base, head) => {
        expect(essence(diff(head, base), true)).toEqual(essence(diff(base, head), false));
      }),
      { numRuns: 300 },
    );
  });

  it("does not depend on the order of snapshots or dependencies", () => {
    fc.assert(
      fc.property(sideArb, sideArb, fc.integer(), (base, head, seed) => {
        const scramble = (side: ManifestSnapshot[]) =>
          shuffle(side, seed).map((s, i) => ({ ...s, dependencies: shuffle(s.dependencies, seed + i) }));
        expect(diff(scramble(base), scramble(head))).toEqual(diff(base, head));
      }),
      { numRuns: 200 },
    );
  });
});
