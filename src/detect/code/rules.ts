import { z } from "zod";
import { parsePolicyData, policyFileLoader } from "./policy-data.js";

/**
 * Code rules (policies/code-rules.yml): which calls, constructors, annotations, message objects and
 * imports mean AI use in source code, and where in a call the model id and the prompt are.
 */

export const CODE_KINDS = ["ai-api", "model-load", "agent", "mcp", "system-prompt", "serving"] as const;
export type CodeKind = (typeof CODE_KINDS)[number];

export const CODE_LANGUAGES = ["python", "javascript", "typescript", "java", "go", "csharp"] as const;
export type CodeLanguage = (typeof CODE_LANGUAGES)[number];

/** `model`, `modelName`, `$0` (first positional argument), `$1`. */
const argKey = z.string().regex(/^(\$\d|[A-Za-z_][A-Za-z0-9_]{0,60})$/, "an argument name, or $0 for the first positional argument");
/** `chat.completions.create`, `OpenAI`, `*.Messages.New`: names separated by dots, `*` for any one name. */
const calleePattern = z
  .string()
  .regex(/^(\*|@?[A-Za-z_$][A-Za-z0-9_$]*)(\.(\*|[A-Za-z_$][A-Za-z0-9_$]*))*$/, "a call pattern is names separated by dots, e.g. chat.completions.create");
const importPattern = z.string().min(1).max(200).regex(/^[^\s*]+\*?$/, "a module name or prefix ending in *, e.g. openai or langchain*");
const valuePattern = z.string().min(1).max(200);

export const codeRuleSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$/, "rule ids look like <provider>.<name>, e.g. openai.chat")
      .describe("The rule's id, `<provider>.<name>`; recorded with every finding."),
    kind: z.enum(CODE_KINDS).describe("What kind of AI use the rule finds."),
    /** Provider id from policies/ai-models.yml; without it the model's provider is looked up. */
    provider: z.string().regex(/^[a-z0-9-]+$/).optional().describe("Provider id from policies/ai-models.yml; without it the model's provider is looked up."),
    /** What the call is, in a few words: `chat completion`, `embeddings`, `model download`. */
    what: z.string().min(1).max(60).describe("What the call is, in a few words: `chat completion`, `embeddings`."),
    languages: z.array(z.enum(CODE_LANGUAGES)).min(1).optional().describe("Languages the rule applies to; default: all."),
    /** The file must import one of these modules (prefix matches on `.` and `/` boundaries). */
    imports: z.array(importPattern).min(1).optional().describe("The file must import one of these modules (a name, or a prefix ending in `*`)."),
    calls: z.array(calleePattern).min(1).optional().describe("Call patterns, names separated by dots, `*` for any one name, e.g. `chat.completions.create`."),
    /** A message object: a key whose value is one of `values` (a role), its text under `prompt`. */
    object: z
      .strictObject({
        key: z.string().min(1).describe("The key whose value marks the object, e.g. `role`."),
        values: z.array(valuePattern).min(1).describe("The values that mark it, e.g. `system`."),
      })
      .optional()
      .describe("A message object: a key whose value is one of `values` (a role), its text under `prompt`."),
    /** A tuple whose first element is this string, e.g. ("system", "You are ..."). */
    tuple: z.string().min(1).optional().describe('A tuple whose first element is this string, e.g. ("system", "You are ...").'),
    model: z.array(argKey).min(1).optional().describe("Arguments that name the model (`model`, or `$0` for the first positional one)."),
    prompt: z.array(argKey).min(1).optional().describe("Arguments that hold the prompt."),
    /** Argument values the call must have, e.g. `$0: [bedrock-runtime]`. */
    where: z.record(argKey, z.array(valuePattern).min(1)).optional().describe("Argument values the call must have, e.g. `$0: [bedrock-runtime]`."),
    /** A string in the arguments must name a file with one of these extensions (model files). */
    files: z.array(z.string().regex(/^[a-z0-9]+$/)).min(1).optional().describe("A string in the arguments must name a file with one of these extensions (model files)."),
  })
  .refine((r) => [r.calls, r.object, r.tuple].filter((x) => x !== undefined).length === 1, {
    message: "give exactly one of calls, object or tuple",
  });

export type CodeRule = z.infer<typeof codeRuleSchema>;

export const codeRulesFileSchema = z
  .strictObject({ version: z.literal(1), rules: z.array(codeRuleSchema).min(1) })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.rules.forEach((r, i) => {
      if (seen.has(r.id)) ctx.addIssue({ code: "custom", path: ["rules", i, "id"], message: `duplicate rule id "${r.id}"` });
      seen.add(r.id);
    });
  });

export function parseCodeRules(text: string, file = "policies/code-rules.yml"): CodeRule[] {
  return parsePolicyData(text, file, codeRulesFileSchema).rules;
}

/** The shipped code rules, read and validated once. */
export const loadCodeRules = policyFileLoader("code-rules.yml", parseCodeRules);

/** `*` in a value pattern matches any run of characters; matching ignores case. */
export function valueMatches(pattern: string, value: string): boolean {
  if (!pattern.includes("*")) return pattern.toLowerCase() === value.toLowerCase();
  const parts = pattern.toLowerCase().split("*");
  const v = value.toLowerCase();
  if (!v.startsWith(parts[0]!) || !v.endsWith(parts.at(-1)!)) return false;
  let at = parts[0]!.length;
  for (const part of parts.slice(1, -1)) {
    const found = v.indexOf(part, at);
    if (found < 0) return false;
    at = found + part.length;
  }
  return at <= v.length - parts.at(-1)!.length;
}

/** `openai` covers `openai`, `openai.types` and `openai/resources`; `langchain*` any module starting so. */
export function importMatches(pattern: string, module: string): boolean {
  if (pattern.endsWith("*")) return module.startsWith(pattern.slice(0, -1));
  if (!module.startsWith(pattern)) return false;
  const next = module[pattern.length];
  return next === undefined || next === "." || next === "/";
}
