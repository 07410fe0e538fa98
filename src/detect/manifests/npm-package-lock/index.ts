import { npmManager } from "../shared/npm-manager.js";
import { extractPackageLock } from "./extract.js";

/** npm-shrinkwrap.json has the same format; npm prefers it when a package publishes one. */
export const manager = npmManager({ id: "npm-package-lock", displayName: "npm lockfile (package-lock.json)", kind: "lockfile", fileName: "{package-lock,npm-shrinkwrap}.json", extract: extractPackageLock });
