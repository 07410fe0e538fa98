import type { ConfigProblem } from "../config/parse.js";
import type { AiChange, DetectionProblem } from "../detect/types.js";
import type { LabelApproval } from "./assessment-issue.js";
import type { RecordParse } from "./assessment-record.js";

/**
 * The facts schema: everything the gates decide on, gathered from GitHub (or a local checkout) by
 * src/github/*-facts.ts and the pipeline. Both gates read it; neither gate defines it.
 */

/** Everything the gates decide on, gathered from GitHub by the pipeline. */
export interface PullRequestFacts {
  number: number;
  author: string;
  /** true when `author` is a git author name, not a GitHub login (a local check): never @-mention it. */
  authorIsName?: boolean;
  headSha: string;
  baseRef: string;
  /** Files GitHub reports as changed (pull_request.changed_files). */
  changedFileCount: number;
  /** Set when GitHub could not list every file: how many it lists at most (src/github/limits.ts). */
  filesTruncated: false | { listLimit: number };
  changes: AiChange[];
  problems: DetectionProblem[];
  /** Gathered only when the PR has gated AI changes. */
  assessment?: AssessmentFacts;
  oversight?: OversightFacts;
  /** Set when the pull request changes the policy itself (`.github/aims.yml` or a file it extends). */
  policyChange?: PolicyChangeFacts;
}

// ---------------------------------------------------------------------------------------------
// Impact assessment (src/github/assessment-facts.ts)

/** One `Impact-Assessment:` reference in the pull request description. */
export type AssessmentLink =
  | { kind: "file"; raw: string; line: number; path: string }
  /** owner/repo absent: the pull request's own repository (`#123`). */
  | { kind: "issue"; raw: string; line: number; owner?: string; repo?: string; number: number }
  | { kind: "invalid"; raw: string; line: number; message: string };

/** The result of reading one version of a record. */
export type RecordRead =
  | { status: "missing" }
  | { status: "error"; message: string }
  | { status: "read"; parse: RecordParse };

export interface FileVersion {
  /** Commit SHA the version was read at. */
  sha: string;
  read: RecordRead;
  /** The Git blob id and sha256 of the text read, when the file exists. */
  content?: { blobSha: string; sha256: string };
}

export interface FileAssessment {
  kind: "file";
  /** link: named in the PR description; directory: found in the assessment folder (`link: auto`, suggestions). */
  via: "link" | "directory";
  path: string;
  /** How this pull request changes the file; absent when it does not touch it. */
  change?: "added" | "modified" | "removed" | "renamed";
  /** The version on the base branch (at the previous path for a rename). */
  base: FileVersion;
  /** The version at the PR's head, read only when the PR adds or edits the file. */
  head?: FileVersion;
}

export interface IssueAssessment {
  kind: "issue";
  via: "link";
  owner: string;
  repo: string;
  number: number;
  read:
    /** Not found; `crossRepository` when the link names another repository than the pull request's. */
    | { status: "missing"; crossRepository?: boolean }
    | { status: "error"; message: string }
    | { status: "pull-request"; url: string }
    | {
        status: "read";
        url: string;
        state: "open" | "closed";
        stateReason?: string | null;
        parse: RecordParse;
        /** sha256 of the issue body read, and when GitHub last saw it edited. */
        content?: { sha256: string; updatedAt: string };
        /** Who applied the approval label so that it is on now, per the issue's events. */
        approval?: LabelApproval;
        /** The label is on the issue but its events show no one applying it. */
        labelUnverified: boolean;
      };
}

export type Assessment = FileAssessment | IssueAssessment;

/** Whether a login may approve assessments under the policy, and why. */
export interface Authority {
  authorised: boolean;
  /** `member of @acme/ai-governance`, `listed assessor`, `write permission`, `read permission only`… */
  via: string;
  /** Set when GitHub could not be asked: the gate fails closed. */
  error?: string;
}

/** What the pipeline found out about the assessments this PR links or relies on. */
export interface AssessmentFacts {
  /** ISO time of the evaluation: expiry is judged against it. */
  now: string;
  links: AssessmentLink[];
  /** One entry per distinct valid link, in order. */
  linked: Assessment[];
  /** Files in the assessment folder on the base branch (and, with `link: auto`, those the PR adds or edits). */
  directory: FileAssessment[];
  directoryStatus:
    | { status: "listed"; files: number; read: number }
    | { status: "absent" }
    | { status: "skipped" }
    | { status: "error"; message: string };
  /** Logins whose latest review of the PR is APPROVED at its head SHA. */
  headApprovers: string[];
  /** Set when the reviews were needed but could not be read. */
  reviewsError?: string;
  /** Authority of every login whose approval matters, keyed by lower-case login. */
  authority: Record<string, Authority>;
}

// ---------------------------------------------------------------------------------------------
// Human oversight (src/github/oversight-facts.ts)

/** The `/aims` commands that move the oversight gate (src/commands/parse.ts reads them). */
export type GateCommand = { kind: "sign-off"; rationale: string } | { kind: "revoke" } | { kind: "override"; reason: string };

/** A submitted review of the pull request. */
export interface ReviewFact {
  id: number;
  login: string;
  bot: boolean;
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED" | "PENDING";
  /** The commit the reviewer saw: the signed SHA. */
  sha: string;
  at: string;
  body: string;
  url?: string;
  /** Someone other than the reviewer edited the review's text (the app's receipt says so). */
  editedBy?: string;
}

/** A comment holding an `/aims` sign-off, revoke or override command. */
export interface CommandFact {
  id: number;
  login: string;
  bot: boolean;
  command: GateCommand;
  createdAt: string;
  updatedAt: string;
  /**
   * The commit the comment binds to: the PR's head when aims had already seen that head before the
   * comment was posted (see bindCommentSha); absent when a push may have happened after the comment.
   */
  sha?: string;
  url?: string;
}

/** Where a login stands with the principals the policy names (every tier and governance). */
export interface Standing {
  /** Listed teams (`org/slug`, lower case) the login is an active member of. */
  teams: string[];
  /** Repository permission; read only when some tier or governance names nobody. */
  permission?: "admin" | "maintain" | "write" | "triage" | "read" | "none";
  /** Set when GitHub could not be asked: the gate fails closed. */
  error?: string;
}

/** AI-relevant changes between a signed commit and the head. */
export type SinceSigned = { files: string[]; complete: boolean } | { error: string };

/** What the pipeline found out about sign-offs, revocations and overrides on this PR. */
export interface OversightFacts {
  reviews: ReviewFact[];
  commands: CommandFact[];
  /** Set when the reviews or comments could not be read: the gate fails closed. */
  readError?: string;
  /** Keyed by lower-case login. */
  standing: Record<string, Standing>;
  /** Keyed by signed SHA (never the head). */
  sinceSigned: Record<string, SinceSigned>;
}

export const EMPTY_OVERSIGHT_FACTS: OversightFacts = { reviews: [], commands: [], standing: {}, sinceSigned: {} };

// ---------------------------------------------------------------------------------------------
// Policy change (src/github/policy-change-facts.ts)

/** One difference between the base's effective policy and the head's, in words. */
export interface PolicyStatement {
  message: string;
  /** True when the change lets more through: fewer gates, lower risk, fewer sign-offs, wider approvers. */
  weakens: boolean;
}

export interface PolicyChangeFacts {
  /** The changed policy files of this repository. */
  files: string[];
  /** Problems of the policy at the head, each with file:line:column; empty when it is valid. */
  problems: ConfigProblem[];
  /** The change in words (empty when the head policy is invalid, or only comments changed). */
  statements: PolicyStatement[];
}
