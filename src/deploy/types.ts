import type { EnvironmentRules, OversightTier } from "../config/policy.js";
import type { Standing } from "../gates/facts.js";

/**
 * The plain facts the deployment gate decides on (src/deploy/decide.ts), gathered from GitHub by
 * src/deploy/gather.ts through a DeploymentReader. Nothing here does I/O.
 */

/** What GitHub asks: may `sha` be deployed to `environment`? */
export interface DeploymentRequest {
  owner: string;
  repo: string;
  environment: string;
  sha: string;
  /** Branch or tag the deployment was made from. */
  ref: string;
  /** Who triggered the workflow run. */
  creator: string;
  deploymentId?: number;
  /** The workflow run waiting for the answer (absent for `aims deploy-check`). */
  runId?: number;
  /** The event that triggered the run (push, workflow_dispatch, …). */
  event?: string;
  /** When GitHub created the deployment: bounds the search for its record. */
  createdAt?: string;
}

export type GateConclusion = "success" | "failure" | "action_required";

/** The evidence record of a merged pull request, reduced to what the gate needs. */
export interface ShippedRecord {
  id: string;
  issue: number;
  url: string;
  /** sha256 of the sealed record; null while the record is open (not finalised yet). */
  hash: string | null;
  /** The stored hash no longer matches the content: the record was edited. */
  tampered: boolean;
  state: "open" | "merged" | "closed" | "overridden";
  risk: "minimal" | "limited" | "high" | "prohibited" | null;
  systems: string[];
  headSha: string;
  mergeSha: string | null;
  gates: Array<{ gate: string; conclusion: GateConclusion }>;
  override: { login: string; reason: string } | null;
  /** The corrective action of an override, with its issue's state as read now. */
  correctiveAction: { issue: number; url: string; state: "open" | "closed" | "unknown" } | null;
  assessments: Array<{ id: string; nextReview?: string }>;
}

export interface ShippedPull {
  number: number;
  title: string;
  author: string;
  mergeSha: string | null;
  record?: ShippedRecord;
  /** Without a record: the AI-relevant paths of the pull request's merge commit (empty: no AI change). */
  unrecordedAiPaths?: string[];
}

/** A commit of the range that no merged pull request brought. */
export interface DirectPush {
  sha: string;
  author: string;
  message: string;
  /** AI-relevant paths it changed; empty when it changed none. */
  aiPaths: string[];
  /** false when GitHub cut the commit's file list short: the change cannot be classified. */
  complete: boolean;
  tracking?: { issue: number; url: string; approvedBy?: string; approvedAt?: string; reason?: string };
}

/** A review of the workflow run's deployment by a person, with their standing for the approver lists. */
export interface RunApproval {
  login: string;
  standing: Standing;
}

export interface DeploymentFacts {
  request: DeploymentRequest;
  /** The environment's rules, undefined when the policy does not list it. */
  rules?: EnvironmentRules;
  otherEnvironments: "approve" | "reject";
  /** The policy could not be used: its problem in one line. */
  policyProblem?: string;
  /** The last successful deployment to the environment; null for the first one. */
  previous: { sha: string; deploymentId: number } | null;
  range: { commits: number; limit: number; exceeded: boolean };
  /** The deployed commit does not exist in the repository. */
  unknownCommit?: boolean;
  pulls: ShippedPull[];
  directPushes: DirectPush[];
  approvals: RunApproval[];
  /** YYYY-MM-DD: assessments whose next review is before it have expired. */
  today: string;
  /** A read failed: the gate cannot decide, so it rejects. */
  error?: string;
}

export type BlockerKind =
  | "read-error"
  | "policy"
  | "not-listed"
  | "unknown-commit"
  | "range-too-long"
  | "record-missing"
  | "record-not-final"
  | "record-edited"
  | "gates-not-passed"
  | "overridden"
  | "expired-assessment"
  | "direct-push"
  | "unclassified-push"
  | "approver-missing";

export interface Blocker {
  kind: BlockerKind;
  /** What it is about: `#12`, `commit abc1234`, `production`. */
  subject: string;
  reason: string;
  /** The exact next step. */
  next: string;
}

export interface DeploymentDecision {
  state: "approved" | "rejected";
  environment: string;
  sha: string;
  /** The environment is named in the policy (records are written only for those). */
  listed: boolean;
  blockers: Blocker[];
  /** What was accepted and why, and what did not block (resolved overrides, approved pushes). */
  notes: string[];
  /** Governed pull requests shipped by the deployment, with their records. */
  shipped: Array<{ number: number; record: ShippedRecord }>;
  /** Direct pushes with AI changes, approved or not. */
  directPushes: DirectPush[];
  /** Whether the deployment evidences A.6.2.5: approved, and every AI change governed without a nonconformity. */
  evidencesDeployment: boolean;
  /** Tiers that needed an approver, and who counted. */
  approvers: Array<{ tier: OversightTier; login: string; via: string }>;
}
