import type { ConfigReader } from "../config/policy.js";
import type { GitHub } from "../ports/pull-request-context.js";
import { readStreamInTurns, TURN_BYTES } from "./body-in-turns.js";

/**
 * A file's raw contents through the contents API (the raw media type works up to 100 MB), as text
 * or as bytes. Bodies are taken a slice per turn of the event loop: a 20 MB lockfile read or
 * decoded in one go would hold the server for tens of milliseconds.
 */

type Raw = { body: ReadableStream<Uint8Array> | string | ArrayBuffer; json: boolean };

/** GitHub's answer for `path` at `ref`, undecoded; undefined when nothing is there. */
async function rawContents(octokit: GitHub, owner: string, repo: string, path: string, ref: string | undefined): Promise<Raw | undefined> {
  try {
    const res = await octokit.rest.repos.getContent({
      owner,
      repo,
      path,
      ...(ref ? { ref } : {}),
      mediaType: { format: "raw" },
      request: { parseSuccessResponseBody: false } });
    const data: unknown = res.data;
    if (!(typeof data === "string" || data instanceof ArrayBuffer || data instanceof ReadableStream)) return undefined;
    return { body: data as Raw["body"], json: /^application\/json\b/i.test(String(res.headers["content-type"] ?? "")) };
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
}

/** A file's text. */
export function contentReader(octokit: GitHub): ConfigReader {
  return async (owner, repo, path, ref) => {
    const raw = await rawContents(octokit, owner, repo, path, ref);
    if (!raw) return undefined;
    const text = typeof raw.body === "string" ? raw.body : raw.body instanceof ArrayBuffer ? Buffer.from(raw.body).toString("utf8") : await decodeInTurns(raw.body);
    // A directory answers with a JSON listing: there is no file at that path.
    return raw.json && isDirectoryListing(text) ? undefined : text;
  };
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * A file's UTF-8 bytes, never decoded here: what a worker thread parses. A leading byte order mark
 * is dropped, as decoding the text drops it, so both readers give one content.
 */
export function bytesReader(octokit: GitHub): (owner: string, repo: string, path: string, ref: string) => Promise<Uint8Array | undefined> {
  return async (owner, repo, path, ref) => {
    const raw = await rawContents(octokit, owner, repo, path, ref);
    if (!raw) return undefined;
    const bytes = typeof raw.body === "string" ? new TextEncoder().encode(raw.body) : raw.body instanceof ArrayBuffer ? new Uint8Array(raw.body) : new Uint8Array(await readStreamInTurns(raw.body));
    if (raw.json && isDirectoryListing(new TextDecoder().decode(bytes))) return undefined;
    return UTF8_BOM.every((b, i) => bytes[i] === b) ? bytes.subarray(UTF8_BOM.length) : bytes;
  };
}

/** A contents answer listing a folder: an array of entries, each with its type, path and SHA. */
function isDirectoryListing(text: string): boolean {
  try {
    const json: unknown = JSON.parse(text);
    return Array.isArray(json) && json.every((e) => typeof e === "object" && e !== null && "type" in e && "path" in e && "sha" in e);
  } catch {
    return false;
  }
}

/** UTF-8 text of a byte stream, decoded a chunk at a time with a turn of the event loop every TURN_BYTES. */
async function decodeInTurns(stream: ReadableStream<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder("utf-8");
  const pieces: string[] = [];
  let sinceTurn = 0;
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    pieces.push(decoder.decode(chunk, { stream: true }));
    sinceTurn += chunk.byteLength;
    if (sinceTurn >= TURN_BYTES) {
      sinceTurn = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  pieces.push(decoder.decode());
  return pieces.join("");
}
