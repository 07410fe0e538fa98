import type { ManifestManager } from "../types.js";
import { extractDockerfile } from "./extract.js";

export const manager: ManifestManager = {
  id: "dockerfile",
  ecosystem: "docker",
  displayName: "Dockerfile",
  kind: "manifest",
  filePatterns: [
    "**/Dockerfile",
    // `Dockerfile.dockerignore` is the per-Dockerfile ignore file, not a Dockerfile.
    "**/Dockerfile.!(dockerignore)",
    "**/*.Dockerfile",
    "**/Containerfile",
  ],
  extract: (text) => extractDockerfile(text),
};
