import { formatProblem, type ConfigProblem } from "../config/parse.js";
import { CONFIG_PATH, type Policy, type PolicyResult } from "../config/policy.js";
import { assessmentGate } from "./assessment.js";
import { applyOverride, findOverride } from "./override.js";
import { governanceText } from "./authority.js";
import { oversightGate, oversightTier } from "./oversight.js";
import { combineOversight, headPolicyInvalid, policyChangeAssessment, policyChangeAssessmentNote, policyChangeOversight } from "./policy-change.js";
import type { PolicyChangeFacts, PullRequestFacts } from "./facts.js";
import { CHECK_NAMES, GATE_IDS, type GateResult, type Reason } from "./types.js";


/** Decide both gates for one pull request. Pure: everything it needs is in its arguments. */
export function evaluateGates(policyResult: PolicyResult, facts: PullRequestFacts): GateResult[] {
  if (!policyResult.ok) return configFailure(policyResult.reason, policyResult.problems, facts.baseRef);

  if (facts.filesTruncated) {
    const policy = policyResult.policy;
    const { listLimit } = facts.filesTruncated;
    const tooLarge = bothGates({
      undecided: "too-large",
      conclusion: "failure",
      title: `Pull request too large to govern: ${facts.changedFileCount} changed files`,
      reasons: [
        {
          status: "error",
          message: `GitHub lists at most ${listLimit} files of a pull request, and its git trees of the merge base and the head were too large to return in full, so not every changed file can be checked for AI changes.`,
        },
      ],
      nextSteps: [
        `Split this pull request into smaller ones (at most ${listLimit} changed files each are always checked in full).`,
        `If it cannot be split, ${governanceText(policy)} can comment \`/aims override <reason>\` on this pull request: both gates pass, and the override is recorded in the evidence.`,
        "`ignore:` in .github/aims.yml does not help here: it applies to listed files, and GitHub could not list them all.",
      ],
    });
    return withOverride(policy, facts, tooLarge);
  }

  if (facts.policyChange) return policyChangeGates(policyResult.policy, facts, facts.policyChange);
  const results = [assessmentGate(policyResult.policy, facts), oversightGate(policyResult.policy, facts)];
  return withOverride(policyResult.policy, facts, results);
}

/**
 * A pull request that changes the policy: its proposed policy must be valid, the policy files need
 * the governance owners' sign-off instead of an assessment, and any other AI change in it is judged
 * as usual. An invalid proposed policy is not overridable: merged, it would fail every later check.
 */
function policyChangeGates(policy: Policy, facts: PullRequestFacts, pc: PolicyChangeFacts): GateResult[] {
  if (pc.problems.length > 0) return headPolicyInvalid(pc);
  const policyFiles = new Set(pc.files);
  const rest: PullRequestFacts = { ...facts, changes: facts.changes.filter((c) => !policyFiles.has(c.path)) };
  const others = rest.changes.some((c) => c.gated) || rest.problems.length > 0;
  const assessment = others ? assessmentGate(policy, rest) : policyChangeAssessment(pc);
  if (others) assessment.reasons.push(policyChangeAssessmentNote(pc));
  const signOff = policyChangeOversight(policy, facts, pc);
  const oversight = others ? combineOversight(oversightGate(policy, rest), signOff) : signOff;
  return withOverride(policy, facts, [assessment, oversight]);
}

/**
 * `/aims override <reason>` by governance passes both gates (break glass, recorded on each result),
 * except on a prohibited practice, which nothing can approve.
 */
function withOverride(policy: Policy, facts: PullRequestFacts, results: GateResult[]): GateResult[] {
  const { override } = findOverride(policy, facts);
  if (!override) return results;
  if (oversightTier(policy, facts) === "prohibited") {
    const note: Reason = { status: "info", message: `@${override.login}'s override does not apply: a prohibited AI practice cannot be overridden.` };
    return results.map((r) => ({ ...r, reasons: [...r.reasons, note] }));
  }
  return results.map((r) => applyOverride(r, override));
}

/** Both gates when the pipeline itself failed (GitHub API error, timeout): fail closed with the cause. */
export function evaluationFailed(cause: string): GateResult[] {
  return bothGates({
    undecided: "evaluation",
    conclusion: "failure",
    title: "aims could not evaluate this pull request",
    reasons: [{ status: "error", message: cause }],
    nextSteps: [
      { code: "evaluate-again", orPush: true },
      { code: "check-installation" },
    ],
  });
}

function configFailure(reason: "invalid" | "unavailable", problems: ConfigProblem[], baseRef: string): GateResult[] {
  const invalid = reason === "invalid";
  return bothGates({
    undecided: "configuration",
    conclusion: "failure",
    title: invalid ? "aims configuration is invalid" : "aims configuration could not be read",
    reasons: problems.map((p) => ({
      status: "error" as const,
      message: formatProblem(p),
      ...(p.line !== undefined ? { location: `${p.file}:${p.line}:${p.column ?? 1}` } : {}),
    })),
    nextSteps: invalid
      ? [
          { code: "fix-policy", path: CONFIG_PATH, baseRef },
          "Check the file locally with `aims validate .github/aims.yml` (the aims-bot command line).",
        ]
      : [{ code: "evaluate-again", reread: "the configuration is read again" }],
  });
}

function bothGates(shape: Omit<GateResult, "gate" | "name" | "controls">): GateResult[] {
  return GATE_IDS.map((gate) => ({ gate, name: CHECK_NAMES[gate], controls: [], ...shape }));
}

