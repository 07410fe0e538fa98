/**
 * `/aims <command>` in pull request comments. Pure: text in, a discriminated union out.
 *
 * A line of a comment that starts with `/aims` (outside code blocks, HTML comments and quotes, so
 * quoting someone else's command never repeats it) is a command; the rest of that line and the
 * lines after it are its argument (a rationale or reason may span several lines).
 *
 * One command per comment. An argument ends before the next line that starts with `/aims`, and a
 * comment with two or more such lines is malformed as a whole: none of its commands takes effect
 * (`/aims sign-off ok` followed by `/aims revoke` neither signs off nor revokes) and it gets one
 * usage reply saying so. Guessing which one was meant could sign off or withdraw by accident.
 *
 * Adding a command means adding one entry to COMMANDS and one variant to AimsCommand (to GateCommand
 * in src/gates/facts.ts when the oversight gate reads it).
 */

import { loadCatalogue } from "../controls/catalogue.js";
import { parseQuery, QUERY_USAGE, type EvidenceQuery } from "../evidence/query.js";
import type { GateCommand } from "../gates/facts.js";

export type AimsCommand =
  | GateCommand
  | { kind: "approve"; reason: string }
  | { kind: "query"; query: EvidenceQuery }
  | { kind: "unknown"; name: string; usage: string }
  | { kind: "malformed"; name: string; message: string; usage: string };

export type CommandKind = AimsCommand["kind"];

interface CommandSpec {
  /** `/aims sign-off <rationale>` */
  usage: string;
  summary: string;
  parse(args: string): AimsCommand;
}

/** An override reason must be at least a sentence: this many characters and words. */
export const MIN_REASON_CHARS = 20;
export const MIN_REASON_WORDS = 3;

/** True when a reason reads like a sentence rather than a token (`ok`, `urgent!!!`). */
export function isSubstantive(text: string): boolean {
  const t = text.trim();
  const words = t.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w));
  return t.length >= MIN_REASON_CHARS && words.length >= MIN_REASON_WORDS;
}

const COMMANDS: Record<string, CommandSpec> = {
  "sign-off": {
    usage: "/aims sign-off <rationale>",
    summary: "sign off this pull request at its latest commit (the rationale is required on high-risk systems)",
    parse: (args) => ({ kind: "sign-off", rationale: args }),
  },
  revoke: {
    usage: "/aims revoke",
    summary: "withdraw your earlier sign-offs (and override) on this pull request",
    parse: () => ({ kind: "revoke" }),
  },
  override: {
    usage: "/aims override <reason>",
    summary: "governance only: pass both gates at the latest commit (break glass, recorded)",
    parse: (args) =>
      isSubstantive(args)
        ? { kind: "override", reason: args }
        : {
            kind: "malformed",
            name: "override",
            message:
              args === ""
                ? "an override needs a reason"
                : `the reason must be at least a sentence (${MIN_REASON_CHARS} characters and ${MIN_REASON_WORDS} words)`,
            usage: usageOf("override"),
          },
  },
  approve: {
    usage: "/aims approve <reason>",
    summary: "on a direct-push tracking issue, governance owners only: let an AI change pushed without a pull request be deployed (recorded as a nonconformity)",
    parse: (args) =>
      isSubstantive(args)
        ? { kind: "approve", reason: args }
        : {
            kind: "malformed",
            name: "approve",
            message: args === "" ? "an approval needs a reason" : `the reason must be at least a sentence (${MIN_REASON_CHARS} characters and ${MIN_REASON_WORDS} words)`,
            usage: usageOf("approve"),
          },
  },
  query: {
    usage: QUERY_USAGE,
    summary: "in the evidence repository: list the evidence records that match the filters, with totals per control",
    parse: (args) => {
      const catalogue = loadCatalogue();
      const parsed = parseQuery(args, [...catalogue.controls.map((c) => c.id), ...catalogue.clauses.map((c) => c.id)]);
      return parsed.ok ? { kind: "query", query: parsed.query } : { kind: "malformed", name: "query", message: parsed.message, usage: usageOf("query") };
    },
  },
};

/** Spellings people type for the same command. */
const ALIASES: Record<string, string> = { signoff: "sign-off", sign_off: "sign-off", "sign-off": "sign-off" };

function usageOf(name: string): string {
  return COMMANDS[name]!.usage;
}

/** Every command with its usage, one per line, for replies. */
export function usageText(): string {
  return Object.values(COMMANDS)
    .map((c) => `- \`${c.usage}\`: ${c.summary}`)
    .join("\n");
}

/**
 * The command line and what follows it, or undefined when the comment holds no `/aims` line.
 * `others` lists every further `/aims` line (the comment is then malformed: one command per comment).
 */
function commandLine(body: string): { line: string; rest: string; others: string[] } | undefined {
  const lines = body.replace(/\r\n?/g, "\n").split("\n");
  const found = commandLines(lines);
  const first = found[0];
  if (first === undefined) return undefined;
  return { line: lines[first]!.trim(), rest: lines.slice(first + 1).join("\n"), others: found.slice(1).map((i) => lines[i]!.trim()) };
}

/** Indexes of the lines that start with `/aims`, outside code blocks and HTML comments. */
function commandLines(lines: string[]): number[] {
  const out: number[] = [];
  let fence: string | undefined;
  let inComment = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (inComment) {
      if (line.includes("-->")) inComment = false;
      continue;
    }
    const f = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (f && f[1]!.startsWith(fence)) fence = undefined;
      continue;
    }
    if (f) {
      fence = f[1]!;
      continue;
    }
    if (/^\s*<!--/.test(line) && !line.includes("-->")) {
      inComment = true;
      continue;
    }
    if (/^\s*\/aims(?:\s|$)/i.test(line)) out.push(i);
  }
  return out;
}

/** `/aims sign-off` for a command line, with the canonical name when known. */
function commandName(line: string): { name: string; shown: string } {
  const word = (/^\/aims(?:\s+(\S+))?/i.exec(line)?.[1] ?? "").toLowerCase();
  const name = ALIASES[word] ?? word;
  return { name: COMMANDS[name] ? name : "", shown: `\`/aims${word ? ` ${(COMMANDS[name] ? name : word).slice(0, 40)}` : ""}\`` };
}

/**
 * Parse the `/aims` command in a comment body. `undefined` when there is none (an ordinary comment).
 */
export function parseCommand(body: string): AimsCommand | undefined {
  const found = commandLine(body);
  if (!found) return undefined;
  if (found.others.length > 0) {
    // Answered by the handler of the first command (`/aims query` by the query handler).
    const first = commandName(found.line);
    const shown = [first, ...found.others.map(commandName)].map((c) => c.shown);
    const list = shown.length === 2 ? `${shown[0]} and ${shown[1]}` : `${shown.slice(0, -1).join(", ")} and ${shown.at(-1)}`;
    return {
      kind: "malformed",
      name: first.name,
      message: `one command per comment: this comment holds ${list}, so none of them was applied; post each command in its own comment`,
      usage: first.name ? usageOf(first.name) : usageText(),
    };
  }
  const m = /^\/aims(?:\s+(\S+))?(.*)$/is.exec(found.line);
  const word = (m?.[1] ?? "").toLowerCase();
  if (word === "") {
    return { kind: "malformed", name: "", message: "`/aims` needs a command", usage: usageText() };
  }
  const name = ALIASES[word] ?? word;
  const spec = COMMANDS[name];
  if (!spec) return { kind: "unknown", name: word.slice(0, 40), usage: usageText() };
  const args = `${m?.[2] ?? ""}\n${found.rest}`.replace(/\s+/g, " ").trim();
  return spec.parse(args);
}

/** True when the text contains an `/aims` command of any kind (also unknown or malformed). */
export function hasCommand(body: string | null | undefined): boolean {
  return body ? parseCommand(body) !== undefined : false;
}
