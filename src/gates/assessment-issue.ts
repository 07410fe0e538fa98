import { summarise, validate, type RecordParse, type RecordProblem } from "./assessment-record.js";

/** An impact assessment kept as a GitHub issue created from the "AI impact assessment" issue form. */

/** Labels of policies/templates/ai-impact-assessment.yml, as GitHub renders them (`### Label`). */
export const ISSUE_FORM_FIELDS = {
  id: "Assessment ID",
  systems: "AI systems",
  risk_level: "Risk level",
  intended_purpose: "Intended purpose",
  affected_groups: "Affected groups",
  impacts: "Impacts on individuals and groups",
  societal_impacts: "Societal and environmental impacts",
  harms: "Harms and failure modes",
  mitigations: "Mitigations",
  human_oversight: "Human oversight",
  assessors: "Assessors",
  next_review: "Next review",
  foreseeable_misuse: "Foreseeable misuse",
} as const;

type FormKey = keyof typeof ISSUE_FORM_FIELDS;

export interface FormSection {
  value: string;
  /** 1-based line of the `### Label` heading in the issue body. */
  line: number;
}

/**
 * Split an issue-form body into its fields. Only the form's own labels start a section, so a
 * `###` heading typed inside an answer stays part of that answer.
 */
export function parseIssueFormSections(body: string): Map<FormKey, FormSection> {
  const byLabel = new Map<string, FormKey>(Object.entries(ISSUE_FORM_FIELDS).map(([k, label]) => [label.toLowerCase(), k as FormKey]));
  const lines = body.replace(/\r\n?/g, "\n").split("\n");
  const sections = new Map<FormKey, FormSection>();
  let current: { key: FormKey; line: number; lines: string[] } | undefined;
  const close = () => {
    if (current && !sections.has(current.key)) sections.set(current.key, { value: current.lines.join("\n").trim(), line: current.line });
  };
  lines.forEach((raw, i) => {
    const heading = /^###\s+(.+?)\s*#*\s*$/.exec(raw);
    const key = heading ? byLabel.get(heading[1]!.toLowerCase()) : undefined;
    if (key) {
      close();
      current = { key, line: i + 1, lines: [] };
    } else current?.lines.push(raw);
  });
  close();
  return sections;
}

/** True when an issue body was rendered from the assessment form (enough of its fields are there). */
export function looksLikeAssessmentIssue(body: string): boolean {
  const sections = parseIssueFormSections(body);
  return sections.has("systems") && sections.has("intended_purpose");
}

const empty = (v: string | undefined) => v === undefined || v.trim() === "" || v.trim() === "_No response_";

/** One item per line (bullets and numbering removed). */
function lines(v: string): string[] {
  return v
    .split("\n")
    .map((l) => l.replace(/^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?/, "").trim())
    .filter((l) => l !== "");
}

/** Comma- or whitespace-separated words (system ids, logins). */
function words(v: string): string[] {
  return v
    .split(/[\s,;]+/)
    .map((w) => w.replace(/^`|`$/g, "").trim())
    .filter(Boolean);
}

/** The current application of the approval label: who applied it and when, if it is still on. */
export interface LabelApproval {
  login: string;
  at: string;
}

/**
 * Who applied `label` so that it is on the issue now: the last `labeled` event with no
 * `unlabeled` after it. Events are oldest first; label names compare case-insensitively.
 */
export function currentLabelApplication(events: ReadonlyArray<{ event: "labeled" | "unlabeled"; label: string; actor: string; createdAt: string }>, label: string): LabelApproval | undefined {
  let current: LabelApproval | undefined;
  for (const e of events) {
    if (e.label.toLowerCase() !== label.toLowerCase()) continue;
    current = e.event === "labeled" ? { login: e.actor, at: e.createdAt } : undefined;
  }
  return current;
}

/**
 * Parse an assessment issue body rendered from the issue form. The status and approvals are not
 * taken from the body (its author could write anything there): they come from `approval`, the
 * verified application of the approval label, and the gate checks who applied it.
 */
export function parseAssessmentIssue(body: string, approval: LabelApproval | undefined): RecordParse {
  const sections = parseIssueFormSections(body);
  if (!sections.has("systems") && !sections.has("intended_purpose")) {
    return {
      kind: "syntax",
      problems: [{ line: 1, message: `was not created from the AI impact assessment form: it has no “${ISSUE_FORM_FIELDS.systems}” or “${ISSUE_FORM_FIELDS.intended_purpose}” section` }],
    };
  }
  const get = (k: FormKey) => {
    const v = sections.get(k)?.value;
    return empty(v) ? undefined : v;
  };
  const value: Record<string, unknown> = {};
  const put = (key: string, v: unknown) => {
    if (v !== undefined) value[key] = v;
  };
  put("id", get("id"));
  put("systems", get("systems") && words(get("systems")!));
  put("risk_level", get("risk_level")?.trim().toLowerCase().split(/\s/)[0]);
  put("intended_purpose", get("intended_purpose"));
  put("affected_groups", get("affected_groups") && lines(get("affected_groups")!));
  put("impacts", get("impacts") && lines(get("impacts")!));
  put("societal_impacts", get("societal_impacts"));
  put("harms", get("harms") && lines(get("harms")!));
  put("mitigations", get("mitigations") && lines(get("mitigations")!));
  put("human_oversight", get("human_oversight"));
  put("assessors", get("assessors") && words(get("assessors")!));
  value.review = get("next_review") !== undefined ? { next_review: get("next_review")!.trim() } : {};
  value.status = approval ? "approved" : "in-review";
  value.approvals = approval ? [{ login: approval.login, decision: "approve", at: approval.at }] : [];

  const result = validate(value);
  if (result.ok) return { kind: "valid", record: result.record };
  const problems: RecordProblem[] = [];
  const seen = new Set<string>();
  for (const issue of result.issues) {
    const top = String(issue.path[0] ?? "");
    const key = (top === "review" ? "next_review" : top) as FormKey;
    const label = ISSUE_FORM_FIELDS[key];
    if (!label) continue;
    const missing = sections.get(key) === undefined || get(key) === undefined;
    const message = missing ? (sections.has(key) ? "is empty" : "is missing (the section is not in the issue)") : issue.message;
    const dedupe = `${label}\u0000${message}`;
    if (seen.has(dedupe)) continue;
    seen.add(dedupe);
    problems.push({
      field: label,
      ...(sections.get(key) ? { line: sections.get(key)!.line } : {}),
      message: top === "impacts" && missing ? `is empty, and so is “${ISSUE_FORM_FIELDS.harms}”: describe the impacts or harms` : message,
    });
  }
  return { kind: "invalid", summary: summarise(value), problems };
}
