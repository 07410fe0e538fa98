import { createHash } from "node:crypto";
import { z } from "zod";
import { cell, code } from "../util/markdown.js";
import { canonicalJson } from "./record.js";

/**
 * The deployment record (pure): one issue per deployment decision on an environment the policy
 * gates, in the evidence repository, next to the records of the pull requests it ships. It holds
 * the deployment (environment, commit, workflow run, who triggered it), the decision and why, and
 * for each shipped pull request its record's id and sealed hash, so the deployment is bound to the
 * exact records it relied on. A.6.2.5 (AI system deployment) is claimed here, from an approved
 * deployment whose every AI change was governed, never from a merge. The record's sha256 covers
 * every field; `aims verify` reads pull-request records, which these issues never change.
 */

export const DEPLOYMENT_SCHEMA_VERSION = 1;
export const DEPLOYMENT_LABEL = "aims:deployment";
export const DEPLOYMENT_CONTROL = "A.6.2.5";

const sha = z.string().regex(/^[0-9a-f]{40}$/);
const text = (max: number) => z.string().max(max);

export const deploymentRecordSchema = z.strictObject({
  schemaVersion: z.literal(DEPLOYMENT_SCHEMA_VERSION),
  /** `owner/repo deployment 42`. */
  id: text(300),
  repository: text(200),
  environment: text(255),
  sha,
  ref: text(300),
  deploymentId: z.number().int().nonnegative().nullable(),
  runId: z.number().int().nonnegative().nullable(),
  runUrl: text(500).nullable(),
  creator: text(60),
  decidedAt: text(40),
  decision: z.enum(["approved", "rejected"]),
  previousSha: sha.nullable(),
  commits: z.number().int().nonnegative(),
  blockers: z.array(z.strictObject({ kind: text(40), subject: text(200), reason: text(2000), next: text(1000) })).max(100),
  notes: z.array(text(1000)).max(100),
  shipped: z.array(z.strictObject({ number: z.number().int().positive(), recordId: text(300), issue: z.number().int().positive(), url: text(500), hash: z.string().regex(/^[0-9a-f]{64}$/).nullable(), systems: z.array(text(60)).max(100), risk: text(20).nullable() })).max(250),
  directPushes: z.array(z.strictObject({ sha, author: text(60), approvedBy: text(60).nullable(), trackingIssue: z.number().int().positive().nullable() })).max(250),
  approvers: z.array(z.strictObject({ tier: text(20), login: text(60), via: text(200) })).max(10),
  /** Controls the deployment evidences, each with its reason: A.6.2.5 only when approved and fully governed. */
  controls: z.array(z.strictObject({ id: z.literal(DEPLOYMENT_CONTROL), reason: text(1000) })).max(1),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});

export type DeploymentRecord = z.infer<typeof deploymentRecordSchema>;

export function deploymentRecordId(repository: string, deploymentId: number | null, environment: string, sha: string): string {
  return deploymentId !== null ? `${repository} deployment ${deploymentId}` : `${repository} ${environment}@${sha}`;
}

export function deploymentMarker(id: string): string {
  return `<!-- aims:deployment-record ${id} -->`;
}

const MARKER_RE = /^<!-- aims:deployment-record (.+?) -->/;

export function deploymentMarkerId(body: string | null | undefined): string | undefined {
  return MARKER_RE.exec(body ?? "")?.[1];
}

export function deploymentHash(record: Omit<DeploymentRecord, "hash"> & { hash?: string }): string {
  const { hash: _omit, ...rest } = record;
  return createHash("sha256").update(canonicalJson(rest), "utf8").digest("hex");
}

export function sealDeployment(record: Omit<DeploymentRecord, "hash">): DeploymentRecord {
  return { ...record, hash: deploymentHash(record) };
}

export function deploymentTitle(r: Pick<DeploymentRecord, "environment" | "sha" | "decision" | "repository">): string {
  return `AI deployment ${r.decision}: ${r.repository} ${r.sha.slice(0, 7)} to ${r.environment}`.slice(0, 256);
}

export function deploymentLabels(r: DeploymentRecord): string[] {
  return [DEPLOYMENT_LABEL, `deployment:${r.decision}`, ...r.controls.map((c) => `annex-a:${c.id}`)];
}

export function renderDeploymentBody(r: DeploymentRecord): string {
  const L = [deploymentMarker(r.id), "", `## Deployment ${r.decision}: ${code(r.sha.slice(0, 7))} to ${code(r.environment)}`, ""];
  L.push("| | |", "|---|---|");
  L.push(`| Repository | ${code(r.repository)} |`);
  L.push(`| Commit | ${code(r.sha)} (${code(r.ref)}) |`);
  L.push(`| Triggered by | @${r.creator} |`);
  if (r.runUrl) L.push(`| Workflow run | [${r.runId}](${r.runUrl}) |`);
  L.push(`| Decided at | ${r.decidedAt} |`);
  L.push(`| Since | ${r.previousSha ? code(r.previousSha.slice(0, 7)) : "first deployment"} (${r.commits} commit${r.commits === 1 ? "" : "s"}) |`);
  L.push("");
  if (r.blockers.length > 0) {
    L.push("### What blocks");
    for (const b of r.blockers) L.push(`- **${cell(b.subject)}**: ${b.reason}. Next: ${b.next}.`);
    L.push("");
  }
  if (r.shipped.length > 0) {
    L.push("### Governed pull requests shipped");
    for (const s of r.shipped) L.push(`- #${s.number}: record [${code(s.recordId)}](${s.url})${s.hash ? `, sha256 ${code(s.hash)}` : ""}${s.systems.length ? `, ${s.systems.map(code).join(", ")}` : ""}`);
    L.push("");
  }
  for (const n of r.notes) L.push(`- ${n}`);
  if (r.notes.length > 0) L.push("");
  L.push(`### Annex A controls evidenced (${r.controls.length})`);
  if (r.controls.length === 0) L.push(r.decision === "approved" ? "None: the deployment shipped no governed AI change, or shipped one only through a recorded nonconformity." : "None: the deployment was rejected.");
  for (const c of r.controls) L.push(`- **${c.id}** AI system deployment: ${cell(c.reason)}`);
  L.push("", "```json", JSON.stringify(r, null, 2), "```", "");
  return L.join("\n");
}

export type ParsedDeployment = { ok: true; record: DeploymentRecord } | { ok: false; problem: string };

export function parseDeploymentBody(body: string | null | undefined): ParsedDeployment {
  if (!deploymentMarkerId(body)) return { ok: false, problem: "not a deployment record" };
  const m = /\n```json\n([\s\S]*?)\n```\n/.exec(body ?? "");
  if (!m) return { ok: false, problem: "no JSON block" };
  let json: unknown;
  try {
    json = JSON.parse(m[1]!);
  } catch {
    return { ok: false, problem: "the JSON block does not parse" };
  }
  const parsed = deploymentRecordSchema.safeParse(json);
  if (!parsed.success) return { ok: false, problem: `the JSON block does not match the deployment record schema: ${parsed.error.issues[0]?.message ?? ""}` };
  if (deploymentHash(parsed.data) !== parsed.data.hash) return { ok: false, problem: "the content no longer matches its hash" };
  return { ok: true, record: parsed.data };
}

/** The line appended (as a comment) to the evidence record of each pull request a deployment ships. */
export function shippedMarker(deploymentId: string): string {
  return `<!-- aims:deployed ${deploymentId} -->`;
}

export function shippedComment(r: DeploymentRecord, recordUrl: string): string {
  return `${shippedMarker(r.id)}\nDeployed: ${code(r.sha.slice(0, 7))} to ${code(r.environment)} ${r.decision} on ${r.decidedAt.slice(0, 10)}${r.runUrl ? ` ([run ${r.runId}](${r.runUrl}))` : ""}, triggered by @${r.creator}. Deployment record: ${recordUrl}${r.controls.length > 0 ? ` (evidences ${DEPLOYMENT_CONTROL})` : ""}.`;
}
