import type { ManifestManager } from "../types.js";
import { outsideNodeModules } from "../shared/npm-patterns.js";
import { extractBunLock } from "./extract.js";

/** The binary bun.lockb cannot be read as text, so only bun.lock is claimed. */
export const manager: ManifestManager = {
  id: "bun-lock",
  ecosystem: "npm",
  displayName: "Bun lockfile (bun.lock)",
  kind: "lockfile",
  filePatterns: [outsideNodeModules("bun.lock")],
  extract: (text) => extractBunLock(text),
};
