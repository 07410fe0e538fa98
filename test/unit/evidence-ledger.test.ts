import { describe, expect, it } from "@jest/globals";
import { resolvePolicy } from "../../src/config/policy.js";
import type { AiChange } from "../../src/detect/types.js";
import { finaliseRecord, upsertOpenRecord, type RecordInputWithoutRound } from "../../src/evidence/ledger.js";
import { parseRecordBody, recordLabels, recordMarker, renderRecordBody, sealRecord, type EvidenceRecord, type LabelSpec } from "../../src/evidence/record.js";
import type { EvidenceIssue, EvidenceStore, IssueWrite, ListOptions, RepoRef } from "../../src/evidence/store.js";
import { verifyChain } from "../../src/evidence/verify.js";
import { CHECK_NAMES, type GateResult } from "../../src/gates/types.js";
import type { PullRequestFacts } from "../../src/gates/facts.js";
import { KeyedMutex } from "../../src/util/keyed-mutex.js";
import { BOT, sampleRecord } from "../support/evidence.js";

/** An in-memory evidence repository behind the store interface; `onUpdate` lets a test race a write. */
class MemoryStore implements EvidenceStore {
  issues: EvidenceIssue[] = [];
  writes: Array<{ kind: "create" | "update"; number: number; write: IssueWrite }> = [];
  locks = new Map<string, string>();
  onUpdate?: (number: number) => void;
  private clock = 0;
  stamp() {
    return new Date(Date.UTC(2026, 10, 30, 12, 0, this.clock++)).toISOString();
  }
  async botLogin() {
    return BOT;
  }
  async list(_repo: RepoRef, o: ListOptions) {
    let out = this.issues.filter((i) => (o.state === "all" || i.state === o.state) && i.labels.includes(o.label ?? "aims:evidence") && i.author === BOT);
    const key = (i: EvidenceIssue) => (o.sort === "updated" ? i.updatedAt : i.createdAt) + String(i.number).padStart(6, "0");
    out = out.sort((a, b) => (key(a) < key(b) ? 1 : -1)).map((i) => ({ ...i }));
    o.stop?.(out);
    return out;
  }
  async get(_repo: RepoRef, number: number) {
    const issue = this.issues.find((i) => i.number === number);
    return issue ? { ...issue } : undefined;
  }
  async create(_repo: RepoRef, w: { title: string; body: string; labels: string[] }) {
    const now = this.stamp();
    const issue: EvidenceIssue = { number: this.issues.length + 1, author: BOT, title: w.title, body: w.body, labels: w.labels, state: "open", stateReason: null, createdAt: now, updatedAt: now, htmlUrl: "" };
    this.issues.push(issue);
    this.writes.push({ kind: "create", number: issue.number, write: w });
    return { ...issue };
  }
  async update(_repo: RepoRef, number: number, w: IssueWrite) {
    const issue = this.issues.find((i) => i.number === number)!;
    Object.assign(issue, {
      ...(w.title !== undefined ? { title: w.title } : {}),
      ...(w.body !== undefined ? { body: w.body } : {}),
      ...(w.labels !== undefined ? { labels: w.labels } : {}),
      ...(w.state ? { state: w.state } : {}),
      ...(w.stateReason ? { stateReason: w.stateReason } : {}),
      updatedAt: this.stamp(),
    });
    this.writes.push({ kind: "update", number, write: w });
    this.onUpdate?.(number);
    return { ...issue };
  }
  async ensureLabels(_repo: RepoRef, _labels: LabelSpec[]) {}
  async tryLock(_repo: RepoRef, name: string, holder: string) {
    if (this.locks.has(name)) return false;
    this.locks.set(name, holder);
    return true;
  }
  async unlock(_repo: RepoRef, name: string, holder: string) {
    if (this.locks.get(name) === holder) this.locks.delete(name);
  }
}

const REPO = { owner: "acme", repo: "evidence" };
const HEAD = "a".repeat(40);
const policy = resolvePolicy({ systems: [{ id: "recommender", name: "Recommender", paths: ["models/**"], risk: "limited" }] }, []);
const MODEL: AiChange = { path: "models/m.onnx", status: "added", category: "model", rule: "model.onnx", reason: "", system: "recommender", gated: true };

function gate(g: "impact-assessment" | "human-oversight", conclusion: GateResult["conclusion"] = "action_required"): GateResult {
  return { gate: g, name: CHECK_NAMES[g], conclusion, title: conclusion, reasons: [], nextSteps: [], controls: [] };
}

function input(number: number, state: "open" | "merged" | "closed" = "open", conclusion: GateResult["conclusion"] = "action_required"): RecordInputWithoutRound & { governed: boolean } {
  const facts: PullRequestFacts = { number, author: "dev", headSha: HEAD, baseRef: "main", changedFileCount: 1, filesTruncated: false, changes: [MODEL], problems: [] };
  return {
    pull: { owner: "acme", repo: "shop", number, title: `PR ${number}`, author: "dev", baseRef: "main", baseSha: "b".repeat(40), headSha: HEAD },
    policy: { ok: true, policy },
    facts,
    gates: [gate("impact-assessment", conclusion), gate("human-oversight", conclusion)],
    state,
    mergeSha: state === "merged" ? "c".repeat(40) : null,
    closedAt: state === "open" ? null : "2026-11-30T11:00:00Z",
    checks: [],
    governed: true,
  };
}

const recordOf = (i: EvidenceIssue): EvidenceRecord => {
  const p = parseRecordBody(i.body);
  if (!p.ok) throw new Error(p.problem);
  return p.record;
};

const verify = (store: MemoryStore) =>
  verifyChain(store.issues.map((i) => ({ number: i.number, author: i.author, body: i.body, state: i.state, stateReason: i.stateReason, labels: i.labels })), { appLogin: BOT });

describe("evidence ledger", () => {
  it("records an override as a nonconformity with one corrective-action issue (owner, due date), and claims no control", async () => {
    const store = new MemoryStore();
    const ledger = { store, repo: REPO, locks: new KeyedMutex() };
    const override = { login: "lead", at: "2026-11-30T10:00:00Z", sha: HEAD, reason: "Incident INC-42: roll back now", url: "https://github.com/acme/shop/pull/7#issuecomment-1" };
    const overridden = (state: "open" | "merged") => {
      const i = input(7, state, "success");
      return { ...i, policy: { ok: true as const, policy: { ...policy, controls: { ...policy.controls, nonconformity: { owner: "acme/ai-governance", due_days: 14 } } } }, gates: i.gates.map((g) => ({ ...g, override })) };
    };
    await upsertOpenRecord(ledger, overridden("open"));
    await upsertOpenRecord(ledger, overridden("open"));
    await finaliseRecord(ledger, overridden("merged"));
    const actions = store.issues.filter((i) => i.labels.includes("aims:corrective-action"));
    expect(actions).toHaveLength(1);
    expect(actions[0]!.body).toContain("| Owner | @acme/ai-governance |");
    expect(actions[0]!.body).toContain("| Due | 2026-12-14 |");
    expect(actions[0]!.body).toContain("Incident INC-42: roll back now");
    const recordIssue = store.issues.find((i) => i.labels.includes("aims:evidence"))!;
    const record = recordOf(recordIssue);
    expect(record.state).toBe("overridden");
    expect(record.controls).toEqual([]);
    expect(record.nonconformity).toMatchObject({ clause: "10.2", kind: "override", correctiveAction: { repository: "acme/evidence", issue: actions[0]!.number, owner: "acme/ai-governance", due: "2026-12-14" } });
    expect(recordIssue.labels).toEqual(expect.arrayContaining(["aims:nonconformity", "aims:override", "state:overridden"]));
    expect(recordIssue.labels.filter((l) => l.startsWith("annex-a:"))).toEqual([]);
    expect(recordIssue.body).toContain("### Nonconformity (clause 10.2)");
  });

  it("creates once, then updates only on change", async () => {
    const store = new MemoryStore();
    const ledger = { store, repo: REPO, locks: new KeyedMutex() };
    expect(await upsertOpenRecord(ledger, input(1))).toMatchObject({ action: "created", issue: 1, id: "acme/shop#1" });
    expect(await upsertOpenRecord(ledger, input(1))).toMatchObject({ action: "unchanged" });
    expect(await upsertOpenRecord(ledger, input(1, "open", "success"))).toMatchObject({ action: "updated", issue: 1 });
    expect(store.writes.map((w) => w.kind)).toEqual(["create", "update"]);
  });

  it("leaves the open record alone when a push only moved the head, and writes the final head at merge", async () => {
    const store = new MemoryStore();
    const ledger = { store, repo: REPO, locks: new KeyedMutex() };
    const moved = (i: ReturnType<typeof input>, headSha: string) => ({ ...i, pull: { ...i.pull, headSha }, facts: { ...i.facts, headSha } });
    const next = "d".repeat(40);
    await upsertOpenRecord(ledger, input(1));
    expect(await upsertOpenRecord(ledger, moved(input(1), next))).toMatchObject({ action: "unchanged", issue: 1 });
    expect(store.writes.map((w) => w.kind)).toEqual(["create"]);
    expect(recordOf(store.issues[0]!).pullRequest.headSha).toBe(HEAD);
    // A push that changes a gate is written, with its head.
    expect(await upsertOpenRecord(ledger, moved(input(1, "open", "success"), next))).toMatchObject({ action: "updated", issue: 1 });
    expect(recordOf(store.issues[0]!).pullRequest.headSha).toBe(next);
    // The final record names the final head, whatever the open one said.
    const last = "e".repeat(40);
    await finaliseRecord(ledger, moved(input(1, "merged", "success"), last));
    expect(recordOf(store.issues[0]!)).toMatchObject({ state: "merged", pullRequest: { headSha: last } });
  });

  it("keeps labels people added to a record when it updates and finalises it", async () => {
    const store = new MemoryStore();
    const ledger = { store, repo: REPO, locks: new KeyedMutex() };
    await upsertOpenRecord(ledger, input(1));
    store.issues[0]!.labels.push("audit:sampled");
    expect(await upsertOpenRecord(ledger, input(1))).toMatchObject({ action: "unchanged" });
    await upsertOpenRecord(ledger, input(1, "open", "success"));
    expect(store.issues[0]!.labels).toContain("audit:sampled");
    await finaliseRecord(ledger, input(1, "merged", "success"));
    expect(store.issues[0]!.labels).toEqual(expect.arrayContaining(["audit:sampled", "state:merged"]));
    expect(store.issues[0]!.labels).not.toContain("state:open");
  });

  it("serialises concurrent deliveries of one event in a process: one issue", async () => {
    const store = new MemoryStore();
    const ledger = { store, repo: REPO, locks: new KeyedMutex() };
    const results = await Promise.all([upsertOpenRecord(ledger, input(1)), upsertOpenRecord(ledger, input(1)), upsertOpenRecord(ledger, input(1))]);
    expect(results.map((r) => r.action).sort()).toEqual(["created", "unchanged", "unchanged"]);
    expect(store.issues).toHaveLength(1);
  });

  it("closes the newer of two open records of one pull request as a duplicate pointing to the older", async () => {
    const store = new MemoryStore();
    const ledger = { store, repo: REPO, locks: new KeyedMutex() };
    await upsertOpenRecord(ledger, input(1));
    // Another replica opened the same record at the same moment.
    const twin = store.issues[0]!;
    store.issues.push({ ...twin, number: 2 });
    await finaliseRecord(ledger, input(1, "merged", "success"));
    expect(store.issues[1]).toMatchObject({ number: 2, state: "closed", stateReason: "duplicate", labels: [] });
    expect(store.issues[1]!.body).toMatch(/^Duplicate of #1: the evidence record of acme\/shop#1 is #1\./);
    expect(store.issues[0]).toMatchObject({ state: "closed", stateReason: "completed" });
    expect(verify(store)).toMatchObject({ ok: true, finalised: 1 });
  });

  it("chains records finalised at the same moment in one process without forking", async () => {
    const store = new MemoryStore();
    const ledger = { store, repo: REPO, locks: new KeyedMutex() };
    for (let n = 1; n <= 8; n++) await upsertOpenRecord(ledger, input(n));
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => finaliseRecord(ledger, input(i + 1, "merged", "success"))));
    expect(results.map((r) => (r.action === "finalised" ? r.seq : 0)).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(verify(store)).toMatchObject({ ok: true, chainLength: 8 });
    expect(store.locks.size).toBe(0);
    // Two writes per record: create and finalise.
    expect(store.writes).toHaveLength(16);
  });

  it("takes no lock label on GitHub when the locks are shared by every replica (Redis)", async () => {
    const store = new MemoryStore();
    let tried = 0;
    store.tryLock = async () => {
      tried++;
      return true;
    };
    const inProcess = new KeyedMutex();
    const shared = { shared: true, run: <T>(key: string, fn: () => Promise<T>) => inProcess.run(key, fn) };
    const ledger = { store, repo: REPO, locks: shared };
    for (let n = 1; n <= 3; n++) await upsertOpenRecord(ledger, input(n));
    await Promise.all([1, 2, 3].map((n) => finaliseRecord(ledger, input(n, "merged", "success"))));
    expect(tried).toBe(0);
    expect(verify(store)).toMatchObject({ ok: true, chainLength: 3 });
    // In-process locks alone do not exclude other replicas: the label is still taken.
    await upsertOpenRecord({ ...ledger, locks: new KeyedMutex() }, input(4));
    await finaliseRecord({ ...ledger, locks: new KeyedMutex() }, input(4, "merged", "success"));
    expect(tried).toBe(1);
  });

  it("two replicas finalising the same merge at once (own record locks, one chain lock) seal it once, open record or none", async () => {
    for (const withOpenRecord of [true, false]) {
      const store = new MemoryStore();
      const replica = () => ({ store, repo: REPO, locks: new KeyedMutex() });
      if (withOpenRecord) await upsertOpenRecord(replica(), input(1));
      const results = await Promise.all([finaliseRecord(replica(), input(1, "merged", "success")), finaliseRecord(replica(), input(1, "merged", "success"))]);
      expect(results.map((r) => r.action).sort()).toEqual(["already-final", "finalised"]);
      expect(store.issues).toHaveLength(1);
      expect(verify(store)).toMatchObject({ ok: true, chainLength: 1 });
      // Sealed once: the record's creation (while open, or at the merge), then one write to finalise.
      expect(store.writes.map((w) => w.kind)).toEqual(["create", "update"]);
    }
  });

  it("never rewrites a final record, and opens round 2 when a closed pull request is reopened", async () => {
    const store = new MemoryStore();
    const ledger = { store, repo: REPO, locks: new KeyedMutex() };
    await upsertOpenRecord(ledger, input(1));
    await finaliseRecord(ledger, input(1, "closed"));
    const before = store.writes.length;
    expect(await finaliseRecord(ledger, input(1, "closed"))).toMatchObject({ action: "already-final", issue: 1 });
    expect(store.writes.length).toBe(before);
    expect(await upsertOpenRecord(ledger, input(1))).toMatchObject({ action: "created", issue: 2, id: "acme/shop#1~2" });
    expect(await finaliseRecord(ledger, input(1, "merged", "success"))).toMatchObject({ action: "finalised", issue: 2, seq: 2 });
    expect(verify(store)).toMatchObject({ ok: true, chainLength: 2 });
  });

  it("does not open a new round for a late event of a pull request that is closed now", async () => {
    const store = new MemoryStore();
    const ledger = { store, repo: REPO, locks: new KeyedMutex() };
    await upsertOpenRecord(ledger, input(1));
    await finaliseRecord(ledger, input(1, "merged", "success"));
    const before = store.writes.length;
    expect(await upsertOpenRecord(ledger, input(1), async () => ({ createdAt: "2026-11-01T00:00:00Z", open: false }))).toEqual({ action: "skipped", id: "acme/shop#1" });
    expect(store.writes.length).toBe(before);
  });

  it("finalises a governed pull request that has no record yet (create, then seal), and skips ungoverned ones", async () => {
    const store = new MemoryStore();
    const ledger = { store, repo: REPO, locks: new KeyedMutex() };
    expect(await finaliseRecord(ledger, { ...input(5, "merged"), governed: false })).toEqual({ action: "not-governed" });
    expect(await finaliseRecord(ledger, input(5, "merged"))).toMatchObject({ action: "finalised", created: true, seq: 1 });
    expect(store.writes.map((w) => w.kind)).toEqual(["create", "update"]);
  });

  it("re-links its record when a lower-numbered record took the same place (a replica whose lock expired)", async () => {
    const store = new MemoryStore();
    const ledger = { store, repo: REPO, locks: new KeyedMutex() };
    await upsertOpenRecord(ledger, input(1));
    await upsertOpenRecord(ledger, input(2));
    // While #2 is sealed, a stale replica seals #1 at the same position (seq 1, genesis).
    let raced = false;
    store.onUpdate = (n) => {
      if (raced || n !== 2) return;
      raced = true;
      const first = store.issues[0]!;
      const sealed = sealRecord({ ...recordOf(first), state: "merged", pullRequest: { ...recordOf(first).pullRequest, mergeSha: "d".repeat(40), closedAt: "2026-11-30T11:00:00Z" } }, { prev: null, seq: 1 });
      Object.assign(first, { body: renderRecordBody(sealed), labels: recordLabels(sealed).map((l) => l.name), state: "closed", stateReason: "completed", updatedAt: store.stamp() });
    };
    const result = await finaliseRecord(ledger, input(2, "merged", "success"));
    expect(result).toMatchObject({ action: "finalised", issue: 2, seq: 2, relinked: 1 });
    expect(recordOf(store.issues[1]!).prev).toBe(recordOf(store.issues[0]!).hash);
    expect(verify(store)).toMatchObject({ ok: true, chainLength: 2, problems: [] });
  });

  it("lists the records once per event when the pull request's creation time is known, and closes a replica's twin on the next event", async () => {
    const store = new MemoryStore();
    const ledger = { store, repo: REPO, locks: new KeyedMutex() };
    const lists: ListOptions[] = [];
    const list = store.list.bind(store);
    store.list = async (repo, o) => (lists.push(o), list(repo, o));
    let reads = 0;
    const known = { createdAt: "2026-11-01T00:00:00Z", open: true };
    expect(await upsertOpenRecord(ledger, input(1), async () => (reads++, known), known)).toMatchObject({ action: "created", issue: 1 });
    expect(lists).toEqual([expect.objectContaining({ state: "all", since: known.createdAt })]);
    expect(reads).toBe(0);
    // Another replica opened the same record at the same moment: the next event closes the newer one.
    store.issues.push({ ...store.issues[0]!, number: 2 });
    expect(await upsertOpenRecord(ledger, input(1), undefined, known)).toMatchObject({ action: "duplicate-closed", issue: 1, duplicates: [2] });
    expect(store.issues[1]).toMatchObject({ state: "closed", stateReason: "duplicate" });
    expect(lists).toHaveLength(2);
  });

  it("uses a listing started earlier in the event, and still reads the pull request before opening a new round", async () => {
    const store = new MemoryStore();
    const ledger = { store, repo: REPO, locks: new KeyedMutex() };
    const known = { createdAt: "2026-11-01T00:00:00Z", open: true };
    await upsertOpenRecord(ledger, input(1), undefined, known, store.list(REPO, { state: "all" }));
    await finaliseRecord(ledger, input(1, "merged", "success"));
    let reads = 0;
    const before = store.writes.length;
    // The event's own copy says open, but a final round exists: GitHub is asked, and says closed.
    const late = await upsertOpenRecord(ledger, input(1), async () => (reads++, { createdAt: known.createdAt, open: false }), known, store.list(REPO, { state: "all" }));
    expect(late).toEqual({ action: "skipped", id: "acme/shop#1" });
    expect(reads).toBe(1);
    expect(store.writes.length).toBe(before);
  });

  it("ignores issues it did not write and bodies without its marker", async () => {
    const store = new MemoryStore();
    const ledger = { store, repo: REPO, locks: new KeyedMutex() };
    const foreign = renderRecordBody(sampleRecord(1, { id: "acme/shop#1", pullRequest: { ...sampleRecord(1).pullRequest, repository: "acme/shop" } }));
    store.issues.push({ number: 1, author: "mallory", title: "x", body: foreign, labels: ["aims:evidence"], state: "open", stateReason: null, createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-01T00:00:00Z", htmlUrl: "" });
    store.issues.push({ number: 2, author: BOT, title: "x", body: `mentions ${recordMarker("acme/shop#1")} later`, labels: ["aims:evidence"], state: "open", stateReason: null, createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-01T00:00:00Z", htmlUrl: "" });
    expect(await upsertOpenRecord(ledger, input(1))).toMatchObject({ action: "created", issue: 3 });
  });
});

describe("KeyedMutex", () => {
  it("runs one holder per key in order, keys independently, and forgets idle keys", async () => {
    const m = new KeyedMutex();
    const log: string[] = [];
    const task = (key: string, name: string, ms: number) =>
      m.run(key, async () => {
        log.push(`${name}+`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`${name}-`);
      });
    await Promise.all([task("a", "a1", 20), task("a", "a2", 1), task("b", "b1", 5)]);
    expect(log.indexOf("a1-")).toBeLessThan(log.indexOf("a2+"));
    expect(log.indexOf("b1+")).toBeLessThan(log.indexOf("a1-"));
    expect(m.size).toBe(0);
    await expect(m.run("a", async () => Promise.reject(new Error("x")))).rejects.toThrow("x");
    expect(await m.run("a", async () => 7)).toBe(7);
  });
});
