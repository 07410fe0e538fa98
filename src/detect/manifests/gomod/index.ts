import type { ManifestManager } from "../types.js";
import { extractGoMod } from "./extract.js";

export const manager: ManifestManager = {
  id: "gomod",
  ecosystem: "go",
  displayName: "Go modules (go.mod)",
  kind: "manifest",
  filePatterns: ["**/go.mod"],
  extract: (text) => extractGoMod(text),
};
