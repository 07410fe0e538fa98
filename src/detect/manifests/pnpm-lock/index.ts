import { npmManager } from "../shared/npm-manager.js";
import { extractPnpmLock } from "./extract.js";

export const manager = npmManager({ id: "pnpm-lock", displayName: "pnpm lockfile (pnpm-lock.yaml)", kind: "lockfile", fileName: "pnpm-lock.yaml", extract: extractPnpmLock });
