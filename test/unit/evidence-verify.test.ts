import { describe, expect, it } from "@jest/globals";
import { recordLabels, recordMarker, renderRecordBody, parseRecordBody, type EvidenceRecord } from "../../src/evidence/record.js";
import { chainHead, readRecords, verifyChain, type StoredIssue } from "../../src/evidence/verify.js";
import { BOT, chainIssues, sampleRecord, sealedRecord } from "../support/evidence.js";

const recordOf = (issue: StoredIssue): EvidenceRecord => {
  const parsed = parseRecordBody(issue.body);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.record;
};

describe("verifyChain", () => {
  it("accepts an intact chain and names its head", () => {
    const issues = chainIssues(5);
    const result = verifyChain(issues, { appLogin: BOT });
    expect(result).toMatchObject({ ok: true, records: 5, finalised: 5, chainLength: 5, problems: [] });
    expect(result.head).toEqual({ hash: recordOf(issues[4]!).hash, seq: 5, issue: 5 });
  });

  it("ignores open records in the chain and issues without a marker", () => {
    const issues = [...chainIssues(2), { number: 3, author: BOT, body: renderRecordBody(sampleRecord(200)), state: "open" as const }, { number: 4, author: "alice", body: "a normal issue", state: "open" as const }];
    expect(verifyChain(issues, { appLogin: BOT })).toMatchObject({ ok: true, records: 3, finalised: 2, chainLength: 2 });
  });

  it("catches an edited record (content changed, hash kept)", () => {
    const issues = chainIssues(4);
    issues[1] = { ...issues[1]!, body: issues[1]!.body!.replace('"author": "dev"', '"author": "mallory"') };
    const result = verifyChain(issues, { appLogin: BOT });
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.objectContaining({ kind: "edited", issue: 2, message: expect.stringContaining("edited after it was finalised") })]);
    // The successor still links: only the edited record is reported.
    expect(result.chainLength).toBe(4);
  });

  it("catches a record whose JSON was broken", () => {
    const issues = chainIssues(3);
    issues[2] = { ...issues[2]!, body: issues[2]!.body!.replace('"schemaVersion": 1,', "") };
    expect(verifyChain(issues, { appLogin: BOT }).problems).toEqual([expect.objectContaining({ kind: "edited", issue: 3 })]);
  });

  it("catches a deleted record in the middle (missing link and gap)", () => {
    const issues = chainIssues(5).filter((i) => i.number !== 3);
    const result = verifyChain(issues, { appLogin: BOT });
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      expect.objectContaining({ kind: "missing-link", issue: 4, message: expect.stringContaining("(1 record missing before it)") }),
    ]);
  });

  it("catches a deleted first record", () => {
    const issues = chainIssues(3).slice(1);
    expect(verifyChain(issues, { appLogin: BOT }).problems).toEqual([expect.objectContaining({ kind: "missing-link", issue: 2 })]);
  });

  it("catches deleted newest records only against an expected head", () => {
    const all = chainIssues(4);
    const expectedHead = recordOf(all[3]!).hash!;
    expect(verifyChain(all.slice(0, 3), { appLogin: BOT }).ok).toBe(true);
    expect(verifyChain(all.slice(0, 3), { appLogin: BOT, expectedHead }).problems).toEqual([expect.objectContaining({ kind: "missing-link", message: expect.stringContaining("newest records were deleted") })]);
    expect(verifyChain(all, { appLogin: BOT, expectedHead }).ok).toBe(true);
  });

  it("reports a fork: the shorter branch is out of chain", () => {
    const issues = chainIssues(3);
    const prev = recordOf(issues[1]!).hash;
    const fork = sealedRecord(300, { prev, seq: 3 });
    issues.push({ number: 4, author: BOT, body: renderRecordBody(fork), state: "closed" });
    const result = verifyChain(issues, { appLogin: BOT });
    expect(result.problems).toEqual([expect.objectContaining({ kind: "out-of-chain", issue: 4, message: "#4 forks the chain: it points to the same previous record as #3." })]);
  });

  it("reports a finalised record never sealed, and a wrong sequence number", () => {
    const issues = chainIssues(2);
    const unsealed = { ...sampleRecord(400), state: "merged" as const };
    issues.push({ number: 3, author: BOT, body: renderRecordBody(unsealed), state: "closed" });
    const skipping = sealedRecord(401, { prev: recordOf(issues[1]!).hash, seq: 7 });
    issues.push({ number: 4, author: BOT, body: renderRecordBody(skipping), state: "closed" });
    expect(verifyChain(issues, { appLogin: BOT }).problems.map((p) => [p.kind, p.issue])).toEqual([
      ["out-of-chain", 3],
      ["out-of-chain", 4],
    ]);
  });

  it("reports foreign records and never chains them", () => {
    const issues = chainIssues(2);
    const forged = sealedRecord(500, { prev: recordOf(issues[1]!).hash, seq: 3 });
    issues.push({ number: 3, author: "mallory", body: renderRecordBody(forged), state: "closed" });
    const result = verifyChain(issues, { appLogin: BOT });
    expect(result.problems).toEqual([expect.objectContaining({ kind: "foreign", issue: 3 })]);
    expect(result.head?.issue).toBe(2);
  });

  it("skips duplicates the store closed, and reports two finalised records of one id", () => {
    const issues = chainIssues(2);
    issues.push({ number: 3, author: BOT, body: `${recordMarker("acme/app#101")}\nDuplicate of #1: the evidence record of acme/app#101 is #1.`, state: "closed", stateReason: "duplicate" });
    expect(verifyChain(issues, { appLogin: BOT }).ok).toBe(true);
    // A record closed as a duplicate by hand is hidden, not a duplicate the store closed.
    const hidden = [...issues.slice(0, 2), { ...issues[1]!, number: 5, stateReason: "duplicate" }];
    expect(verifyChain(hidden, { appLogin: BOT }).problems).toEqual(expect.arrayContaining([expect.objectContaining({ kind: "state", issue: 5 })]));
    const again = sealedRecord(102, { prev: recordOf(issues[1]!).hash, seq: 3 });
    issues.push({ number: 4, author: BOT, body: renderRecordBody(again), state: "closed" });
    expect(verifyChain(issues, { appLogin: BOT }).problems).toEqual([expect.objectContaining({ kind: "duplicate", issue: 4 })]);
  });

  it("checks labels when they are given", () => {
    const issues = chainIssues(1);
    const labels = recordLabels(recordOf(issues[0]!)).map((l) => l.name);
    expect(verifyChain([{ ...issues[0]!, labels }], { appLogin: BOT }).ok).toBe(true);
    expect(verifyChain([{ ...issues[0]!, labels: labels.filter((l) => l !== "annex-a:A.7.5") }], { appLogin: BOT }).problems).toEqual([
      expect.objectContaining({ kind: "edited", message: "#1 lost labels its record implies: annex-a:A.7.5." }),
    ]);
  });

  it("handles a long chain without recursion", () => {
    const issues = chainIssues(3000);
    expect(verifyChain(issues, { appLogin: BOT })).toMatchObject({ ok: true, chainLength: 3000 });
  });
});

describe("chainHead", () => {
  it("takes the highest verified sequence, the lowest issue on a tie", () => {
    const { records } = readRecords(chainIssues(3), BOT);
    expect(chainHead(records)?.seq).toBe(3);
    const tie = { issue: 2, record: sealedRecord(900, { prev: records[1]!.record.hash, seq: 3 }) };
    expect(chainHead([...records, tie])?.issue).toBe(2);
    expect(chainHead([])).toBeNull();
  });
});
