import type { ManifestManager } from "../types.js";
import { extractPom } from "./extract.js";

export const manager: ManifestManager = {
  id: "maven",
  ecosystem: "maven",
  displayName: "Maven (pom.xml)",
  kind: "manifest",
  filePatterns: ["**/pom.xml"],
  extract: (text) => extractPom(text),
};
