import { gitBlobSha, sha256Hex } from "../util/digest.js";
import type { Policy } from "../config/policy.js";
import type { ChangedFile } from "../detect/types.js";
import { MAX_LINKS, parseAssessmentLinks } from "../gates/assessment-links.js";
import type { Assessment, AssessmentFacts, AssessmentLink, Authority, FileAssessment, FileVersion, IssueAssessment, PullRequestFacts, RecordRead } from "../gates/facts.js";
import { currentLabelApplication, parseAssessmentIssue } from "../gates/assessment-issue.js";
import { parseAssessmentFile } from "../gates/assessment-file.js";
import type { RecordParse } from "../gates/assessment-record.js";
import { affectedSystems } from "../gates/common.js";
import { mapLimit } from "../util/concurrency.js";
import { allChangedFiles } from "./changed-files.js";
import type { PullRequestContext, RepoPermission } from "../ports/pull-request-context.js";

/** Assessment files read from the folder per evaluation, at most; the rest are reported as unread. */
export const MAX_DIRECTORY_FILES = 100;
const READ_CONCURRENCY = 6;
/** Approvals per record whose authority is checked: the latest ones decide. */
const MAX_APPROVALS_CHECKED = 5;
const WRITE_PERMISSIONS: ReadonlySet<RepoPermission> = new Set(["admin", "maintain", "write"]);
const RECORD_FILE = /\.(md|markdown|ya?ml)$/i;

export interface GatherOptions {
  /** Evaluation time; tests pin it. */
  now?: Date;
}

function describeError(error: unknown): string {
  const status = (error as { status?: number }).status;
  const message = error instanceof Error ? error.message : String(error);
  return status ? `HTTP ${status} ${message}` : message;
}

async function readRecord(ctx: PullRequestContext, path: string, sha: string): Promise<FileVersion> {
  try {
    const text = await ctx.readFile(path, sha);
    const read: RecordRead = text === undefined ? { status: "missing" } : { status: "read", parse: parseAssessmentFile(text, path) };
    return { sha, read, ...(text !== undefined ? { content: { blobSha: gitBlobSha(text), sha256: sha256Hex(text) } } : {}) };
  } catch (error) {
    return { sha, read: { status: "error", message: describeError(error) } };
  }
}

/** The PR's change to a path, following renames (the linked path is the new name). */
function changeOf(files: ChangedFile[], path: string): ChangedFile | undefined {
  return files.find((f) => f.filename === path);
}

/**
 * Read a file assessment: always the base branch version (where a file counts as it stands), and
 * the head version when the PR adds or edits it (it counts only with an assessor's approval).
 */
async function readFileAssessment(
  ctx: PullRequestContext,
  path: string,
  via: FileAssessment["via"],
  files: ChangedFile[],
  withHead: boolean,
): Promise<FileAssessment> {
  const changed = changeOf(files, path);
  const change = changed ? normaliseChange(changed) : undefined;
  const basePath = changed?.previousFilename ?? path;
  const readHead = withHead && change !== undefined && change !== "removed";
  const [base, head] = await Promise.all([
    readRecord(ctx, basePath, ctx.pull.baseSha),
    readHead ? readRecord(ctx, path, ctx.pull.headSha) : Promise.resolve(undefined),
  ]);
  return { kind: "file", via, path, ...(change ? { change } : {}), base, ...(head ? { head } : {}) };
}

function normaliseChange(f: ChangedFile): FileAssessment["change"] | undefined {
  switch (f.status) {
    case "added":
    case "copied":
      return "added";
    case "removed":
      return "removed";
    case "renamed":
      return "renamed";
    case "unchanged":
      return undefined;
    default:
      return "modified";
  }
}

async function readIssueAssessment(ctx: PullRequestContext, policy: Policy, owner: string, repo: string, number: number): Promise<IssueAssessment> {
  const ref = { owner, repo, number };
  const base = { kind: "issue" as const, via: "link" as const, owner, repo, number };
  // Both reads are independent; a failing event list matters only if the issue exists.
  const [issue, events] = await Promise.allSettled([ctx.issue(ref), ctx.labelEvents(ref)]);
  if (issue.status === "rejected") return { ...base, read: { status: "error", message: describeError(issue.reason) } };
  const info = issue.value;
  if (!info) {
    const cross = owner.toLowerCase() !== ctx.pull.owner.toLowerCase() || repo.toLowerCase() !== ctx.pull.repo.toLowerCase();
    return { ...base, read: { status: "missing", ...(cross ? { crossRepository: true } : {}) } };
  }
  if (info.isPullRequest) return { ...base, read: { status: "pull-request", url: info.htmlUrl } };
  if (events.status === "rejected") return { ...base, read: { status: "error", message: describeError(events.reason) } };
  const label = policy.assessment.approval_label.toLowerCase();
  const labelOn = info.labels.some((l) => l.toLowerCase() === label);
  const application = currentLabelApplication(events.value, label);
  const approval = labelOn ? application : undefined;
  return {
    ...base,
    read: {
      status: "read",
      url: info.htmlUrl,
      state: info.state,
      ...(info.stateReason !== undefined ? { stateReason: info.stateReason } : {}),
      parse: parseAssessmentIssue(info.body, approval),
      content: { sha256: sha256Hex(info.body), updatedAt: info.updatedAt },
      ...(approval ? { approval } : {}),
      labelUnverified: labelOn && !application,
    },
  };
}

/** Systems every readable version of an assessment claims, valid or not. */
function claimedSystems(a: Assessment): string[] {
  const parses: RecordParse[] = [];
  if (a.kind === "file") {
    for (const v of [a.base, a.head]) if (v?.read.status === "read") parses.push(v.read.parse);
  } else if (a.read.status === "read") parses.push(a.read.parse);
  return parses.flatMap((p) => (p.kind === "valid" ? p.record.systems : p.kind === "invalid" ? p.summary.systems : []));
}

/** Logins whose approval of a record matters: the latest few of every version. */
function approverLogins(a: Assessment): string[] {
  const parses: RecordParse[] = [];
  if (a.kind === "file") {
    for (const v of [a.base, a.head]) if (v?.read.status === "read") parses.push(v.read.parse);
  } else if (a.read.status === "read") parses.push(a.read.parse);
  return parses.flatMap((p) =>
    p.kind === "valid"
      ? [...p.record.approvals]
          .sort((x, y) => Date.parse(y.at) - Date.parse(x.at))
          .slice(0, MAX_APPROVALS_CHECKED)
          .map((x) => x.login)
      : [],
  );
}

/** Whether `login` may approve assessments: listed user, active team member, or (with neither configured) write access. */
export async function assessorAuthority(ctx: PullRequestContext, policy: Policy, login: string): Promise<Authority> {
  if (/\[bot\]$/i.test(login)) return { authorised: false, via: "a bot account" };
  const { teams, users } = policy.assessment.assessors;
  if (users.includes(login.toLowerCase())) return { authorised: true, via: "listed assessor" };
  try {
    // One team at a time: the first active membership settles it, saving requests.
    for (const team of teams) {
      if ((await ctx.teamMembership(team, login)) === "active") return { authorised: true, via: `member of @${team}` };
    }
    if (teams.length > 0 || users.length > 0) {
      return { authorised: false, via: `not ${teams.length > 0 ? `an active member of ${teams.map((t) => `@${t}`).join(" or ")}` : "a listed assessor"}` };
    }
    const permission = await ctx.permission(login);
    return WRITE_PERMISSIONS.has(permission)
      ? { authorised: true, via: `${permission} permission` }
      : { authorised: false, via: `${permission} permission only` };
  } catch (error) {
    return { authorised: false, via: "unknown", error: describeError(error) };
  }
}

/** Logins whose latest review state is APPROVED on the head commit (comments do not change it). */
export function approversAtHead(reviews: ReadonlyArray<{ login: string; state: string; commitId: string }>, headSha: string): string[] {
  const latest = new Map<string, { login: string; state: string; commitId: string }>();
  for (const r of reviews) {
    if (r.state === "COMMENTED" || r.state === "PENDING") continue;
    latest.set(r.login.toLowerCase(), r);
  }
  return [...latest.values()].filter((r) => r.state === "APPROVED" && r.commitId === headSha).map((r) => r.login);
}

/**
 * Read the assessments the PR links (or, with `link: auto`, the ones registered for its systems),
 * and everything needed to judge them: who approved, whether they may, which version counts.
 * GitHub failures are recorded in the facts (the gate fails closed on them), never thrown.
 */
export async function gatherAssessmentFacts(
  ctx: PullRequestContext,
  policy: Policy,
  facts: PullRequestFacts,
  options: GatherOptions = {},
): Promise<AssessmentFacts> {
  const { pull } = ctx;
  const links = parseAssessmentLinks(pull.body);
  const auto = policy.assessment.link === "auto";
  const directory = policy.assessment.directory;
  const { files } = await allChangedFiles(ctx);

  // Distinct targets, in order, bounded.
  const seen = new Set<string>();
  const targets = links
    .filter((l): l is Exclude<AssessmentLink, { kind: "invalid" }> => l.kind !== "invalid")
    .filter((l) => {
      const key = l.kind === "file" ? `file:${l.path}` : `issue:${l.owner ?? pull.owner}/${l.repo ?? pull.repo}#${l.number}`.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .slice(0, MAX_LINKS);

  // The folder is read when it can decide the gate (auto) or name an existing assessment in the next
  // step for a registered system no link claims. List it alongside the links when that is certain.
  const registered = affectedSystems(facts.changes).filter((s) => policy.systems.some((p) => p.id === s));
  const list = () =>
    ctx.listDirectory(directory, pull.baseSha).then(
      (paths) => ({ ok: true as const, paths }),
      (error: unknown) => ({ ok: false as const, message: describeError(error) }),
    );
  const early = auto || (targets.length === 0 && registered.length > 0) ? list() : undefined;
  const linked = await mapLimit(targets, READ_CONCURRENCY, (l): Promise<Assessment> =>
    l.kind === "file"
      ? readFileAssessment(ctx, l.path, "link", files, true)
      : readIssueAssessment(ctx, policy, l.owner ?? pull.owner, l.repo ?? pull.repo, l.number),
  );
  const claimed = new Set(linked.flatMap(claimedSystems));
  const needFolder = auto || registered.some((s) => !claimed.has(s));

  let directoryStatus: AssessmentFacts["directoryStatus"] = { status: "skipped" };
  let folder: FileAssessment[] = [];
  const listing = needFolder ? await (early ?? list()) : undefined;
  if (listing && !listing.ok) directoryStatus = { status: "error", message: listing.message };
  else if (listing?.ok) {
    const onBase = (listing.paths ?? []).filter((p) => RECORD_FILE.test(p) && !/(^|\/)(README|index)\.md$/i.test(p)).sort();
    // With link: auto, files the PR adds to the folder are candidates too (trusted only with an assessor's approval).
    const added = auto
      ? files
          .filter((f) => f.status !== "removed" && f.filename.startsWith(directory) && !f.filename.slice(directory.length).includes("/") && RECORD_FILE.test(f.filename))
          .map((f) => f.filename)
      : [];
    const linkedPaths = new Set(linked.flatMap((a) => (a.kind === "file" ? [a.path] : [])));
    const all = [...new Set([...onBase, ...added])].filter((p) => !linkedPaths.has(p));
    const chosen = all.slice(0, MAX_DIRECTORY_FILES);
    folder = await mapLimit(chosen, READ_CONCURRENCY, (p) => readFileAssessment(ctx, p, "directory", files, auto));
    directoryStatus = listing.paths === undefined && added.length === 0 ? { status: "absent" } : { status: "listed", files: all.length, read: chosen.length };
  }

  // Reviews matter only when an edited assessment file could count in its head version.
  const needReviews = [...linked, ...folder].some((a) => a.kind === "file" && a.head !== undefined);
  let headApprovers: string[] = [];
  let reviewsError: string | undefined;
  if (needReviews) {
    try {
      headApprovers = approversAtHead(await ctx.reviews(), pull.headSha).filter((l) => l.toLowerCase() !== pull.author.toLowerCase());
    } catch (error) {
      reviewsError = describeError(error);
    }
  }

  const logins = new Set<string>();
  for (const a of [...linked, ...(auto ? folder : [])]) for (const l of approverLogins(a)) logins.add(l.toLowerCase());
  for (const l of headApprovers) logins.add(l.toLowerCase());
  logins.delete(pull.author.toLowerCase());
  const checked = await mapLimit([...logins], READ_CONCURRENCY, async (login) => [login, await assessorAuthority(ctx, policy, login)] as const);

  return {
    now: (options.now ?? new Date()).toISOString(),
    links,
    linked,
    directory: folder,
    directoryStatus,
    headApprovers,
    ...(reviewsError ? { reviewsError } : {}),
    authority: Object.fromEntries(checked),
  };
}
