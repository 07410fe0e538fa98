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
 * Plain text for a table cell or a list item (a title, rationale, reason): line breaks become
 * spaces, invisible and bidirectional controls `\u202E` escapes; no pipes, no HTML.
 */
export function cell(text: string): string {
  return visible(text.replace(/[\r\n\t]+/g, " ")).replace(/\|/g, "\\|").replace(/</g, "&lt;");
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
