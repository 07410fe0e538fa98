import { finalisePullRequestEvidence } from "../evidence/index.js";
import { evaluateFromGitHub } from "../reevaluate.js";
import type { Services } from "../services.js";
import type { EvidenceFinaliser } from "./pulls.js";

/**
 * The evidence ledger's finalisation entry point (src/evidence): seals the record of a merged or
 * closed governed pull request into the chain when it has no final record yet; idempotent.
 */
export function evidenceFinaliser(services: Services): EvidenceFinaliser {
  return (octokit, pull) => finalisePullRequestEvidence(services, octokit, pull, evaluateFromGitHub(services, octokit));
}
