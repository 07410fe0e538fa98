import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ChainHead } from "./signing.js";

/**
 * The verifiable audit pack written by `aims export` and checked offline by `aims verify --pack`:
 * besides the statement of applicability, the tables and the AI-BOM, it ships the full signed
 * records (as the issues that hold them), the verify report, the public key, the chain head and a
 * SHA-256 manifest of every file (`sha256sum -c manifest.sha256` checks it too).
 */

export const RECORDS_FILE = "records.json";
export const VERIFY_REPORT_FILE = "verify-report.txt";
export const PUBLIC_KEY_FILE = "public-key.pem";
export const CHAIN_HEAD_FILE = "chain-head.json";
export const MANIFEST_FILE = "manifest.sha256";

/** An evidence issue as the pack ships it: enough to verify its record without GitHub. */
export interface PackIssue {
  number: number;
  url: string;
  author: string;
  title: string;
  state: "open" | "closed";
  stateReason: string | null;
  labels: string[];
  createdAt: string;
  body: string | null;
}

const fileSha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

/** `sha256sum` format: `<hex>  <name>` per line, in name order. */
export function manifestOf(dir: string, files: readonly string[]): string {
  return [...new Set(files)]
    .sort()
    .map((f) => `${fileSha256(join(dir, f))}  ${f}\n`)
    .join("");
}

/** What is wrong with a pack against its manifest: changed, missing and unlisted files. */
export function checkManifest(dir: string): string[] {
  const problems: string[] = [];
  const listed = new Map<string, string>();
  for (const line of readFileSync(join(dir, MANIFEST_FILE), "utf8").split("\n")) {
    if (line.trim() === "") continue;
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (!m) {
      problems.push(`${MANIFEST_FILE} has a line that is not "<sha256>  <file>": ${JSON.stringify(line.slice(0, 80))}`);
      continue;
    }
    listed.set(m[2]!, m[1]!);
  }
  for (const [name, digest] of listed) {
    const path = join(dir, name);
    if (name.includes("/") || name.startsWith(".")) problems.push(`${name} is not a file of the pack`);
    else if (!existsSync(path)) problems.push(`${name} is listed in ${MANIFEST_FILE} but missing`);
    else if (fileSha256(path) !== digest) problems.push(`${name} was changed: its sha256 is not the one in ${MANIFEST_FILE}`);
  }
  for (const name of readdirSync(dir)) {
    if (name !== MANIFEST_FILE && !listed.has(name)) problems.push(`${name} is in the pack but not in ${MANIFEST_FILE}`);
  }
  return problems;
}

const HEAD_BLOCK_RE = /<!-- aims:chain-head (\{[^\n]*?\}) -->/;

/** The signed chain head as a hidden line of the dashboard body. */
export function chainHeadBlock(head: ChainHead): string {
  return `<!-- aims:chain-head ${JSON.stringify(head)} -->`;
}

export function parseChainHeadBlock(body: string | null | undefined): ChainHead | undefined {
  const m = HEAD_BLOCK_RE.exec(body ?? "");
  if (!m) return undefined;
  try {
    const h = JSON.parse(m[1]!) as ChainHead;
    return typeof h.hash === "string" && /^[0-9a-f]{64}$/.test(h.hash) && Number.isInteger(h.seq) && typeof h.repository === "string" && typeof h.at === "string" ? h : undefined;
  } catch {
    return undefined;
  }
}

/** The newest chain head the app published on a dashboard issue of the evidence repository. */
export function publishedHeadOf(issues: readonly Pick<PackIssue, "author" | "body">[], appLogin: string, repository: string): ChainHead | undefined {
  let best: ChainHead | undefined;
  for (const i of issues) {
    if (i.author.toLowerCase() !== appLogin.toLowerCase()) continue;
    const h = parseChainHeadBlock(i.body);
    if (h && h.repository.toLowerCase() === repository.toLowerCase() && (!best || h.seq > best.seq)) best = h;
  }
  return best;
}
