import type { ManifestManager } from "../types.js";
import { outsideNodeModules } from "../shared/npm-patterns.js";
import { extractPnpmLock } from "./extract.js";

export const manager: ManifestManager = {
  id: "pnpm-lock",
  ecosystem: "npm",
  displayName: "pnpm lockfile (pnpm-lock.yaml)",
  kind: "lockfile",
  filePatterns: [outsideNodeModules("pnpm-lock.yaml")],
  extract: (text) => extractPnpmLock(text),
};
