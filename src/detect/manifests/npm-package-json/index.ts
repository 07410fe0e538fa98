import type { ManifestManager } from "../types.js";
import { extractPackageJson } from "./extract.js";
import { outsideNodeModules } from "../shared/npm-patterns.js";

export const manager: ManifestManager = {
  id: "npm-package-json",
  ecosystem: "npm",
  displayName: "npm manifest (package.json)",
  kind: "manifest",
  filePatterns: [outsideNodeModules("package.json")],
  extract: (text) => extractPackageJson(text),
};
