/** pip requirements files (requirements.txt, pip-tools' requirements.in); the format itself is read by ../shared/requirements.ts. */
import { ManifestParseError, type DependencyScope, type ExtractResult } from "../types.js";
import { dirOf, parseRequirementLines, splitLogicalLines } from "../shared/requirements.js";

const DEV_WORDS = new Set([
  "dev",
  "devel",
  "develop",
  "development",
  "test",
  "tests",
  "testing",
  "lint",
  "linting",
  "docs",
  "doc",
  "ci",
  "typing",
  "style",
]);
/** Folders whose requirements file only serves development (Read the Docs builds, test suites). */
const DEV_DIRS = new Set(["docs", "doc", "tests", "test"]);

export function extractPipRequirements(text: string, path: string): ExtractResult {
  if (text.includes("\u0000")) throw new ManifestParseError("binary content is not a requirements file");
  return parseRequirementLines(splitLogicalLines(text), {
    baseDir: dirOf(path),
    scope: scopeForRequirementsPath(path),
  });
}

/** `requirements-dev.txt`, `dev-requirements.in`, `requirements/test.txt`, `docs/requirements.txt` → dev. */
export function scopeForRequirementsPath(path: string): DependencyScope {
  const parts = path.toLowerCase().split("/");
  const file = parts[parts.length - 1] ?? "";
  const dir = parts[parts.length - 2];
  const words = file.replace(/\.(txt|in)$/, "").split(/[-_.\s]+/);
  if (words.some((w) => DEV_WORDS.has(w))) return "dev";
  if (dir !== undefined && DEV_DIRS.has(dir)) return "dev";
  return "prod";
}
