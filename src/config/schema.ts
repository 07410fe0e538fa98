import { z } from "zod";
import { aiPackageEntriesSchema, aiPackageEntrySchema, dependencyIgnoreProblem } from "../detect/catalogue.js";
import { codeRuleSchema } from "../detect/code/rules.js";
import { validateGlob } from "../detect/glob.js";
import { CATEGORIES } from "../detect/types.js";

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
  id: systemId.describe("Identifier used in assessments (`systems: [id]`), labels (`ai-system:<id>`) and check summaries."),
  name: z.string().min(1).describe("Human name shown in checks and evidence."),
  paths: z
    .array(glob)
    .min(1, "list at least one path glob that belongs to this system")
    .describe("Globs of the files that belong to the system; a file belongs to the system whose glob matches it most specifically."),
  risk: z
    .enum(RISK_TIERS)
    .describe("Risk tier: picks the human-oversight tier (oversight.tiers) and the assessment's expected risk level; prohibited blocks every change."),
  owner: z.string().min(1).optional().describe("Accountable team or person (`@org/team` or `@login`), pre-filled into new assessments."),
  description: z.string().optional().describe("What the system does, pre-filled into new assessments."),
});

const categoryRules = (what: string) =>
  z
    .strictObject({
      include: z.array(glob).optional().describe(`Globs of extra files detected as ${what}, tried before the built-in rules.`),
      ignore: z.array(glob).optional().describe(`Globs of files never detected as ${what}.`),
    })
    .optional()
    .describe(`Extra detection rules for ${what}.`);

/** Extra AI packages use exactly the catalogue's entry format (policies/ai-packages.yml). */
export const extraPackageSchema = aiPackageEntrySchema;

/** Every category can gate (`detect.gate`). */
export const GATEABLE_CATEGORIES = CATEGORIES;

const detectSchema = z.strictObject({
  model: categoryRules("model files (weights, checkpoints, exported models)"),
  "model-metadata": categoryRules("model metadata (model cards, configs, evaluation reports)"),
  dataset: categoryRules("datasets (training, evaluation and reference data)"),
  prompt: categoryRules("prompts (prompt templates, system prompts)"),
  "ai-tooling": categoryRules("AI tooling files (coding-agent instructions, MCP configuration)"),
  dependencies: z
    .strictObject({
      extra: aiPackageEntriesSchema
        .optional()
        .describe("AI packages to detect in addition to the built-in catalogue (policies/ai-packages.yml), in its entry format."),
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
        .optional()
        .describe("Packages never detected as AI dependencies: `ecosystem:name`, `ecosystem:pattern*`, or a bare name or pattern for every ecosystem."),
    })
    .optional()
    .describe("AI dependencies read from manifests and lockfiles."),
  code: z
    .strictObject({
      extra: z.array(codeRuleSchema).optional().describe("Extra rules for AI use in source code, in the policies/code-rules.yml format."),
      ignore: z.array(z.string().min(1, "a rule id cannot be empty")).optional().describe("Ids of code rules never applied."),
    })
    .optional()
    .describe("AI use in source code and notebooks: extra rules, and rule ids to silence."),
  /** Categories whose changes require the gates; the others are reported only. */
  gate: z
    .array(z.enum(GATEABLE_CATEGORIES))
    .optional()
    .describe("Categories whose changes need an impact assessment and sign-off; changes of other categories are reported only."),
});

const login = z.string().regex(/^@?[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/, "a GitHub login, e.g. octocat");
const teamRef = z.string().regex(/^@?[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, "a team as org/team-slug, e.g. acme/ai-governance");

/** Who may act: members of any listed team or any listed user. Empty lists mean "anyone with write access". */
const principals = (who: string, anyone: string) =>
  z
    .strictObject({
      teams: z.array(teamRef).optional().describe(`Teams (org/team-slug) whose active members are ${who}.`),
      users: z.array(login).optional().describe(`GitHub logins of people who are ${who}.`),
    })
    .optional()
    .describe(`Who is ${who}: any member of a listed team or any listed user. Both empty: ${anyone}.`);

const tierSchema = (tier: string) =>
  z
    .strictObject({
      required: z.number().int().min(0).max(10).optional().describe("Sign-offs needed, from distinct people other than the pull request's author."),
      teams: z.array(teamRef).optional().describe("Teams (org/team-slug) whose active members may sign off; with users, both empty means anyone with write access."),
      users: z.array(login).optional().describe("GitHub logins who may sign off."),
      distinct_teams: z.boolean().optional().describe("Each counted sign-off must come from a different listed team."),
      invalidate_on_push: z.boolean().optional().describe("A push after a sign-off makes it stale."),
      keep_when_ai_unchanged: z
        .boolean()
        .optional()
        .describe("With invalidate_on_push: a sign-off stays valid when no AI-relevant file changed since the signed commit."),
      require_rationale: z.boolean().optional().describe("A sign-off counts only with a rationale (review text, or text after `/aims sign-off`)."),
    })
    .optional()
    .describe(`Sign-off rules for changes to ${tier}-risk systems.`);

const assessmentSchema = z.strictObject({
  link: z
    .enum(["required", "auto"])
    .optional()
    .describe("required: the pull request description must link an assessment (`Impact-Assessment: <path or #issue>`); auto: an approved, current assessment registered for each affected system is enough."),
  directory: z.string().min(1).optional().describe("Folder of Markdown assessments with YAML front matter, where `aims assess init` writes new ones."),
  assessors: principals("allowed to approve impact assessments", "anyone with write access except the pull request's author"),
  approval_label: z.string().min(1).max(50).optional().describe("Label that marks an assessment issue approved, when an assessor applies it."),
  max_age_days: z.number().int().min(1).max(3650).optional().describe("An assessment approved longer ago than this has expired and no longer counts."),
});

const oversightSchema = z.strictObject({
  tiers: z
    .strictObject({
      minimal: tierSchema("minimal"),
      limited: tierSchema("limited"),
      high: tierSchema("high"),
    })
    .optional()
    .describe("Human sign-off per risk tier; a change takes the highest tier of the systems it touches (changes outside every system: high)."),
  governance: principals("allowed to `/aims override <reason>` both gates (break glass, recorded as evidence)", "repository admins"),
});

const governanceSchema = z.strictObject({
  owners: principals(
    "the governance owners, who approve changes to this policy (.github/aims.yml and the files it extends) instead of an impact assessment",
    "oversight.governance, and when that is empty too, repository admins",
  ),
});

const evidenceSchema = z.strictObject({
  repository: z
    .string()
    .regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, "owner/name of a repository")
    .optional()
    .describe("owner/name of the repository that holds the evidence issues; default: each pull request's own repository."),
  enabled: z.boolean().optional().describe("Write one evidence record (an issue) per governed pull request."),
  while_open: z
    .boolean()
    .optional()
    .describe(
      "Also keep the record current while the pull request is open (one more write whenever its content changes, and a dashboard refresh). Default false: the record is written when the pull request closes, and at once when it is overridden.",
    ),
});

const controlId = z.string().regex(/^A\.\d+\.\d+(\.\d+)?$/, "an Annex A control id such as A.6.2.5");

/** A check run named by the policy: its name and the slug of the GitHub App that runs it. */
const namedCheck = z.strictObject({
  name: z.string().min(1).max(200).describe("The check run's name."),
  app: z.string().regex(/^[a-z0-9][a-z0-9-]{0,99}$/, "the slug of the GitHub App that creates the check run, e.g. github-actions")
    .describe("The slug of the GitHub App that creates the check run, e.g. github-actions."),
});
const namedChecks = (what: string) =>
  z
    .strictObject({
      checks: z.array(namedCheck).max(50).optional().describe(`Check runs (name and the slug of the app that runs them) that count as ${what}.`),
    })
    .optional()
    .describe(`Check runs that are ${what}.`);

export const IMPLEMENTATION_STATUSES = ["implemented", "partially", "planned", "organisational"] as const;

const controlsSchema = z.strictObject({
  exclude: z
    .array(
      z.strictObject({
        id: controlId.describe("The Annex A control id, e.g. A.6.2.5."),
        justification: z
          .string()
          .min(10, "give a justification of at least a sentence")
          .describe("Why the control does not apply, as the statement of applicability shows it."),
      }),
    )
    .optional()
    .describe("Annex A controls excluded from the statement of applicability, each with its justification."),
  verification: namedChecks("verification and validation of the AI system (A.6.2.4)"),
  data_quality: namedChecks("data quality validation (A.7.4)"),
  nonconformity: z
    .strictObject({
      owner: z.union([login, teamRef]).optional().describe("Who owns each corrective action: a login or org/team."),
      due_days: z.number().int().min(1).max(365).optional().describe("Days until a corrective action is due."),
    })
    .optional()
    .describe("The corrective action opened for every override, which is a nonconformity (clause 10.2)."),
  statement: z
    .strictObject({
      version: z.string().min(1).max(50).optional().describe("Version of the statement of applicability."),
      approved_by: z.string().min(1).max(100).optional().describe("Who approved the statement of applicability."),
      approved_on: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date as YYYY-MM-DD").optional().describe("When it was approved, as YYYY-MM-DD."),
    })
    .optional()
    .describe("The statement of applicability's own document control (clause 6.1.3 d)."),
  implementation: z
    .record(
      controlId,
      z.strictObject({
        status: z.enum(IMPLEMENTATION_STATUSES).describe("How the control is implemented."),
        owner: z.string().min(1).max(100).optional().describe("Who owns the control."),
        evidence: z.string().min(1).max(500).optional().describe("Where evidence kept outside GitHub lives (a document id, a URL)."),
        justification: z.string().min(10).max(1000).optional().describe("Why the control is implemented this way."),
      }),
    )
    .optional()
    .describe("Per Annex A control id: how it is implemented, by whom, and where evidence kept outside GitHub lives."),
});

// Deployments (src/deploy): the custom deployment protection rule.
const approversSchema = z
  .strictObject({
    minimal: principals("allowed to approve deployments of changes to minimal-risk systems", "no approver is needed"),
    limited: principals("allowed to approve deployments of changes to limited-risk systems", "no approver is needed"),
    high: principals("allowed to approve deployments of changes to high-risk systems", "no approver is needed"),
  })
  .optional()
  .describe("Per risk tier: who must approve a deployment (in the workflow run's review) that ships changes to a system of that tier; never an author of those changes. A tier not listed needs no approver.");

const environmentRulesSchema = {
  allow_overridden: z
    .boolean()
    .optional()
    .describe("false: a pull request merged under an override blocks the deployment while its corrective action is open; true: it does not."),
  approvers: approversSchema,
};

export const deploymentEnvironmentSchema = z.union([
  z.string().min(1).max(255).describe("An environment name, with the rules of the deployments section."),
  z.strictObject({ name: z.string().min(1).max(255).describe("The environment's name (compared without regard to case, as GitHub does)."), ...environmentRulesSchema }),
]);

const deploymentsSchema = z.strictObject({
  environments: z
    .array(deploymentEnvironmentSchema)
    .max(100)
    .optional()
    .describe("Environments aims-bot gates: a name, or a name with its own allow_overridden and approvers."),
  ...environmentRulesSchema,
  other_environments: z
    .enum(["approve", "reject"])
    .optional()
    .describe("What aims-bot answers for an environment not listed: approve (with a note; GitHub's other rules decide) or reject."),
  max_commits: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .optional()
    .describe("Commits read per deployment since the last successful one, at most; a longer range is rejected with the reason."),
});

export const configFileSchema = z.strictObject({
  _extends: z
    .string()
    .min(1)
    .optional()
    .describe("Another policy to start from: `repo`, `owner/repo` or `owner/repo:path/to/file.yml`; this file's keys override it."),
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
    })
    .describe("The AI inventory: each AI system with the paths that belong to it and its risk tier. AI changes outside every system are outside any registered system."),
  detect: detectSchema.optional().describe("What counts as an AI change, beyond the built-in detection rules."),
  ignore: z
    .array(glob)
    .optional()
    .describe("Globs of paths never governed (vendored code, build output, fixtures); replaces the built-in list."),
  assessment: assessmentSchema.optional().describe("Impact assessments (aims/impact-assessment): where they live, who approves them, how long an approval lasts."),
  oversight: oversightSchema.optional().describe("Human oversight (aims/human-oversight): who signs off which risk tier, and who may override."),
  governance: governanceSchema.optional().describe("Who governs this policy itself."),
  evidence: evidenceSchema.optional().describe("Evidence records: one issue per governed pull request, chained and hashed."),
  controls: controlsSchema.optional().describe("The statement of applicability of the Annex A controls."),
  deployments: deploymentsSchema.optional().describe("The deployment gate: which environments aims-bot approves or rejects deployments to, and on what rules."),
});

export type ConfigFile = z.infer<typeof configFileSchema>;
export type SystemConfig = z.infer<typeof systemSchema>;
export type ExtraPackage = z.infer<typeof extraPackageSchema>;
export type GateableCategory = (typeof GATEABLE_CATEGORIES)[number];
export type TierConfig = NonNullable<z.infer<ReturnType<typeof tierSchema>>>;
export type DeploymentsConfig = z.infer<typeof deploymentsSchema>;
