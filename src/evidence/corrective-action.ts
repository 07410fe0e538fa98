import { cell, code } from "../util/markdown.js";
import type { Override } from "../gates/types.js";
import type { EvidenceRecord } from "./record.js";

/**
 * The corrective-action issue of a nonconformity (ISO/IEC 42001 clause 10.2): every override of
 * the gates opens one in the evidence repository, with an owner and a due date, and the evidence
 * record links it. This module is its format (pure); the ledger finds or opens the issue.
 */

export const CORRECTIVE_ACTION_LABEL = "aims:corrective-action";

export type CorrectiveAction = NonNullable<NonNullable<EvidenceRecord["nonconformity"]>["correctiveAction"]>;

/** Hidden first line: `<!-- aims:corrective-action owner/repo#12 -->` (one issue per pull request). */
export function correctiveActionMarker(pullId: string): string {
  return `<!-- aims:corrective-action ${pullId} -->`;
}

const MARKER_RE = /^<!-- aims:corrective-action (\S+) -->/;

export function correctiveActionOf(body: string | null | undefined): string | undefined {
  return MARKER_RE.exec(body ?? "")?.[1];
}

const DAY_MS = 86_400_000;

/** The due date: `dueDays` after the override, as YYYY-MM-DD. */
export function dueDate(override: Pick<Override, "at">, dueDays: number): string {
  return new Date(Date.parse(override.at) + dueDays * DAY_MS).toISOString().slice(0, 10);
}

export interface CorrectiveActionInput {
  /** `owner/repo#12`: the pull request, as in its record id. */
  pullId: string;
  pullUrl: string;
  pullTitle: string;
  override: Override;
  /** A login or org/team; without one, the governance lead who overrode. */
  owner: string;
  due: string;
}

export function correctiveActionTitle(i: CorrectiveActionInput): string {
  const title = `Corrective action: gates overridden on ${i.pullId} ${i.pullTitle}`;
  return title.length <= 256 ? title : `${title.slice(0, 255)}…`;
}

export function renderCorrectiveAction(i: CorrectiveActionInput): string {
  const o = i.override;
  return [
    correctiveActionMarker(i.pullId),
    `## Nonconformity (ISO/IEC 42001 clause 10.2)`,
    "",
    `@${o.login} overrode the impact-assessment and human-oversight gates of [${cell(i.pullTitle)}](${i.pullUrl}) at ${code(o.sha)} on ${o.at}${o.url ? ` ([command](${o.url}))` : ""}.`,
    "",
    `> ${cell(o.reason)}`,
    "",
    "| | |",
    "|---|---|",
    `| Owner | ${owner(i.owner)} |`,
    `| Due | ${i.due} |`,
    "",
    "What to do, and record here:",
    "1. Correct the consequences: run the impact assessment and the human-oversight review the change skipped.",
    "2. Find the cause: why was the bypass needed, and could it happen again?",
    "3. Decide and take the action that removes the cause, then close this issue as completed.",
    "",
    "The evidence record of the pull request links this issue and counts as a nonconformity, not as a control operating.",
    "",
  ].join("\n");
}

function owner(o: string): string {
  return `@${o.replace(/^@/, "")}`;
}
