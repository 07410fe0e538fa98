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
