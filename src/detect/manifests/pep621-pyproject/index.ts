import type { ManifestManager } from "../types.js";
import { extractPyproject } from "./extract.js";

export const manager: ManifestManager = {
  id: "pep621-pyproject",
  ecosystem: "pypi",
  displayName: "pyproject.toml",
  kind: "manifest",
  filePatterns: ["**/pyproject.toml"],
  extract: (text) => extractPyproject(text),
};
