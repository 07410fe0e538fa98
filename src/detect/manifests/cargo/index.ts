import type { ManifestManager } from "../types.js";
import { extractCargoToml } from "./extract.js";

export const manager: ManifestManager = {
  id: "cargo",
  ecosystem: "cargo",
  displayName: "Cargo (Cargo.toml)",
  kind: "manifest",
  filePatterns: ["**/Cargo.toml"],
  extract: (text) => extractCargoToml(text),
};
