/**
 * Line diffs in the shape GitHub's file listings use (unified hunks with three lines of context,
 * git's `\ No newline at end of file` marker), so the fake GitHub can derive `patch`,
 * `additions` and `deletions` from seeded commits.
 */
import { createHash } from "node:crypto";

const NO_NEWLINE = "\u0000no-newline";
const CONTEXT = 3;
/** Above this many cells the LCS table is skipped and the change shown as a full rewrite. */
const MAX_CELLS = 4_000_000;

export interface FileDiff {
  /** Absent for binary files, empty files and pure renames, as on GitHub. */
  patch?: string;
  additions: number;
  deletions: number;
}

type Op = { op: " " | "-" | "+"; line: string };

/** Lines of a text; a last line without newline carries a marker so `a` and `a\n` differ. */
function lines(text: string): string[] {
  if (text === "") return [];
  const out = text.split("\n");
  if (text.endsWith("\n")) out.pop();
  else out[out.length - 1] += NO_NEWLINE;
  return out;
}

export function isBinary(text: string): boolean {
  return text.includes("\u0000");
}

function diffLines(a: string[], b: string[]): Op[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const head: Op[] = a.slice(0, start).map((line) => ({ op: " ", line }));
  const tail: Op[] = a.slice(endA).map((line) => ({ op: " ", line }));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const n = midA.length;
  const m = midB.length;
  const middle: Op[] = [];
  if (n * m > MAX_CELLS) {
    middle.push(...midA.map((line): Op => ({ op: "-", line })), ...midB.map((line): Op => ({ op: "+", line })));
  } else {
    // lcs[i][j] = LCS length of midA[i..] and midB[j..], in one flat array.
    const width = m + 1;
    const lcs = new Uint32Array((n + 1) * width);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * width + j] = midA[i] === midB[j] ? lcs[(i + 1) * width + j + 1]! + 1 : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && midA[i] === midB[j]) {
        middle.push({ op: " ", line: midA[i]! });
        i++;
        j++;
      } else if (i < n && (j === m || lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!)) {
        // Deletions before insertions, as git prints them.
        middle.push({ op: "-", line: midA[i]! });
        i++;
      } else {
        middle.push({ op: "+", line: midB[j]! });
        j++;
      }
    }
  }
  return [...head, ...middle, ...tail];
}

function range(start: number, count: number): string {
  // git prints the line before an empty range, and omits a count of one.
  const from = count === 0 ? start - 1 : start;
  return count === 1 ? `${from}` : `${from},${count}`;
}

/** The unified diff GitHub shows for one file, from its old to its new text. */
export function fileDiff(oldText: string, newText: string): FileDiff {
  if (isBinary(oldText) || isBinary(newText)) return { additions: 0, deletions: 0 };
  const ops = diffLines(lines(oldText), lines(newText));
  const additions = ops.filter((o) => o.op === "+").length;
  const deletions = ops.filter((o) => o.op === "-").length;
  if (additions === 0 && deletions === 0) return { additions, deletions };

  // Positions (1-based) of each op in the old and new file.
  const oldAt: number[] = [];
  const newAt: number[] = [];
  let o = 1;
  let nw = 1;
  for (const op of ops) {
    oldAt.push(o);
    newAt.push(nw);
    if (op.op !== "+") o++;
    if (op.op !== "-") nw++;
  }
  const changed = ops.flatMap((op, i) => (op.op === " " ? [] : [i]));
  const hunks: Array<[number, number]> = [];
  for (const i of changed) {
    const from = Math.max(0, i - CONTEXT);
    const to = Math.min(ops.length, i + CONTEXT + 1);
    const last = hunks[hunks.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else hunks.push([from, to]);
  }
  const out: string[] = [];
  for (const [from, to] of hunks) {
    const slice = ops.slice(from, to);
    const oldCount = slice.filter((s) => s.op !== "+").length;
    const newCount = slice.filter((s) => s.op !== "-").length;
    out.push(`@@ -${range(oldAt[from]!, oldCount)} +${range(newAt[from]!, newCount)} @@`);
    for (const s of slice) {
      if (s.line.endsWith(NO_NEWLINE)) out.push(`${s.op}${s.line.slice(0, -NO_NEWLINE.length)}`, "\\ No newline at end of file");
      else out.push(`${s.op}${s.line}`);
    }
  }
  return { patch: out.join("\n"), additions, deletions };
}

/** The git blob id of a text, as GitHub reports it in `sha` fields. */
export function blobSha(content: string): string {
  const bytes = Buffer.from(content, "utf8");
  return createHash("sha1").update(`blob ${bytes.length}\u0000`).update(bytes).digest("hex");
}
