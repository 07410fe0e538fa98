import { loadCatalogue } from "../../src/controls/catalogue.js";
import { recordLabels, renderRecordBody, sealRecord, type EvidenceRecord } from "../../src/evidence/record.js";
import type { FakeDeployment, FakeGitHub, FakeIssue, FakeRepo } from "./fake-github.js";
import { validateWebhookPayload } from "./openapi.js";
import { sampleRecord } from "./evidence.js";

/** Helpers for tests of the deployment gate on the stateful fake GitHub. */

const controlTitle = (id: string) => loadCatalogue().controls.find((c) => c.id === id)?.title;

/**
 * The `deployment_protection_rule.requested` payload of a deployment, as GitHub sends it, checked
 * against the description's webhook schema (@octokit/webhooks-examples 7.6.1, the newest, has no
 * example of this event).
 */
export function protectionRulePayload(fake: FakeGitHub, d: FakeDeployment): Record<string, unknown> {
  const payload = fake.deploymentProtectionRulePayload(d);
  const problems = validateWebhookPayload("deployment-protection-rule-requested", payload);
  if (problems.length > 0) throw new Error(`the payload departs from GitHub's webhook schema:\n${problems.join("\n")}`);
  return payload;
}

export interface MergedOptions {
  author?: string;
  /** review.next_review of the assessment the record relied on. */
  nextReview?: string;
  /** Merged under an override; the corrective-action issue is opened in the same repository. */
  override?: { login: string; correctiveActionOpen: boolean };
}

/**
 * A pull request that changed a model, merged, with the sealed evidence record aims-bot writes at
 * finalisation (seeded directly, as the record issue of the app).
 */
export function mergeGovernedPull(fake: FakeGitHub, repo: FakeRepo, name: string, options: MergedOptions = {}): { number: number; mergeSha: string; record: FakeIssue } {
  fake.commit(repo, { branch: name, files: { [`models/${name}.onnx`]: `\u0000ONNX-${name}\u0001` } });
  const pr = fake.addPullRequest(repo, { head: name, user: options.author ?? "alice", title: `Model ${name}` });
  const mergeSha = fake.mergePull(repo, pr.number, "carol");
  const base = sampleRecord(pr.number);
  let nonconformity: EvidenceRecord["nonconformity"] = null;
  if (options.override) {
    const ca = fake.addIssue(repo, { title: `Corrective action: ${repo.fullName}#${pr.number}`, body: "corrective action", viaApp: true, state: options.override.correctiveActionOpen ? "open" : "closed" });
    nonconformity = {
      clause: "10.2",
      kind: "override",
      summary: "The gates were overridden.",
      correctiveAction: { repository: repo.fullName, issue: ca.number, url: `https://github.com/${repo.fullName}/issues/${ca.number}`, owner: "gov-lead", due: "2026-12-31" },
    };
  }
  const record = sealRecord(
    {
      ...base,
      id: `${repo.fullName}#${pr.number}`,
      state: options.override ? "overridden" : "merged",
      pullRequest: { ...base.pullRequest, repository: repo.fullName, url: `https://github.com/${repo.fullName}/pull/${pr.number}`, author: options.author ?? "alice", headSha: pr.head.sha, mergeSha, closedAt: "2026-11-30T10:00:00Z" },
      systems: [{ id: "recommender", risk: "limited" }],
      risk: "limited",
      assessment: {
        conclusion: "success",
        title: "approved",
        records: [{ id: "AIA-2026-014", source: "file", ref: "governance/impact-assessments/aia.md", status: "approved", systems: ["recommender"], approvedBy: [{ login: "carol", at: "2026-11-01" }], nextReview: options.nextReview ?? "2099-06-02" }],
      },
      override: options.override ? { login: options.override.login, at: "2026-11-30T09:00:00Z", sha: pr.head.sha, reason: "Incident INC-7: roll back the ranker now." } : null,
      nonconformity,
      controls: options.override ? [] : base.controls,
    },
    { prev: null, seq: pr.number },
  );
  const issue = fake.addIssue(repo, { title: `AI evidence: ${record.id}`, body: renderRecordBody(record, controlTitle), labels: recordLabels(record, controlTitle).map((l) => l.name), viaApp: true, state: "closed" });
  return { number: pr.number, mergeSha, record: issue };
}
