import { describe, expect, it } from "@jest/globals";
import { minimatch } from "minimatch";
import { managerFor, MANAGERS } from "../../src/detect/manifests/index.js";

/** The plain definition managerFor must agree with: the first manager with a matching pattern. */
const reference = (path: string) => MANAGERS.find((m) => m.filePatterns.some((p) => minimatch(path, p, { dot: true })));

const NAMES = [
  "package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock", "requirements.txt",
  "dev-requirements.txt", "requirements-dev.in", "base.txt", "pyproject.toml", "poetry.lock", "uv.lock", "Pipfile", "Pipfile.lock",
  "environment.yml", "conda.yaml", "setup.cfg", "go.mod", "go.sum", "Cargo.toml", "Cargo.lock", "pom.xml", "build.gradle",
  "build.gradle.kts", "libs.versions.toml", "App.csproj", "Directory.Packages.props", "packages.config", "Dockerfile",
  "Dockerfile.gpu", "Dockerfile.dockerignore", "api.Dockerfile", "Containerfile", "ci.yml", "action.yml", "action.yaml",
  "README.md", "index.ts", "model.onnx", "package.json.bak", ".package.json",
];
const DIRS = ["", "a/", "a/b/", "a/b/c/d/e/f/g/h/", "node_modules/x/", "a/node_modules/y/", "requirements/", "gradle/", ".github/workflows/", ".github/"];

describe("managerFor (name prefilter)", () => {
  it.each(DIRS.map((d) => [d || "(root)", d]))("agrees with full pattern matching under %s", (_label, dir) => {
    for (const name of NAMES) {
      const path = `${dir}${name}`;
      expect([path, managerFor(path)?.id]).toEqual([path, reference(path)?.id]);
    }
  });

  it("agrees on deeply nested package manifests beyond the folder depth npm patterns allow", () => {
    for (let depth = 0; depth <= 14; depth++) {
      const path = `${"p/".repeat(depth)}package.json`;
      expect([path, managerFor(path)?.id]).toEqual([path, reference(path)?.id]);
    }
  });
});
