import type { ManifestManager } from "../types.js";
import { extractUvLock } from "./extract.js";

export const manager: ManifestManager = {
  id: "uv-lock",
  ecosystem: "pypi",
  displayName: "uv.lock",
  kind: "lockfile",
  filePatterns: ["**/uv.lock"],
  extract: (text) => extractUvLock(text),
};
