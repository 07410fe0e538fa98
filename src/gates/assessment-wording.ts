import type { Policy } from "../config/policy.js";
import type { AssessmentRecord, RecordProblem } from "./assessment-record.js";
import type { AssessmentFacts, PullRequestFacts } from "./facts.js";
import type { NextStep, Reason } from "./types.js";

/** Shapes and phrases the impact-assessment gate shares between judging one assessment and the whole gate. */

export type Severity = "failure" | "action";

/** One problem: the reasons that explain it, its short title and the next step that fixes it. */
export interface Finding {
  severity: Severity;
  title: string;
  reasons: Reason[];
  steps: NextStep[];
}

export interface Counted {
  record: AssessmentRecord;
  name: string;
  approval: { login: string; at: string; via: string };
  /** Approvals in the record the gate did not accept, with why. */
  rejected: Array<{ login: string; at: string; reason: string }>;
}

export const DAY_MS = 86_400_000;
export const TEMPLATE_HINT = "from the template policies/templates/impact-assessment.md shipped with aims-bot";

export function assessorsText(policy: Policy): string {
  const { teams, users } = policy.assessment.assessors;
  if (teams.length === 0 && users.length === 0) return "someone with write access to this repository";
  return [...teams.map((t) => `a member of @${t}`), ...users.map((u) => `@${u}`)].join(" or ");
}

export function describeProblem(where: string, p: RecordProblem, issue: boolean): string {
  if (issue) return `${where} ${p.field ? `“${p.field}” ` : ""}${p.message}`;
  const pos = p.line !== undefined ? `:${p.line}${p.column !== undefined ? `:${p.column}` : ""}` : "";
  return `${where}${pos} ${p.field ? `${p.field} ` : ""}${p.message}`;
}

export function problemLocation(where: string, p: RecordProblem): string | undefined {
  return p.line !== undefined ? `${where}:${p.line}:${p.column ?? 1}` : undefined;
}

export interface EvalContext {
  policy: Policy;
  facts: PullRequestFacts;
  af: AssessmentFacts;
  author: string;
}

/** A file or issue assessment judged on its own: the record it stands for, or the findings that stop it. */
export interface Judged {
  name: string;
  counted?: Counted;
  findings: Finding[];
  notes: Reason[];
  /** Systems the record lists (valid or not), for coverage messages. */
  systems: string[];
  id?: string;
}

export function prohibitedFinding(name: string, systems: string[]): Finding {
  const which = systems.length > 0 ? systems.join(", ") : name;
  return {
    severity: "failure",
    title: `Prohibited AI practice: ${which}`,
    reasons: [
      {
        status: "error",
        message: `${name} rates ${which} as prohibited: the EU AI Act (Art. 5) bans these practices (e.g. social scoring, manipulation exploiting vulnerabilities, untargeted facial-image scraping, emotion recognition at work or school). No assessment or sign-off can approve it.`,
      },
    ],
    steps: [`Remove the prohibited use from this change. If the rating is wrong, correct the risk level with ${which === name ? "the assessor" : "your assessors"} and explain why Art. 5 does not apply.`],
  };
}
