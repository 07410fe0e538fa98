// Regenerates the reference pages built from the code: `npm run docs`.
import { mkdirSync, writeFileSync } from "node:fs";
import { configurationReference } from "../src/config/reference.js";
import { detectionReference } from "../src/detect/reference.js";

const pages: Record<string, string> = {
  "configuration.md": configurationReference(),
  "detection.md": detectionReference(),
};
const dir = new URL("../docs/", import.meta.url);
mkdirSync(dir, { recursive: true });
for (const [name, text] of Object.entries(pages)) {
  writeFileSync(new URL(name, dir), text);
  console.log(`wrote docs/${name}`);
}
