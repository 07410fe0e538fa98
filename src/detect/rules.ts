import { readFileSync } from "node:fs";
import { once } from "../util/once.js";
import { fileURLToPath } from "node:url";
import { LineCounter, parseDocument, type Document } from "yaml";
import { z } from "zod";
import { validateGlob } from "./glob.js";
import { CATEGORIES, type Category } from "./types.js";

/** The path detection rules: their shape, and loading and validating policies/detection-rules.yml. */

export type RuleCategory = Exclude<Category, "dependency" | "code">;

/** A folder glob, or a marker file that must sit in the same folder within the same pull request. */
export type ContextEntry = string | { sibling: string };

export interface DetectionRule {
  readonly id: string;
  readonly category: RuleCategory;
  /** Reason template: `{ext}`, `{name}` and `{dir}` are filled in per file. */
  readonly description: string;
  readonly include: readonly string[];
  readonly exclude?: readonly string[];
  readonly context?: readonly ContextEntry[];
  readonly ambiguous?: boolean;
  /** Extensions (without dot, lower case) this rule never matches: source code. */
  readonly skipExtensions?: readonly string[];
}

export const RULE_CATEGORIES = CATEGORIES.filter((c): c is RuleCategory => c !== "dependency" && c !== "code");

const globString = z.string().superRefine((s, ctx) => {
  const problem = validateGlob(s);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});
/** Lists may contain YAML aliases of other lists; one level is flattened. */
const globList = z.array(z.union([globString, z.array(globString)])).transform((l) => l.flat());
const contextEntry = z.union([globString, z.strictObject({ sibling: globString })]);
const contextList = z
  .array(z.union([contextEntry, z.array(contextEntry)]))
  .transform((l) => l.flat())
  .refine((l) => l.length > 0, "context cannot be empty");

const ruleSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$/, "rule ids look like `<category>.<name>`, e.g. model.onnx"),
    category: z.enum(RULE_CATEGORIES as [RuleCategory, ...RuleCategory[]]),
    description: z.string().min(1),
    include: globList.refine((l) => l.length > 0, "include needs at least one glob"),
    exclude: globList.optional(),
    context: contextList.optional(),
    ambiguous: z.boolean().optional(),
  })
  .refine((r) => !r.ambiguous || r.context !== undefined, {
    message: "an ambiguous rule needs a context, otherwise it would match every file with the extension",
    path: ["ambiguous"],
  })
  .refine((r) => r.description.includes("{dir}") === false || r.context !== undefined, {
    message: "{dir} in a description needs a context",
    path: ["description"],
  });

const rulesFileSchema = z
  .strictObject({
    version: z.literal(1),
    sourceExtensions: z.array(z.string().regex(/^[a-z0-9]+$/, "extensions are lower case, without the dot")),
    anchors: z.unknown().optional(),
    rules: z.array(ruleSchema).min(1),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.rules.forEach((r, i) => {
      if (seen.has(r.id)) ctx.addIssue({ code: "custom", path: ["rules", i, "id"], message: `duplicate rule id "${r.id}"` });
      seen.add(r.id);
      if (!r.id.startsWith(`${r.category}.`)) {
        ctx.addIssue({ code: "custom", path: ["rules", i, "id"], message: `rule id "${r.id}" must start with "${r.category}."` });
      }
    });
  });

/** Categories that source code never belongs to, whatever folder it sits in. */
const ARTIFACT_CATEGORIES: ReadonlySet<RuleCategory> = new Set(["model", "model-metadata", "dataset"]);

const DEFAULT_RULES_URL = new URL("../../policies/detection-rules.yml", import.meta.url);
const shippedRules = once(() => readDetectionRules(fileURLToPath(DEFAULT_RULES_URL), "policies/detection-rules.yml"));

/**
 * The built-in detection rules (policies/detection-rules.yml, read and validated once), or the
 * rules file at `path`; throws with the file, line and reason.
 */
export function loadDetectionRules(path?: string): DetectionRule[] {
  return path === undefined ? shippedRules() : readDetectionRules(path, path);
}

function readDetectionRules(file: string, shownName: string): DetectionRule[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`${shownName}: cannot read detection rules: ${(error as Error).message}`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const at = lineCounter.linePos(yamlError.pos[0]);
    throw new Error(`${shownName}:${at.line}:${at.col}: invalid YAML: ${yamlError.message.split("\n")[0]}`);
  }
  const parsed = rulesFileSchema.safeParse(doc.toJS({ maxAliasCount: 1000 }));
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((issue) => {
      const where = locate(doc, lineCounter, issue.path);
      const key = issue.path.map((k) => (typeof k === "number" ? `[${k}]` : `.${String(k)}`)).join("").replace(/^\./, "");
      return `${shownName}${where}: ${key ? `${key}: ` : ""}${issue.message}`;
    });
    throw new Error(`invalid detection rules: ${problems.join("; ")}`);
  }
  const skip = parsed.data.sourceExtensions;
  const rules: DetectionRule[] = parsed.data.rules.map((r) =>
    Object.freeze({
      id: r.id,
      category: r.category,
      description: r.description,
      include: r.include,
      ...(r.exclude ? { exclude: r.exclude } : {}),
      ...(r.context ? { context: r.context } : {}),
      ...(r.ambiguous ? { ambiguous: true } : {}),
      ...(ARTIFACT_CATEGORIES.has(r.category) ? { skipExtensions: skip } : {}),
    }),
  );
  Object.freeze(rules);
  return rules;
}

/** `:line:col` of the deepest YAML node on an issue path that exists (aliases stop the walk). */
function locate(doc: Document, lineCounter: LineCounter, path: readonly PropertyKey[]): string {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && Array.isArray(node.range)) {
      const at = lineCounter.linePos(node.range[0]);
      return `:${at.line}:${at.col}`;
    }
  }
  return "";
}
