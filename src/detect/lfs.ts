import type { LfsPointer } from "./types.js";
import { patchSide } from "./patch.js";

/** Git LFS pointer files: recognised by their text, from a checkout or from a pull request patch. */

/** Git LFS pointers are tiny; git-lfs itself only considers files under 1024 bytes. */
const MAX_POINTER_BYTES = 1024;
/** A pointer has three lines (plus rare extension lines); anything with more changed lines is not one. */
export const MAX_POINTER_LINES = 8;

const LFS_VERSIONS = new Set(["https://git-lfs.github.com/spec/v1", "https://hawser.github.com/spec/v1"]);

/** The object a Git LFS pointer file refers to, or undefined when the text is not a pointer. */
export function parseLfsPointer(text: string): LfsPointer | undefined {
  if (typeof text !== "string" || Buffer.byteLength(text, "utf8") >= MAX_POINTER_BYTES) return undefined;
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  // Pointers are written with LF; a CRLF checkout of one is still the same pointer.
  const entries = lines.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  const first = /^version (\S+)$/.exec(entries[0] ?? "");
  if (!first || !LFS_VERSIONS.has(first[1]!)) return undefined;
  const values = new Map<string, string>();
  let previousKey = "";
  for (const line of entries.slice(1)) {
    const kv = /^([a-z0-9.-]+) (.+)$/.exec(line);
    // The spec sorts keys after `version` in ascending order, which also rules out duplicates.
    if (!kv || kv[1]! <= previousKey || kv[1] === "version") return undefined;
    previousKey = kv[1]!;
    values.set(kv[1]!, kv[2]!);
  }
  const oid = /^sha256:[0-9a-f]{64}$/.exec(values.get("oid") ?? "");
  const sizeText = values.get("size") ?? "";
  if (!oid || !/^\d+$/.test(sizeText)) return undefined;
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) return undefined;
  return { oid: oid[0], size };
}

/**
 * The pointer shown by a pull request patch of an LFS pointer file: the head side by default
 * (lines kept and added), or the base side for a deleted file.
 */
export function lfsPointerFromPatch(patch: string, side: "head" | "base" = "head"): LfsPointer | undefined {
  const shown = patchSide(patch, side);
  return shown ? parseLfsPointer(shown) : undefined;
}
