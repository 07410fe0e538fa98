import { createHash } from "node:crypto";
import { isFinal, type EvidenceRecord } from "./record-schema.js";

// ---------------------------------------------------------------------------------------------
// Record ids

/** Deterministic record id of a pull request: `owner/repo#12`, or `owner/repo#12~2` for its second round (reopened after finalisation). */
export function recordId(repository: string, number: number, round = 1): string {
  return round > 1 ? `${repository}#${number}~${round}` : `${repository}#${number}`;
}

export function parseRecordId(id: string): { repository: string; number: number; round: number } | undefined {
  const m = /^([A-Za-z0-9-]+\/[A-Za-z0-9._-]+)#(\d+)(?:~(\d+))?$/.exec(id);
  if (!m) return undefined;
  return { repository: m[1]!, number: Number(m[2]), round: m[3] ? Number(m[3]) : 1 };
}

// ---------------------------------------------------------------------------------------------
// Canonical JSON and hashing

/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, `undefined` members
 * dropped, numbers as JSON.stringify writes them (records hold integers only). Two records with
 * the same content always give the same bytes, whatever order their keys were built in.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError("canonical JSON cannot hold a non-finite number");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
}

/** sha256 (hex) of the record's canonical JSON without its `hash` and `signature` members: every claim field counts. */
export function recordHash(record: EvidenceRecord): string {
  const { hash: _omit, signature: _signature, ...rest } = record;
  return createHash("sha256").update(canonicalJson(rest), "utf8").digest("hex");
}

/** The position a finalised record takes in its repository's chain. */
export interface ChainLink {
  /** Hash of the previously finalised record, null for the first. */
  prev: string | null;
  seq: number;
}

/** Seal a finalised record into the chain: set prev and seq, then hash. */
export function sealRecord(record: EvidenceRecord, link: ChainLink): EvidenceRecord {
  if (!isFinal(record)) throw new Error(`record ${record.id} is ${record.state}: only finalised records are chained`);
  const { signature: _unsigned, ...bare } = record;
  const linked: EvidenceRecord = { ...bare, prev: link.prev, seq: link.seq, hash: null };
  return { ...linked, hash: recordHash(linked) };
}

/** True when the stored hash is the hash of the content. */
export function hashMatches(record: EvidenceRecord): boolean {
  return record.hash !== null && record.hash === recordHash(record);
}
