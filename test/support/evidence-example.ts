import { resolvePolicy } from "../../src/config/policy.js";
import type { AiChange } from "../../src/detect/types.js";
import { buildRecord } from "../../src/evidence/build.js";
import { renderRecordBody, sealRecord, type EvidenceRecord } from "../../src/evidence/record.js";
import { signRecord } from "../../src/evidence/signing.js";
import { gitBlobSha, sha256Hex } from "../../src/util/digest.js";
import { throwawaySigner } from "./evidence-fixture.js";
import { loadCatalogue } from "../../src/controls/catalogue.js";
import { assessmentGate } from "../../src/gates/assessment.js";
import type { AssessmentFacts, PullRequestFacts } from "../../src/gates/facts.js";
import { parseAssessmentFile } from "../../src/gates/assessment-file.js";
import { CHECK_NAMES, type GateResult } from "../../src/gates/types.js";
import { assessmentMarkdown } from "./assessments.js";

/**
 * The record shown in docs/evidence-and-audit.md, "Evidence records": a merged pull request that retrains
 * the recommender, built and rendered by the real code (test/unit/docs-evidence.test.ts keeps the page in step).
 */
const BASE = "5d41402abc4b2a76b9719d911017c592aa5e1b2c";
const HEAD = "9c1185a5c5e9fc54612808977ee8f548b2258d31";
const MERGE = "e4da3b7fbbce2345d7772b0674a318d5c0d4f7a1";
const AIA = "governance/impact-assessments/AIA-2026-014.md";

export function readmeExampleRecord(): EvidenceRecord {
  const policy = resolvePolicy(
    {
      systems: [{ id: "recommender", name: "Product recommender", paths: ["models/recommender/**", "data/recommender/**"], risk: "high" }],
      assessment: { assessors: { teams: ["acme/ai-governance"] } },
      evidence: { repository: "acme/ai-evidence" },
      controls: { verification: { checks: [{ name: "eval", app: "github-actions" }] } },
    },
    [{ repository: "acme/shop", path: ".github/aims.yml", ref: "main", blobSha: "8f3c1e0b7a5d4c2e9f6a1b3d5c7e9a0b2d4f6a8c" }],
  );
  const aia = assessmentMarkdown({ approver: "bob", approvedAt: "2026-11-20" });
  const changes: AiChange[] = [
    { path: "models/recommender/model.safetensors", status: "modified", category: "model", rule: "model.safetensors", reason: "", system: "recommender", gated: true, lfs: { oid: "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9", size: 438_912_205 } },
    { path: "models/recommender/README.md", status: "modified", category: "model-metadata", rule: "model-metadata.model-card", reason: "", system: "recommender", gated: true },
    { path: "data/recommender/train.parquet.dvc", status: "modified", category: "dataset", rule: "dataset.metadata", reason: "", system: "recommender", gated: true, dvc: [{ path: "train.parquet", md5: "3f2a9c0d41e5b7a8c6d2e1f0a9b8c7d6", size: 1_284_550_112, remote: "s3://acme-ml-data/recommender" }] },
    {
      path: "requirements.txt",
      status: "modified",
      category: "dependency",
      rule: "dependency.pypi",
      reason: "",
      system: "recommender",
      gated: true,
      dependency: { ecosystem: "pypi", name: "anthropic", kind: "llm-api", supplier: "Anthropic", change: "added", to: "0.39.0", direct: true, scope: "prod", manifests: ["requirements.txt"] },
    },
  ];
  const assessment: AssessmentFacts = {
    now: "2026-11-30T09:00:00.000Z",
    links: [{ kind: "file", raw: AIA, line: 3, path: AIA }],
    linked: [{ kind: "file", via: "link", path: AIA, base: { sha: BASE, read: { status: "read", parse: parseAssessmentFile(aia, AIA) }, content: { blobSha: gitBlobSha(aia), sha256: sha256Hex(aia) } } }],
    directory: [],
    directoryStatus: { status: "skipped" },
    headApprovers: [],
    authority: { bob: { authorised: true, via: "member of @acme/ai-governance" } },
  };
  const facts: PullRequestFacts = { number: 231, author: "dana", headSha: HEAD, baseRef: "main", changedFileCount: 6, filesTruncated: false, changes, problems: [], assessment };
  const oversight: GateResult = {
    gate: "human-oversight",
    name: CHECK_NAMES["human-oversight"],
    conclusion: "success",
    title: "Signed off by @carol and @erin (high risk)",
    reasons: [],
    nextSteps: [],
    controls: ["A.9.2", "A.3.2"],
    signOffs: [
      { login: "carol", method: "review", sha: HEAD, at: "2026-11-29T15:02:11Z", team: "acme/ml-reviewers", via: "member of @acme/ml-reviewers", rationale: "Offline eval within 0.3% of the current model; rollout behind the ranker flag.", url: "https://github.com/acme/shop/pull/231#pullrequestreview-2410977351" },
      { login: "erin", method: "comment", sha: HEAD, at: "2026-11-29T16:40:57Z", team: "acme/legal", via: "member of @acme/legal", rationale: "New supplier covered by the DPA signed in October.", url: "https://github.com/acme/shop/pull/231#issuecomment-2511930846" },
    ],
  };
  const record = buildRecord({
    pull: { owner: "acme", repo: "shop", number: 231, title: "Retrain the recommender on November data", author: "dana", baseRef: "main", baseSha: BASE, headSha: HEAD },
    round: 1,
    policy: { ok: true, policy },
    facts,
    gates: [assessmentGate(policy, facts), oversight],
    state: "merged",
    mergeSha: MERGE,
    closedAt: "2026-11-30T08:12:45Z",
    checks: [
      { name: "eval", status: "completed", conclusion: "success", app: "github-actions", appId: 15368, runId: 33210987654, url: "https://github.com/acme/shop/actions/runs/11901234567/job/33210987654" },
      { name: "test", status: "completed", conclusion: "success", app: "github-actions", appId: 15368, runId: 33210987655, url: "https://github.com/acme/shop/actions/runs/11901234567/job/33210987655" },
    ],
  });
  return signRecord(sealRecord(record, { prev: "7d865e959b2466918c9863afca942d0fb89d7c9ac0c99bafc3749504ded97730", seq: 42 }), throwawaySigner());
}

export function readmeExampleBody(): string {
  const catalogue = loadCatalogue();
  return renderRecordBody(readmeExampleRecord(), (id) => catalogue.controls.find((c) => c.id === id)?.title);
}
