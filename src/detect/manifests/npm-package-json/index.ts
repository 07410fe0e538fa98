import { npmManager } from "../shared/npm-manager.js";
import { extractPackageJson } from "./extract.js";

export const manager = npmManager({ id: "npm-package-json", displayName: "npm manifest (package.json)", kind: "manifest", fileName: "package.json", extract: extractPackageJson });
