import type { ManifestManager } from "../types.js";
import { extractPoetryLock } from "./extract.js";

export const manager: ManifestManager = {
  id: "poetry-lock",
  ecosystem: "pypi",
  displayName: "poetry.lock",
  kind: "lockfile",
  filePatterns: ["**/poetry.lock"],
  extract: (text) => extractPoetryLock(text),
};
