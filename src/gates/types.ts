import type { AiChange } from "../detect/types.js";
import type { AssessmentFacts } from "./assessment.js";
import type { OversightFacts } from "./oversight.js";
import type { PolicyChangeFacts } from "./policy-change.js";

/** Check-run conclusions a gate may reach. `neutral` and `skipped` are never used: required checks pass on them. */
export type Conclusion = "success" | "failure" | "action_required";

export type GateId = "impact-assessment" | "human-oversight";

export const CHECK_NAMES: Record<GateId, string> = {
  "impact-assessment": "aims/impact-assessment",
  "human-oversight": "aims/human-oversight",
};

export const GATE_IDS: readonly GateId[] = ["impact-assessment", "human-oversight"];

/** One line of a gate's explanation. */
export interface Reason {
  /** met: a condition holds; unmet: a condition is missing; error: the gate could not decide; info: context. */
  status: "met" | "unmet" | "error" | "info";
  message: string;
  /** `file:line:column` or a path the reason is about. */
  location?: string;
}

/** A gate's decision with everything needed to explain it: check runs, CLI output and evidence render this. */
export interface GateResult {
  gate: GateId;
  name: string;
  conclusion: Conclusion;
  title: string;
  reasons: Reason[];
  /** Exact actions that would change the conclusion, most useful first. */
  nextSteps: string[];
  /** Annex A controls the decision evidences when it passes on real facts. */
  controls: string[];
  /** human-oversight only: the sign-offs that counted, for the check run and the evidence record. */
  signOffs?: SignOff[];
  /** impact-assessment only, when it passes: per counted assessment, the approval accepted and those rejected. */
  approvals?: AssessmentApprovals[];
  /** Set on both gates when a governance lead overrode them (break glass). */
  override?: Override;
  /**
   * Set when the gate could not judge the change at all: the configuration is invalid or unreadable,
   * the evaluation failed, or the pull request is too large to list. Nobody's sign-off can change
   * such a result, so no review is requested for it.
   */
  undecided?: "configuration" | "evaluation" | "too-large";
}

/** A sign-off that counted towards the human-oversight gate. */
export interface SignOff {
  login: string;
  method: "review" | "comment";
  /** The commit the signer reviewed. */
  sha: string;
  at: string;
  /** Eligible team (`org/slug`) the signer was an active member of when evaluated. */
  team?: string;
  /** Why the signer was eligible when evaluated: `member of @acme/ml`, `listed user`, `write permission`. */
  via?: string;
  rationale?: string;
  url?: string;
}

/** How the impact-assessment gate judged the approvals written in one assessment. */
export interface AssessmentApprovals {
  /** The assessment's own id. */
  id: string;
  /** The standing approval: who, when, and why they counted (team, listed assessor, permission). */
  accepted: { login: string; at: string; via: string };
  /** Approvals written in the assessment that did not count, each with why. */
  rejected: Array<{ login: string; at: string; reason: string }>;
}

/** A recorded `/aims override <reason>`. */
export interface Override {
  login: string;
  at: string;
  /** The head commit the override applies to; a new push needs a new override. */
  sha: string;
  reason: string;
  url?: string;
}

/** A problem met while reading the PR that could hide an AI change (a manifest that does not parse). */
export interface DetectionProblem {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

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
  /** true when GitHub could not list every file (more than 3000). */
  filesTruncated: boolean;
  changes: AiChange[];
  problems: DetectionProblem[];
  /** Gathered only when the PR has gated AI changes. */
  assessment?: AssessmentFacts;
  oversight?: OversightFacts;
  /** Set when the pull request changes the policy itself (`.github/aims.yml` or a file it extends). */
  policyChange?: PolicyChangeFacts;
}
