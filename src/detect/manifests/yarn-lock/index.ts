import { npmManager } from "../shared/npm-manager.js";
import { extractYarnLock } from "./extract.js";

export const manager = npmManager({ id: "yarn-lock", displayName: "Yarn lockfile (yarn.lock)", kind: "lockfile", fileName: "yarn.lock", extract: extractYarnLock });
