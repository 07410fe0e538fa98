import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Probot } from "probot";
import { parseRecordBody } from "../../src/evidence/record.js";
import { verifyChain } from "../../src/evidence/verify.js";
import { FakeGitHub, type FakeRepo } from "../support/fake-github.js";
import { createFakeProbot, pullRequestPayload, receive } from "../support/fake-probot.js";
import { payloads } from "../support/payloads.js";

const POLICY = `systems:
  - id: recommender
    name: Product recommender
    paths: ["models/**"]
    risk: limited
oversight:
  tiers:
    limited:
      users: ["carol"]
  governance:
    users: ["gina"]
`;

/**
 * Evidence with the default `evidence.while_open: false` (in-process app, stateful fake GitHub):
 * an open governed pull request costs its two check runs and no record; the record is written
 * when it closes, and at once when it is overridden, since a nonconformity must not wait.
 */
describe("evidence records written when the pull request closes (the default)", () => {
  let fake: FakeGitHub;
  let probot: Probot;
  let repo: FakeRepo;

  beforeAll(async () => {
    fake = new FakeGitHub();
    await fake.start();
    repo = fake.addRepo("acme/shop", { files: { ".github/aims.yml": POLICY, "README.md": "# Shop\n" } });
    fake.setPermission(repo, "carol", "write");
    fake.setPermission(repo, "gina", "write");
    probot = await createFakeProbot(fake);
  }, 30_000);
  afterAll(async () => fake.stop());

  const records = () => [...repo.issues.values()].filter((i) => !i.isPull && i.labels.includes("aims:evidence"));
  const issueWrites = () => fake.requests.filter((r) => r.method !== "GET" && /\/repos\/acme\/shop\/issues(\/\d+)?$/.test(r.path));
  const stored = () =>
    [...repo.issues.values()].filter((i) => !i.isPull).map((i) => ({ number: i.number, author: i.user, body: i.body, state: i.state, stateReason: i.stateReason, labels: i.labels }));

  async function comment(number: number, login: string, body: string) {
    fake.advanceClock(60_000);
    const c = fake.addComment(repo, number, { body, user: login });
    await receive(probot, "issue_comment", await payloads(fake, "acme/shop").comment("created", number, c));
  }

  it("writes no record while the pull request is open, then creates and seals it in the chain at the merge", async () => {
    fake.commit(repo, { branch: "ranker", files: { "models/ranker.onnx": "\u0000ONNX" } });
    const pr = fake.addPullRequest(repo, { head: "ranker", user: "alice" });
    fake.reset();
    await receive(probot, "pull_request", await pullRequestPayload(fake, "acme/shop", pr.number, "opened"));
    await comment(pr.number, "carol", "/aims sign-off the ranker change was reviewed against the assessment");

    expect(fake.checkRunsFor(repo, { headSha: pr.head.sha })).toHaveLength(2);
    expect(records()).toEqual([]);
    expect(issueWrites()).toEqual([]);

    fake.mergePull(repo, pr.number, "carol");
    fake.reset();
    await receive(probot, "pull_request", await pullRequestPayload(fake, "acme/shop", pr.number, "closed", "carol"));
    // Created with its labels, then sealed and closed: two writes for the record's whole life.
    expect(issueWrites().map((w) => w.method)).toEqual(["POST", "PATCH"]);
    const [record] = records();
    expect(record).toMatchObject({ state: "closed", stateReason: "completed" });
    const parsed = parseRecordBody(record!.body!);
    expect(parsed.ok && parsed.record).toMatchObject({ state: "merged", seq: 1, pullRequest: { number: pr.number } });
    expect(parsed.ok && parsed.record.signOffs.map((s) => s.login)).toEqual(["carol"]);
    expect(verifyChain(stored(), { appLogin: `${fake.app.slug}[bot]` })).toMatchObject({ ok: true, finalised: 1 });

    // The same merge delivered again: nothing more is written.
    fake.reset();
    await receive(probot, "pull_request", await pullRequestPayload(fake, "acme/shop", pr.number, "closed", "carol"));
    expect(issueWrites()).toEqual([]);
    expect(fake.violations).toEqual([]);
  });

  it("records an override at once, as a nonconformity with its corrective action, without waiting for the merge", async () => {
    fake.commit(repo, { branch: "hotfix", files: { "models/hotfix.onnx": "\u0000HOTFIX" } });
    const pr = fake.addPullRequest(repo, { head: "hotfix", user: "alice" });
    await receive(probot, "pull_request", await pullRequestPayload(fake, "acme/shop", pr.number, "opened"));
    expect(records().filter((r) => r.body?.includes(`acme/shop#${pr.number} -->`))).toEqual([]);

    await comment(pr.number, "gina", "/aims override incident INC-7: the ranker must be rolled back now");
    const mine = records().filter((r) => r.body?.includes(`acme/shop#${pr.number} -->`));
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ state: "open" });
    expect(mine[0]!.labels).toEqual(expect.arrayContaining(["aims:nonconformity"]));
    const corrective = [...repo.issues.values()].filter((i) => i.labels.includes("aims:corrective-action"));
    expect(corrective).toHaveLength(1);
    expect(fake.violations).toEqual([]);
  });
});
