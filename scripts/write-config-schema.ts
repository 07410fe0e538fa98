// Regenerates schema/aims.schema.json from the zod schema of .github/aims.yml: `npm run schema`.
import { writeFileSync } from "node:fs";
import { configJsonSchema } from "../src/config/json-schema.js";

const url = new URL("../schema/aims.schema.json", import.meta.url);
writeFileSync(url, JSON.stringify(configJsonSchema(), null, 2) + "\n");
console.log(`wrote ${url.pathname}`);
