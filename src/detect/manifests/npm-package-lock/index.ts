import type { ManifestManager } from "../types.js";
import { outsideNodeModules } from "../shared/npm-patterns.js";
import { extractPackageLock } from "./extract.js";

/** npm-shrinkwrap.json has the same format; npm prefers it when a package publishes one. */
export const manager: ManifestManager = {
  id: "npm-package-lock",
  ecosystem: "npm",
  displayName: "npm lockfile (package-lock.json)",
  kind: "lockfile",
  filePatterns: [outsideNodeModules("{package-lock,npm-shrinkwrap}.json")],
  extract: (text) => extractPackageLock(text),
};
