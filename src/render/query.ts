import { cell, code, visible } from "../util/markdown.js";
import { controlTotals, entryDate, formatQuery, searchLink, type EvidenceEntry, type EvidenceQuery } from "../evidence/query.js";

/**
 * The reply to `/aims query` (pure). A table of the matching records, newest first, totals per
 * control and the equivalent GitHub issue search. The reply always stays below `maxChars`
 * (GitHub rejects comments above 65,536 characters): rows that do not fit are left out and the
 * reply says how many.
 */

export const MAX_REPLY_CHARS = 60_000;

export interface QueryReplyInput {
  query: EvidenceQuery;
  /** Matching entries, in the order to list them. */
  matches: readonly EvidenceEntry[];
  /** Records read from the evidence repository (before filtering). */
  scanned: number;
  evidenceRepo: string;
  /** Who asked, for the @-mention. */
  login: string;
  webUrl?: string;
  appSlug?: string;
  controlTitle?: (id: string) => string | undefined;
  controlOrder?: (a: string, b: string) => number;
  /** Hidden marker placed first (the idempotency marker of the reply). */
  marker?: string;
  maxChars?: number;
}

const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

function row(e: EvidenceEntry): string {
  const r = e.record;
  const pr = r.pullRequest;
  const signers = [...new Set(r.signOffs.map((s) => `@${s.login}`))].join(", ") || "—";
  const override = r.override ? `@${r.override.login}: ${cell(clip(r.override.reason, 80))}` : "—";
  const controls = r.controls.map((c) => c.id).join(", ") || "—";
  const systems = r.systems.map((s) => s.id).join(", ") || "—";
  return `| [#${e.issue}](${e.url}) | [${cell(pr.repository)}#${pr.number}](${pr.url}) | ${entryDate(e).slice(0, 10)} | ${cell(systems)} | ${r.risk ?? "—"} | ${controls} | ${signers} | ${override} |`;
}

export function renderQueryReply(input: QueryReplyInput): string {
  const max = input.maxChars ?? MAX_REPLY_CHARS;
  const { matches } = input;
  const filters = formatQuery(input.query);
  const head: string[] = [];
  if (input.marker) head.push(input.marker);
  const what = `**${matches.length} evidence record${matches.length === 1 ? "" : "s"}** match${matches.length === 1 ? "es" : ""} ${filters ? code(filters) : "(no filters)"}`;
  head.push(`@${input.login} ${what} in ${input.evidenceRepo} (${input.scanned} record${input.scanned === 1 ? "" : "s"} read).`);
  head.push("");

  const tail: string[] = [];
  const totals = controlTotals(matches, input.controlOrder);
  if (totals.length > 0) {
    tail.push("");
    tail.push("**Totals per control**");
    tail.push("");
    tail.push("| Control | Title | Records |");
    tail.push("|---|---|---:|");
    for (const t of totals) tail.push(`| ${t.id} | ${cell(input.controlTitle?.(t.id) ?? "")} | ${t.records} |`);
  }
  const link = searchLink(input.query, input.evidenceRepo, { ...(input.webUrl ? { webUrl: input.webUrl } : {}), ...(input.appSlug ? { appSlug: input.appSlug } : {}) });
  tail.push("");
  tail.push(`[The same search on GitHub](${link.url}): \`${visible(link.q.replace(/`/g, "'").replace(/[\r\n]+/g, " "))}\``);
  if (link.caveats.length > 0) tail.push(`(GitHub's search ${link.caveats.join("; ")}; its index can also lag a few seconds behind.)`);

  if (matches.length === 0) return [...head, "No record matches.", ...tail].join("\n");

  const table = ["| Record | PR | Date | System | Risk | Controls | Signers | Overrides |", "|---|---|---|---|---|---|---|---|"];
  const fixed = [...head, ...table, ...tail].join("\n").length + 1;
  // Room for the note on rows left out (its length barely varies).
  const noteRoom = 200;
  let used = fixed + noteRoom;
  const rows: string[] = [];
  for (const e of matches) {
    const line = row(e);
    if (used + line.length + 1 > max) break;
    rows.push(line);
    used += line.length + 1;
  }
  const left = matches.length - rows.length;
  const note = left > 0 ? ["", `_${left} more row${left === 1 ? "" : "s"} left out to keep this reply within GitHub's comment size: narrow the query, or run \`aims export\` for every record._`] : [];
  return [...head, ...table, ...rows, ...note, ...tail].join("\n");
}

/** One line for users without triage permission on the evidence repository. */
export function queryRefusal(login: string, evidenceRepo: string): string {
  return `@${login} evidence queries are answered only for people with at least triage permission on ${evidenceRepo}.`;
}
