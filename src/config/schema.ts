import { z } from "zod";
import { aiPackageEntriesSchema, aiPackageEntrySchema, dependencyIgnoreProblem } from "../detect/catalogue.js";
import { codeRuleSchema } from "../detect/code/rules.js";
import { validateGlob } from "../detect/detect.js";

/**
 * Schema of `.github/aims.yml`. Every key is optional in a file: a repository sets only what
 * differs from the organisation's `.github` repository and the built-in default policy
 * (`policies/default.yml`), which together must define everything. Objects are strict so a typo
 * is reported instead of silently ignored.
 */

export const RISK_TIERS = ["minimal", "limited", "high", "prohibited"] as const;
export type RiskTier = (typeof RISK_TIERS)[number];

/** User globs are bounded so a pattern can never make matching slow (see validateGlob). */
const glob = z
  .string()
  .min(1, "a glob cannot be empty")
  .superRefine((pattern, ctx) => {
    const problem = validateGlob(pattern);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

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

/** Extra AI packages use exactly the catalogue's entry format (policies/ai-packages.yml). */
export const extraPackageSchema = aiPackageEntrySchema;

export const GATEABLE_CATEGORIES = [
  "model",
  "model-metadata",
  "dataset",
  "prompt",
  "ai-tooling",
  "governance-policy",
  "dependency",
  "code",
] as const;

const detectSchema = z.strictObject({
  model: categoryRules.optional(),
  "model-metadata": categoryRules.optional(),
  dataset: categoryRules.optional(),
  prompt: categoryRules.optional(),
  "ai-tooling": categoryRules.optional(),
  dependencies: z
    .strictObject({
      extra: aiPackageEntriesSchema.optional(),
      /** `ecosystem:name`, `ecosystem:pattern` or a bare name/pattern matched in every ecosystem. */
      ignore: z
        .array(
          z
            .string()
            .min(1, "an entry cannot be empty")
            .superRefine((value, ctx) => {
              const problem = value === "" ? undefined : dependencyIgnoreProblem(value);
              if (problem) ctx.addIssue({ code: "custom", message: problem });
            }),
        )
        .optional(),
    })
    .optional(),
  /** AI use in code: extra rules in the policies/code-rules.yml format, and rule ids to silence. */
  code: z
    .strictObject({
      extra: z.array(codeRuleSchema).optional(),
      ignore: z.array(z.string().min(1, "a rule id cannot be empty")).optional(),
    })
    .optional(),
  /** Categories whose changes require the gates; the others are reported only. */
  gate: z.array(z.enum(GATEABLE_CATEGORIES)).optional(),
});

const login = z.string().regex(/^@?[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/, "a GitHub login, e.g. octocat");
const teamRef = z.string().regex(/^@?[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, "a team as org/team-slug, e.g. acme/ai-governance");

/** Who may act: members of any listed team or any listed user. Empty lists mean "anyone with write access". */
const principals = z.strictObject({
  teams: z.array(teamRef).optional(),
  users: z.array(login).optional(),
});

const tierSchema = z.strictObject({
  /** Sign-offs needed, from distinct people other than the author. */
  required: z.number().int().min(0).max(10).optional(),
  teams: z.array(teamRef).optional(),
  users: z.array(login).optional(),
  /** Each counted sign-off must come from a different listed team. */
  distinct_teams: z.boolean().optional(),
  /** A push invalidates earlier sign-offs. */
  invalidate_on_push: z.boolean().optional(),
  /** ...unless no AI-relevant file content changed since the signed commit. */
  keep_when_ai_unchanged: z.boolean().optional(),
  /** `/aims sign-off` must carry a rationale. */
  require_rationale: z.boolean().optional(),
});

const assessmentSchema = z.strictObject({
  /** required: the PR body must link an assessment; auto: an approved assessment registered for each system suffices. */
  link: z.enum(["required", "auto"]).optional(),
  /** Folder of Markdown assessments with YAML front matter. */
  directory: z.string().min(1).optional(),
  assessors: principals.optional(),
  /** Label that marks an assessment issue approved, when applied by an assessor. */
  approval_label: z.string().min(1).max(50).optional(),
  /** An approval older than this many days has expired. */
  max_age_days: z.number().int().min(1).max(3650).optional(),
});

const oversightSchema = z.strictObject({
  tiers: z
    .strictObject({
      minimal: tierSchema.optional(),
      limited: tierSchema.optional(),
      high: tierSchema.optional(),
    })
    .optional(),
  /** Who may `/aims override` both gates (break glass, recorded). */
  governance: principals.optional(),
});

const governanceSchema = z.strictObject({
  /**
   * Who approves changes to this policy (`.github/aims.yml` and the files it extends). Empty: the
   * override list `oversight.governance`, and when that is empty too, the repository's admins.
   */
  owners: principals.optional(),
});

const evidenceSchema = z.strictObject({
  /** owner/name of the repository that holds evidence issues; default: the PR's own repository. */
  repository: z
    .string()
    .regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, "owner/name of a repository")
    .optional(),
  enabled: z.boolean().optional(),
});

const controlId = z.string().regex(/^A\.\d+\.\d+(\.\d+)?$/, "an Annex A control id such as A.6.2.5");

/** A check run named by the policy: its name and the slug of the GitHub App that runs it. */
const namedCheck = z.strictObject({
  name: z.string().min(1).max(200),
  app: z.string().regex(/^[a-z0-9][a-z0-9-]{0,99}$/, "the slug of the GitHub App that creates the check run, e.g. github-actions"),
});
const namedChecks = z.strictObject({ checks: z.array(namedCheck).max(50).optional() });

export const IMPLEMENTATION_STATUSES = ["implemented", "partially", "planned", "organisational"] as const;

const controlsSchema = z.strictObject({
  /** Annex A controls excluded from the statement of applicability, each with its justification. */
  exclude: z
    .array(
      z.strictObject({
        id: controlId,
        justification: z.string().min(10, "give a justification of at least a sentence"),
      }),
    )
    .optional(),
  /** Check runs that are verification and validation of the AI system (A.6.2.4). */
  verification: namedChecks.optional(),
  /** Check runs that validate data quality (A.7.4). */
  data_quality: namedChecks.optional(),
  /** Corrective action opened for every override (a nonconformity, clause 10.2). */
  nonconformity: z
    .strictObject({
      owner: z.union([login, teamRef]).optional(),
      due_days: z.number().int().min(1).max(365).optional(),
    })
    .optional(),
  /** The statement of applicability's own document control (clause 6.1.3 d). */
  statement: z
    .strictObject({
      version: z.string().min(1).max(50).optional(),
      approved_by: z.string().min(1).max(100).optional(),
      approved_on: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date as YYYY-MM-DD").optional(),
    })
    .optional(),
  /** Per control: how it is implemented, by whom, and where evidence kept outside GitHub lives. */
  implementation: z
    .record(
      controlId,
      z.strictObject({
        status: z.enum(IMPLEMENTATION_STATUSES),
        owner: z.string().min(1).max(100).optional(),
        /** A pointer to evidence outside GitHub (a document id, a URL). */
        evidence: z.string().min(1).max(500).optional(),
        justification: z.string().min(10).max(1000).optional(),
      }),
    )
    .optional(),
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
  assessment: assessmentSchema.optional(),
  oversight: oversightSchema.optional(),
  governance: governanceSchema.optional(),
  evidence: evidenceSchema.optional(),
  controls: controlsSchema.optional(),
});

export type ConfigFile = z.infer<typeof configFileSchema>;
export type SystemConfig = z.infer<typeof systemSchema>;
export type ExtraPackage = z.infer<typeof extraPackageSchema>;
export type GateableCategory = (typeof GATEABLE_CATEGORIES)[number];
export type TierConfig = z.infer<typeof tierSchema>;
