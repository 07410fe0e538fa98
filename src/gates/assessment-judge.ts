import type { LabelApproval } from "./assessment-issue.js";
import type { RecordParse } from "./assessment-record.js";
import { day, short } from "./common.js";
import { assessorsText, DAY_MS, describeProblem, problemLocation, prohibitedFinding, TEMPLATE_HINT, type Counted, type EvalContext, type Finding, type Judged } from "./assessment-wording.js";
import type { Assessment, FileAssessment, FileVersion, IssueAssessment } from "./facts.js";
import { recordsOf } from "./risk.js";
import type { Reason } from "./types.js";

/** One linked or registered assessment judged on its own: does its record stand, and if not, why. */

export function judge(a: Assessment, ec: EvalContext): Judged {
  const j = a.kind === "file" ? judgeFile(a, ec) : judgeIssue(a, ec);
  // A version that was not used (an unapproved edit) still tells which systems the link is meant for.
  if (j.systems.length === 0) j.systems = [...new Set(recordsOf(a).flatMap((r) => r.systems))];
  return j;
}

function judgeFile(a: FileAssessment, ec: EvalContext): Judged {
  const { facts, af, author, policy } = ec;
  const path = a.path;
  const base = facts.baseRef;
  const notes: Reason[] = [];
  let version: FileVersion = a.base;
  const edited = a.change !== undefined && a.change !== "removed";
  if (edited) {
    const approvers = af.headApprovers.filter((l) => l.toLowerCase() !== author.toLowerCase() && af.authority[l.toLowerCase()]?.authorised);
    const errors = af.headApprovers.map((l) => af.authority[l.toLowerCase()]?.error).filter((e): e is string => e !== undefined);
    if (af.reviewsError || errors.length > 0) {
      return stop(path, [], {
        severity: "failure",
        title: `Could not check who approved the edits to ${path}`,
        reasons: [{ status: "error", message: `The reviews of this pull request or the reviewers' authority could not be read from GitHub: ${af.reviewsError ?? errors[0]}` }],
        steps: [{ code: "evaluate-again", reread: "the reviews are read again" }],
      });
    }
    if (approvers.length > 0 && a.head) {
      version = a.head;
      notes.push({
        status: "info",
        message: `${path}: used the version in this pull request at ${short(facts.headSha)}, because ${approvers.map((l) => `@${l}`).join(", ")} (assessor) approved the pull request at that commit.`,
        location: path,
      });
    } else if (a.base.read.status !== "missing") {
      notes.push({
        status: "info",
        message: `${path}: this pull request edits it, so the version on \`${base}\` (${short(a.base.sha)}) was used; the edits count once ${assessorsText(policy)}, other than the author, approves the pull request at its latest commit.`,
        location: path,
      });
    } else {
      return stop(path, [], {
        severity: "action",
        title: `Impact assessment ${path} needs an assessor's review`,
        reasons: [
          {
            status: "unmet",
            message: `${path} is added by this pull request. It counts only once ${assessorsText(policy)}, other than the author, approves the pull request at ${short(facts.headSha)}: otherwise its author could write their own approval.`,
            location: path,
          },
        ],
        steps: [`Ask ${assessorsText(policy)}, other than the author, to review ${path} and approve this pull request at its latest commit (${short(facts.headSha)}).`],
      });
    }
  } else {
    notes.push({
      status: "info",
      message: `${path}: read as it stands on \`${base}\` (${short(a.base.sha)})${a.change === "removed" ? "; this pull request deletes it" : ""}.`,
      location: path,
    });
  }

  const read = version.read;
  if (read.status === "missing") {
    return stop(path, notes, {
      severity: "action",
      title: `Impact assessment ${path} not found`,
      reasons: [{ status: "unmet", message: `${path} does not exist on \`${base}\`.`, location: path }],
      steps: [
        `Check the path in the \`Impact-Assessment:\` line (relative to the repository root, e.g. \`${policy.assessment.directory}AIA-2026-014.md\`); an assessment counts once it is merged into \`${base}\`.`,
      ],
    });
  }
  if (read.status === "error") {
    return stop(path, notes, {
      severity: "failure",
      title: `Impact assessment ${path} could not be read`,
      reasons: [{ status: "error", message: `${path} could not be read from GitHub: ${read.message}`, location: path }],
      steps: [{ code: "evaluate-again", reread: "the assessment is read again" }],
    });
  }
  // An approval written into this pull request's version counts only when GitHub shows that
  // assessor approving the pull request at its latest commit: the file alone is anyone's text.
  const confirmedBy = version === a.head ? af.headApprovers.map((l) => l.toLowerCase()) : undefined;
  return judgeRecord(read.parse, path, { kind: "file", ...(confirmedBy ? { confirmedBy } : {}) }, notes, ec);
}

function judgeIssue(a: IssueAssessment, ec: EvalContext): Judged {
  const name = `${a.owner}/${a.repo}#${a.number}`;
  const read = a.read;
  if (read.status === "missing") {
    return stop(name, [], {
      severity: "action",
      title: `Impact assessment ${name} not found`,
      // The app runs on the pull request's own repository: suggest installing it only for another one.
      reasons: [
        {
          status: "unmet",
          message: read.crossRepository
            ? `Issue ${name} does not exist, or the app is not installed on ${a.owner}/${a.repo} and cannot read it.`
            : `Issue ${name} does not exist in this repository.`,
        },
      ],
      steps: [
        read.crossRepository
          ? `Check the issue number in the \`Impact-Assessment:\` line, or install the app on ${a.owner}/${a.repo}.`
          : "Check the issue number in the `Impact-Assessment:` line.",
      ],
    });
  }
  if (read.status === "error") {
    return stop(name, [], {
      severity: "failure",
      title: `Impact assessment ${name} could not be read`,
      reasons: [{ status: "error", message: `Issue ${name} or its label history could not be read from GitHub: ${read.message}` }],
      steps: [{ code: "evaluate-again", reread: "the issue is read again" }],
    });
  }
  if (read.status === "pull-request") {
    return stop(name, [], {
      severity: "action",
      title: `Impact assessment ${name} is a pull request`,
      reasons: [{ status: "unmet", message: `${name} is a pull request, not an assessment issue.` }],
      steps: ["Link the assessment issue (created with the “AI impact assessment” issue form) or the assessment file instead."],
    });
  }
  const notes: Reason[] = [];
  if (read.state === "closed" && read.stateReason === "not_planned") {
    return stop(name, notes, {
      severity: "action",
      title: `Impact assessment ${name} was closed as not planned`,
      reasons: [{ status: "unmet", message: `${name} was closed as not planned, so it no longer stands.` }],
      steps: [`Reopen ${name} if it still applies, or link a current assessment.`],
    });
  }
  return judgeRecord(read.parse, name, { kind: "issue", labelUnverified: read.labelUnverified, ...(read.approval ? { approval: read.approval } : {}) }, notes, ec);
}

function stop(name: string, notes: Reason[], finding: Finding): Judged {
  return { name, findings: [finding], notes, systems: [] };
}

type Origin =
  /** confirmedBy: for the pull request's own version, who approved the pull request at its head. */
  | { kind: "file"; confirmedBy?: string[] }
  | { kind: "issue"; approval?: LabelApproval; labelUnverified: boolean };

function judgeRecord(parse: RecordParse, where: string, origin: Origin, notes: Reason[], ec: EvalContext): Judged {
  const { policy, af, author } = ec;
  const isIssue = origin.kind === "issue";
  if (parse.kind === "syntax") {
    return stop(where, notes, {
      severity: "failure",
      title: `Impact assessment ${where} does not parse`,
      reasons: parse.problems.map((p) => ({
        status: "error" as const,
        message: describeProblem(where, p, isIssue),
        ...(problemLocation(where, p) ? { location: problemLocation(where, p)! } : {}),
      })),
      steps: [
        isIssue
          ? `Create the assessment with the “AI impact assessment” issue form (policies/templates/ai-impact-assessment.yml shipped with aims-bot, installed into .github/ISSUE_TEMPLATE/), then link the new issue.`
          : `Fix ${where} at the lines shown: it must start with \`---\`, a YAML record, and \`---\` (${TEMPLATE_HINT}).`,
      ],
    });
  }
  if (parse.kind === "invalid") {
    const name = parse.summary.id ? `${parse.summary.id} (${where})` : where;
    const judged: Judged = {
      name,
      notes,
      systems: parse.summary.systems,
      ...(parse.summary.id ? { id: parse.summary.id } : {}),
      findings: [],
    };
    if (parse.summary.riskLevel === "prohibited") judged.findings.push(prohibitedFinding(name, parse.summary.systems));
    judged.findings.push({
      severity: "action",
      title: `Impact assessment ${parse.summary.id ?? where} is incomplete`,
      reasons: parse.problems.map((p) => ({
        status: "unmet" as const,
        message: describeProblem(where, p, isIssue),
        ...(problemLocation(where, p) ? { location: problemLocation(where, p)! } : {}),
      })),
      steps: [
        isIssue
          ? `Edit ${where} and fill in the fields listed (“_No response_”, TODO, TBD and <…> count as empty).`
          : `Fill in the fields listed in ${where} (TODO, TBD, <…> and … count as empty; ${TEMPLATE_HINT}).`,
      ],
    });
    return judged;
  }

  const record = parse.record;
  const name = `${record.id} (${where})`;
  const judged: Judged = { name, notes, systems: record.systems, id: record.id, findings: [] };
  const add = (f: Finding) => judged.findings.push(f);
  if (record.riskLevel === "prohibited") add(prohibitedFinding(record.id, record.systems));

  const label = policy.assessment.approval_label;
  if (record.status !== "approved") {
    if (isIssue) {
      add({
        severity: "action",
        title: `Impact assessment ${record.id} is not approved`,
        reasons: [
          {
            status: "unmet",
            message: origin.labelUnverified
              ? `${where} carries the label \`${label}\`, but its history shows no one applying it, so the approval cannot be verified.`
              : `${where} does not carry the label \`${label}\`.`,
          },
        ],
        steps: [`Ask ${assessorsText(policy)}, other than the author of this pull request, to review ${where} and apply the label \`${label}\`${origin.labelUnverified ? " again (remove it and add it)" : ""}.`],
      });
    } else {
      add({
        severity: "action",
        title: `Impact assessment ${record.id} is not approved`,
        reasons: [{ status: "unmet", message: `${name} has status \`${record.status}\`, not \`approved\`.` }],
        steps: [
          `Ask ${assessorsText(policy)} to approve ${record.id}: \`status: approved\` and an \`approvals\` entry with their login, \`decision: approve\` and the date, merged into \`${ec.facts.baseRef}\`.`,
        ],
      });
    }
    return judged;
  }

  // Approvals in time order; the latest authorised decision stands.
  const decisions = [...record.approvals].sort((x, y) => Date.parse(x.at) - Date.parse(y.at));
  const now = Date.parse(af.now);
  const dismissed: string[] = [];
  const rejected: Counted["rejected"] = [];
  const dismiss = (d: (typeof decisions)[number], text: string, reason: string) => {
    dismissed.push(text);
    rejected.push({ login: d.login, at: d.at, reason });
  };
  let standing: (typeof decisions)[number] | undefined;
  for (const d of decisions) {
    const key = d.login.toLowerCase();
    // A future date would dodge max_age_days.
    if (Date.parse(d.at) > now + DAY_MS) {
      dismiss(d, `the approval by @${d.login} is dated ${day(d.at)}, in the future`, "dated in the future");
      continue;
    }
    if (key === author.toLowerCase()) {
      dismiss(d, `@${d.login} is the author of this pull request and cannot approve the assessment of their own change`, "author of the pull request");
      continue;
    }
    const auth = af.authority[key];
    if (auth?.error) {
      add({
        severity: "failure",
        title: `Could not check the approver of ${record.id}`,
        reasons: [{ status: "error", message: `Whether @${d.login} is an assessor could not be read from GitHub: ${auth.error}` }],
        steps: [{ code: "evaluate-again", membersPermission: true }],
      });
      return judged;
    }
    if (origin.kind === "file" && origin.confirmedBy && !origin.confirmedBy.includes(key)) {
      dismiss(
        d,
        `@${d.login}'s approval is written in this pull request's version of the file, but @${d.login} has not approved the pull request at ${short(ec.facts.headSha)}`,
        "written in this pull request's edit of the file, not confirmed by an approving review at its head",
      );
      continue;
    }
    if (!auth?.authorised) {
      dismiss(d, `@${d.login} is not an assessor (${auth?.via ?? "not checked"}); assessors are ${assessorsText(policy)}`, `not an assessor (${auth?.via ?? "not checked"})`);
      continue;
    }
    // A later authorised decision replaces an earlier one; the earlier one no longer counts.
    if (standing) rejected.push({ login: standing.login, at: standing.at, reason: `superseded by @${d.login}'s decision of ${day(d.at)}` });
    standing = d;
  }
  if (!standing) {
    add({
      severity: "action",
      title: `Impact assessment ${record.id} is not approved by an assessor`,
      reasons: [
        ...(dismissed.length > 0
          ? dismissed.map((d) => ({ status: "unmet" as const, message: `${name}: ${d}.` }))
          : [{ status: "unmet" as const, message: `${name} records no approval.` }]),
      ],
      steps: [
        isIssue
          ? `Ask ${assessorsText(policy)}, other than the author of this pull request, to apply the label \`${label}\` to ${where}${dismissed.length > 0 ? " (remove the label first)" : ""}.`
          : `Ask ${assessorsText(policy)}, other than the author of this pull request, to approve ${record.id} and record it under \`approvals\`.`,
      ],
    });
    return judged;
  }
  if (standing.decision === "reject") {
    add({
      severity: "action",
      title: `Impact assessment ${record.id} was rejected`,
      reasons: [{ status: "unmet", message: `${name} was rejected by @${standing.login} on ${day(standing.at)}.` }],
      steps: [`Address @${standing.login}'s objections in ${record.id} and ask for a new approval.`],
    });
    return judged;
  }

  const today = day(af.now);
  if (record.nextReview < today) {
    add({
      severity: "action",
      title: `Impact assessment ${record.id} expired on ${record.nextReview}`,
      reasons: [{ status: "unmet", message: `${name} was due for review on ${record.nextReview} (review.next_review).` }],
      steps: [`Review ${record.id}, set a new \`review.next_review\` and have ${assessorsText(policy)} approve it again.`],
    });
  }
  const maxAge = policy.assessment.max_age_days;
  if (now - Date.parse(standing.at) > maxAge * DAY_MS) {
    add({
      severity: "action",
      title: `Impact assessment ${record.id} approval expired`,
      reasons: [{ status: "unmet", message: `${name} was last approved on ${day(standing.at)}, more than ${maxAge} days ago (assessment.max_age_days).` }],
      steps: [`Have ${assessorsText(policy)} review ${record.id} again and record a new approval${isIssue ? ` (remove and re-apply the label \`${label}\`)` : ""}.`],
    });
  }
  if (judged.findings.length === 0) {
    const authority = af.authority[standing.login.toLowerCase()];
    judged.counted = { record, name, approval: { login: standing.login, at: standing.at, via: authority?.via ?? "assessor" }, rejected };
    judged.notes = [
      {
        status: "met",
        message: `${name}: approved by @${standing.login} (${authority?.via ?? "assessor"}) on ${day(standing.at)}${isIssue ? ` (label \`${label}\`)` : ""}; next review ${record.nextReview}; covers ${record.systems.join(", ")}.`,
      },
      ...notes,
    ];
  }
  return judged;
}
