import { describe, expect, it } from "@jest/globals";
import { loadCatalogue } from "../../src/controls/catalogue.js";
import { decideDeployment } from "../../src/deploy/decide.js";
import { buildDeploymentRecord, MAX_REVIEW_COMMENT, reviewComment } from "../../src/deploy/render.js";
import type { DeploymentFacts, ShippedPull, ShippedRecord } from "../../src/deploy/types.js";
import { runIdOf } from "../../src/handlers/deployment.js";
import { parseDeploymentBody, renderDeploymentBody } from "../../src/evidence/deployment.js";
import { statementOfApplicability } from "../../src/evidence/export.js";
import { fixtureRecords } from "../support/evidence-fixture.js";

const SHA = "d".repeat(40);

function record(number: number, over: Partial<ShippedRecord> = {}): ShippedRecord {
  return {
    id: `acme/shop#${number}`,
    issue: 100 + number,
    url: `https://github.com/acme/shop/issues/${100 + number}`,
    hash: "a".repeat(64),
    tampered: false,
    state: "merged",
    risk: "limited",
    systems: ["recommender"],
    headSha: "b".repeat(40),
    mergeSha: "c".repeat(40),
    gates: [
      { gate: "impact-assessment", conclusion: "success" },
      { gate: "human-oversight", conclusion: "success" },
    ],
    override: null,
    correctiveAction: null,
    assessments: [{ id: "AIA-1", nextReview: "2099-01-01" }],
    ...over,
  };
}

function pull(number: number, over: Partial<ShippedRecord> = {}, author = "alice"): ShippedPull {
  return { number, title: `PR ${number}`, author, mergeSha: "c".repeat(40), record: record(number, over) };
}

function facts(over: Partial<DeploymentFacts> = {}): DeploymentFacts {
  return {
    request: { owner: "acme", repo: "shop", environment: "production", sha: SHA, ref: "main", creator: "dana", runId: 7, deploymentId: 9 },
    rules: { name: "production", allow_overridden: false, approvers: {} },
    otherEnvironments: "approve",
    previous: { sha: "e".repeat(40), deploymentId: 3 },
    range: { commits: 4, limit: 250, exceeded: false },
    pulls: [pull(1), pull(2)],
    directPushes: [],
    approvals: [],
    today: "2026-12-03",
    ...over,
  };
}

describe("decideDeployment", () => {
  it("approves governed pull requests and claims A.6.2.5 only then", () => {
    const d = decideDeployment(facts());
    expect(d).toMatchObject({ state: "approved", listed: true, blockers: [], evidencesDeployment: true });
    expect(d.shipped.map((s) => s.number)).toEqual([1, 2]);
  });

  it("rejects a pull request that merged without passing a gate, and one whose record is not final or was edited", () => {
    const d = decideDeployment(facts({ pulls: [pull(1, { gates: [{ gate: "impact-assessment", conclusion: "failure" }, { gate: "human-oversight", conclusion: "success" }] }), pull(2, { state: "open", hash: null }), pull(3, { tampered: true })] }));
    expect(d.state).toBe("rejected");
    expect(d.blockers.map((b) => [b.kind, b.subject])).toEqual([
      ["gates-not-passed", "#1"],
      ["record-not-final", "#2"],
      ["record-edited", "#3"],
    ]);
    expect(d.blockers[0]!.reason).toContain("merged without passing impact-assessment");
  });

  it("rejects a merged pull request with AI changes and no record, and ignores one without AI changes", () => {
    const d = decideDeployment(facts({ pulls: [{ number: 4, title: "x", author: "a", mergeSha: "c".repeat(40), unrecordedAiPaths: ["models/x.onnx"] }, { number: 5, title: "y", author: "a", mergeSha: "c".repeat(40), unrecordedAiPaths: [] }] }));
    expect(d.blockers.map((b) => [b.kind, b.subject])).toEqual([["record-missing", "#4"]]);
  });

  it("rejects a direct push GitHub cut short, since its changes cannot be classified", () => {
    const d = decideDeployment(facts({ directPushes: [{ sha: "f".repeat(40), author: "mallory", message: "big", aiPaths: [], complete: false }] }));
    expect(d.blockers.map((b) => b.kind)).toEqual(["unclassified-push"]);
    const ignored = decideDeployment(facts({ directPushes: [{ sha: "f".repeat(40), author: "mallory", message: "docs", aiPaths: [], complete: true }] }));
    expect(ignored.state).toBe("approved");
  });

  it("needs a named deployment approver for high-risk changes who authored none of them", () => {
    const approvers = { high: { teams: ["acme/release"], users: ["rita"] } };
    const rules = { name: "production", allow_overridden: false, approvers };
    const high = [pull(1, { risk: "high" }, "rita"), pull(2, { risk: "limited" })];
    const missing = decideDeployment(facts({ rules, pulls: high }));
    expect(missing.state).toBe("rejected");
    expect(missing.blockers[0]).toMatchObject({ kind: "approver-missing", subject: "production" });
    expect(missing.blockers[0]!.next).toBe("one of @rita, a member of @acme/release approves the deployment in the workflow run's review (not @rita), then re-run the deployment job");
    // The author approving their own change does not count; a release-team member does.
    const own = decideDeployment(facts({ rules, pulls: high, approvals: [{ login: "rita", standing: { teams: [] } }] }));
    expect(own.state).toBe("rejected");
    const ok = decideDeployment(facts({ rules, pulls: high, approvals: [{ login: "sam", standing: { teams: ["acme/release"] } }] }));
    expect(ok.state).toBe("approved");
    expect(ok.approvers).toEqual([{ tier: "high", login: "sam", via: "member of @acme/release" }]);
    // Limited-risk changes name no approver: none needed.
    expect(decideDeployment(facts({ rules, pulls: [pull(2)] })).state).toBe("approved");
  });

  it("rejects when the policy cannot be used, and approves nothing when GitHub could not be read", () => {
    expect(decideDeployment(facts({ policyProblem: "line 3: bad" })).blockers[0]!.kind).toBe("policy");
    const error = decideDeployment(facts({ error: "GitHub answered HTTP 503: unavailable" }));
    expect(error).toMatchObject({ state: "rejected", evidencesDeployment: false });
  });

  it("notes that nothing AI-related changed since the last deployment", () => {
    const d = decideDeployment(facts({ pulls: [] }));
    expect(d).toMatchObject({ state: "approved", evidencesDeployment: false });
    expect(d.notes[0]).toBe("no AI change since the last successful deployment to production (eeeeeee)");
  });
});

describe("the review comment", () => {
  it("stays within GitHub's 1,024 characters, whole lines only, pointing to the record", () => {
    const many = Array.from({ length: 40 }, (_, i) => pull(i + 1, { assessments: [{ id: `AIA-${i}`, nextReview: "2026-01-01" }] }));
    const d = decideDeployment(facts({ pulls: many }));
    expect(d.blockers).toHaveLength(40);
    const url = "https://github.com/acme/evidence/issues/12345";
    const comment = reviewComment(d, url);
    expect(comment.length).toBeLessThanOrEqual(MAX_REVIEW_COMMENT);
    expect(comment).toMatch(/…and \d+ more \(see the deployment record\)\n\nDeployment record: https:\/\/github\.com\/acme\/evidence\/issues\/12345$/);
  });
});

describe("the deployment record", () => {
  it("round-trips, and an edit breaks its hash", () => {
    const f = facts();
    const r = buildDeploymentRecord(decideDeployment(f), f, { decidedAt: "2026-12-03T10:00:00Z", runUrl: "https://github.com/acme/shop/actions/runs/7" });
    const body = renderDeploymentBody(r);
    expect(parseDeploymentBody(body)).toEqual({ ok: true, record: r });
    expect(parseDeploymentBody(body.replace('"creator": "dana"', '"creator": "eve"'))).toEqual({ ok: false, problem: "the content no longer matches its hash" });
  });

  it("is the only source of A.6.2.5 in the statement of applicability", () => {
    const catalogue = loadCatalogue();
    const entries = fixtureRecords(6).map((record, i) => ({ issue: i + 1, url: `https://github.com/acme/evidence/issues/${i + 1}`, createdAt: "2026-11-01T00:00:00Z", record: { ...record, controls: [...record.controls, { id: "A.6.2.5", reason: "A.6.2.5 merged" }] } }));
    const ctx = { evidenceRepo: "acme/evidence", catalogue, exclusions: [], generatedAt: "2026-12-03T00:00:00Z" };
    const row = (soa: string) => soa.split("\n").find((l) => l.startsWith("| A.6.2.5 |"))!;
    // Records of merges that claim it (an older catalogue did) count for nothing.
    expect(row(statementOfApplicability(entries, ctx))).toContain("Evidenced by 0 approved deployments:");
    const f = facts();
    const approved = buildDeploymentRecord(decideDeployment(f), f, { decidedAt: "2026-12-03T10:00:00Z", runUrl: null });
    const rejected = buildDeploymentRecord(decideDeployment(facts({ error: "x" })), facts({ error: "x" }), { decidedAt: "2026-12-03T11:00:00Z", runUrl: null });
    const withDeployments = statementOfApplicability(entries, { ...ctx, deployments: [{ issue: 50, url: "https://github.com/acme/evidence/issues/50", record: approved }, { issue: 51, url: "https://github.com/acme/evidence/issues/51", record: rejected }] });
    expect(row(withDeployments)).toContain("Evidenced by 1 approved deployment ([production ddddddd](https://github.com/acme/evidence/issues/50)): aims-bot approved the deployment");
    expect(withDeployments).toContain("(1 approved deployment record)");
  });
});

describe("runIdOf", () => {
  it("reads the workflow run from the callback URL and nothing else", () => {
    expect(runIdOf("https://api.github.com/repos/acme/shop/actions/runs/4242/deployment_protection_rule")).toBe(4242);
    expect(runIdOf("https://evil.example/actions/runs/1/other")).toBeUndefined();
    expect(runIdOf(undefined)).toBeUndefined();
  });
});

