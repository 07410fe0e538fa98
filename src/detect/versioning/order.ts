import type { Bump } from "./types.js";

/** Orders the schemes share: code units, digit runs, dotted releases. */

/** Code-unit order: unlike localeCompare, the same on every machine. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareDigits(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, "");
  const y = b.replace(/^0+(?=\d)/, "");
  return x.length !== y.length ? Math.sign(x.length - y.length) : compareStrings(x, y);
}

/**
 * Total order on arbitrary strings: digit runs compare as numbers, the rest by code unit, and
 * only equal strings compare equal, so the direction of a change always flips with its sides.
 */
export function naturalCompare(a: string, b: string): number {
  const ta = a.match(/\d+|\D+/g) ?? [];
  const tb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    const x = ta[i]!;
    const y = tb[i]!;
    const digits = /^\d/.test(x) && /^\d/.test(y);
    const order = digits ? compareDigits(x, y) : compareStrings(x, y);
    if (order !== 0) return order;
  }
  return Math.sign(ta.length - tb.length) || compareStrings(a, b);
}

/** Dotted numeric release compared part by part, so 4-part NuGet versions keep their 4th part. */
export function compareRelease(a: readonly string[], b: readonly string[]): { order: number; index: number } {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const order = compareDigits(a[i] ?? "0", b[i] ?? "0");
    if (order !== 0) return { order, index: i };
  }
  return { order: 0, index: -1 };
}

export function releaseBump(index: number): Bump {
  return index === 0 ? "major" : index === 1 ? "minor" : "patch";
}

// Range operators and brackets before the first version of a constraint, and the version's digits,
// which must not run on into letters: `8e5e7e5` is a commit, not version 8.
export const LEADING = /^[\s^~<>=!([]*v?(?=\d+(?:\.\d+)*(?:$|[^0-9A-Za-z]))/i;
