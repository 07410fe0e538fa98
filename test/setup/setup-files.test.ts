import { afterAll, describe, expect, it } from "@jest/globals";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { minimatch } from "minimatch";
import { parse } from "yaml";
// @ts-expect-error plain ESM script without type declarations
import { staleInputs } from "../../scripts/build-if-changed.mjs";

const root = new URL("../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");

/** Docker's rule: the last matching line of .dockerignore decides; `!` re-includes. */
function ignoredByDocker(path: string, lines: string[]): boolean {
  let ignored = false;
  for (const line of lines) {
    const negated = line.startsWith("!");
    const pattern = (negated ? line.slice(1) : line).replace(/\/$/, "");
    if (minimatch(path, pattern, { dot: true }) || minimatch(path, `${pattern}/**`, { dot: true })) ignored = !negated;
  }
  return ignored;
}

describe("set-up files", () => {
  const dockerignore = read(".dockerignore")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));

  it("keeps credentials, local builds and dependencies out of the Docker build context", () => {
    for (const path of [".env", "app.pem", "private-key.pem", "node_modules/x/index.js", "lib/server.js", ".git/config", "test/e2e/server.test.ts", "scratch/a"]) {
      expect([path, ignoredByDocker(path, dockerignore)]).toEqual([path, true]);
    }
  });

  it("lets every file the Dockerfile copies into the build context", () => {
    const dockerfile = read("Dockerfile");
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(sources).toEqual(expect.arrayContaining(["package.json", "src", "policies", "app.yml", "LICENSE"]));
    for (const source of sources) expect([source, ignoredByDocker(source === "src" || source === "policies" ? `${source}/a.ts` : source, dockerignore)]).toEqual([source, false]);
  });

  it("checks the container's health on Probot's /ping", () => {
    expect(read("Dockerfile")).toMatch(/^HEALTHCHECK .*\n?.*\/ping/m);
  });

  it("registers no placeholder webhook: Probot's setup page then supplies a reachable one", () => {
    const manifest = parse(read("app.yml")) as Record<string, unknown>;
    expect(manifest.hook_attributes).toBeUndefined();
    expect(read("app.yml")).not.toMatch(/example\.com/);
  });

  it("ships the Apache-2.0 licence text that package.json names", () => {
    expect(JSON.parse(read("package.json")).license).toBe("Apache-2.0");
    const licence = read("LICENSE");
    expect(licence).toMatch(/^\s+Apache License\n\s+Version 2\.0, January 2004/);
    expect(licence).toContain("END OF TERMS AND CONDITIONS");
  });
});

describe("npm start builds only when sources changed", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  function project(): string {
    const dir = mkdtempSync(join(tmpdir(), "aims-build-"));
    dirs.push(dir);
    mkdirSync(join(dir, "src/cli"), { recursive: true });
    writeFileSync(join(dir, "src/app.ts"), "export {};\n");
    writeFileSync(join(dir, "src/cli/main.ts"), "export {};\n");
    writeFileSync(join(dir, "tsconfig.json"), "{}\n");
    return dir;
  }
  const at = (path: string, seconds: number) => utimesSync(path, seconds, seconds);

  it("builds everything when there is no build yet", () => {
    expect((staleInputs(project()) as string[]).sort()).toEqual(["src/app.ts", "src/cli/main.ts", "tsconfig.json"]);
  });

  it("builds nothing when the last build is newer than every input, and names a changed one", () => {
    const dir = project();
    mkdirSync(join(dir, "lib"));
    writeFileSync(join(dir, "lib/.tsbuildinfo"), "{}");
    for (const p of ["src/app.ts", "src/cli/main.ts", "tsconfig.json"]) at(join(dir, p), 1_000);
    at(join(dir, "lib/.tsbuildinfo"), 2_000);
    expect(staleInputs(dir)).toEqual([]);
    at(join(dir, "src/cli/main.ts"), 3_000);
    expect(staleInputs(dir)).toEqual(["src/cli/main.ts"]);
  });
});
