import { Worker } from "node:worker_threads";
import type { ExtraPackage } from "../config/schema.js";
import { changedManifests, createMatcher, detectDependencyChanges, type ManifestFile, type ManifestTexts } from "../detect/dependencies.js";
import type { AiChange, ChangedFile, DetectionProblem } from "../detect/types.js";

/** Manifest text above this many characters in all is parsed on a worker thread. */
export const OFF_THREAD_CHARS = 1024 * 1024;

const utf8 = new TextEncoder();

/** Characters encoded (or bytes copied) before giving other work a turn. */
const ENCODE_TURN_CHARS = 1024 * 1024;

/**
 * `text` as UTF-8, encoded a slice per turn of the event loop: one 20 MB encode would hold the
 * server for tens of milliseconds. A slice never ends between the two halves of a surrogate pair.
 */
export async function encodeInTurns(text: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(Buffer.byteLength(text, "utf8"));
  let read = 0;
  let written = 0;
  while (read < text.length) {
    let end = Math.min(text.length, read + ENCODE_TURN_CHARS);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end++;
    written += utf8.encodeInto(text.slice(read, end), bytes.subarray(written)).written;
    read = end;
    if (read < text.length) await new Promise((resolve) => setImmediate(resolve));
  }
  return written === bytes.byteLength ? bytes : bytes.slice(0, written);
}

/** Both sides of a manifest, as text or as UTF-8 bytes (read undecoded from GitHub). */
export interface ManifestSources {
  base?: string | Uint8Array;
  head?: string | Uint8Array;
}

/** Both sides of a manifest as UTF-8 bytes. */
export interface EncodedTexts {
  base?: Uint8Array;
  head?: Uint8Array;
}

const sizeOf = (side: string | Uint8Array | undefined) => (side === undefined ? 0 : typeof side === "string" ? side.length : side.byteLength);

/** A byte order mark stays in the text: the bytes readers already dropped one GitHub sent, as decoding does. */
const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** Every side as text, for the parse on this thread. */
function decoded(sources: ReadonlyMap<string, ManifestSources>): Map<string, ManifestTexts> {
  const text = (side: string | Uint8Array) => (typeof side === "string" ? side : utf8Decoder.decode(side));
  return new Map([...sources].map(([path, t]) => [path, { ...(t.base !== undefined ? { base: text(t.base) } : {}), ...(t.head !== undefined ? { head: text(t.head) } : {}) }]));
}

async function toBytes(side: string | Uint8Array): Promise<Uint8Array> {
  return typeof side === "string" ? encodeInTurns(side) : copyInTurns(side);
}

/** A copy of `bytes`, a slice per turn of the event loop. */
async function copyInTurns(bytes: Uint8Array): Promise<Uint8Array> {
  const copy = new Uint8Array(bytes.byteLength);
  for (let offset = 0; offset < bytes.byteLength; offset += ENCODE_TURN_CHARS) {
    if (offset > 0) await new Promise((resolve) => setImmediate(resolve));
    copy.set(bytes.subarray(offset, offset + ENCODE_TURN_CHARS), offset);
  }
  return copy;
}

/** What the worker needs: plain data only (functions do not cross threads). */
export interface DependencyJob {
  files: ChangedFile[];
  texts: Map<string, EncodedTexts>;
  extra: ExtraPackage[];
  ignore: string[];
  /** The system of every manifest path (new and previous names). */
  systems: Record<string, string>;
  unknownSystem: string;
  gated: boolean;
}

type Result = { changes: AiChange[]; problems: DetectionProblem[] };

/** The built worker next to this module; absent when running from TypeScript sources (tests, tsx). */
const WORKER = import.meta.url.endsWith(".js") ? new URL("./dependency-changes.js", import.meta.url) : undefined;

/**
 * detectDependencyChanges, on a worker thread when the texts are large and the worker is built;
 * in this thread otherwise. Same inputs, same result.
 */
export async function detectDependencyChangesOffThread(
  manifests: ManifestFile[],
  sources: ReadonlyMap<string, ManifestSources>,
  packages: { extra: ExtraPackage[]; ignore: string[] },
  systemFor: (path: string) => string,
  gated: boolean,
  options: { minChars?: number } = {},
): Promise<Result> {
  let chars = 0;
  for (const t of sources.values()) chars += sizeOf(t.base) + sizeOf(t.head);
  const inThread = () => detectDependencyChanges(manifests, decoded(sources), createMatcher(packages.extra, packages.ignore), systemFor, gated);
  if (!WORKER || chars < (options.minChars ?? OFF_THREAD_CHARS)) return inThread();
  const files = manifests.map((m) => m.file);
  const systems: Record<string, string> = {};
  for (const f of files) for (const p of [f.filename, ...(f.previousFilename ? [f.previousFilename] : [])]) systems[p] = systemFor(p);
  // Same manifests on both sides of the thread: the worker finds each file's manager again by name.
  if (changedManifests(files, () => false).length !== manifests.length) return inThread();
  // Each side crosses as UTF-8 bytes whose buffer is moved, not copied: a 20 MB string cloned
  // would hold the event loop longer than encoding it a slice at a time. Bytes read from GitHub
  // cross as they are (a copy of them: the reader's memo keeps its own).
  const encoded = new Map<string, EncodedTexts>();
  for (const [path, t] of sources) {
    const base = t.base === undefined ? undefined : await toBytes(t.base);
    const head = t.head === undefined ? undefined : await toBytes(t.head);
    encoded.set(path, { ...(base ? { base } : {}), ...(head ? { head } : {}) });
  }
  const transfer = [...encoded.values()].flatMap((t) => [t.base, t.head].flatMap((b) => (b ? [b.buffer as ArrayBuffer] : [])));
  const job: DependencyJob = { files, texts: encoded, extra: packages.extra, ignore: packages.ignore, systems, unknownSystem: systemFor(""), gated };
  return new Promise<Result>((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: job, transferList: transfer });
    let settled = false;
    worker.once("message", (result: Result) => {
      settled = true;
      resolve(result);
    });
    worker.once("error", (error) => {
      settled = true;
      reject(error);
    });
    worker.once("exit", (code) => {
      if (!settled) reject(new Error(`the dependency worker stopped (exit code ${code}) before answering`));
    });
  });
}
