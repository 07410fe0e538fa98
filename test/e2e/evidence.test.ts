import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { parseRecordBody } from "../../src/evidence/record.js";
import { verifyChain, type StoredIssue } from "../../src/evidence/verify.js";
import { FakeGitHub, type FakeRepo } from "../support/fake-github.js";
import { eventually, startApp, type RunningApp } from "../support/server.js";

const policy = (whileOpen: boolean) => `systems:
  - id: recommender
    name: Product recommender
    paths: ["models/**"]
    risk: limited
oversight:
  tiers:
    limited:
      users: ["carol"]
evidence:
  while_open: ${whileOpen}
`;

const PULLS = 20;

/**
 * The evidence ledger end to end: two replicas of the built server behind "a load balancer"
 * (deliveries spread over both), a stateful fake GitHub, 20 governed pull requests merged, most
 * of them at the same moment; then the chain is verified, and tampering is detected. Once with
 * records kept while the pull requests are open, once with records first written at the merge
 * (the default), where two replicas finalising the same merge must still write one record.
 */
describe.each([
  ["records kept while open", true],
  ["records written at the merge", false],
])("end to end: evidence chain, %s", (_mode, whileOpen) => {
  let fake: FakeGitHub;
  let replicas: RunningApp[];
  let base: string;
  let repo: FakeRepo;

  beforeAll(async () => {
    fake = new FakeGitHub();
    const { url, host } = await fake.start();
    base = url;
    repo = fake.addRepo("acme/shop", { files: { ".github/aims.yml": policy(whileOpen), "README.md": "# Shop\n" } });
    replicas = await Promise.all([startApp(fake, host), startApp(fake, host)]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all((replicas ?? []).map((r) => r.stop()));
    await fake?.stop();
  });

  const get = async (path: string) => (await fetch(`${base}${path}`)).json();
  const bot = () => `${fake.app.slug}[bot]`;

  async function send(replica: number, name: string, payload: Record<string, unknown>) {
    const res = await replicas[replica % replicas.length]!.send(name, payload);
    expect(res.status).toBeLessThan(300);
  }

  async function pullEvent(action: string, number: number) {
    return {
      action,
      number,
      pull_request: await get(`/repos/acme/shop/pulls/${number}`),
      repository: await get("/repos/acme/shop"),
      installation: { id: fake.installationId },
      sender: { login: "alice", type: "User" },
    };
  }

  /** Every evidence issue of the repository as `aims verify` reads it. */
  function stored(): StoredIssue[] {
    return [...repo.issues.values()]
      .filter((i) => !i.isPull)
      .map((i) => ({ number: i.number, author: i.user, body: i.body, state: i.state, stateReason: i.stateReason, labels: i.labels }));
  }

  const records = () => stored().filter((i) => i.labels?.includes("aims:evidence"));

  it("keeps one unbroken chain over 20 merges, most of them concurrent, spread over two replicas", async () => {
    const numbers: number[] = [];
    for (let i = 0; i < PULLS; i++) {
      fake.commit(repo, { branch: `model-${i}`, files: { [`models/m${i}.onnx`]: `\u0000ONNX-${i}\u0001` } });
      numbers.push(fake.addPullRequest(repo, { head: `model-${i}`, user: "alice", title: `Model ${i}` }).number);
    }
    // Every PR opened; the first one delivered twice at once to both replicas (a redelivery race).
    await Promise.all(numbers.map(async (n, i) => send(i, "pull_request", await pullEvent("opened", n))));
    await Promise.all([send(0, "pull_request", await pullEvent("synchronize", numbers[0]!)), send(1, "pull_request", await pullEvent("synchronize", numbers[0]!))]);
    if (whileOpen) {
      await eventually(() => records().filter((r) => r.state === "open").length === PULLS, 60_000);
      await fake.settled();
      // One open record per PR, whatever raced.
      const ids = records()
        .filter((r) => r.state === "open")
        .map((r) => (parseRecordBody(r.body) as { ok: true; id: string }).id);
      expect(new Set(ids).size).toBe(PULLS);
    } else {
      await eventually(() => fake.checkRunsFor("acme/shop").length >= 2 * PULLS, 60_000);
      await fake.settled();
      expect(records()).toEqual([]);
    }

    // Two merged one by one (the first one's merge delivered to both replicas at once), then the
    // other 18 at the same moment, alternating replicas.
    for (const [i, n] of numbers.slice(0, 2).entries()) {
      fake.mergePull(repo, n, "carol");
      const closed = await pullEvent("closed", n);
      await Promise.all((i === 0 ? [0, 1] : [n]).map((replica) => send(replica, "pull_request", closed)));
      await eventually(() => records().some((r) => r.state === "closed" && r.body?.includes(`acme/shop#${n} -->`)), 30_000);
    }
    const rest = numbers.slice(2);
    for (const n of rest) fake.mergePull(repo, n, "carol");
    const events = await Promise.all(rest.map((n) => pullEvent("closed", n)));
    await Promise.all(events.map((e, i) => send(i, "pull_request", e)));
    await eventually(() => records().filter((r) => r.state === "closed" && r.stateReason !== "duplicate").length === PULLS, 90_000);
    await fake.settled();
    // One record per pull request: no duplicate at all from the two replicas finalising one merge.
    const perPull = records().map((r) => /acme\/shop#(\d+) -->/.exec(r.body ?? "")?.[1]);
    expect(new Set(perPull).size).toBe(PULLS);
    if (!whileOpen) expect(perPull.length).toBe(PULLS);

    const result = verifyChain(stored(), { appLogin: bot() });
    expect(result.problems).toEqual([]);
    expect(result).toMatchObject({ ok: true, finalised: PULLS, chainLength: PULLS, head: expect.objectContaining({ seq: PULLS }) });
    for (const r of records().filter((x) => x.stateReason !== "duplicate")) {
      expect(r.labels).toEqual(expect.arrayContaining(["state:merged", "ai-system:recommender", "risk:limited"]));
      expect(r.author).toBe(bot());
    }
    // Content-creating requests: one POST per record, one PATCH to finalise, a few re-links at most.
    const posts = fake.requests.filter((q) => q.method === "POST" && /\/repos\/acme\/shop\/issues$/.test(q.path)).length;
    expect(posts).toBeGreaterThanOrEqual(PULLS);
    expect(posts).toBeLessThanOrEqual(PULLS + 2);
    expect(fake.violations).toEqual([]);
  }, 180_000);

  it("detects an edited record and a deleted record", async () => {
    const finals = records().filter((r) => r.state === "closed" && r.stateReason !== "duplicate");
    const byIssue = new Map(finals.map((r) => [r.number, (parseRecordBody(r.body) as { ok: true; record: { seq: number } }).record.seq]));
    const bySeq = [...byIssue].sort((a, b) => a[1] - b[1]);
    const edited = bySeq[4]![0];
    const deleted = bySeq[9]![0];
    const follower = bySeq[10]![0];

    // A maintainer rewrites the merge commit in one record's JSON, and deletes another issue.
    const issue = repo.issues.get(edited)!;
    issue.body = issue.body!.replace(/"mergeSha": "[0-9a-f]{40}"/, `"mergeSha": "${"0".repeat(40)}"`);
    repo.issues.delete(deleted);

    const result = verifyChain(stored(), { appLogin: bot() });
    expect(result.ok).toBe(false);
    const byNumber = (a: [string, number | undefined], b: [string, number | undefined]) => (a[1] ?? 0) - (b[1] ?? 0);
    expect(result.problems.map((p): [string, number | undefined] => [p.kind, p.issue])).toEqual(
      ([["edited", edited], ["missing-link", follower]] as Array<[string, number]>).sort(byNumber),
    );
    expect(result.problems.find((p) => p.kind === "missing-link")!.message).toContain("(1 record missing before it)");
  });
});
