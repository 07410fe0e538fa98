import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import type { EvidenceRecord } from "./record.js";

/**
 * Ed25519 signatures (node:crypto) over evidence records and chain heads. The app holds the
 * private key (`AIMS_SIGNING_KEY`, PEM, or `AIMS_SIGNING_KEY_FILE`); the public key is published
 * in the docs, on the dashboard and in every audit pack, and `aims verify --public-key` checks
 * with it. Someone with write access to the evidence repository can edit a record and recompute
 * its hash and the chain, but cannot sign without the key.
 */

export interface Signer {
  /** First 16 hex digits of the sha256 of the public key (SPKI DER). */
  keyId: string;
  publicKeyPem: string;
  sign(message: string): string;
}

export interface Verifier {
  keyId: string;
  verify(message: string, signature: string): boolean;
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest("hex").slice(0, 16);
}

/** A signer from a PEM private key; throws a clear message for anything but Ed25519. */
export function createSigner(privateKeyPem: string): Signer {
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch (error) {
    throw new Error(`the evidence signing key is not a PEM private key: ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType !== "ed25519") throw new Error(`the evidence signing key must be Ed25519, not ${key.asymmetricKeyType ?? "a symmetric key"}`);
  const publicKey = createPublicKey(key);
  return {
    keyId: keyIdOf(publicKey),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    sign: (message) => sign(null, Buffer.from(message, "utf8"), key).toString("base64"),
  };
}

/** A verifier from a PEM public key (or a private key, whose public half is used). */
export function createVerifier(publicKeyPem: string): Verifier {
  let key: KeyObject;
  try {
    key = createPublicKey(publicKeyPem);
  } catch (error) {
    throw new Error(`not a PEM public key: ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType !== "ed25519") throw new Error(`the public key must be Ed25519, not ${key.asymmetricKeyType ?? "unknown"}`);
  return {
    keyId: keyIdOf(key),
    verify: (message, signature) => {
      try {
        return verify(null, Buffer.from(message, "utf8"), key, Buffer.from(signature, "base64"));
      } catch {
        return false;
      }
    },
  };
}

/** The signer configured in the environment, or undefined when none is. */
export function signerFromEnv(env: NodeJS.ProcessEnv, readFile: (path: string) => string): Signer | undefined {
  const inline = env.AIMS_SIGNING_KEY?.trim();
  const file = env.AIMS_SIGNING_KEY_FILE?.trim();
  if (inline) return createSigner(inline.replace(/\\n/g, "\n"));
  if (file) return createSigner(readFile(file));
  return undefined;
}

export const RECORD_STATEMENT = "aims-evidence-record v1";
export const HEAD_STATEMENT = "aims-evidence-chain-head v1";

/** What a record's signature covers: its hash, which covers every other field. */
export function recordStatement(hash: string): string {
  return `${RECORD_STATEMENT}\n${hash}`;
}

/** Sign a sealed record (its hash set). */
export function signRecord(record: EvidenceRecord, signer: Signer | undefined): EvidenceRecord {
  if (!record.hash) throw new Error(`record ${record.id} is not sealed: only a hash is signed`);
  return { ...record, signature: signer ? { alg: "ed25519", keyId: signer.keyId, value: signer.sign(recordStatement(record.hash)) } : null };
}

export type SignatureCheck = "valid" | "missing" | "invalid" | "other-key";

export function checkRecordSignature(record: EvidenceRecord, verifier: Verifier): SignatureCheck {
  const s = record.signature;
  if (!s || !record.hash) return "missing";
  if (s.keyId !== verifier.keyId) return "other-key";
  return verifier.verify(recordStatement(record.hash), s.value) ? "valid" : "invalid";
}

/** The chain head of an evidence repository as published on the dashboard and in audit packs. */
export interface ChainHead {
  repository: string;
  seq: number;
  hash: string;
  /** When it was published. */
  at: string;
  keyId?: string;
  signature?: string;
  /** Where the head record lives (not signed: a pointer for people). */
  url?: string;
}

export function headStatement(h: Pick<ChainHead, "repository" | "seq" | "hash" | "at">): string {
  return `${HEAD_STATEMENT}\n${h.repository.toLowerCase()}\n${h.seq}\n${h.hash}\n${h.at}`;
}

export function signHead(h: Omit<ChainHead, "keyId" | "signature">, signer: Signer | undefined): ChainHead {
  return signer ? { ...h, keyId: signer.keyId, signature: signer.sign(headStatement(h)) } : { ...h };
}

export function checkHeadSignature(h: ChainHead, verifier: Verifier): SignatureCheck {
  if (!h.signature || !h.keyId) return "missing";
  if (h.keyId !== verifier.keyId) return "other-key";
  return verifier.verify(headStatement(h), h.signature) ? "valid" : "invalid";
}
