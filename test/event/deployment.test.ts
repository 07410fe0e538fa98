import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import type { Probot } from "probot";
import { parseDeploymentBody } from "../../src/evidence/deployment.js";
import { FakeGitHub, type FakeRepo } from "../support/fake-github.js";
import { createFakeProbot, receive } from "../support/fake-probot.js";
import { payloads } from "../support/payloads.js";
import { mergeGovernedPull, protectionRulePayload } from "../support/deployments.js";

const POLICY = (extra = "") => `systems:
  - id: recommender
    name: Product recommender
    paths: ["models/**"]
    risk: limited
oversight:
  governance:
    users: ["gov-lead"]
deployments:
  environments: [production]
${extra}`;

let fake: FakeGitHub;
let probot: Probot;
let repos = 0;

beforeAll(async () => {
  fake = new FakeGitHub();
  await fake.start();
  probot = await createFakeProbot(fake);
});

afterAll(async () => {
  await fake.stop();
});

beforeEach(() => {
  fake.fault = undefined;
});

/** A repository whose set-up commit was deployed to production before (the range starts after it). */
function newRepo(extra = ""): FakeRepo {
  const repo = fake.addRepo(`acme/shop${++repos}`, { files: { ".github/aims.yml": POLICY(extra), "README.md": "# Shop\n" } });
  fake.setDeploymentStatus(fake.addDeployment(repo, { environment: "production" }), "success");
  return repo;
}

/** Deploy the default branch's head to `environment` and return GitHub's answer on the run. */
async function deploy(repo: FakeRepo, environment = "production") {
  const d = fake.addDeployment(repo, { environment, creator: "dana" });
  await receive(probot, "deployment_protection_rule", protectionRulePayload(fake, d));
  const reviews = fake.protectionReviews.filter((r) => r.runId === d.runId);
  expect(reviews).toHaveLength(1);
  return { deployment: d, review: reviews[0]! };
}

const deploymentRecords = (repo: FakeRepo) => [...repo.issues.values()].filter((i) => i.labels.includes("aims:deployment"));

describe("deployment_protection_rule: the deployment gate", () => {
  it("approves a commit whose AI changes all came through governed pull requests, records the deployment and appends it to both records", async () => {
    const repo = newRepo();
    const first = mergeGovernedPull(fake, repo, "ranker");
    const second = mergeGovernedPull(fake, repo, "reranker");
    const { deployment, review } = await deploy(repo);
    expect(review.state).toBe("approved");
    expect(review.comment).toContain(`Governed pull requests shipped: #${first.number}, #${second.number}.`);
    expect(review.comment.length).toBeLessThanOrEqual(1024);

    const [record] = deploymentRecords(repo);
    expect(record).toBeDefined();
    expect(record!.labels).toEqual(expect.arrayContaining(["aims:deployment", "deployment:approved", "annex-a:A.6.2.5"]));
    const parsed = parseDeploymentBody(record!.body);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.record).toMatchObject({ environment: "production", sha: deployment.sha, decision: "approved", creator: "dana", runId: deployment.runId, deploymentId: deployment.id });
    expect(parsed.record.shipped.map((s) => s.number)).toEqual([first.number, second.number]);
    expect(parsed.record.controls.map((c) => c.id)).toEqual(["A.6.2.5"]);
    for (const pr of [first, second]) {
      const appended = pr.record.comments.filter((c) => c.body.startsWith(`<!-- aims:deployed ${parsed.record.id} -->`));
      expect(appended).toHaveLength(1);
      expect(appended[0]!.body).toContain("to `production` approved");
    }
    expect(review.comment).toContain(record!.number.toString());
    expect(fake.violations).toEqual([]);
    expect(fake.unhandled).toEqual([]);

    // Redelivered: the same record, no second comment; the answer is the only write.
    const writes = fake.writes();
    await receive(probot, "deployment_protection_rule", protectionRulePayload(fake, deployment));
    expect(fake.writes() - writes).toBe(1);
    expect(deploymentRecords(repo)).toHaveLength(1);
    expect(first.record.comments.filter((c) => c.body.includes("aims:deployed"))).toHaveLength(1);
  });

  it("looks only at the commits since the last successful deployment to the environment", async () => {
    const repo = newRepo();
    const old = mergeGovernedPull(fake, repo, "ranker", { nextReview: "2026-01-01" });
    const earlier = fake.addDeployment(repo, { environment: "production" });
    fake.setDeploymentStatus(earlier, "success");
    const fresh = mergeGovernedPull(fake, repo, "reranker");
    const { review } = await deploy(repo);
    expect(review.state).toBe("approved");
    expect(review.comment).toContain(`#${fresh.number}`);
    expect(review.comment).not.toContain(`#${old.number}`);
  });

  it("rejects a pull request merged under an override while its corrective action is open, with the next step", async () => {
    const repo = newRepo();
    mergeGovernedPull(fake, repo, "ranker");
    const overridden = mergeGovernedPull(fake, repo, "hotfix", { override: { login: "gov-lead", correctiveActionOpen: true } });
    const { review } = await deploy(repo);
    expect(review.state).toBe("rejected");
    expect(review.comment).toMatch(new RegExp(`\\*\\*#${overridden.number}\\*\\*: merged under an override by @gov-lead: an unresolved nonconformity \\(corrective action #\\d+ is open\\)`));
    expect(review.comment).toMatch(/Next: complete and close corrective action #\d+, then re-run the deployment job\./);
    const parsed = parseDeploymentBody(deploymentRecords(repo)[0]!.body);
    expect(parsed.ok && parsed.record.controls).toEqual([]);
  });

  it("approves an overridden pull request once its corrective action is closed, or when the environment allows overrides, without claiming A.6.2.5", async () => {
    const closed = newRepo();
    mergeGovernedPull(fake, closed, "hotfix", { override: { login: "gov-lead", correctiveActionOpen: false } });
    const a = await deploy(closed);
    expect(a.review.state).toBe("approved");
    expect(a.review.comment).toMatch(/corrective action #\d+ is closed/);
    expect(deploymentRecords(closed)[0]!.labels).not.toContain("annex-a:A.6.2.5");

    const allowed = newRepo("  allow_overridden: true\n");
    mergeGovernedPull(fake, allowed, "hotfix", { override: { login: "gov-lead", correctiveActionOpen: true } });
    const b = await deploy(allowed);
    expect(b.review.state).toBe("approved");
    expect(b.review.comment).toContain("deployments.allow_overridden lets it through");
  });

  it("needs a named approver for the risk tier who authored none of the changes, read from the run's reviews", async () => {
    const repo = newRepo("  approvers:\n    limited:\n      teams: [acme/release]\n");
    fake.addTeam("acme", "release", { rita: "member", alice: "member" });
    const pr = mergeGovernedPull(fake, repo, "ranker", { author: "alice" });
    const first = await deploy(repo);
    expect(first.review.state).toBe("rejected");
    expect(first.review.comment).toContain(`#${pr.number} change limited-risk systems, which need a deployment approver who authored none of them`);

    // The author's own approval does not count; a release-team member's does.
    const d = fake.addDeployment(repo, { environment: "production", creator: "dana" });
    fake.approveRun(d.runId, "alice", "production");
    fake.approveRun(d.runId, "rita", "production");
    await receive(probot, "deployment_protection_rule", protectionRulePayload(fake, d));
    const review = fake.protectionReviews.find((r) => r.runId === d.runId)!;
    expect(review.state).toBe("approved");
    expect(review.comment).toContain("@rita (member of @acme/release) approved the limited-risk changes");
    expect(fake.violations).toEqual([]);
  });

  it("decides a deployment made from a tag on its commit", async () => {
    const repo = newRepo();
    mergeGovernedPull(fake, repo, "ranker");
    const d = fake.addDeployment(repo, { environment: "production", sha: fake.resolveRef(repo, "main")!, ref: "v1.4.0" });
    await receive(probot, "deployment_protection_rule", { ...protectionRulePayload(fake, d), ref: "refs/tags/v1.4.0" });
    expect(fake.protectionReviews.find((r) => r.runId === d.runId)?.state).toBe("approved");
  });

  it("rejects when an assessment a shipped pull request relied on has expired since", async () => {
    const repo = newRepo();
    const pr = mergeGovernedPull(fake, repo, "ranker", { nextReview: "2026-01-01" });
    const { review } = await deploy(repo);
    expect(review.state).toBe("rejected");
    expect(review.comment).toContain(`**#${pr.number}**: impact assessment AIA-2026-014 it relied on was due for review on 2026-01-01`);
    expect(review.comment).toContain("Next: review AIA-2026-014, set a new review.next_review and have it approved again, then re-run the deployment job.");
  });

  it("rejects an AI change pushed without a pull request, opens its tracking issue, and approves once a governance owner approved it there (a nonconformity)", async () => {
    const repo = newRepo();
    mergeGovernedPull(fake, repo, "ranker");
    const pushed = fake.commit(repo, { branch: "main", files: { "models/direct.onnx": "\u0000ONNX-direct\u0001" }, author: "mallory", message: "hotfix weights" });
    const { review } = await deploy(repo);
    expect(review.state).toBe("rejected");
    const tracking = [...repo.issues.values()].find((i) => i.labels.includes("aims:direct-push"));
    expect(tracking).toBeDefined();
    expect(tracking!.body).toContain(`<!-- aims:direct-push ${pushed} -->`);
    expect(tracking!.body).toContain("`models/direct.onnx`");
    expect(review.comment).toContain(`**commit ${pushed.slice(0, 7)}**: @mallory pushed AI changes (\`models/direct.onnx\`) without a pull request`);
    expect(review.comment).toContain(`comments \`/aims approve <reason>\` on #${tracking!.number}`);

    const comment = async (login: string, body: string) => {
      const c = fake.addComment(repo, tracking!.number, { body, user: login });
      await receive(probot, "issue_comment", await payloads(fake, repo.fullName).comment("created", tracking!.number, c));
    };
    await comment("mallory", "/aims approve I know what I pushed, trust me on this one.");
    expect(tracking!.comments.at(-1)!.body).toContain("@mallory, your approval was not recorded: the author or committer of a commit cannot approve it. Ask another governance owner");
    await comment("eve", "/aims approve Looks fine to me, ship it please.");
    expect(tracking!.comments.at(-1)!.body).toContain("@eve, your approval was not recorded: only governance owners");
    await comment("gov-lead", "/aims approve Incident INC-9: the weights were restored from the last release.");
    expect(tracking!.comments.at(-1)!.body).toContain("@gov-lead approved commit");
    expect(tracking!.labels).toContain("aims:nonconformity");
    expect(tracking!.state).toBe("closed");

    const again = await deploy(repo);
    expect(again.review.state).toBe("approved");
    expect(again.review.comment).toContain(`@gov-lead approved it on #${tracking!.number} (recorded as a nonconformity)`);
    const records = deploymentRecords(repo).map((i) => parseDeploymentBody(i.body));
    const latest = records.find((r) => r.ok && r.record.decision === "approved");
    expect(latest?.ok && latest.record.controls).toEqual([]);
    expect(latest?.ok && latest.record.directPushes).toEqual([{ sha: pushed, author: "mallory", approvedBy: "gov-lead", trackingIssue: tracking!.number }]);
  });

  it("counts only the tracking issue the app opened: a look-alike issue and an approval on it change nothing", async () => {
    const repo = newRepo();
    const pushed = fake.commit(repo, { branch: "main", files: { "models/direct.onnx": "\u0000ONNX-x\u0001" }, author: "mallory" });
    const forged = fake.addIssue(repo, { title: "look-alike", body: `<!-- aims:direct-push ${pushed} -->\nplease approve`, labels: ["aims:direct-push"], user: "mallory" });
    const c = fake.addComment(repo, forged.number, { body: "/aims approve Incident INC-9: restored from the last release.", user: "gov-lead" });
    await receive(probot, "issue_comment", await payloads(fake, repo.fullName).comment("created", forged.number, c));
    expect(forged.comments).toHaveLength(1);
    const { review } = await deploy(repo);
    expect(review.state).toBe("rejected");
    const own = [...repo.issues.values()].find((i) => i.labels.includes("aims:direct-push") && i.user === fake.botLogin);
    expect(own).toBeDefined();
    expect(review.comment).toContain(`on #${own!.number}`);
  });

  it("rejects when GitHub answers 5xx: an API error never approves", async () => {
    const repo = newRepo();
    mergeGovernedPull(fake, repo, "ranker");
    fake.fault = (req) => (req.method === "GET" && /\/commits\/[0-9a-f]{40}\/pulls$/.test(req.path) ? { status: 502, body: { message: "Bad Gateway" } } : undefined);
    const { review } = await deploy(repo);
    expect(review.state).toBe("rejected");
    expect(review.comment).toContain("**GitHub**: the facts could not be read, so nothing can be approved: GitHub answered HTTP 502");
    expect(review.comment).toContain("Next: re-run the deployment job");
  });

  it("approves an environment the policy does not list with a note, or rejects it when configured to", async () => {
    const repo = newRepo();
    mergeGovernedPull(fake, repo, "ranker", { nextReview: "2026-01-01" });
    const { review } = await deploy(repo, "staging");
    expect(review.state).toBe("approved");
    expect(review.comment).toContain("staging is not listed in deployments.environments, so aims-bot does not gate it");
    expect(deploymentRecords(repo)).toHaveLength(0);

    const strict = newRepo("  other_environments: reject\n");
    const rejected = await deploy(strict, "staging");
    expect(rejected.review.state).toBe("rejected");
    expect(rejected.review.comment).toContain("Next: add staging to deployments.environments");
  });

  it("rejects a range longer than deployments.max_commits with the reason, and a commit the repository does not have", async () => {
    const repo = newRepo("  max_commits: 3\n");
    for (let i = 0; i < 4; i++) fake.commit(repo, { branch: "main", files: { [`docs/${i}.md`]: `${i}` } });
    const { review } = await deploy(repo);
    expect(review.state).toBe("rejected");
    expect(review.comment).toMatch(/more than 3 commits since the last successful deployment to production \([0-9a-f]{7}\)/);
    expect(review.comment).toContain("aims-bot reads at most 3 (deployments.max_commits)");

    const other = newRepo();
    const d = fake.addDeployment(other, { environment: "production", sha: "f".repeat(40) });
    await receive(probot, "deployment_protection_rule", protectionRulePayload(fake, d));
    const unknown = fake.protectionReviews.find((r) => r.runId === d.runId)!;
    expect(unknown.state).toBe("rejected");
    expect(unknown.comment).toContain(`${"f".repeat(40)} is not a commit of ${other.fullName}`);
  });
});
