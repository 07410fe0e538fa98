import { createHash } from "node:crypto";

/** sha256 of UTF-8 text, hex. */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * The Git blob id of a file's content (`git hash-object`): sha1 of `blob <bytes>\0<content>`.
 * Lets a record pin the exact file version it relied on; `git cat-file -p <id>` shows it again.
 */
export function gitBlobSha(text: string): string {
  const bytes = Buffer.from(text, "utf8");
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}
