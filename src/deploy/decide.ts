import type { OversightTier, Principals } from "../config/policy.js";
import { eligibility } from "../gates/authority.js";
import { code } from "../util/markdown.js";
import type { Blocker, DeploymentDecision, DeploymentFacts, ShippedPull, ShippedRecord } from "./types.js";

/**
 * The deployment gate (pure): may the deployed commit reach the environment? Approved only when
 * every AI change since the last successful deployment came through a governed pull request whose
 * gates passed at its merged commit, no assessment it relied on has expired since, no override is
 * an open nonconformity (unless the environment allows it), every AI change pushed without a pull
 * request was approved by a governance owner, and each risk tier that names deployment approvers
 * has one who authored none of those changes. Anything that cannot be decided rejects.
 */

export const short = (sha: string): string => sha.slice(0, 7);

const TIERS: readonly OversightTier[] = ["minimal", "limited", "high"];

export function decideDeployment(f: DeploymentFacts): DeploymentDecision {
  const { request } = f;
  const base = { environment: request.environment, sha: request.sha, shipped: [], directPushes: [], approvers: [], evidencesDeployment: false };
  const reject = (blocker: Blocker, listed: boolean): DeploymentDecision => ({ ...base, state: "rejected", listed, blockers: [blocker], notes: [] });

  if (f.policyProblem) {
    return reject({ kind: "policy", subject: ".github/aims.yml", reason: `the aims policy cannot be used: ${f.policyProblem}`, next: "fix .github/aims.yml on the default branch, then re-run the deployment job" }, false);
  }
  if (!f.rules) {
    const note = `${request.environment} is not listed in deployments.environments, so aims-bot does not gate it`;
    if (f.otherEnvironments === "reject") {
      return reject({ kind: "not-listed", subject: request.environment, reason: `${note}, and deployments.other_environments is reject`, next: `add ${request.environment} to deployments.environments in .github/aims.yml, or deploy to a listed environment` }, false);
    }
    return { ...base, state: "approved", listed: false, blockers: [], notes: [`${note}; GitHub's other protection rules decide`] };
  }
  if (f.error) {
    return reject({ kind: "read-error", subject: "GitHub", reason: `the facts could not be read, so nothing can be approved: ${f.error}`, next: "re-run the deployment job; if it persists, check GitHub's status and the app's logs" }, true);
  }
  if (f.unknownCommit) {
    return reject({ kind: "unknown-commit", subject: `commit ${short(request.sha)}`, reason: `${request.sha} is not a commit of ${request.owner}/${request.repo}`, next: "deploy a commit of this repository" }, true);
  }
  if (f.range.exceeded) {
    const since = f.previous ? `the last successful deployment to ${request.environment} (${short(f.previous.sha)})` : `the start of the history (no earlier successful deployment to ${request.environment})`;
    return reject(
      {
        kind: "range-too-long",
        subject: `commit ${short(request.sha)}`,
        reason: `${f.range.commits > f.range.limit ? `more than ${f.range.limit}` : f.range.commits} commits since ${since}; aims-bot reads at most ${f.range.limit} (deployments.max_commits)`,
        next: `deploy an earlier commit first (at most ${f.range.limit} commits on), or raise deployments.max_commits`,
      },
      true,
    );
  }

  const blockers: Blocker[] = [];
  const notes: string[] = [];
  const shipped: DeploymentDecision["shipped"] = [];
  let nonconformity = false;

  for (const pull of f.pulls) {
    const subject = `#${pull.number}`;
    if (!pull.record) {
      const paths = pull.unrecordedAiPaths ?? [];
      if (paths.length > 0) {
        blockers.push({
          kind: "record-missing",
          subject,
          reason: `merged with AI changes (${listed(paths)}) but has no evidence record, so its gates cannot be shown to have passed`,
          next: `run \`aims reconcile\` (or re-deliver the pull request's closed event) so the record of ${subject} is written, then re-run the deployment job`,
        });
      }
      continue;
    }
    const r = pull.record;
    const problems = recordBlockers(pull, r, f, subject);
    blockers.push(...problems.blockers);
    notes.push(...problems.notes);
    nonconformity ||= problems.nonconformity;
    if (problems.blockers.length === 0) shipped.push({ number: pull.number, record: r });
  }

  const directPushes = f.directPushes.filter((d) => d.aiPaths.length > 0 || !d.complete);
  for (const d of directPushes) {
    const subject = `commit ${short(d.sha)}`;
    if (d.tracking?.approvedBy) {
      nonconformity = true;
      notes.push(`${subject} was pushed without a pull request; @${d.tracking.approvedBy} approved it on #${d.tracking.issue} (recorded as a nonconformity)`);
      continue;
    }
    const where = d.tracking ? `#${d.tracking.issue}` : "the tracking issue aims-bot opens for it";
    blockers.push(
      d.complete
        ? {
            kind: "direct-push",
            subject,
            reason: `@${d.author} pushed AI changes (${listed(d.aiPaths)}) without a pull request, so no gate judged them`,
            next: `a governance owner comments \`/aims approve <reason>\` on ${where} (recorded as a nonconformity), or revert the commit and bring the change through a pull request; then re-run the deployment job`,
          }
        : {
            kind: "unclassified-push",
            subject,
            reason: `@${d.author} pushed a commit without a pull request whose file list GitHub cut short, so its changes cannot be classified`,
            next: `a governance owner comments \`/aims approve <reason>\` on ${where}, or bring the change through a pull request; then re-run the deployment job`,
          },
    );
  }

  const approvers: DeploymentDecision["approvers"] = [];
  for (const tier of TIERS) {
    const principals = f.rules.approvers[tier];
    if (!principals || (principals.users.length === 0 && principals.teams.length === 0)) continue;
    const atTier = f.pulls.filter((p) => p.record && tierOf(p.record) === tier);
    if (atTier.length === 0) continue;
    const authors = new Set(atTier.map((p) => p.author.toLowerCase()));
    const found = f.approvals
      .filter((a) => !authors.has(a.login.toLowerCase()))
      .map((a) => ({ login: a.login, e: eligibility(principals, a.login, a.standing, "admin") }))
      .find((a) => a.e.ok);
    if (found) {
      approvers.push({ tier, login: found.login, via: found.e.via });
      notes.push(`@${found.login} (${found.e.via}) approved the ${tier}-risk changes`);
    } else {
      blockers.push({
        kind: "approver-missing",
        subject: request.environment,
        reason: `${atTier.map((p) => `#${p.number}`).join(", ")} change ${tier}-risk systems, which need a deployment approver who authored none of them`,
        next: `${who(principals)} approves the deployment in the workflow run's review (not ${[...authors].map((a) => `@${a}`).join(", ")}), then re-run the deployment job`,
      });
    }
  }

  if (shipped.length === 0 && directPushes.length === 0 && blockers.length === 0) {
    notes.unshift(f.previous ? `no AI change since the last successful deployment to ${request.environment} (${short(f.previous.sha)})` : "no AI change on the deployed branch");
  }
  const state = blockers.length === 0 ? "approved" : "rejected";
  return {
    ...base,
    state,
    listed: true,
    blockers,
    notes,
    shipped,
    directPushes,
    approvers,
    evidencesDeployment: state === "approved" && !nonconformity && shipped.length > 0,
  };
}

function recordBlockers(pull: ShippedPull, r: ShippedRecord, f: DeploymentFacts, subject: string): { blockers: Blocker[]; notes: string[]; nonconformity: boolean } {
  const blockers: Blocker[] = [];
  const notes: string[] = [];
  let nonconformity = false;
  if (r.tampered) {
    blockers.push({ kind: "record-edited", subject, reason: `its evidence record ${r.id} no longer matches its hash (it was edited)`, next: `run \`aims verify\` on the evidence repository and restore record #${r.issue}` });
    return { blockers, notes, nonconformity };
  }
  if (r.state === "open") {
    blockers.push({ kind: "record-not-final", subject, reason: `its evidence record #${r.issue} is not finalised yet`, next: "wait for aims-bot to finalise the record after the merge (seconds), then re-run the deployment job" });
    return { blockers, notes, nonconformity };
  }
  if (pull.mergeSha && r.mergeSha && pull.mergeSha !== r.mergeSha) {
    blockers.push({ kind: "gates-not-passed", subject, reason: `its evidence record names merge commit ${short(r.mergeSha)}, not ${short(pull.mergeSha)}`, next: `re-finalise the record of ${subject} (\`aims reconcile\`), then re-run the deployment job` });
  }
  if (r.override || r.state === "overridden") {
    nonconformity = true;
    const by = r.override ? ` by @${r.override.login}` : "";
    const ca = r.correctiveAction;
    if (f.rules!.allow_overridden) {
      notes.push(`${subject} was merged under an override${by}; deployments.allow_overridden lets it through (a nonconformity)`);
    } else if (ca?.state === "closed") {
      notes.push(`${subject} was merged under an override${by}; its corrective action #${ca.issue} is closed`);
    } else {
      blockers.push({
        kind: "overridden",
        subject,
        reason: `merged under an override${by}: an unresolved nonconformity${ca ? ` (corrective action #${ca.issue} is ${ca.state === "open" ? "open" : "not readable"})` : " with no corrective action yet"}`,
        next: ca ? `complete and close corrective action #${ca.issue}, then re-run the deployment job` : `let aims-bot open the corrective action (next event of ${subject}), complete and close it, then re-run the deployment job`,
      });
    }
    return { blockers, notes, nonconformity };
  }
  const failed = ["impact-assessment", "human-oversight"].filter((g) => r.gates.find((x) => x.gate === g)?.conclusion !== "success");
  if (failed.length > 0) {
    blockers.push({ kind: "gates-not-passed", subject, reason: `merged without passing ${failed.join(" and ")} (record #${r.issue})`, next: `bring the change through a new pull request whose gates pass, or revert ${subject}; then re-run the deployment job` });
  }
  for (const a of r.assessments) {
    if (a.nextReview && a.nextReview < f.today) {
      blockers.push({
        kind: "expired-assessment",
        subject,
        reason: `impact assessment ${a.id} it relied on was due for review on ${a.nextReview}`,
        next: `review ${a.id}, set a new review.next_review and have it approved again, then re-run the deployment job`,
      });
    }
  }
  return { blockers, notes, nonconformity };
}

function tierOf(r: ShippedRecord): OversightTier | undefined {
  if (!r.risk) return undefined;
  return r.risk === "prohibited" ? "high" : r.risk;
}

function who(p: Principals): string {
  const names = [...p.users.map((u) => `@${u}`), ...p.teams.map((t) => `a member of @${t}`)];
  return names.length === 1 ? names[0]! : `one of ${names.join(", ")}`;
}

function listed(paths: readonly string[]): string {
  const shown = paths.slice(0, 3).map(code).join(", ");
  return paths.length > 3 ? `${shown} and ${paths.length - 3} more` : shown;
}
