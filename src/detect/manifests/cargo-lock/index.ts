import type { ManifestManager } from "../types.js";
import { extractCargoLock } from "./extract.js";

/** Separate from `cargo` because a manager has one kind and Cargo.lock is a lockfile. */
export const manager: ManifestManager = {
  id: "cargo-lock",
  ecosystem: "cargo",
  displayName: "Cargo lockfile (Cargo.lock)",
  kind: "lockfile",
  filePatterns: ["**/Cargo.lock"],
  extract: (text) => extractCargoLock(text),
};
