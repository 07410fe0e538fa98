import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Ajv } from "ajv";

const require = createRequire(import.meta.url);

/**
 * A validator of CycloneDX 1.6 BOMs built from the official schema files the CycloneDX library
 * ships, with formats checked (ajv-formats: date-time, uri, email and the rest); the two formats
 * ajv-formats does not know (internationalised e-mail and IRI references) are accepted as strings.
 */
export function cycloneDx16Validator() {
  const schemaDir = join(require.resolve("@cyclonedx/cyclonedx-library/package.json"), "..", "res", "schema");
  const load = (f: string) => JSON.parse(readFileSync(join(schemaDir, f), "utf8")) as object;
  const ajv = new Ajv({ strict: false, allErrors: true });
  (require("ajv-formats") as (a: Ajv) => Ajv)(ajv);
  for (const f of ["idn-email", "iri-reference"]) ajv.addFormat(f, true);
  // The BOM schema refers to these two by file name, relative to its $id.
  for (const f of ["spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json"]) {
    const { $id: _id, ...schema } = load(f) as { $id?: string };
    ajv.addSchema(schema, `http://cyclonedx.org/schema/${f}`);
  }
  return ajv.compile(load("bom-1.6.SNAPSHOT.schema.json"));
}
