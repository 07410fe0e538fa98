import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** aims-bot's version, from its package.json (one level above src/ and lib/). */
export const AIMS_VERSION: string = (JSON.parse(readFileSync(fileURLToPath(new URL("../package.json", import.meta.url)), "utf8")) as { version: string }).version;
