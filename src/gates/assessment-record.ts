import { z } from "zod";
import { RISK_TIERS, type RiskTier } from "../config/schema.js";

/**
 * The impact assessment record (ISO/IEC 42001 A.5, DOMAIN 5.3): its fields, placeholders and
 * validation. Its two sources are read by src/gates/assessment-file.ts (a Markdown file with YAML
 * front matter, or a YAML file) and src/gates/assessment-issue.ts (the issue form). Pure.
 */

export const ASSESSMENT_STATUSES = ["draft", "in-review", "approved", "rejected", "superseded", "expired"] as const;
export type AssessmentStatus = (typeof ASSESSMENT_STATUSES)[number];

export const APPROVAL_DECISIONS = ["approve", "approve-with-conditions", "reject"] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

export interface RecordApproval {
  login: string;
  decision: ApprovalDecision;
  /** ISO date or date-time of the decision. */
  at: string;
  role?: string;
  conditions: string[];
}

/** A complete, well-formed assessment. Whether it is approved, current and authorised is the gate's call. */
export interface AssessmentRecord {
  id: string;
  version?: number;
  status: AssessmentStatus;
  systems: string[];
  riskLevel: RiskTier;
  intendedPurpose: string;
  affectedGroups: string[];
  /** One line per assessed impact (area, party, description). */
  impacts: string[];
  harms: string[];
  /** true when impacts on society or the environment were assessed (A.5.5). */
  societalImpacts: boolean;
  mitigations: string[];
  humanOversight: string;
  assessors: string[];
  approvals: RecordApproval[];
  /** YYYY-MM-DD */
  nextReview: string;
}

/** What could be read of a record that is not valid, for titles, coverage hints and risk. */
export interface RecordSummary {
  id?: string;
  systems: string[];
  riskLevel?: RiskTier;
  status?: string;
}

export interface RecordProblem {
  /** Human name of the field: `mitigations[0].measure` in a file, “Mitigations” in an issue. */
  field?: string;
  line?: number;
  column?: number;
  message: string;
}

export type RecordParse =
  /** A complete record. */
  | { kind: "valid"; record: AssessmentRecord }
  /** Well-formed text, but required fields are missing, placeholders or of the wrong shape. */
  | { kind: "invalid"; summary: RecordSummary; problems: RecordProblem[] }
  /** Not a record at all: YAML syntax errors, no front matter, not an issue form. */
  | { kind: "syntax"; problems: RecordProblem[] };

// ---------------------------------------------------------------------------------------------
// Placeholders

/** `TODO`, `TBD`, `<describe…>`, `...` and empty values mean the field was not filled in. */
export function placeholderIn(value: string): string | undefined {
  const text = value.trim();
  if (text === "" || text === "_No response_") return "is empty";
  if (/^(\.{3}|…)$/.test(text)) return `is a placeholder (${JSON.stringify(text)})`;
  const word = /\b(TODO|TBD|TBA|FIXME)\b/.exec(text);
  if (word) return `is a placeholder (${word[1]})`;
  const angle = /<[A-Za-z0-9][^<>\n]*>/.exec(text);
  if (angle) return `is a placeholder (${angle[0]})`;
  return undefined;
}

const text = z.string({ error: "expected text" }).superRefine((value, ctx) => {
  const problem = placeholderIn(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});
const optionalText = z.string().optional();

const login = z
  .string({ error: "expected a GitHub login" })
  .transform((s) => s.trim().replace(/^@/, ""))
  .pipe(z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/, "expected a GitHub login such as @octocat"));

const systemId = z
  .string({ error: "expected a system id" })
  .transform((s) => s.trim())
  .pipe(z.string().regex(/^[a-z0-9][a-z0-9._-]{0,49}$/, "expected a system id from `systems:` in .github/aims.yml, e.g. support-chatbot"));

function isCalendarDate(s: string): boolean {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** A date as YYYY-MM-DD. YAML 1.2 keeps unquoted dates as strings; a Date is accepted too. */
const date = z.union([z.string(), z.date()], { error: "expected a date as YYYY-MM-DD" }).transform((v, ctx) => {
  const s = v instanceof Date ? v.toISOString().slice(0, 10) : v.trim();
  const problem = placeholderIn(s);
  if (problem) {
    ctx.addIssue({ code: "custom", message: problem });
    return z.NEVER;
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s) || !isCalendarDate(s)) {
    ctx.addIssue({ code: "custom", message: `expected a date as YYYY-MM-DD, got ${JSON.stringify(s)}` });
    return z.NEVER;
  }
  return s;
});

/** A date or date-time; normalised to ISO 8601. */
const instant = z.union([z.string(), z.date()], { error: "expected a date such as 2026-06-02 or 2026-06-02T10:00Z" }).transform((v, ctx) => {
  if (v instanceof Date) return v.toISOString();
  const s = v.trim();
  const problem = placeholderIn(s);
  if (problem) {
    ctx.addIssue({ code: "custom", message: problem });
    return z.NEVER;
  }
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(s);
  if (!/^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(s) || (dateOnly && !isCalendarDate(s)) || Number.isNaN(Date.parse(s))) {
    ctx.addIssue({ code: "custom", message: `expected a date such as 2026-06-02 or 2026-06-02T10:00Z, got ${JSON.stringify(s)}` });
    return z.NEVER;
  }
  return new Date(dateOnly ? `${s}T00:00:00Z` : s).toISOString();
});

const list = <T extends z.ZodType>(item: T, what: string) =>
  z.array(item, { error: `expected a list of ${what}` }).min(1, `list at least one ${what.replace(/s$/, "")}`);

const groupEntry = z.union([text, z.looseObject({ group: text, vulnerable: z.boolean().optional() })]).transform((g) =>
  typeof g === "string" ? g.trim() : `${g.group.trim()}${g.vulnerable ? " (vulnerable)" : ""}`,
);

const SOCIETAL = /societ|environment/i;

const impactEntry = z
  .union([
    text,
    z.looseObject({
      area: text,
      party: optionalText,
      direction: optionalText,
      severity: z.union([z.number(), z.string()]).optional(),
      likelihood: z.union([z.number(), z.string()]).optional(),
      description: text.optional(),
    }),
  ])
  .transform((i) => {
    if (typeof i === "string") return { line: i.trim(), societal: SOCIETAL.test(i) };
    const who = i.party ? ` on ${i.party}` : "";
    const line = `${i.area}${who}${i.description ? `: ${i.description.trim()}` : ""}`;
    return { line, societal: SOCIETAL.test(i.area) || SOCIETAL.test(i.party ?? "") };
  });

const mitigationEntry = z
  .union([text, z.looseObject({ measure: text, id: optionalText, owner: optionalText, status: optionalText })])
  .transform((m) => (typeof m === "string" ? m.trim() : `${m.id ? `${m.id}: ` : ""}${m.measure.trim()}`));

const oversight = z
  .union([text, z.looseObject({ mode: text, override: optionalText, escalation: optionalText, overseers: z.array(z.string()).optional() })])
  .transform((o) => (typeof o === "string" ? o.trim() : [o.mode, o.override, o.escalation].filter(Boolean).join("; ")));

const assessorEntry = z.union([login, z.looseObject({ login, role: optionalText })]).transform((a) => (typeof a === "string" ? a : a.login));

const approvalEntry = z.looseObject({
  login,
  decision: z.enum(APPROVAL_DECISIONS).optional(),
  at: instant,
  role: optionalText,
  conditions: z.array(z.string()).optional(),
});

const recordSchema = z
  .looseObject({
    id: text,
    version: z.number().int().min(1).optional(),
    status: z.enum(ASSESSMENT_STATUSES),
    systems: z.union([systemId.transform((s) => [s]), list(systemId, "system ids")]),
    risk_level: z.enum(RISK_TIERS),
    intended_purpose: text,
    affected_groups: list(groupEntry, "affected groups"),
    impacts: list(impactEntry, "impacts").optional(),
    harms: list(text, "harms").optional(),
    societal_impacts: z.union([text, list(text, "societal impacts")]).optional(),
    mitigations: list(mitigationEntry, "mitigations"),
    human_oversight: oversight,
    assessors: list(assessorEntry, "assessors"),
    approvals: z.array(approvalEntry, { error: "expected a list of approvals (login, decision, at)" }),
    review: z.looseObject({ next_review: date }, { error: "expected a mapping with next_review" }),
  })
  .transform(
    (r): AssessmentRecord => ({
      id: r.id.trim(),
      ...(r.version !== undefined ? { version: r.version } : {}),
      status: r.status,
      systems: [...new Set(r.systems)],
      riskLevel: r.risk_level,
      intendedPurpose: r.intended_purpose.trim(),
      affectedGroups: r.affected_groups,
      impacts: (r.impacts ?? []).map((i) => i.line),
      harms: (r.harms ?? []).map((h) => h.trim()),
      societalImpacts: r.societal_impacts !== undefined || (r.impacts ?? []).some((i) => i.societal),
      mitigations: r.mitigations,
      humanOversight: r.human_oversight,
      assessors: r.assessors,
      approvals: r.approvals.map((a) => ({
        login: a.login,
        decision: a.decision ?? "approve",
        at: a.at,
        ...(a.role ? { role: a.role } : {}),
        conditions: a.conditions ?? [],
      })),
      nextReview: r.review.next_review,
    }),
  );

/** Lenient reading of the fields that identify a record, for messages about an invalid one. */
export function summarise(value: unknown): RecordSummary {
  const v = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  const systems = Array.isArray(v.systems) ? v.systems : typeof v.systems === "string" ? [v.systems] : [];
  const risk = typeof v.risk_level === "string" ? v.risk_level.trim().toLowerCase() : undefined;
  const id = typeof v.id === "string" && !placeholderIn(v.id) ? v.id.trim() : undefined;
  return {
    ...(id ? { id } : {}),
    systems: systems.filter((s): s is string => typeof s === "string").map((s) => s.trim()),
    ...(risk && (RISK_TIERS as readonly string[]).includes(risk) ? { riskLevel: risk as RiskTier } : {}),
    ...(typeof v.status === "string" ? { status: v.status } : {}),
  };
}

type Issue = z.core.$ZodIssue;

export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), "");
}

function describe(issue: Issue): string {
  const input = (issue as { input?: unknown }).input;
  const placeholder = typeof input === "string" ? placeholderIn(input) : undefined;
  if (placeholder && issue.code !== "custom") return placeholder;
  const missing = (issue.code === "invalid_type" || issue.code === "invalid_value") && issue.input === undefined;
  if (missing) return "is required";
  switch (issue.code) {
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_type":
      return issue.message.startsWith("Invalid input") ? `expected ${issue.expected}` : issue.message;
    case "invalid_union": {
      // Report the branch the author most likely meant: the one that got furthest.
      const deepest = issue.errors.flat().sort((a, b) => b.path.length - a.path.length)[0];
      return deepest ? describe(deepest) : "has the wrong shape";
    }
    default:
      return issue.message;
  }
}

/** Flatten union errors so a problem in `mitigations[0].measure` is reported there, not at `mitigations[0]`. */
function flatten(issues: readonly Issue[], prefix: PropertyKey[] = []): Array<{ path: PropertyKey[]; message: string }> {
  const out: Array<{ path: PropertyKey[]; message: string }> = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      // Prefer the object branch when the value is an object (deeper paths), else the first.
      const branches = issue.errors.filter((b) => b.length > 0);
      const best = branches.sort((a, b) => Math.max(...b.map((i) => i.path.length)) - Math.max(...a.map((i) => i.path.length)))[0];
      if (best) {
        out.push(...flatten(best, path));
        continue;
      }
    }
    out.push({ path, message: describe(issue) });
  }
  return out;
}

export function validate(value: unknown): { ok: true; record: AssessmentRecord } | { ok: false; issues: Array<{ path: PropertyKey[]; message: string }> } {
  const parsed = recordSchema.safeParse(value, { reportInput: true });
  // Checked here rather than in a refinement, which zod skips while other fields fail.
  const v = value as Record<string, unknown>;
  const either =
    v.impacts === undefined && v.harms === undefined
      ? [{ path: ["impacts"], message: "(or harms) is required: list the assessed impacts or harms" }]
      : [];
  if (parsed.success && either.length === 0) return { ok: true, record: parsed.data };
  return { ok: false, issues: [...(parsed.success ? [] : flatten(parsed.error.issues)), ...either] };
}
