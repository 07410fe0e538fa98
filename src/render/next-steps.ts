import type { NextStep } from "../gates/types.js";

/** Where a gate's result is read: a check run on GitHub, or `aims check` on the command line. */
export type Surface = "check-run" | "command-line";

/**
 * A next step in the words of one surface, or undefined when it has nothing to do there: the
 * command line never offers a check run's Re-run button or the GitHub App's installation.
 */
export function wordStep(step: NextStep, surface: Surface): string | undefined {
  if (typeof step === "string") return step;
  const local = surface === "command-line";
  switch (step.code) {
    case "evaluate-again":
      if (step.orPush) {
        return local
          ? "Run `aims check` again; the gates are evaluated again from scratch."
          : 'Re-run this check ("Re-run" on the Checks tab) or push a commit; the gate is evaluated again from scratch.';
      }
      if (step.reread) return local ? `Run \`aims check\` again; ${step.reread}.` : `Re-run this check; ${step.reread} from GitHub.`;
      if (step.membersPermission && !local) {
        return "Re-run this check. If it keeps failing, confirm the app has the Members (read) organisation permission.";
      }
      return local ? "Run `aims check` again." : "Re-run this check.";
    case "check-installation":
      return local
        ? undefined
        : "If it keeps failing, ask an organisation owner to confirm the aims-bot app is installed on this repository with its requested permissions.";
    case "fix-policy":
      return `Fix each problem listed in ${step.path} on the base branch \`${step.baseRef}\` (the policy is read from the base branch, never from this pull request), then ${local ? "run `aims check` again" : "re-run this check"}.`;
  }
}

/** Every step worded for `surface`, leaving out those that have nothing to do there. */
export function wordSteps(steps: readonly NextStep[], surface: Surface): string[] {
  return steps.map((s) => wordStep(s, surface)).filter((s): s is string => s !== undefined);
}
