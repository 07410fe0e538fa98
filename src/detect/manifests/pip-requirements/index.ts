import type { ManifestManager } from "../types.js";
import { extractPipRequirements } from "./extract.js";

export const manager: ManifestManager = {
  id: "pip-requirements",
  ecosystem: "pypi",
  displayName: "pip requirements",
  kind: "manifest",
  filePatterns: [
    "**/*requirements*.txt",
    "**/requirements/*.txt",
    "**/*requirements*.in",
    "**/requirements/*.in",
  ],
  extract: extractPipRequirements,
};
