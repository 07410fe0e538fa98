import { z } from "zod";
import { configFileSchema } from "./schema.js";

/** JSON Schema of `.github/aims.yml` for editor completion (yaml-language-server, VS Code). */
export function configJsonSchema(): Record<string, unknown> {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "https://github.com/apps/aims-bot/aims.schema.json",
    title: "aims-bot policy (.github/aims.yml)",
    ...z.toJSONSchema(configFileSchema, { target: "draft-2020-12", unrepresentable: "any" }),
  };
}

type JsonSchemaNode = {
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
  anyOf?: JsonSchemaNode[];
  oneOf?: JsonSchemaNode[];
};

/** The keys a mapping at `path` (e.g. `["systems", 0]`) may hold; empty when the path is no mapping. */
export function keysAt(path: readonly (string | number)[], schema: JsonSchemaNode = configJsonSchema() as JsonSchemaNode): string[] {
  let nodes: JsonSchemaNode[] = [schema];
  for (const step of path) {
    nodes = nodes
      .flatMap((n) => [n, ...(n.anyOf ?? []), ...(n.oneOf ?? [])])
      .flatMap((n) => (typeof step === "number" ? (n.items ? [n.items] : []) : n.properties?.[step] ? [n.properties[step]] : []));
  }
  return [...new Set(nodes.flatMap((n) => [n, ...(n.anyOf ?? []), ...(n.oneOf ?? [])]).flatMap((n) => Object.keys(n.properties ?? {})))];
}
