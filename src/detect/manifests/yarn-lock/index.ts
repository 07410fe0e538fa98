import type { ManifestManager } from "../types.js";
import { outsideNodeModules } from "../shared/npm-patterns.js";
import { extractYarnLock } from "./extract.js";

export const manager: ManifestManager = {
  id: "yarn-lock",
  ecosystem: "npm",
  displayName: "Yarn lockfile (yarn.lock)",
  kind: "lockfile",
  filePatterns: [outsideNodeModules("yarn.lock")],
  extract: (text) => extractYarnLock(text),
};
