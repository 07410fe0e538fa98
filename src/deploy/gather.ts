import type { Policy, Principals } from "../config/policy.js";
import { isFinal, hashMatches, parseRecordBody, parseRecordId, type EvidenceRecord } from "../evidence/record.js";
import type { EvidenceIssue, RepoRef } from "../evidence/store.js";
import { aiRelevantPaths } from "../github/oversight-facts.js";
import { createDetector } from "../detector.js";
import { mapLimit } from "../util/concurrency.js";
import type { DeploymentReader, MergedPull } from "./reader.js";
import type { DeploymentFacts, DeploymentRequest, DirectPush, RunApproval, ShippedPull, ShippedRecord } from "./types.js";

/**
 * Gather the facts of one deployment request through a DeploymentReader. Reads are bounded by
 * deployments.max_commits; any failed read becomes `error` (the decision then rejects).
 */

const READ_CONCURRENCY = 8;

export async function gatherDeploymentFacts(reader: DeploymentReader, request: DeploymentRequest, today: string): Promise<DeploymentFacts> {
  const empty = { request, otherEnvironments: "approve" as const, previous: null, range: { commits: 0, limit: 0, exceeded: false }, pulls: [], directPushes: [], approvals: [], today };
  let policy: Policy;
  try {
    const result = await reader.policy();
    if (!result.ok) return { ...empty, policyProblem: result.problems.map((p) => `${p.file}: ${p.message}`).join("; ") };
    policy = result.policy;
  } catch (error) {
    return { ...empty, otherEnvironments: "reject", policyProblem: describe(error) };
  }
  const { deployments } = policy;
  const rules = deployments.environments.find((e) => e.name.toLowerCase() === request.environment.toLowerCase());
  const facts: DeploymentFacts = { ...empty, ...(rules ? { rules } : {}), otherEnvironments: deployments.other_environments, range: { commits: 0, limit: deployments.max_commits, exceeded: false } };
  if (!rules) return facts;
  try {
    facts.previous = await reader.lastSuccessfulDeployment(request.environment, request.deploymentId);
    const range = await reader.commits(facts.previous?.sha ?? null, request.sha, deployments.max_commits);
    if (!range) return { ...facts, unknownCommit: true };
    facts.range = { commits: range.total, limit: deployments.max_commits, exceeded: range.total > deployments.max_commits };
    if (facts.range.exceeded) return facts;

    const owners = await mapLimit(range.commits, READ_CONCURRENCY, async (c) => ({ commit: c, pulls: await reader.mergedPullsOf(c.sha) }));
    const pulls = new Map<number, MergedPull>();
    for (const { pulls: found } of owners) for (const p of found) pulls.set(p.number, p);
    const detector = createDetector(policy);
    const evidenceRepo = evidenceRepoOf(policy, request);
    const earliest = [...pulls.values()].map((p) => p.mergedAt).sort()[0];
    const records = earliest ? recordsByPull(await reader.evidence(evidenceRepo, earliest), `${request.owner}/${request.repo}`) : new Map<number, { issue: EvidenceIssue; record: EvidenceRecord }>();

    facts.pulls = await mapLimit([...pulls.values()].sort((a, b) => a.number - b.number), READ_CONCURRENCY, async (p): Promise<ShippedPull> => {
      const base = { number: p.number, title: p.title, author: p.author, mergeSha: p.mergeSha };
      const found = records.get(p.number);
      if (found) return { ...base, record: await shippedRecord(reader, found.issue, found.record) };
      if (!p.mergeSha) return { ...base, unrecordedAiPaths: [] };
      const { files } = await reader.commitFiles(p.mergeSha);
      return { ...base, unrecordedAiPaths: aiRelevantPaths(policy, detector, files) };
    });

    const direct = owners.filter((o) => o.pulls.length === 0).map((o) => o.commit);
    facts.directPushes = await mapLimit(direct, READ_CONCURRENCY, async (c): Promise<DirectPush> => {
      const { files, complete } = await reader.commitFiles(c.sha);
      const aiPaths = aiRelevantPaths(policy, detector, files);
      const push: DirectPush = { sha: c.sha, author: c.author, message: c.message, aiPaths, complete };
      if (aiPaths.length === 0 && complete) return push;
      const tracking = await reader.trackingIssue(c.sha);
      if (tracking) {
        const approved = tracking.approval ? { approvedBy: tracking.approval.login, approvedAt: tracking.approval.at, reason: tracking.approval.reason } : {};
        push.tracking = { issue: tracking.number, url: tracking.url, ...approved };
      }
      return push;
    });

    facts.approvals = await runApprovals(reader, request, Object.values(rules.approvers).filter((p): p is Principals => p !== undefined), facts.pulls);
  } catch (error) {
    return { ...facts, error: describe(error) };
  }
  return facts;
}

async function runApprovals(reader: DeploymentReader, request: DeploymentRequest, lists: Principals[], pulls: ShippedPull[]): Promise<RunApproval[]> {
  if (lists.length === 0 || request.runId === undefined || !pulls.some((p) => p.record)) return [];
  const logins = await reader.approvals(request.runId, request.environment);
  return mapLimit(logins, READ_CONCURRENCY, async (login) => ({ login, standing: await reader.standing(login, lists) }));
}

export function evidenceRepoOf(policy: Policy, request: Pick<DeploymentRequest, "owner" | "repo">): RepoRef {
  const configured = policy.evidence.repository;
  if (!configured) return { owner: request.owner, repo: request.repo };
  const [owner, repo] = configured.split("/");
  return { owner: owner!, repo: repo! };
}

/** The latest record of each pull request of `repository` among the issues (highest round, lowest issue). */
function recordsByPull(issues: readonly EvidenceIssue[], repository: string): Map<number, { issue: EvidenceIssue; record: EvidenceRecord }> {
  const out = new Map<number, { issue: EvidenceIssue; record: EvidenceRecord; round: number }>();
  for (const issue of issues) {
    if (issue.stateReason === "duplicate") continue;
    const parsed = parseRecordBody(issue.body);
    if (!parsed.ok) continue;
    const id = parseRecordId(parsed.record.id);
    if (!id || id.repository.toLowerCase() !== repository.toLowerCase()) continue;
    const known = out.get(id.number);
    if (!known || id.round > known.round || (id.round === known.round && issue.number < known.issue.number)) out.set(id.number, { issue, record: parsed.record, round: id.round });
  }
  return out;
}

async function shippedRecord(reader: DeploymentReader, issue: EvidenceIssue, r: EvidenceRecord): Promise<ShippedRecord> {
  const ca = r.nonconformity?.correctiveAction ?? null;
  let correctiveAction: ShippedRecord["correctiveAction"] = null;
  if (ca) {
    const [owner, repo] = ca.repository.split("/");
    correctiveAction = { issue: ca.issue, url: ca.url, state: await reader.issueState({ owner: owner!, repo: repo! }, ca.issue) };
  }
  return {
    id: r.id,
    issue: issue.number,
    url: issue.htmlUrl,
    hash: r.hash,
    tampered: isFinal(r) && !hashMatches(r),
    state: r.state,
    risk: r.risk,
    systems: r.systems.map((s) => s.id),
    headSha: r.pullRequest.headSha,
    mergeSha: r.pullRequest.mergeSha,
    gates: r.gates.map((g) => ({ gate: g.gate, conclusion: g.conclusion })),
    override: r.override ? { login: r.override.login, reason: r.override.reason } : null,
    correctiveAction,
    assessments: r.assessment.records.map((a) => ({ id: a.id, ...(a.nextReview ? { nextReview: a.nextReview } : {}) })),
  };
}

function describe(error: unknown): string {
  const status = (error as { status?: number }).status;
  const message = error instanceof Error ? error.message : String(error);
  return status ? `GitHub answered HTTP ${status}: ${message}` : message;
}
