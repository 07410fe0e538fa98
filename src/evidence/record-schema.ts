import { z } from "zod";

/**
 * The evidence record: one per governed pull request, stored as a GitHub issue in the evidence
 * repository. This module is the record's format and nothing else (pure): the zod schema with its
 * version, canonical JSON and the sha256 hash that chains finalised records, and the issue body
 * (a readable summary, a hidden marker with the record id and a fenced JSON block) with its parser.
 *
 * Tools that read records (query, dashboard, `aims export`, `aims verify`) use parseRecordBody and
 * the types here. Version 2 adds what makes a record re-performable (policy and assessment blobs,
 * content hashes, versions, check-run ids, why each approver counted), the nonconformity of an
 * override and the Ed25519 signature; every v2 field is optional so v1 records still parse.
 */

export const EVIDENCE_SCHEMA_VERSION = 2;
/** Versions this code reads: v1 records (before pinning and signatures) stay readable. */
export const READABLE_VERSIONS = [1, 2] as const;

/** Label on every evidence issue; the store lists issues by it. */
export const EVIDENCE_LABEL = "aims:evidence";
/**
 * On every record with an override in effect, whatever its state: `state:` is the record's life
 * (`open` while the pull request is open, `overridden` once it is merged under the override), so an
 * open pull request passing under an override is found with this label.
 */
export const OVERRIDE_LABEL = "aims:override";
/** On every record whose pull request bypassed the gates: a nonconformity (clause 10.2). */
export const NONCONFORMITY_LABEL = "aims:nonconformity";

/** GitHub rejects bodies above 65,536 characters; stay clearly below. */
export const MAX_BODY_CHARS = 60_000;

export const RECORD_STATES = ["open", "merged", "closed", "overridden"] as const;
export type RecordState = (typeof RECORD_STATES)[number];

/** States in which a record is final and part of the hash chain. */
export const FINAL_STATES: readonly RecordState[] = ["merged", "closed", "overridden"];

const sha = z.string().regex(/^[0-9a-f]{40}$/, "a 40-character commit SHA");
const hash = z.string().regex(/^[0-9a-f]{64}$/, "a sha256 hex digest");
const isoTime = z.string().min(10).max(40);
const text = (max: number) => z.string().max(max);
const risk = z.enum(["minimal", "limited", "high", "prohibited"]);
const conclusion = z.enum(["success", "failure", "action_required"]);
const blobSha = z.string().regex(/^[0-9a-f]{40}$/, "a 40-character Git blob id");

const lfsSchema = z.strictObject({ oid: z.string().max(100), size: z.number().int().nonnegative() });
const dvcSchema = z.strictObject({
  path: text(1000),
  md5: text(100).optional(),
  hash: text(100).optional(),
  size: z.number().int().nonnegative().optional(),
  remote: text(1000).optional(),
});
const dependencySchema = z.strictObject({
  ecosystem: text(50),
  name: text(300),
  kind: text(50),
  supplier: text(200),
  change: z.enum(["added", "removed", "upgraded", "downgraded", "source-changed", "constraint-changed", "scope-changed"]),
  from: text(300).optional(),
  to: text(300).optional(),
  manifests: z.array(text(1000)).max(20),
});

/** AI use in code: what changed, where, the provider it sends data to and the model ids. */
const codeSchema = z.strictObject({
  kind: text(40),
  change: text(40),
  line: z.number().int().min(0),
  cell: z.number().int().min(0).optional(),
  provider: text(60).optional(),
  providerName: text(100).optional(),
  hosted: z.boolean().optional(),
  model: text(300).optional(),
  fromModel: text(300).optional(),
});

export const changeSchema = z.strictObject({
  path: text(1000),
  previousPath: text(1000).optional(),
  status: text(20),
  category: z.enum(["model", "model-metadata", "dataset", "prompt", "ai-tooling", "governance-policy", "dependency", "code"]),
  system: text(60),
  rule: text(100),
  gated: z.boolean(),
  lfs: lfsSchema.optional(),
  dvc: z.array(dvcSchema).max(50).optional(),
  dependency: dependencySchema.optional(),
  code: codeSchema.optional(),
});

export const assessmentRefSchema = z.strictObject({
  /** The assessment's own id, e.g. AIA-2026-014. */
  id: text(200),
  version: z.number().int().optional(),
  source: z.enum(["file", "issue"]),
  /** Path (file) or owner/repo#number (issue). */
  ref: text(1000),
  /** Commit the file version was read at (files only). */
  sha: sha.optional(),
  status: text(40),
  systems: z.array(text(60)).max(100),
  risk: risk.optional(),
  /** review.next_review of the version relied on (YYYY-MM-DD). */
  nextReview: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  /** Git blob id of the file version relied on (files only). */
  blobSha: blobSha.optional(),
  /** sha256 of the exact text relied on: the file, or the issue body. */
  sha256: hash.optional(),
  /** Issues only: when GitHub last saw the body edited, as read. */
  updatedAt: isoTime.optional(),
  /** Approvals the gate accepted, each with why the approver counted (`via`). */
  approvedBy: z.array(z.strictObject({ login: text(60), at: text(40), decision: text(40).optional(), via: text(200).optional() })).max(20),
  /** Approvals written in the assessment that the gate did not accept, with why. */
  rejected: z.array(z.strictObject({ login: text(60), at: text(40), reason: text(300) })).max(20).optional(),
});

export const signOffSchema = z.strictObject({
  login: text(60),
  method: z.enum(["review", "comment"]),
  sha,
  at: isoTime,
  team: text(200).optional(),
  /** Why the signer counted, as GitHub reported it at evaluation: team membership, listed user, permission. */
  via: text(200).optional(),
  rationale: text(2000).optional(),
  url: text(500).optional(),
});

export const overrideSchema = z.strictObject({
  login: text(60),
  at: isoTime,
  sha,
  reason: text(2000),
  url: text(500).optional(),
});

export const checkSchema = z.strictObject({
  name: text(200),
  status: text(20),
  conclusion: text(20).nullable(),
  /** Slug and id of the GitHub App that ran it: a check counts as verification only from the app the policy names. */
  app: text(100).optional(),
  appId: z.number().int().nonnegative().optional(),
  runId: z.number().int().nonnegative().optional(),
  url: text(500).optional(),
});

export const nonconformitySchema = z.strictObject({
  clause: z.literal("10.2"),
  kind: z.literal("override"),
  /** What happened, in one line. */
  summary: text(1000),
  /** The corrective-action issue, once opened. */
  correctiveAction: z
    .strictObject({ repository: text(200), issue: z.number().int().positive(), url: text(500), owner: text(100), due: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) })
    .nullable(),
});

export const signatureSchema = z.strictObject({
  alg: z.literal("ed25519"),
  /** First 16 hex digits of the sha256 of the public key (SPKI DER). */
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  /** Base64 Ed25519 signature over `aims-evidence-record v1\n<hash>`. */
  value: z.string().regex(/^[A-Za-z0-9+/]{86}==$/),
});

export const recordSchema = z.strictObject({
  schemaVersion: z.union(READABLE_VERSIONS.map((v) => z.literal(v)) as [z.ZodLiteral<1>, z.ZodLiteral<2>]),
  /** aims-bot and Annex A catalogue versions the record was judged with. */
  generator: z.strictObject({ aimsBot: text(40), catalogue: text(40) }).optional(),
  /** `owner/repo#number`, `owner/repo#number~2` for the record of a reopened pull request. */
  id: text(300),
  pullRequest: z.strictObject({
    repository: text(200),
    number: z.number().int().positive(),
    title: text(256),
    url: text(500),
    author: text(60),
    baseRef: text(300),
    baseSha: sha,
    headSha: sha,
    /** Merge commit, once merged. */
    mergeSha: sha.nullable(),
    /** When GitHub closed or merged the pull request; null while open. */
    closedAt: isoTime.nullable(),
  }),
  /** Where the policy that judged the pull request came from: the base branch at baseSha. */
  policy: z.strictObject({
    sources: z
      .array(z.strictObject({ repository: text(200), path: text(500), ref: text(300).optional(), builtIn: z.boolean().optional(), blobSha: blobSha.optional() }))
      .max(10),
  }),
  /** AI systems the change touches with their effective risk tier. */
  systems: z.array(z.strictObject({ id: text(60), risk })).max(100),
  /** Highest tier over the systems; null when no system is affected. */
  risk: risk.nullable(),
  changes: z.strictObject({
    /** Every AI change detected. */
    total: z.number().int().nonnegative(),
    byCategory: z.record(z.string(), z.number().int().nonnegative()),
    /** The changes listed below; fewer than total when the body would be too long (the PR has them all). */
    items: z.array(changeSchema),
  }),
  assessment: z.strictObject({
    conclusion,
    title: text(500),
    records: z.array(assessmentRefSchema).max(20),
  }),
  gates: z
    .array(z.strictObject({ gate: z.enum(["impact-assessment", "human-oversight"]), name: text(100), conclusion, title: text(500) }))
    .max(2),
  signOffs: z.array(signOffSchema).max(50),
  override: overrideSchema.nullable(),
  /** Other check runs on the head SHA at finalisation (tests, evaluations), by name. */
  checks: z.array(checkSchema).max(200),
  /** Annex A controls this pull request evidences, each with the fact behind it. */
  controls: z.array(z.strictObject({ id: z.string().regex(/^(?:A\.\d+\.\d+(?:\.\d+)?|\d+(?:\.\d+)*)$/), reason: text(1000) })).max(60),
  state: z.enum(RECORD_STATES),
  /** Set when the gates were overridden: the record evidences a nonconformity, no control. */
  nonconformity: nonconformitySchema.nullable().optional(),
  /** Chain fields: set when the record is finalised, null while open. */
  seq: z.number().int().positive().nullable(),
  prev: hash.nullable(),
  hash: hash.nullable(),
  /** Ed25519 signature of the hash by the app's key; null when the app holds no key. */
  signature: signatureSchema.nullable().optional(),
});

export type EvidenceRecord = z.infer<typeof recordSchema>;
export type EvidenceChange = z.infer<typeof changeSchema>;
export type AssessmentRef = z.infer<typeof assessmentRefSchema>;

export function isFinal(record: Pick<EvidenceRecord, "state">): boolean {
  return FINAL_STATES.includes(record.state);
}

/** A record that shows controls operating: merged, not overridden (closed and overridden ones claim nothing). */
export function isOperating(record: Pick<EvidenceRecord, "state" | "override" | "nonconformity">): boolean {
  return record.state === "merged" && !record.override && !record.nonconformity;
}
