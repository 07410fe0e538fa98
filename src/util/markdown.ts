/** Markdown helpers that keep user-controlled text (file names, rationales) from breaking the layout. */

/**
 * Characters that change how text around them reads without being seen: bidirectional controls
 * (U+202E turns `gpj.exe` into what looks like `exe.jpg`), zero-width characters, and C0/C1
 * controls other than line breaks. User-controlled text shows them as `\u202E` escapes.
 */
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B-\u200F\u2028-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB]/g;

function unicodeEscape(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
}

/** Invisible and bidirectional control characters as visible `\u202E` escapes; the rest unchanged. */
export function visible(text: string): string {
  return text.replace(INVISIBLE, unicodeEscape);
}

/**
 * Inline code for a name (file path, package, identifier): shown exactly, so a line break is
 * `\n` (a tab `\t`) and a bidirectional control `\u202E`. Survives backticks and table pipes in the text; `<`
 * needs no escape inside a code span.
 */
export function code(text: string): string {
  const clean = visible(text.replace(/\r/g, "\\r").replace(/\n/g, "\\n").replace(/\t/g, "\\t")).replace(/\|/g, "\\|");
  const longest = Math.max(0, ...Array.from(clean.matchAll(/`+/g), (m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = clean.startsWith("`") || clean.endsWith("`") ? " " : "";
  return `${fence}${pad}${clean}${pad}${fence}`;
}

/**
 * An invisible word joiner, put where GitHub would otherwise act on text: around `@` (a mention, a
 * team notification, an e-mail autolink), between the slashes of `//` and after `www` (autolinks).
 */
const JOINER = "\u2060";

/**
 * The one escaping function for text shown in Markdown prose: a table cell, a list item, a
 * rationale, a reason that quotes what someone wrote. Whatever the text holds, it renders as that
 * text, on one line, and nothing else:
 * - no link or image (`[`, `]` escaped; `https://`, `//` and `www.` cannot autolink), no HTML (`<`, `&`),
 * - no mention or team notification (`@login`), no emphasis or strike-through (`*`, `_`, `~`),
 * - no table break (`|` escaped, line breaks become spaces),
 * - invisible and bidirectional controls shown as `\u202E` escapes.
 * Code spans the text already holds (`` `/aims sign-off` ``) stay code spans: nothing is live inside them.
 */
export function cell(text: string): string {
  const line = visible(text.replace(/[\r\n\t]+/g, " "));
  let out = "";
  let i = 0;
  while (i < line.length) {
    const tick = line.indexOf("`", i);
    if (tick < 0) {
      out += escapeProse(line.slice(i));
      break;
    }
    out += escapeProse(line.slice(i, tick));
    const run = /^`+/.exec(line.slice(tick))![0];
    const close = findClosingRun(line, tick + run.length, run.length);
    if (close < 0) {
      // An unmatched run is literal text.
      out += "\\`".repeat(run.length);
      i = tick + run.length;
    } else {
      out += line.slice(tick, close + run.length).replace(/\|/g, "\\|");
      i = close + run.length;
    }
  }
  return out;
}

/** Index of the next run of exactly `n` backticks at or after `from`, or -1. */
function findClosingRun(text: string, from: number, n: number): number {
  const re = /`+/g;
  re.lastIndex = from;
  for (let m = re.exec(text); m; m = re.exec(text)) if (m[0].length === n) return m.index;
  return -1;
}

function escapeProse(text: string): string {
  return text
    .replace(/\/(?=\/)/g, `/${JOINER}`)
    .replace(/\b(www)(?=\.)/gi, `$1${JOINER}`)
    .replace(/@(?=[\p{L}\p{N}_-])/gu, `${JOINER}@${JOINER}`)
    .replace(/[\\[\]|*_~]/g, (ch) => `\\${ch}`)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;");
}

/** `cell` text back as it was written, for terminals (the CLI prints what the checks show in Markdown). */
export function uncell(markdown: string): string {
  return markdown
    .replace(new RegExp(JOINER, "g"), "")
    .replace(/&lt;/g, "<")
    .replace(/&amp;/g, "&")
    .replace(/\\([\\[\]|`*_~])/g, "$1");
}

export function byteLength(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/** Cut text to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function truncateBytes(text: string, maxBytes: number, marker = "\n\n…(truncated)"): string {
  if (byteLength(text) <= maxBytes) return text;
  const budget = maxBytes - byteLength(marker);
  const buf = Buffer.from(text, "utf8").subarray(0, Math.max(0, budget));
  // Drop a trailing partial character (U+FFFD after decoding).
  return buf.toString("utf8").replace(/\uFFFD$/, "") + marker;
}

export function humanBytes(n: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
