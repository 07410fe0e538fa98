import { readFileSync } from "node:fs";
import { minimatch } from "minimatch";
import { ManifestParseError, type ManifestManager } from "../../../src/detect/manifests/types.js";

/** Shared by the npm-ecosystem manager tests (npm-package-json, npm-package-lock, yarn-lock, pnpm-lock, bun-lock). */
export const fixture = (dir: string, name: string): string =>
  readFileSync(new URL(`../../fixtures/manifests/${dir}/${name}`, import.meta.url), "utf8");

/** The options the manager registry uses. */
export const matches = (m: ManifestManager, path: string): boolean =>
  m.filePatterns.some((g) => minimatch(path, g, { dot: true, matchBase: false }));

export function parseError(m: ManifestManager, text: string, path = "x"): ManifestParseError {
  try {
    m.extract(text, path);
  } catch (err) {
    if (err instanceof ManifestParseError) return err;
    throw err;
  }
  throw new Error("expected a ManifestParseError");
}
