import type { ManifestManager } from "../types.js";
import { extractCondaEnvironment } from "./extract.js";

export const manager: ManifestManager = {
  id: "conda-environment",
  ecosystem: "pypi",
  displayName: "conda environment",
  kind: "manifest",
  filePatterns: ["**/environment.yml", "**/environment.yaml", "**/conda.yaml", "**/conda.yml"],
  extract: extractCondaEnvironment,
};
