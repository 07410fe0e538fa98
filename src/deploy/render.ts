import { DEPLOYMENT_CONTROL, deploymentRecordId, sealDeployment, type DeploymentRecord } from "../evidence/deployment.js";
import { short } from "./decide.js";
import type { DeploymentDecision, DeploymentFacts } from "./types.js";

/**
 * Wording of the deployment gate's answers: the review comment GitHub shows on the workflow run
 * (Markdown, at most 1,024 characters), the CLI text, and the deployment record's content.
 */

/** GitHub shows at most this many characters of a deployment protection rule's comment. */
export const MAX_REVIEW_COMMENT = 1024;

export function reviewComment(d: DeploymentDecision, recordUrl?: string): string {
  const head = d.state === "approved" ? `aims-bot approved ${short(d.sha)} for ${d.environment}` : `aims-bot rejected ${short(d.sha)} for ${d.environment}`;
  const tail = recordUrl ? `\n\nDeployment record: ${recordUrl}` : "";
  const lines: string[] = [];
  if (d.state === "approved") {
    if (d.shipped.length > 0) lines.push(`Governed pull requests shipped: ${d.shipped.map((s) => `#${s.number}`).join(", ")}.`);
    lines.push(...d.notes.map((n) => `- ${n}`));
  } else {
    lines.push(...d.blockers.map((b) => `- **${b.subject}**: ${b.reason}. Next: ${b.next}.`));
  }
  let body = `${head}.\n\n${lines.join("\n")}`;
  const budget = MAX_REVIEW_COMMENT - tail.length;
  if (body.length > budget) {
    // Whole lines only, then how many were left out; the record has them all.
    const kept: string[] = [];
    let used = head.length + 3;
    for (const [i, line] of lines.entries()) {
      const more = `\n…and ${lines.length - i} more (see the deployment record)`;
      if (used + line.length + 1 + more.length > budget) {
        kept.push(more.trim());
        break;
      }
      kept.push(line);
      used += line.length + 1;
    }
    body = `${head}.\n\n${kept.join("\n")}`.slice(0, budget);
  }
  return `${body}${tail}`;
}

/** Plain text for `aims deploy-check`. */
export function decisionText(d: DeploymentDecision, f: Pick<DeploymentFacts, "previous" | "range">): string {
  const L = [`${d.state === "approved" ? "APPROVED" : "REJECTED"}: ${d.sha} to ${d.environment}`];
  if (d.listed) L.push(`Range: ${f.previous ? `since ${short(f.previous.sha)} (last successful deployment)` : "whole history (first deployment)"}, ${f.range.commits} commit${f.range.commits === 1 ? "" : "s"}`);
  for (const s of d.shipped) L.push(`  shipped #${s.number}: record ${s.record.id} (${s.record.url})`);
  for (const b of d.blockers) L.push(`  blocks ${b.subject}: ${b.reason}\n    next: ${b.next}`);
  for (const n of d.notes) L.push(`  note: ${n}`);
  return `${L.join("\n")}\n`;
}

export function buildDeploymentRecord(d: DeploymentDecision, f: DeploymentFacts, at: { decidedAt: string; runUrl: string | null }): DeploymentRecord {
  const r = f.request;
  const repository = `${r.owner}/${r.repo}`;
  const deploymentId = r.deploymentId ?? null;
  const systems = [...new Set(d.shipped.flatMap((s) => s.record.systems))];
  return sealDeployment({
    schemaVersion: 1,
    id: deploymentRecordId(repository, deploymentId, r.environment, r.sha),
    repository,
    environment: r.environment,
    sha: r.sha,
    ref: r.ref,
    deploymentId,
    runId: r.runId ?? null,
    runUrl: at.runUrl,
    creator: r.creator,
    decidedAt: at.decidedAt,
    decision: d.state,
    previousSha: f.previous?.sha ?? null,
    commits: f.range.commits,
    blockers: d.blockers.map((b) => ({ kind: b.kind, subject: b.subject, reason: b.reason.slice(0, 2000), next: b.next.slice(0, 1000) })),
    notes: d.notes.map((n) => n.slice(0, 1000)),
    shipped: d.shipped.map((s) => ({ number: s.number, recordId: s.record.id, issue: s.record.issue, url: s.record.url, hash: s.record.hash, systems: s.record.systems, risk: s.record.risk })),
    directPushes: d.directPushes.map((p) => ({ sha: p.sha, author: p.author, approvedBy: p.tracking?.approvedBy ?? null, trackingIssue: p.tracking?.issue ?? null })),
    approvers: d.approvers,
    controls: d.evidencesDeployment
      ? [{ id: DEPLOYMENT_CONTROL, reason: `${short(r.sha)} approved for ${r.environment} after every AI change since ${f.previous ? short(f.previous.sha) : "the start"} was checked: ${d.shipped.map((s) => `#${s.number}`).join(", ")} passed both gates at their merged commits${systems.length ? ` (${systems.join(", ")})` : ""}` }]
      : [],
  });
}
