import type { Policy } from "../config/policy.js";
import type { RiskTier } from "../config/schema.js";
import { UNREGISTERED_SYSTEM } from "../detect/types.js";
import type { AssessmentRecord, LabelApproval, RecordParse, RecordProblem } from "./assessment-record.js";
import { affectedSystems, noAiChanges, problemReasons, reportedOnly, systemLabel } from "./common.js";
import { CHECK_NAMES, type Conclusion, type GateId, type GateResult, type PullRequestFacts, type Reason } from "./types.js";

// ---------------------------------------------------------------------------------------------
// Facts: what the pipeline read from GitHub (src/github/assessment-facts.ts)

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
// Links

/** More references than this in one description are not followed (each costs GitHub reads). */
export const MAX_LINKS = 10;

const TRAILER = /^[ \t>]*(?:[-*+][ \t]+)?(?:\*\*|__)?Impact-Assessment(?:\*\*|__)?[ \t]*:(?:\*\*|__)?[ \t]*(.*)$/i;

/** Blank out HTML comments and fenced code blocks, keeping line numbers: templates show example lines there. */
function hideNonProse(body: string): string {
  const noComments = body.replace(/<!--[\s\S]*?(?:-->|$)/g, (m) => m.replace(/[^\n]/g, ""));
  const lines = noComments.split("\n");
  let fence: string | undefined;
  return lines
    .map((line) => {
      const m = /^\s*(`{3,}|~{3,})/.exec(line);
      if (fence) {
        if (m && m[1]!.startsWith(fence)) fence = undefined;
        return "";
      }
      if (m) {
        fence = m[1]!;
        return "";
      }
      return line;
    })
    .join("\n");
}

/**
 * Every `Impact-Assessment: <ref>` trailer in a pull request description. A line may name several
 * references separated by commas or spaces; lines in HTML comments and code blocks are ignored.
 */
export function parseAssessmentLinks(body: string): AssessmentLink[] {
  const links: AssessmentLink[] = [];
  hideNonProse(body.replace(/\r\n?/g, "\n"))
    .split("\n")
    .forEach((text, i) => {
      const m = TRAILER.exec(text);
      if (!m) return;
      const line = i + 1;
      // Markdown links and autolinks: keep the target.
      const value = m[1]!.replace(/\[[^\]]*\]\(([^)\s]+)\)/g, "$1").replace(/<(https?:\/\/[^>\s]+)>/g, "$1").trim();
      if (value === "") {
        links.push({ kind: "invalid", raw: "", line, message: "names no assessment" });
        return;
      }
      for (const raw of value.split(/[\s,]+/).filter(Boolean)) links.push(classify(raw, line));
    });
  return links;
}

function classify(token: string, line: number): AssessmentLink {
  const raw = token.replace(/^[`'"]+|[`'".;]+$/g, "");
  if (/^<.*>$/.test(raw) || /^(TODO|TBD|\.\.\.)$/i.test(raw)) return { kind: "invalid", raw, line, message: "is a placeholder" };
  let m = /^#(\d+)$/.exec(raw);
  if (m) return { kind: "issue", raw, line, number: Number(m[1]) };
  m = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)#(\d+)$/.exec(raw);
  if (m) return { kind: "issue", raw, line, owner: m[1]!, repo: m[2]!, number: Number(m[3]) };
  if (/^https?:\/\//i.test(raw)) {
    m = /^https?:\/\/[^/\s]+\/([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)\/issues\/(\d+)\/?(?:[?#].*)?$/i.exec(raw);
    if (m) return { kind: "issue", raw, line, owner: m[1]!, repo: m[2]!, number: Number(m[3]) };
    if (/\/pull\/\d+/.test(raw)) return { kind: "invalid", raw, line, message: "is a pull request, not an assessment: link the assessment issue or file" };
    return { kind: "invalid", raw, line, message: "is not an issue URL (https://github.com/owner/repo/issues/123)" };
  }
  const path = raw.replace(/^\.?\//, "");
  if (path === "" || path.split("/").some((s) => s === ".." || s === "" || s === ".")) {
    return { kind: "invalid", raw, line, message: "is not a path inside the repository" };
  }
  if (!/\.(md|markdown|ya?ml)$/i.test(path)) {
    return { kind: "invalid", raw, line, message: "is not a path to a Markdown (.md) or YAML (.yml) assessment, #123, owner/repo#123 or an issue URL" };
  }
  return { kind: "file", raw, line, path };
}

// ---------------------------------------------------------------------------------------------
// Risk

const RISK_ORDER: Record<RiskTier, number> = { minimal: 0, limited: 1, high: 2, prohibited: 3 };

export function higherRisk(a: RiskTier, b: RiskTier): RiskTier {
  return RISK_ORDER[a] >= RISK_ORDER[b] ? a : b;
}

export interface SystemRisk {
  system: string;
  /** Tier in the registry (`systems:`); absent for unregistered paths. */
  registry?: RiskTier;
  /** Tiers the assessments that list the system give it. */
  assessments: Array<{ id: string; risk: RiskTier }>;
  effective: RiskTier;
}

/** The records an evaluation relies on: every version read, so a claim of higher risk is never lost. */
function recordsOf(a: Assessment): Array<{ id?: string; systems: string[]; riskLevel?: RiskTier }> {
  const parses: RecordParse[] = [];
  if (a.kind === "file") {
    for (const v of [a.base, a.head]) if (v?.read.status === "read") parses.push(v.read.parse);
  } else if (a.read.status === "read") parses.push(a.read.parse);
  return parses.flatMap((p) => (p.kind === "valid" ? [p.record] : p.kind === "invalid" ? [p.summary] : []));
}

/**
 * Risk of each system the PR affects: the higher of the registry's tier and every tier an
 * assessment of the system gives it. Unregistered paths count as high: nothing vouches for less.
 */
export function systemRisks(policy: Policy, facts: PullRequestFacts): SystemRisk[] {
  const sources = [...(facts.assessment?.linked ?? []), ...(policy.assessment.link === "auto" ? (facts.assessment?.directory ?? []) : [])];
  const records = sources.flatMap(recordsOf);
  return affectedSystems(facts.changes).map((system) => {
    const registry = policy.systems.find((s) => s.id === system)?.risk;
    const assessments = records
      .filter((r) => r.riskLevel && r.systems.includes(system))
      .map((r) => ({ id: r.id ?? "(no id)", risk: r.riskLevel! }));
    const start: RiskTier = registry ?? (system === UNREGISTERED_SYSTEM ? "high" : "minimal");
    const effective = assessments.reduce<RiskTier>((acc, a) => higherRisk(acc, a.risk), start);
    return { system, ...(registry ? { registry } : {}), assessments, effective };
  });
}

/**
 * The tier that drives human oversight: the highest effective risk over the affected systems
 * (`minimal` when none). May be `prohibited`, which no sign-off can clear.
 */
export function effectiveRiskTier(policy: Policy, facts: PullRequestFacts): RiskTier {
  return systemRisks(policy, facts).reduce<RiskTier>((acc, s) => higherRisk(acc, s.effective), "minimal");
}

// ---------------------------------------------------------------------------------------------
// The gate

type Severity = "failure" | "action";

/** One problem: the reasons that explain it, its short title and the next step that fixes it. */
interface Finding {
  severity: Severity;
  title: string;
  reasons: Reason[];
  steps: string[];
}

interface Counted {
  record: AssessmentRecord;
  name: string;
  approval: { login: string; at: string; via: string };
  /** Approvals in the record the gate did not accept, with why. */
  rejected: Array<{ login: string; at: string; reason: string }>;
}

const DAY_MS = 86_400_000;
const TEMPLATE_HINT = "from the template policies/templates/impact-assessment.md shipped with aims-bot";

function assessorsText(policy: Policy): string {
  const { teams, users } = policy.assessment.assessors;
  if (teams.length === 0 && users.length === 0) return "someone with write access to this repository";
  return [...teams.map((t) => `a member of @${t}`), ...users.map((u) => `@${u}`)].join(" or ");
}

function short(sha: string): string {
  return sha.slice(0, 7);
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

function describeProblem(where: string, p: RecordProblem, issue: boolean): string {
  if (issue) return `${where} ${p.field ? `“${p.field}” ` : ""}${p.message}`;
  const pos = p.line !== undefined ? `:${p.line}${p.column !== undefined ? `:${p.column}` : ""}` : "";
  return `${where}${pos} ${p.field ? `${p.field} ` : ""}${p.message}`;
}

function problemLocation(where: string, p: RecordProblem): string | undefined {
  return p.line !== undefined ? `${where}:${p.line}:${p.column ?? 1}` : undefined;
}

interface EvalContext {
  policy: Policy;
  facts: PullRequestFacts;
  af: AssessmentFacts;
  author: string;
}

/** A file or issue assessment judged on its own: the record it stands for, or the findings that stop it. */
interface Judged {
  name: string;
  counted?: Counted;
  findings: Finding[];
  notes: Reason[];
  /** Systems the record lists (valid or not), for coverage messages. */
  systems: string[];
  id?: string;
}

function judge(a: Assessment, ec: EvalContext): Judged {
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
        steps: ["Re-run this check; the reviews are read again from GitHub."],
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
      steps: ["Re-run this check; the assessment is read again from GitHub."],
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
      steps: ["Re-run this check; the issue is read again from GitHub."],
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
        steps: ["Re-run this check. If it keeps failing, confirm the app has the Members (read) organisation permission."],
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

function prohibitedFinding(name: string, systems: string[]): Finding {
  const which = systems.length > 0 ? systems.join(", ") : name;
  return {
    severity: "failure",
    title: `Prohibited AI practice: ${which}`,
    reasons: [
      {
        status: "error",
        message: `${name} rates ${which} as prohibited: the EU AI Act (Art. 5) bans these practices (e.g. social scoring, manipulation exploiting vulnerabilities, untargeted facial-image scraping, emotion recognition at work or school). No assessment or sign-off can approve it.`,
      },
    ],
    steps: [`Remove the prohibited use from this change. If the rating is wrong, correct the risk level with ${which === name ? "the assessor" : "your assessors"} and explain why Art. 5 does not apply.`],
  };
}

/** Pick the assessment to point a developer at for a system: an approved one first. */
function suggestionFor(system: string, af: AssessmentFacts | undefined): string | undefined {
  const candidates = (af?.directory ?? [])
    .filter((a) => a.base.read.status === "read")
    .map((a) => ({ path: a.path, parse: (a.base.read as { parse: RecordParse }).parse }))
    .filter((c) => (c.parse.kind === "valid" ? c.parse.record.systems : c.parse.kind === "invalid" ? c.parse.summary.systems : []).includes(system));
  const rank = (p: RecordParse) => (p.kind === "valid" ? (p.record.status === "approved" ? 0 : 1) : 2);
  candidates.sort((a, b) => rank(a.parse) - rank(b.parse) || b.path.localeCompare(a.path));
  return candidates[0]?.path;
}

export function assessmentGate(policy: Policy, facts: PullRequestFacts): GateResult {
  const gated = facts.changes.filter((c) => c.gated);
  const gate: GateId = "impact-assessment";
  if (gated.length === 0 && facts.problems.length === 0) return noAiChanges(gate, facts);

  const systems = affectedSystems(facts.changes);
  const af: AssessmentFacts = facts.assessment ?? {
    now: new Date(0).toISOString(),
    links: [],
    linked: [],
    directory: [],
    directoryStatus: { status: "skipped" },
    headApprovers: [],
    authority: {},
  };
  const ec: EvalContext = { policy, facts, af, author: facts.author };
  const findings: Finding[] = [];
  const notes: Reason[] = [];

  if (facts.problems.length > 0) {
    findings.push({
      severity: "failure",
      title: "Files that could hide AI changes could not be read",
      reasons: problemReasons(facts),
      steps: [
        "Fix the files that could not be read (a broken manifest or lockfile could hide an AI dependency), or add their paths to `ignore:` in .github/aims.yml on the base branch.",
      ],
    });
  }

  for (const system of systems) {
    if (policy.systems.find((s) => s.id === system)?.risk === "prohibited") {
      findings.push(prohibitedFinding(`The registry (.github/aims.yml)`, [system]));
    }
  }

  for (const link of af.links) {
    if (link.kind !== "invalid") continue;
    findings.push({
      severity: "action",
      title: "Impact-Assessment line not understood",
      reasons: [{ status: "unmet", message: `Pull request description, line ${link.line}: \`Impact-Assessment: ${link.raw}\` ${link.message}.` }],
      steps: ["Write the reference as a path (`governance/impact-assessments/AIA-2026-014.md`), `#123`, `owner/repo#123` or `https://github.com/owner/repo/issues/123`."],
    });
  }
  const valid = af.links.filter((l) => l.kind !== "invalid");
  if (valid.length > MAX_LINKS) {
    findings.push({
      severity: "action",
      title: `Too many Impact-Assessment links (${valid.length})`,
      reasons: [{ status: "unmet", message: `Only the first ${MAX_LINKS} assessment references are read; ${valid.length - MAX_LINKS} more were not checked.` }],
      steps: [`Link at most ${MAX_LINKS} assessments; an assessment may list several systems.`],
    });
  }

  const covered = new Map<string, Counted>();
  const linkedJudged = af.linked.map((a) => judge(a, ec));
  for (const j of linkedJudged) {
    findings.push(...j.findings);
    notes.push(...j.notes);
    if (j.counted) for (const s of j.counted.record.systems) if (!covered.has(s)) covered.set(s, j.counted);
  }

  const auto = policy.assessment.link === "auto";
  const autoFound: Array<{ system: string; path: string; counted: Counted }> = [];
  const missing: string[] = [];
  for (const system of systems) {
    if (system === UNREGISTERED_SYSTEM || covered.has(system)) continue;
    if (auto) {
      const linkedPaths = new Set(af.linked.flatMap((a) => (a.kind === "file" ? [a.path] : [])));
      const candidates = af.directory.filter((a) => !linkedPaths.has(a.path) && recordsOf(a).some((r) => r.systems.includes(system)));
      const judged = candidates.map((a) => ({ a, j: judge(a, ec) }));
      const ok = judged.find(({ j }) => j.counted && j.findings.length === 0);
      if (ok) {
        for (const s of ok.j.counted!.record.systems) if (!covered.has(s)) covered.set(s, ok.j.counted!);
        autoFound.push({ system, path: ok.a.path, counted: ok.j.counted! });
        notes.push(...ok.j.notes);
        continue;
      }
      // None stands: explain why the registered ones do not count (a few at most).
      for (const { j } of judged.slice(0, 3)) {
        for (const f of j.findings) {
          findings.push({ ...f, reasons: f.reasons.map((r) => ({ ...r, message: `${r.message} (registered for ${system}; \`link: auto\`)` })) });
        }
      }
    }
    missing.push(system);
  }

  // Systems no assessment covers: say so, and give the exact line to add. A system a linked
  // assessment claims but that does not stand is already explained by that assessment's findings.
  const uncovered = systems.filter((s) => !covered.has(s) && (s === UNREGISTERED_SYSTEM || missing.includes(s)));
  const claimedByFailing = new Set(linkedJudged.filter((j) => j.findings.length > 0).flatMap((j) => j.systems));
  const unexplained = uncovered.filter((s) => !claimedByFailing.has(s));
  if (unexplained.length > 0) {
    const countedLinked = linkedJudged.filter((j) => j.counted);
    const reasons: Reason[] = [];
    const steps: string[] = [];
    for (const system of unexplained) {
      if (system === UNREGISTERED_SYSTEM) {
        reasons.push({
          status: "unmet",
          message: "Changes outside every registered system (unregistered): an assessment can cover them only once the system is registered under `systems:`.",
        });
        steps.push(
          "Register the AI system these files belong to under `systems:` in .github/aims.yml (id, name, paths, risk) so its assessment and risk tier apply.",
        );
        continue;
      }
      const label = systemLabel(system, policy);
      const linkedLists = linkedJudged.filter((j) => j.id).map((j) => `${j.id} lists ${j.systems.join(", ") || "no systems"}`);
      reasons.push({
        status: "unmet",
        message:
          af.linked.length === 0
            ? `No impact assessment is linked for ${label}${auto ? " and none approved and current is registered for it in " + policy.assessment.directory : ""}.`
            : `No ${auto ? "" : "linked "}assessment covers ${label}${linkedLists.length > 0 ? ` (${linkedLists.join("; ")})` : ""}.`,
      });
      const existing = suggestionFor(system, af);
      const path = existing ?? `${policy.assessment.directory}${system}.md`;
      steps.push(
        existing
          ? `Add this line to the pull request description: \`Impact-Assessment: ${existing}\` (the existing assessment of ${system}; it must be approved and list ${system} under \`systems\`).`
          : `Write the assessment of ${system} at \`${path}\` (\`aims assess init --system ${system}\` writes it from the template) or open an issue with the “AI impact assessment” form, have ${assessorsText(policy)} approve it, and add the line \`Impact-Assessment: ${path}\` (or \`Impact-Assessment: #<issue>\`) to the pull request description.`,
      );
    }
    const named = unexplained.join(", ");
    findings.push({
      severity: "action",
      title:
        countedLinked.length > 0 && !unexplained.includes(UNREGISTERED_SYSTEM)
          ? `Impact assessment ${countedLinked.map((j) => j.id).join(", ")} does not cover ${named}`
          : `Impact assessment required for ${named}`,
      reasons,
      steps,
    });
  }

  if (af.directoryStatus.status === "error") {
    const message = `The assessment folder ${policy.assessment.directory} on \`${facts.baseRef}\` could not be listed: ${af.directoryStatus.message}`;
    // With link: auto the folder decides the gate; otherwise it only names existing assessments.
    if (auto) {
      findings.push({
        severity: "failure",
        title: `Could not list ${policy.assessment.directory}`,
        reasons: [{ status: "error", message }],
        steps: ["Re-run this check; the folder is read again from GitHub."],
      });
    } else notes.push({ status: "info", message: `${message}; the next step may not name an existing assessment.` });
  } else if (af.directoryStatus.status === "listed" && af.directoryStatus.read < af.directoryStatus.files) {
    notes.push({
      status: "info",
      message: `${policy.assessment.directory} holds ${af.directoryStatus.files} files; only the first ${af.directoryStatus.read} were read.`,
    });
  }

  // Risk: the higher of the registry and the assessments wins and sets the oversight tier.
  for (const r of systemRisks(policy, facts)) {
    for (const a of r.assessments) {
      if (r.registry && a.risk !== r.registry && a.risk !== "prohibited") {
        const higher = higherRisk(a.risk, r.registry);
        notes.push({
          status: "info",
          message: `${a.id} rates ${r.system} ${a.risk} risk, the registry ${r.registry}: ${higher} applies and sets the oversight tier${higher === r.registry ? "; update the assessment or the registry so they agree" : ""}.`,
        });
      }
    }
  }

  for (const f of autoFound) {
    notes.push({
      status: "info",
      message: `Found without a link (\`link: auto\`): ${f.path} is registered for ${f.system}. To link it explicitly: \`Impact-Assessment: ${f.path}\`.`,
    });
  }

  const failures = findings.filter((f) => f.severity === "failure");
  const conclusion: Conclusion = failures.length > 0 ? "failure" : findings.length > 0 ? "action_required" : "success";
  const counted = [...new Map([...covered.values()].map((c) => [c.record.id, c])).values()];

  let title: string;
  let controls: string[] = [];
  if (conclusion === "success") {
    const ids = counted.map((c) => c.record.id);
    title = `Impact assessment${ids.length > 1 ? "s" : ""} ${ids.join(", ")} approved for ${systems.join(", ")}`;
    controls = controlsFor(counted.map((c) => c.record));
  } else {
    title = (failures[0] ?? findings[0])!.title;
  }

  const reasons: Reason[] = [...findings.flatMap((f) => f.reasons), ...dedupeReasons(notes), ...reportedOnly(facts)];
  const nextSteps = [...new Set(findings.flatMap((f) => f.steps))];
  const approvals = counted.map((c) => ({ id: c.record.id, accepted: c.approval, rejected: c.rejected }));
  return { gate, name: CHECK_NAMES[gate], conclusion, title, reasons, nextSteps, controls, ...(conclusion === "success" ? { approvals } : {}) };
}

function dedupeReasons(reasons: Reason[]): Reason[] {
  const seen = new Set<string>();
  return reasons.filter((r) => {
    if (seen.has(r.message)) return false;
    seen.add(r.message);
    return true;
  });
}

/** Annex A controls a passing assessment evidences (A.5.4/A.5.5 only when those parts were assessed). */
function controlsFor(records: AssessmentRecord[]): string[] {
  const controls = new Set(["A.5.2", "A.5.3"]);
  if (records.some((r) => r.affectedGroups.length > 0 && r.impacts.length + r.harms.length > 0)) controls.add("A.5.4");
  if (records.some((r) => r.societalImpacts)) controls.add("A.5.5");
  if (records.some((r) => r.intendedPurpose !== "")) controls.add("A.9.4");
  return [...controls].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
}
