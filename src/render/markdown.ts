/** Markdown helpers that keep user-controlled text (file names, rationales) from breaking the layout. */

/** Inline code that survives backticks and table pipes in the text. */
export function code(text: string): string {
  const clean = text.replace(/[\r\n]+/g, " ").replace(/\|/g, "\\|");
  const longest = Math.max(0, ...Array.from(clean.matchAll(/`+/g), (m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = clean.startsWith("`") || clean.endsWith("`") ? " " : "";
  return `${fence}${pad}${clean}${pad}${fence}`;
}

/** Plain text for a table cell or a list item: no line breaks, no pipes, no HTML. */
export function cell(text: string): string {
  return text.replace(/[\r\n]+/g, " ").replace(/\|/g, "\\|").replace(/</g, "&lt;");
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
