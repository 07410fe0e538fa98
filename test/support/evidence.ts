import { sealRecord, type EvidenceRecord, type ChainLink } from "../../src/evidence/record.js";
import type { StoredIssue } from "../../src/evidence/verify.js";
import { renderRecordBody } from "../../src/evidence/record.js";

export const BOT = "aims-bot[bot]";

/** A realistic open record of acme/app#<number>; override any field. */
export function sampleRecord(number = 12, over: Partial<EvidenceRecord> = {}): EvidenceRecord {
  const head = "a".repeat(39) + (number % 10);
  return {
    schemaVersion: 1,
    id: `acme/app#${number}`,
    pullRequest: {
      repository: "acme/app",
      number,
      title: `Retrain the recommender (${number})`,
      url: `https://github.com/acme/app/pull/${number}`,
      author: "dev",
      baseRef: "main",
      baseSha: "b".repeat(40),
      headSha: head,
      mergeSha: null,
      closedAt: null,
    },
    policy: { sources: [{ repository: "acme/app", path: ".github/aims.yml", ref: "main" }] },
    systems: [{ id: "recommender", risk: "high" }],
    risk: "high",
    changes: {
      total: 1,
      byCategory: { dataset: 1 },
      items: [
        {
          path: "data/train.parquet.dvc",
          status: "modified",
          category: "dataset",
          system: "recommender",
          rule: "dataset.metadata",
          gated: true,
          dvc: [{ path: "train.parquet", md5: "3f2a9c0d1e2f3a4b5c6d7e8f9a0b1c2d", size: 1024, remote: "s3://acme-data" }],
        },
      ],
    },
    assessment: { conclusion: "success", title: "Impact assessment AIA-1 approved for recommender", records: [] },
    gates: [
      { gate: "impact-assessment", name: "aims/impact-assessment", conclusion: "success", title: "approved" },
      { gate: "human-oversight", name: "aims/human-oversight", conclusion: "success", title: "signed off" },
    ],
    signOffs: [],
    override: null,
    checks: [],
    controls: [{ id: "A.7.5", reason: "data/train.parquet.dvc records md5 3f2a9c0d1e2f… and remote s3://acme-data" }],
    state: "open",
    seq: null,
    prev: null,
    hash: null,
    ...over,
  };
}

/** A merged, sealed record linked to `link`. */
export function sealedRecord(number: number, link: ChainLink): EvidenceRecord {
  const open = sampleRecord(number);
  return sealRecord({ ...open, state: "merged", pullRequest: { ...open.pullRequest, mergeSha: "c".repeat(39) + (number % 10), closedAt: "2026-11-30T10:00:00Z" } }, link);
}

/** A chain of n sealed records as issues #1..#n written by the bot. */
export function chainIssues(n: number): StoredIssue[] {
  const issues: StoredIssue[] = [];
  let prev: string | null = null;
  for (let i = 1; i <= n; i++) {
    const r = sealedRecord(100 + i, { prev, seq: i });
    prev = r.hash;
    issues.push({ number: i, author: BOT, body: renderRecordBody(r), state: "closed", stateReason: "completed" });
  }
  return issues;
}
