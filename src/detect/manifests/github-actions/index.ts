import type { ManifestManager } from "../types.js";
import { extractGithubActions } from "./extract.js";

export const manager: ManifestManager = {
  id: "github-actions",
  ecosystem: "github-actions",
  displayName: "GitHub Actions",
  kind: "manifest",
  filePatterns: [
    ".github/workflows/*.yml",
    ".github/workflows/*.yaml",
    // Composite and container actions published from this repository.
    "**/action.yml",
    "**/action.yaml",
  ],
  extract: (text) => extractGithubActions(text),
};
