import type { ManifestManager } from "../types.js";
import { extractPipfileLock } from "./extract.js";

export const manager: ManifestManager = {
  id: "pipenv-lock",
  ecosystem: "pypi",
  displayName: "Pipfile.lock",
  kind: "lockfile",
  filePatterns: ["**/Pipfile.lock"],
  extract: (text) => extractPipfileLock(text),
};
