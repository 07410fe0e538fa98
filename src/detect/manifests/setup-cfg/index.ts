import type { ManifestManager } from "../types.js";
import { extractSetupCfg } from "./extract.js";

export const manager: ManifestManager = {
  id: "setup-cfg",
  ecosystem: "pypi",
  displayName: "setup.cfg",
  kind: "manifest",
  filePatterns: ["**/setup.cfg"],
  extract: extractSetupCfg,
};
