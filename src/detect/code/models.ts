import { z } from "zod";
import { parsePolicyData, policyFileLoader } from "./policy-data.js";
import { valueMatches } from "./rules.js";

/**
 * The model catalogue (policies/ai-models.yml): providers, and model ids by provider with their
 * modality, weights and lifecycle (deprecation and retirement dates from the providers' pages).
 */

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date as YYYY-MM-DD");

const providerSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/),
  name: z.string().min(1),
  /** true: calls send prompts and user data to the provider's service. */
  hosted: z.boolean(),
  /** Where the provider publishes deprecations. */
  lifecycle: z.url().optional(),
});

const modelSchema = z
  .strictObject({
    /** A model id, or a pattern with `*` (`gpt-4o-*`). */
    id: z.string().min(1).max(200),
    provider: z.string().regex(/^[a-z0-9-]+$/),
    family: z.string().min(1),
    modality: z.array(z.enum(["text", "vision", "audio", "image", "embedding", "code", "speech"])).min(1),
    weights: z.enum(["closed", "open"]),
    deprecated: isoDate.optional(),
    retired: isoDate.optional(),
    replacement: z.string().min(1).optional(),
    /** Where a lifecycle date was read, when not on the provider's own page. */
    source: z.url().optional(),
  })
  .refine((m) => !m.retired || !m.deprecated || m.deprecated <= m.retired, {
    message: "a model is deprecated before it is retired",
    path: ["retired"],
  });

const catalogueSchema = z
  .strictObject({
    version: z.literal(1),
    providers: z.array(providerSchema).min(1),
    models: z.array(modelSchema).min(1),
  })
  .superRefine((file, ctx) => {
    const ids = new Set(file.providers.map((p) => p.id));
    file.models.forEach((m, i) => {
      if (!ids.has(m.provider)) ctx.addIssue({ code: "custom", path: ["models", i, "provider"], message: `unknown provider "${m.provider}"` });
    });
  });

export type Provider = z.infer<typeof providerSchema>;
export type ModelEntry = z.infer<typeof modelSchema>;

export interface ModelCatalogue {
  providers: ReadonlyMap<string, Provider>;
  models: readonly ModelEntry[];
}

export function parseModelCatalogue(text: string, file = "policies/ai-models.yml"): ModelCatalogue {
  const data = parsePolicyData(text, file, catalogueSchema);
  return { providers: new Map(data.providers.map((p) => [p.id, p])), models: data.models };
}

export const loadModelCatalogue = policyFileLoader("ai-models.yml", parseModelCatalogue);

/**
 * The catalogue entry of a model id. Exact ids win over patterns; a provider prefix
 * (`openai/gpt-4o`, `models/gemini-1.5-pro`) and an Azure or Bedrock suffix are tolerated.
 */
export function lookupModel(catalogue: ModelCatalogue, id: string): ModelEntry | undefined {
  const candidates = [id, id.replace(/^(models|openai|anthropic|google|mistralai|publishers\/[^/]+\/models)\//, "")];
  for (const c of candidates) {
    const exact = catalogue.models.find((m) => !m.id.includes("*") && m.id.toLowerCase() === c.toLowerCase());
    if (exact) return exact;
  }
  for (const c of candidates) {
    const pattern = catalogue.models.find((m) => m.id.includes("*") && valueMatches(m.id, c));
    if (pattern) return pattern;
  }
  return undefined;
}

/** Lifecycle of a model on a date: retired, deprecated, or current. */
export function lifecycleOn(entry: ModelEntry, today: string): { state: "retired" | "deprecated"; date: string } | undefined {
  if (entry.retired && entry.retired <= today) return { state: "retired", date: entry.retired };
  if (entry.deprecated && entry.deprecated <= today) {
    return { state: "deprecated", date: entry.deprecated };
  }
  return undefined;
}
