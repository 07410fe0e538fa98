import { configJsonSchema } from "./json-schema.js";
import { builtInDefaults } from "./policy.js";

/**
 * The configuration reference (docs/configuration.md), generated from the policy schema's
 * descriptions and the built-in defaults, so every key is documented exactly as it is validated.
 */

interface SchemaNode {
  type?: string | string[];
  description?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  minLength?: number;
  maxLength?: number;
  anyOf?: SchemaNode[];
  /** A mapping keyed by free names (z.record): the schema of each value. */
  additionalProperties?: SchemaNode | boolean;
}

export interface ConfigKey {
  /** `systems[].risk`, `oversight.tiers.high.required`. */
  path: string;
  /** Depth below the top level (0 for `systems`). */
  depth: number;
  node: SchemaNode;
}

/** Every key the schema accepts, parents before children, in the schema's order. */
export function configKeys(schema: SchemaNode = configJsonSchema() as SchemaNode): ConfigKey[] {
  const out: ConfigKey[] = [];
  const walk = (node: SchemaNode, prefix: string, depth: number) => {
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const path = `${prefix}${key}`;
      out.push({ path, depth, node: child });
      walk(child, `${path}.`, depth + 1);
      if (child.items) walk(child.items, `${path}[].`, depth + 1);
      if (typeof child.additionalProperties === "object") walk(child.additionalProperties, `${path}.<key>.`, depth + 1);
    }
  };
  walk(schema, "", 0);
  return out;
}

function typeText(node: SchemaNode): string {
  if (node.enum) return `one of ${node.enum.map((v) => `\`${String(v)}\``).join(", ")}`;
  const type = Array.isArray(node.type) ? node.type.join(" or ") : node.type;
  switch (type) {
    case "array": {
      const item = node.items;
      const what = !item ? "values" : item.type === "object" ? "mappings" : item.enum ? `values, each ${typeText(item)}` : `${item.type ?? "value"}s`;
      return `list of ${what}${node.minItems ? ` (at least ${node.minItems})` : ""}`;
    }
    case "object":
      return "mapping";
    case "integer":
    case "number":
      return `${type === "integer" ? "whole number" : "number"}${node.minimum !== undefined && node.maximum !== undefined ? ` from ${node.minimum} to ${node.maximum}` : ""}`;
    case "string":
      return `text${node.pattern ? ` matching \`${node.pattern}\`` : ""}${node.maxLength ? ` (at most ${node.maxLength} characters)` : ""}`;
    case "boolean":
      return "`true` or `false`";
    default:
      return type ?? "any";
  }
}

/** The built-in default at a key path; undefined below lists and where the defaults say nothing. */
function defaultAt(path: string): unknown {
  if (path.includes("[]")) return undefined;
  let value: unknown = builtInDefaults();
  for (const key of path.split(".")) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function defaultText(path: string, node: SchemaNode): string | undefined {
  if (node.type === "object") return undefined;
  const value = defaultAt(path);
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.length === 0 ? "`[]`" : value.map((v) => `\`${typeof v === "string" ? v : JSON.stringify(v)}\``).join(", ");
  return `\`${String(value)}\``;
}

export function configurationReference(): string {
  const keys = configKeys();
  const lines = [
    "# Configuration reference: `.github/aims.yml`",
    "",
    "<!-- Generated from src/config/schema.ts and policies/default.yml by `npm run docs`; edit those, not this file. -->",
    "",
    "Every key is optional. A repository's `.github/aims.yml` (read from the pull request's base branch) is layered over",
    "the organisation's `.github` repository's policy (or the file named by `_extends`) and the built-in defaults",
    "(`policies/default.yml`): mappings merge key by key, lists and values replace. `aims validate` checks a file with",
    "the same rules the app uses; editors complete and check it with `schema/aims.schema.json`",
    "(`# yaml-language-server: $schema=<path or URL of aims.schema.json>` as the file's first line).",
    "",
    "Top-level keys: " + keys.filter((k) => k.depth === 0).map((k) => `[\`${k.path}\`](#${anchor(k.path)})`).join(", ") + ".",
    "",
  ];
  for (const key of keys) {
    lines.push(`${"#".repeat(Math.min(key.depth + 2, 4))} \`${key.path}\``, "");
    lines.push(key.node.description ?? "(undocumented)", "");
    lines.push(`- Type: ${typeText(key.node)}`);
    const def = defaultText(key.path, key.node);
    if (def !== undefined) lines.push(`- Default: ${def}`);
    lines.push("");
  }
  return `${lines.join("\n").trimEnd()}\n`;
}

/** GitHub's heading anchor for a heading that is one code span. */
function anchor(path: string): string {
  return path.toLowerCase().replace(/[^a-z0-9 _-]/g, "").replace(/ /g, "-");
}
