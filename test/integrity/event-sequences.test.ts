import { createServices } from "../../src/services.js";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import type { Probot } from "probot";
import { pullRequestRef, type GitHub } from "../../src/ports/pull-request-context.js";
import { createPullRequestContext } from "../../src/github/octokit-context.js";
import { evaluatePullRequest } from "../../src/pipeline.js";
import { FakeGitHub, type FakeRepo } from "../support/fake-github.js";
import { createFakeProbot, pullRequestPayload, receive } from "../support/fake-probot.js";
import { payloads } from "../support/payloads.js";
import { teamPolicy } from "../support/team-policy.js";

/**
 * Random interleavings of what people with access do to a governed pull request, each followed by
 * GitHub's webhook (sometimes delivered twice, late, or together with others in either order).
 * Whatever happens, the app never leaves a gate passing that a fresh evaluation of GitHub's final
 * state would fail, and never leaves two runs of one check on one commit.
 */
const SEQUENCES = Number(process.env.AIMS_SEQUENCES ?? 500);

// Evidence records are covered elsewhere; the gates are what these sequences exercise.
const POLICY = `${teamPolicy("      keep_when_ai_unchanged: true\n")}evidence:\n  enabled: false\n`;
const CHECKS = ["aims/impact-assessment", "aims/human-oversight"] as const;
const PEOPLE = ["carol", "dave", "rita", "mallory", "alice"] as const;

type Person = (typeof PEOPLE)[number];
type Action =
  | { kind: "push"; ai: boolean }
  | { kind: "review"; who: Person; approve: boolean }
  | { kind: "sign-off"; who: Person }
  | { kind: "revoke"; who: Person }
  | { kind: "edit"; pick: number; byBot: boolean }
  | { kind: "delete"; pick: number; byBot: boolean }
  | { kind: "dismiss"; pick: number; byBot: boolean }
  | { kind: "edit-review"; pick: number; byReviewer: boolean }
  | { kind: "leave-team"; who: "carol" | "dave" }
  | { kind: "lose-write"; who: "carol" | "dave" }
  | { kind: "redeliver"; pick: number };

const person = fc.constantFrom(...PEOPLE);
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant("push" as const), ai: fc.boolean() }),
  fc.record({ kind: fc.constant("review" as const), who: person, approve: fc.boolean() }),
  fc.record({ kind: fc.constant("sign-off" as const), who: person }),
  fc.record({ kind: fc.constant("sign-off" as const), who: fc.constantFrom("carol" as const, "dave" as const) }),
  fc.record({ kind: fc.constant("revoke" as const), who: person }),
  fc.record({ kind: fc.constant("edit" as const), pick: fc.nat(), byBot: fc.boolean() }),
  fc.record({ kind: fc.constant("delete" as const), pick: fc.nat(), byBot: fc.boolean() }),
  fc.record({ kind: fc.constant("dismiss" as const), pick: fc.nat(), byBot: fc.boolean() }),
  fc.record({ kind: fc.constant("edit-review" as const), pick: fc.nat(), byReviewer: fc.boolean() }),
  fc.record({ kind: fc.constant("leave-team" as const), who: fc.constantFrom("carol" as const, "dave" as const) }),
  fc.record({ kind: fc.constant("lose-write" as const), who: fc.constantFrom("carol" as const, "dave" as const) }),
  fc.record({ kind: fc.constant("redeliver" as const), pick: fc.nat() }),
);
/** An action and whether its delivery goes out together with the next one's, in reverse order. */
const step = fc.record({ action, together: fc.boolean() });

describe("event sequences against the gates (property-based, stateful fake GitHub)", () => {
  let fake: FakeGitHub;
  let probot: Probot;
  let octokit: GitHub;
  let repo: FakeRepo;
  let pulls = 0;

  beforeAll(async () => {
    fake = new FakeGitHub({ validateResponses: false });
    await fake.start();
    repo = fake.addRepo("acme/shop", { files: { ".github/aims.yml": POLICY, "README.md": "# Shop\n" }, ownerType: "Organization" });
    probot = await createFakeProbot(fake);
    octokit = (await probot.auth(fake.installationId)) as unknown as GitHub;
  });
  afterAll(async () => fake.stop());

  const botSender = () => fake.user("tidy-up[bot]", "Bot").login;

  function resetPeople(): void {
    for (const login of ["carol", "dave", "mallory", "alice"]) fake.setPermission(repo, login, "write");
    fake.setPermission(repo, "rita", "read");
    fake.addTeam("acme", "ml-reviewers", { carol: "member", dave: "member" });
  }

  async function runSequence(steps: Array<{ action: Action; together: boolean }>): Promise<void> {
    resetPeople();
    const n = ++pulls;
    const branch = `seq-${n}`;
    fake.commit(repo, { branch, files: { [`models/seq${n}.onnx`]: `\u0000S${n}` } });
    const pr = fake.addPullRequest(repo, { head: branch, user: "alice" });
    const sent: Array<{ name: string; payload: Record<string, unknown>; id: string }> = [];
    let ids = 0;
    const event = (name: string, payload: Record<string, unknown>) => ({ name, payload, id: `seq-${n}-${++ids}` });
    const events = payloads(fake, "acme/shop");

    const opened = event("pull_request", await pullRequestPayload(fake, "acme/shop", pr.number, "opened"));
    await receive(probot, opened.name, opened.payload, opened.id);
    sent.push(opened);

    let batch: Array<ReturnType<typeof event>> = [];
    const deliver = async (e: ReturnType<typeof event>, together: boolean) => {
      batch.push(e);
      if (together) return;
      const out = [...batch].reverse();
      batch = [];
      await Promise.all(out.map((x) => receive(probot, x.name, x.payload, x.id)));
    };

    for (const { action: a, together } of steps) {
      let e: ReturnType<typeof event> | undefined;
      // Anyone's comment, the app's receipts and replies included.
      const issueComments = fake.getIssue(repo, pr.number).comments;
      const reviews = fake.getPull(repo, pr.number).reviews;
      switch (a.kind) {
        case "push":
          fake.pushToPull(repo, pr.number, a.ai ? { [`models/seq${n}.onnx`]: `\u0000S${n}-${ids}` } : { [`docs/notes-${n}.md`]: `note ${ids}\n` });
          e = event("pull_request", await pullRequestPayload(fake, "acme/shop", pr.number, "synchronize", "alice"));
          break;
        case "review": {
          const r = fake.addReview(repo, pr.number, { user: a.who, state: a.approve ? "APPROVED" : "CHANGES_REQUESTED", body: "Checked the evaluation." });
          e = event("pull_request_review", await events.review("submitted", pr.number, r.id));
          break;
        }
        case "sign-off":
        case "revoke": {
          const c = fake.addComment(repo, pr.number, { body: a.kind === "sign-off" ? "/aims sign-off Reviewed the model and its evaluation." : "/aims revoke", user: a.who });
          e = event("issue_comment", await events.comment("created", pr.number, c));
          break;
        }
        case "edit": {
          const target = issueComments[a.pick % Math.max(1, issueComments.length)];
          if (!target) break;
          const from = target.body;
          const c = fake.editComment(repo, target.id, `${from} (edited)`);
          e = event("issue_comment", await events.comment("edited", pr.number, c, { sender: a.byBot ? botSender() : "mallory", extra: { changes: { body: { from } } } }));
          break;
        }
        case "delete": {
          const target = issueComments[a.pick % Math.max(1, issueComments.length)];
          if (!target) break;
          const c = fake.deleteComment(repo, target.id);
          e = event("issue_comment", await events.comment("deleted", pr.number, c, { sender: a.byBot ? botSender() : "mallory" }));
          break;
        }
        case "dismiss": {
          const approvals = reviews.filter((r) => r.state === "APPROVED");
          const target = approvals[a.pick % Math.max(1, approvals.length)];
          if (!target) break;
          fake.dismissReview(repo, pr.number, target.id);
          e = event("pull_request_review", await events.review("dismissed", pr.number, target.id, { sender: a.byBot ? botSender() : "mallory" }));
          break;
        }
        case "edit-review": {
          const target = reviews[a.pick % Math.max(1, reviews.length)];
          if (!target) break;
          const from = target.body;
          target.body = `${from} Looked again.`;
          e = event("pull_request_review", await events.review("edited", pr.number, target.id, { sender: a.byReviewer ? target.user : "mallory", extra: { changes: { body: { from } } } }));
          break;
        }
        case "leave-team":
          fake.teams.get("acme/ml-reviewers")!.members.delete(a.who);
          e = event("membership", await events.membership("removed", "ml-reviewers", a.who, "octocat"));
          break;
        case "lose-write":
          fake.setPermission(repo, a.who, "read");
          fake.teams.get("acme/ml-reviewers")!.members.delete(a.who);
          e = event("member", await events.member("edited", a.who, "octocat", { changes: { permission: { from: "write" } } }));
          break;
        case "redeliver": {
          const earlier = sent[a.pick % sent.length]!;
          e = earlier;
          break;
        }
      }
      if (!e) continue;
      sent.push(e);
      await deliver(e, together);
    }
    if (batch.length > 0) await deliver(batch.pop()!, false);

    // Fresh evaluation of GitHub's final state, without publishing.
    const final = fake.getPull(repo, pr.number);
    const fresh = await evaluatePullRequest(createPullRequestContext(octokit, pullRequestRef((await events.get(`/repos/acme/shop/pulls/${pr.number}`)) as never, { owner: "acme", repo: "shop" }, { fresh: true }), createServices({ appId: fake.app.id, appSlug: fake.app.slug })));
    for (const name of CHECKS) {
      const published = fake.checkRunsFor(repo, { headSha: final.head.sha, name });
      const decided = fresh.gates.find((g) => g.name === name)!;
      if (published.at(-1)?.conclusion === "success") {
        expect({ name, steps, fresh: decided.conclusion, title: decided.title }).toMatchObject({ fresh: "success" });
      }
    }
    // Never two runs of one check on one commit.
    const runs = fake.checkRuns.filter((r) => r.repo === repo);
    const keys = runs.map((r) => `${r.headSha}\u0000${r.name}`);
    expect(keys.length - new Set(keys).size).toBe(0);
    // Closed, so later sequences' changes of standing do not re-evaluate it.
    final.issue.state = "closed";
  }

  afterAll(() => {
    process.stdout.write(`event sequences: ${pulls} pull requests, ${fake.requests.length} GitHub requests\n`);
  });

  it(`${SEQUENCES} random sequences end with no gate passing that a fresh evaluation fails, and no duplicate check runs`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 7 }), (steps) => runSequence(steps)),
      { numRuns: SEQUENCES, endOnFailure: true, examples: process.env.AIMS_SEQUENCE ? [[JSON.parse(process.env.AIMS_SEQUENCE)]] : [] },
    );
  }, 900_000);
});
