import type { PolicyResult } from "../config/policy.js";
import { mapControls, type ApprovedAssessment } from "../controls/mapping.js";
import { loadCatalogue } from "../controls/catalogue.js";
import type { AiChange, Category } from "../detect/types.js";
import { higherRisk, systemRisks } from "../gates/risk.js";
import type { Assessment, AssessmentFacts, PullRequestFacts } from "../gates/facts.js";
import type { RecordParse } from "../gates/assessment-record.js";
import type { AssessmentApprovals, Conclusion, GateResult, Override } from "../gates/types.js";
import { AIMS_VERSION } from "../version.js";
import { EVIDENCE_SCHEMA_VERSION, fitRecord, recordId, type AssessmentRef, type EvidenceChange, type EvidenceRecord, type RecordState } from "./record.js";

/**
 * Building an evidence record from an evaluation (pure): what the pipeline decided, plus what is
 * only known when the pull request closes (merge commit, other checks). The store decides where
 * it goes and chains it; this module only turns facts into the record.
 */

export interface RecordPull {
  owner: string;
  repo: string;
  number: number;
  title: string;
  author: string;
  baseRef: string;
  baseSha: string;
  headSha: string;
}

export interface RecordInput {
  pull: RecordPull;
  /** 1 for the pull request's first record; 2+ after it was reopened once its record was final. */
  round: number;
  policy: PolicyResult & { ok: true };
  facts: PullRequestFacts;
  gates: GateResult[];
  state: "open" | "merged" | "closed";
  mergeSha: string | null;
  closedAt: string | null;
  /** Other check runs on the head SHA (collected at finalisation); the aims gates are left out. */
  checks: RecordCheck[];
  /** GitHub's web host, for the pull request URL. */
  webUrl?: string;
  /** The corrective-action issue opened for an override (the ledger opens it). */
  correctiveAction?: NonNullable<EvidenceRecord["nonconformity"]>["correctiveAction"];
}

/** A check run on the head, with the app that ran it and where to see it. */
export interface RecordCheck {
  name: string;
  status: string;
  conclusion: string | null;
  app?: string;
  appId?: number;
  runId?: number;
  url?: string;
}

const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/** True when a pull request is governed: it changes something on the gated AI surface. */
export function isGoverned(facts: Pick<PullRequestFacts, "changes">): boolean {
  return facts.changes.some((c) => c.gated);
}

export function toEvidenceChange(c: AiChange): EvidenceChange {
  return {
    path: clip(c.path, 1000),
    ...(c.previousPath ? { previousPath: clip(c.previousPath, 1000) } : {}),
    status: c.status,
    category: c.category,
    system: clip(c.system, 60),
    rule: clip(c.rule, 100),
    gated: c.gated,
    ...(c.lfs ? { lfs: { oid: c.lfs.oid, size: c.lfs.size } } : {}),
    ...(c.dvc && c.dvc.length > 0
      ? {
          dvc: c.dvc.slice(0, 50).map((o) => ({
            path: clip(o.path, 1000),
            ...(o.md5 ? { md5: o.md5 } : {}),
            ...(o.hash ? { hash: o.hash } : {}),
            ...(o.size !== undefined ? { size: o.size } : {}),
            ...(o.remote ? { remote: clip(o.remote, 1000) } : {}),
          })),
        }
      : {}),
    ...(c.dependency
      ? {
          dependency: {
            ecosystem: c.dependency.ecosystem,
            name: clip(c.dependency.name, 300),
            kind: c.dependency.kind,
            supplier: clip(c.dependency.supplier, 200),
            change: c.dependency.change,
            ...(c.dependency.from ? { from: clip(c.dependency.from, 300) } : {}),
            ...(c.dependency.to ? { to: clip(c.dependency.to, 300) } : {}),
            manifests: c.dependency.manifests.slice(0, 20).map((m) => clip(m, 1000)),
          },
        }
      : {}),
    ...(c.code
      ? {
          code: {
            kind: c.code.kind,
            change: c.code.change,
            line: c.code.line,
            ...(c.code.cell !== undefined ? { cell: c.code.cell } : {}),
            ...(c.code.provider ? { provider: c.code.provider.id, providerName: clip(c.code.provider.name, 100), hosted: c.code.provider.hosted } : {}),
            ...(c.code.model !== undefined && !c.code.modelIsExpression ? { model: clip(c.code.model, 300) } : {}),
            ...(c.code.fromModel !== undefined ? { fromModel: clip(c.code.fromModel, 300) } : {}),
          },
        }
      : {}),
  };
}

interface VersionUsed {
  parse: RecordParse;
  sha?: string;
  content?: { blobSha?: string; sha256: string; updatedAt?: string };
}

/** The version of an assessment the gate relies on: the PR's edit when an assessor approved it at the head, else the base. */
function usedVersion(a: Assessment, af: AssessmentFacts, author: string): VersionUsed | undefined {
  if (a.kind === "issue") return a.read.status === "read" ? { parse: a.read.parse, ...(a.read.content ? { content: a.read.content } : {}) } : undefined;
  const approvers = af.headApprovers.filter((l) => l.toLowerCase() !== author.toLowerCase() && af.authority[l.toLowerCase()]?.authorised);
  const version = a.change && a.change !== "removed" && approvers.length > 0 && a.head?.read.status === "read" ? a.head : a.base;
  return version.read.status === "read" ? { parse: version.read.parse, sha: version.sha, ...(version.content ? { content: version.content } : {}) } : undefined;
}

/**
 * Assessments the facts hold: which record and version (pinned by blob and content hash), its
 * status, the approval the gate accepted and those it rejected. Without the gate's judgement
 * (`judged` has no entry for the assessment) no approval is listed: text in a file that says
 * `approved` is not an approval until the gate accepts it.
 */
export function assessmentRefs(facts: PullRequestFacts, auto: boolean, judged: readonly AssessmentApprovals[] = []): AssessmentRef[] {
  const af = facts.assessment;
  if (!af) return [];
  const sources: Assessment[] = [...af.linked, ...(auto ? af.directory.filter((d) => !af.linked.some((l) => l.kind === "file" && l.path === d.path)) : [])];
  const refs: AssessmentRef[] = [];
  const systems = new Set(facts.changes.filter((c) => c.gated).map((c) => c.system));
  for (const a of sources) {
    const used = usedVersion(a, af, facts.author);
    if (!used || used.parse.kind !== "valid") continue;
    const r = used.parse.record;
    // Directory entries count only for the systems this change touches.
    if (a.kind === "file" && a.via === "directory" && !r.systems.some((s) => systems.has(s))) continue;
    const verdict = judged.find((j) => j.id === r.id);
    const approvedBy = verdict ? [{ login: verdict.accepted.login, at: verdict.accepted.at, decision: "approve", via: clip(verdict.accepted.via, 200) }] : [];
    const rejected = verdict
      ? verdict.rejected
      : a.kind === "issue"
        ? []
        : r.approvals.map((x) => ({ login: x.login, at: x.at, reason: x.decision === "reject" ? "a rejection" : "not accepted by the gate" }));
    const content = used.content;
    refs.push({
      id: clip(r.id, 200),
      ...(r.version !== undefined ? { version: r.version } : {}),
      source: a.kind,
      ref: a.kind === "file" ? a.path : `${a.owner}/${a.repo}#${a.number}`,
      ...(used.sha && /^[0-9a-f]{40}$/.test(used.sha) ? { sha: used.sha } : {}),
      status: r.status,
      systems: r.systems.slice(0, 100),
      risk: r.riskLevel,
      ...(/^\d{4}-\d{2}-\d{2}$/.test(r.nextReview) ? { nextReview: r.nextReview } : {}),
      ...(content?.blobSha ? { blobSha: content.blobSha } : {}),
      ...(content ? { sha256: content.sha256 } : {}),
      ...(content?.updatedAt ? { updatedAt: content.updatedAt } : {}),
      approvedBy,
      ...(rejected.length > 0 ? { rejected: rejected.slice(0, 20).map((x) => ({ login: clip(x.login, 60), at: clip(x.at, 40), reason: clip(x.reason, 300) })) } : {}),
    });
    if (refs.length >= 20) break;
  }
  return refs;
}

function nonconformitySummary(o: Override, state: RecordInput["state"]): string {
  const what = state === "merged" ? "merged with both gates overridden" : state === "closed" ? "had both gates overridden and was closed without merging" : "has both gates overridden";
  return `This pull request ${what} by @${o.login} on ${o.at.slice(0, 10)} at ${o.sha.slice(0, 7)} (reason: ${o.reason.replace(/\s+/g, " ").trim()}). A bypass is a nonconformity: no control is claimed as operating.`;
}

function gate(gates: GateResult[], id: GateResult["gate"]): GateResult | undefined {
  return gates.find((g) => g.gate === id);
}

/** Build the record (open, or final but not yet chained: prev, seq and hash stay null). */
export function buildRecord(input: RecordInput): EvidenceRecord {
  const { pull, facts, gates, policy } = input;
  const repository = `${pull.owner}/${pull.repo}`;
  const catalogue = loadCatalogue();
  const assessmentGate = gate(gates, "impact-assessment");
  const oversightGate = gate(gates, "human-oversight");
  const override = assessmentGate?.override ?? oversightGate?.override ?? null;
  const signOffs = oversightGate?.signOffs ?? [];
  const risks = systemRisks(policy.policy, facts);
  const refs = assessmentRefs(facts, policy.policy.assessment.link === "auto", assessmentGate?.approvals ?? []);
  const conclusionOf = (g: GateResult | undefined): Conclusion => g?.conclusion ?? "failure";

  const state: RecordState = input.state === "merged" && override ? "overridden" : input.state;
  const approved: ApprovedAssessment[] = refs
    .filter((r) => r.status === "approved" && r.approvedBy.length > 0)
    .map((r) => ({ id: r.id, ...(r.version !== undefined ? { version: r.version } : {}), ref: r.ref, ...(r.sha ? { sha: r.sha } : {}), approvedBy: r.approvedBy, systems: r.systems }));
  const controls = mapControls(
    {
      changes: facts.changes,
      headSha: pull.headSha,
      gatesEvaluated: gates.length === 2 && !gates.some((g) => g.reasons.some((r) => r.status === "error")),
      assessment: { conclusion: conclusionOf(assessmentGate), controls: assessmentGate?.controls ?? [], approved },
      oversight: { conclusion: conclusionOf(oversightGate), signOffs },
      override,
      state: input.state,
      checks: input.checks,
    },
    {
      exclude: policy.policy.controls.exclude.map((e) => e.id),
      catalogue,
      verification: policy.policy.controls.verification.checks,
      dataQuality: policy.policy.controls.data_quality.checks,
    },
  );

  const byCategory: Partial<Record<Category, number>> = {};
  for (const c of facts.changes) byCategory[c.category] = (byCategory[c.category] ?? 0) + 1;

  const record: EvidenceRecord = {
    schemaVersion: EVIDENCE_SCHEMA_VERSION,
    id: recordId(repository, pull.number, input.round),
    generator: { aimsBot: AIMS_VERSION, catalogue: catalogue.version },
    pullRequest: {
      repository,
      number: pull.number,
      title: clip(pull.title, 256),
      url: `${input.webUrl ?? "https://github.com"}/${repository}/pull/${pull.number}`,
      author: pull.author,
      baseRef: clip(pull.baseRef, 300),
      baseSha: pull.baseSha,
      headSha: pull.headSha,
      mergeSha: input.mergeSha,
      closedAt: input.closedAt,
    },
    policy: {
      sources: policy.policy.sources.slice(0, 10).map((s) => ({
        repository: s.repository,
        path: s.path,
        ...(s.ref ? { ref: s.ref } : {}),
        ...(s.builtIn ? { builtIn: true } : {}),
        ...(s.blobSha ? { blobSha: s.blobSha } : {}),
      })),
    },
    systems: risks.map((r) => ({ id: clip(r.system, 60), risk: r.effective })),
    risk: risks.length > 0 ? risks.map((r) => r.effective).reduce(higherRisk) : null,
    changes: { total: facts.changes.length, byCategory, items: facts.changes.map(toEvidenceChange) },
    assessment: {
      conclusion: conclusionOf(assessmentGate),
      title: clip(assessmentGate?.title ?? "not evaluated", 500),
      records: refs,
    },
    gates: gates.map((g) => ({ gate: g.gate, name: g.name, conclusion: g.conclusion, title: clip(g.title, 500) })),
    signOffs: signOffs.slice(0, 50).map((s) => ({
      login: s.login,
      method: s.method,
      sha: s.sha,
      at: s.at,
      ...(s.team ? { team: s.team } : {}),
      ...(s.via ? { via: clip(s.via, 200) } : {}),
      ...(s.rationale ? { rationale: clip(s.rationale, 2000) } : {}),
      ...(s.url ? { url: clip(s.url, 500) } : {}),
    })),
    override: override ? { login: override.login, at: override.at, sha: override.sha, reason: clip(override.reason, 2000), ...(override.url ? { url: clip(override.url, 500) } : {}) } : null,
    checks: input.checks.slice(0, 200).map((c) => ({
      name: clip(c.name, 200),
      status: c.status,
      conclusion: c.conclusion,
      ...(c.app ? { app: clip(c.app, 100) } : {}),
      ...(c.appId !== undefined ? { appId: c.appId } : {}),
      ...(c.runId !== undefined ? { runId: c.runId } : {}),
      ...(c.url ? { url: clip(c.url, 500) } : {}),
    })),
    controls: controls.map((c) => ({ id: c.id, reason: clip(c.reason, 1000) })),
    state,
    nonconformity: override ? { clause: "10.2", kind: "override", summary: clip(nonconformitySummary(override, input.state), 1000), correctiveAction: input.correctiveAction ?? null } : null,
    seq: null,
    prev: null,
    hash: null,
  };
  return fitRecord(record, (id) => catalogue.controls.find((c) => c.id === id)?.title);
}
