import type { ManifestManager } from "../types.js";
import { extractPipfile } from "./extract.js";

export const manager: ManifestManager = {
  id: "pipenv",
  ecosystem: "pypi",
  displayName: "Pipfile",
  kind: "manifest",
  filePatterns: ["**/Pipfile"],
  extract: (text) => extractPipfile(text),
};
