/** Reading unified diff patches as GitHub shows them for one file. */

/**
 * One side of the first hunk of a unified diff, when that hunk starts at the top of the file
 * (otherwise it is not the whole of a small file). Without a hunk header the text is read as one.
 */
export function patchSide(patch: string, side: "head" | "base"): string | undefined {
  if (typeof patch !== "string" || patch.length === 0) return undefined;
  const lines = patch.split("\n");
  let i = 0;
  const header = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(lines[0] ?? "");
  if (header) {
    const start = Number(side === "head" ? header[2] : header[1]);
    if (start > 1) return undefined;
    i = 1;
  }
  const keep = side === "head" ? "+" : "-";
  const out: string[] = [];
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith("@@")) break;
    if (line.startsWith("\\")) continue; // "\ No newline at end of file"
    if (line.startsWith(keep) || line.startsWith(" ")) out.push(line.slice(1));
    else if (line === "" && i === lines.length - 1) continue;
    else if (!line.startsWith("+") && !line.startsWith("-")) return undefined;
  }
  return out.length ? `${out.join("\n")}\n` : undefined;
}

/** Lines a patch adds, without the `+`. */
export function addedLines(patch: string): string[] {
  return patch
    .split("\n")
    .filter((l) => l.startsWith("+") && !l.startsWith("+++"))
    .map((l) => l.slice(1));
}
