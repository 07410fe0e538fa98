import { npmManager } from "../shared/npm-manager.js";
import { extractBunLock } from "./extract.js";

/** The binary bun.lockb cannot be read as text, so only bun.lock is claimed. */
export const manager = npmManager({ id: "bun-lock", displayName: "Bun lockfile (bun.lock)", kind: "lockfile", fileName: "bun.lock", extract: extractBunLock });
