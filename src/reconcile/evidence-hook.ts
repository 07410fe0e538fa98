import type { EvidenceFinaliser } from "./pulls.js";

/**
 * HOOK for the evidence ledger (src/evidence): the function that finalises the evidence record of a
 * merged or closed governed pull request when it has no final record yet. Until the ledger exports
 * one, this returns undefined and the reconciler reports evidence finalisation as skipped.
 */
export function evidenceFinaliser(): EvidenceFinaliser | undefined {
  return undefined;
}
