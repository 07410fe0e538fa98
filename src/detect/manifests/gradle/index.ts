import type { ManifestManager } from "../types.js";
import { extractVersionCatalog } from "./catalog.js";
import { extractGradleScript } from "./extract.js";

export const manager: ManifestManager = {
  id: "gradle",
  ecosystem: "maven",
  displayName: "Gradle (build scripts, version catalogs)",
  kind: "manifest",
  filePatterns: ["**/build.gradle", "**/build.gradle.kts", "**/gradle/*.versions.toml"],
  extract: (text, path) => (path.endsWith(".toml") ? extractVersionCatalog(text) : extractGradleScript(text)),
};
