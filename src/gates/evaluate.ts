import { formatProblem, type ConfigProblem } from "../config/parse.js";
import { CONFIG_PATH, type Policy, type PolicyResult } from "../config/policy.js";
import type { AiChange } from "../detect/types.js";
import { CHECK_NAMES, GATE_IDS, type GateId, type GateResult, type PullRequestFacts, type Reason } from "./types.js";

/** GitHub lists at most this many files of a pull request. */
export const MAX_LISTED_FILES = 3000;

/** Systems touched by gated changes, in first-seen order. */
export function affectedSystems(changes: AiChange[]): string[] {
  return [...new Set(changes.filter((c) => c.gated).map((c) => c.system))];
}

/** Decide both gates for one pull request. Pure: everything it needs is in its arguments. */
export function evaluateGates(policyResult: PolicyResult, facts: PullRequestFacts): GateResult[] {
  if (!policyResult.ok) return configFailure(policyResult.reason, policyResult.problems, facts.baseRef);

  if (facts.filesTruncated || facts.changedFileCount > MAX_LISTED_FILES) {
    return bothGates({
      conclusion: "failure",
      title: `Pull request too large to govern: ${facts.changedFileCount} changed files`,
      reasons: [
        {
          status: "error",
          message: `GitHub lists at most ${MAX_LISTED_FILES} files of a pull request, so files beyond that cannot be checked for AI changes.`,
        },
      ],
      nextSteps: [
        `Split this pull request into pull requests of at most ${MAX_LISTED_FILES} files each.`,
        "If the size is intended (a generated or vendored tree), add those paths to `ignore:` in .github/aims.yml on the base branch first.",
      ],
    });
  }

  return [assessmentGate(policyResult.policy, facts), oversightGate(policyResult.policy, facts)];
}

/** Both gates when the pipeline itself failed (GitHub API error, timeout): fail closed with the cause. */
export function evaluationFailed(cause: string): GateResult[] {
  return bothGates({
    conclusion: "failure",
    title: "aims could not evaluate this pull request",
    reasons: [{ status: "error", message: cause }],
    nextSteps: [
      "Re-run this check (\"Re-run\" on the Checks tab) or push a commit; the gate is evaluated again from scratch.",
      "If it keeps failing, ask an organisation owner to confirm the aims-bot app is installed on this repository with its requested permissions.",
    ],
  });
}

function configFailure(reason: "invalid" | "unavailable", problems: ConfigProblem[], baseRef: string): GateResult[] {
  const invalid = reason === "invalid";
  return bothGates({
    conclusion: "failure",
    title: invalid ? "aims configuration is invalid" : "aims configuration could not be read",
    reasons: problems.map((p) => ({
      status: "error" as const,
      message: formatProblem(p),
      ...(p.line !== undefined ? { location: `${p.file}:${p.line}:${p.column ?? 1}` } : {}),
    })),
    nextSteps: invalid
      ? [
          `Fix the problems above in ${CONFIG_PATH} on the base branch \`${baseRef}\` (the policy is read from the base branch, never from this pull request), then re-run this check.`,
          "Check the file locally with `npx aims validate .github/aims.yml`.",
        ]
      : ["Re-run this check; the configuration is read again from GitHub."],
  });
}

function bothGates(shape: Omit<GateResult, "gate" | "name" | "controls">): GateResult[] {
  return GATE_IDS.map((gate) => ({ gate, name: CHECK_NAMES[gate], controls: [], ...shape }));
}

function problemReasons(facts: PullRequestFacts): Reason[] {
  return facts.problems.map((p) => ({
    status: "error",
    message: `${p.path}${p.line !== undefined ? `:${p.line}` : ""} could not be read: ${p.message}`,
    location: p.line !== undefined ? `${p.path}:${p.line}:${p.column ?? 1}` : p.path,
  }));
}

function reportedOnly(facts: PullRequestFacts): Reason[] {
  const ungated = facts.changes.filter((c) => !c.gated);
  if (ungated.length === 0) return [];
  const cats = [...new Set(ungated.map((c) => c.category))].join(", ");
  return [{ status: "info", message: `${ungated.length} AI-related file(s) reported but not gated by policy (${cats}).` }];
}

function noAiChanges(gate: GateId, facts: PullRequestFacts): GateResult {
  return {
    gate,
    name: CHECK_NAMES[gate],
    conclusion: "success",
    title: "No AI-relevant changes",
    reasons: [{ status: "met", message: "No changed file touches a model, dataset, prompt, AI dependency or the AI governance policy." }, ...reportedOnly(facts)],
    nextSteps: [],
    controls: [],
  };
}

function systemLabel(id: string, policy: Policy): string {
  const system = policy.systems.find((s) => s.id === id);
  return system ? `${system.id} (${system.risk} risk)` : id;
}

function assessmentGate(policy: Policy, facts: PullRequestFacts): GateResult {
  const gated = facts.changes.filter((c) => c.gated);
  const gate: GateId = "impact-assessment";
  if (gated.length === 0 && facts.problems.length === 0) return noAiChanges(gate, facts);

  const systems = affectedSystems(facts.changes);
  const reasons: Reason[] = [...problemReasons(facts)];
  const nextSteps: string[] = [];
  if (facts.problems.length > 0) {
    nextSteps.push(
      "Fix the files that could not be read (a broken manifest or lockfile could hide an AI dependency), or add their paths to `ignore:` in .github/aims.yml on the base branch.",
    );
  }
  for (const id of systems) {
    reasons.push({ status: "unmet", message: `No impact assessment is linked for ${systemLabel(id, policy)}.` });
  }
  if (systems.includes("unregistered")) {
    nextSteps.push(
      "Register the AI system these files belong to under `systems:` in .github/aims.yml (id, name, paths, risk) so its assessment and risk tier apply.",
    );
  }
  if (systems.length > 0) {
    nextSteps.push(
      `Link the approved impact assessment in the pull request description with a line such as \`Impact-Assessment: governance/impact-assessments/${systems.find((s) => s !== "unregistered") ?? "<system-id>"}.md\`.`,
    );
  }
  const title =
    systems.length > 0
      ? `Impact assessment required for ${systems.join(", ")}`
      : "Files that could hide AI changes could not be read";
  return { gate, name: CHECK_NAMES[gate], conclusion: facts.problems.length > 0 ? "failure" : "action_required", title, reasons: [...reasons, ...reportedOnly(facts)], nextSteps, controls: [] };
}

function oversightGate(policy: Policy, facts: PullRequestFacts): GateResult {
  const gated = facts.changes.filter((c) => c.gated);
  const gate: GateId = "human-oversight";
  if (gated.length === 0 && facts.problems.length === 0) return noAiChanges(gate, facts);
  const systems = affectedSystems(facts.changes);
  return {
    gate,
    name: CHECK_NAMES[gate],
    conclusion: "action_required",
    title: "Human sign-off required",
    reasons: [
      {
        status: "unmet",
        message: `No eligible reviewer has signed off this change at ${facts.headSha.slice(0, 7)}${systems.length ? ` (${systems.map((s) => systemLabel(s, policy)).join(", ")})` : ""}.`,
      },
      { status: "info", message: `The author @${facts.author} cannot sign off their own change.` },
    ],
    nextSteps: [
      "Ask a reviewer other than the author to approve this pull request at its latest commit.",
    ],
    controls: [],
  };
}
