
/** Check-run conclusions a gate may reach. `neutral` and `skipped` are never used: required checks pass on them. */
export type Conclusion = "success" | "failure" | "action_required";

export type GateId = "impact-assessment" | "human-oversight";

export const CHECK_NAMES: Record<GateId, string> = {
  "impact-assessment": "aims/impact-assessment",
  "human-oversight": "aims/human-oversight",
};

export const GATE_IDS: readonly GateId[] = ["impact-assessment", "human-oversight"];

/**
 * A next step whose wording depends on where the result is read: a check run can be re-run on
 * GitHub, the command line runs `aims check` again. src/render/next-steps.ts words each for its surface.
 */
export type SurfaceStep =
  /** Evaluate again after a failed read; `reread` says what is read again ("the reviews are read again"). */
  | { code: "evaluate-again"; reread?: string; membersPermission?: boolean; orPush?: boolean }
  /** Confirm the GitHub App is installed with the permissions it requests. */
  | { code: "check-installation" }
  /** Fix the invalid policy on the base branch, then evaluate again. */
  | { code: "fix-policy"; path: string; baseRef: string };

/** What to do next: an instruction that reads the same on every surface, or a step each surface words. */
export type NextStep = string | SurfaceStep;

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
  nextSteps: NextStep[];
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
