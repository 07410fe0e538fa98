import type { ManifestManager } from "../types.js";
import { outsideNodeModules } from "./npm-patterns.js";

/**
 * A manager of the npm ecosystem: it claims `fileName` (a brace list allowed) in any folder
 * outside node_modules, where installed packages keep their own manifests and lockfiles.
 */
export function npmManager(manager: Pick<ManifestManager, "id" | "displayName" | "kind" | "extract"> & { fileName: string }): ManifestManager {
  const { id, displayName, kind, fileName, extract } = manager;
  return { id, ecosystem: "npm", displayName, kind, filePatterns: [outsideNodeModules(fileName)], extract };
}
