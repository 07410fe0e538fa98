import { z } from "zod";

/**
 * Schema of `.github/aims.yml`. Every key is optional in a file: a repository sets only what
 * differs from the organisation's `.github` repository and the built-in default policy
 * (`policies/default.yml`), which together must define everything. Objects are strict so a typo
 * is reported instead of silently ignored.
 */

export const RISK_TIERS = ["minimal", "limited", "high", "prohibited"] as const;
export type RiskTier = (typeof RISK_TIERS)[number];

const glob = z
  .string()
  .min(1, "a glob cannot be empty")
  .max(512, "a glob is limited to 512 characters");

const systemId = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]{0,49}$/,
    "system ids are lowercase letters, digits, '.', '_' or '-' (at most 50), e.g. support-chatbot",
  );

export const systemSchema = z.strictObject({
  id: systemId,
  name: z.string().min(1),
  paths: z.array(glob).min(1, "list at least one path glob that belongs to this system"),
  risk: z.enum(RISK_TIERS),
  owner: z.string().min(1).optional(),
  description: z.string().optional(),
});

const categoryRules = z.strictObject({
  include: z.array(glob).optional(),
  ignore: z.array(glob).optional(),
});

const ecosystem = z.enum(["npm", "pypi", "go", "cargo", "maven", "nuget", "docker", "github-actions"]);
const packageKind = z.enum([
  "llm-api",
  "ml-framework",
  "agent-framework",
  "inference-runtime",
  "model-hub",
  "vector-db",
  "mlops",
  "evaluation",
  "guardrails",
  "mcp",
  "biometric",
  "tokenizer",
]);

export const extraPackageSchema = z
  .strictObject({
    ecosystem,
    name: z.string().min(1).optional(),
    pattern: z.string().min(1).max(200).optional(),
    kind: packageKind,
    supplier: z.string().min(1),
    note: z.string().optional(),
  })
  .refine((p) => (p.name === undefined) !== (p.pattern === undefined), {
    message: "give exactly one of name or pattern",
  });

export const GATEABLE_CATEGORIES = [
  "model",
  "model-metadata",
  "dataset",
  "prompt",
  "ai-tooling",
  "governance-policy",
  "dependency",
] as const;

const detectSchema = z.strictObject({
  model: categoryRules.optional(),
  "model-metadata": categoryRules.optional(),
  dataset: categoryRules.optional(),
  prompt: categoryRules.optional(),
  "ai-tooling": categoryRules.optional(),
  dependencies: z
    .strictObject({
      extra: z.array(extraPackageSchema).optional(),
      /** `ecosystem:name`, `ecosystem:pattern` or a bare name/pattern matched in every ecosystem. */
      ignore: z.array(z.string().min(1)).optional(),
    })
    .optional(),
  /** Categories whose changes require the gates; the others are reported only. */
  gate: z.array(z.enum(GATEABLE_CATEGORIES)).optional(),
});

export const configFileSchema = z.strictObject({
  /** Another config to start from: `repo`, `owner/repo` or `owner/repo:path/to/file.yml`. */
  _extends: z.string().min(1).optional(),
  systems: z
    .array(systemSchema)
    .optional()
    .superRefine((systems, ctx) => {
      const seen = new Set<string>();
      systems?.forEach((s, i) => {
        if (seen.has(s.id)) {
          ctx.addIssue({ code: "custom", path: [i, "id"], message: `duplicate system id "${s.id}"` });
        }
        seen.add(s.id);
      });
    }),
  detect: detectSchema.optional(),
  ignore: z.array(glob).optional(),
});

export type ConfigFile = z.infer<typeof configFileSchema>;
export type SystemConfig = z.infer<typeof systemSchema>;
export type ExtraPackage = z.infer<typeof extraPackageSchema>;
export type GateableCategory = (typeof GATEABLE_CATEGORIES)[number];
