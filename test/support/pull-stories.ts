/**
 * The pull requests and their stories that the fault-injection and multi-replica suites play against
 * the fake GitHub, and the invariants both count from GitHub's state afterwards: which gates may pass
 * on a PR's head, and whether its evidence is whole.
 */
import { readRecords, verifyChain } from "../../src/evidence/verify.js";
import { hashMatches } from "../../src/evidence/record.js";
import { assessmentMarkdown } from "./assessments.js";
import type { FakeGitHub, FakePull, FakeRepo } from "./fake-github.js";

export const STORY_AIA = "governance/impact-assessments/aia-2026-014.md";
export const STORY_POLICY = `systems:
  - id: recommender
    name: Product recommender
    paths: ["models/**"]
    risk: limited
`;

export type Kind = "docs" | "model-unlinked" | "model-linked" | "model-reviewed" | "policy-edit";
const KINDS: Kind[] = ["docs", "model-unlinked", "model-linked", "model-reviewed", "policy-edit"];
export type Ending = "open" | "merged" | "closed";

export interface Scenario {
  pull: FakePull;
  kind: Kind;
  ending: Ending;
}

export interface StoryEvent {
  event: string;
  payload: Record<string, unknown>;
}

/** One step of a story: changes GitHub's state, then returns the event GitHub sends for it. */
export type Step = () => Promise<StoryEvent>;

/** `acme/shop` with the policy, an approved assessment and four people who may write. */
export function addStoryRepo(fake: FakeGitHub): FakeRepo {
  const repo = fake.addRepo("acme/shop", {
    files: {
      ".github/aims.yml": STORY_POLICY,
      "README.md": "# Shop\n",
      [STORY_AIA]: assessmentMarkdown({ approver: "carol", systems: ["recommender"], risk: "limited" }),
    },
  });
  for (const login of ["alice", "dave", "carol", "bob"]) fake.setPermission(repo, login, "write");
  return repo;
}

/**
 * `count` pull requests, one branch each, and each one's story: opened, pushes, a description edit
 * (linking the assessment for some), a review for some, and how it ends.
 */
export async function createStories(fake: FakeGitHub, repo: FakeRepo, count: number, random: () => number): Promise<{ scenarios: Scenario[]; stories: Step[][] }> {
  const repository = await (await fetch(`${fake.apiBase}/repos/${repo.fullName}`)).json();
  const installation = { id: fake.installationId };
  const sender = (login: string) => ({ login, id: fake.user(login).id, type: "User" });
  const pullJson = async (pull: FakePull) => (await fetch(`${fake.apiBase}/repos/${repo.fullName}/pulls/${pull.number}`)).json();
  const payloadOf = async (pull: FakePull, action: string, extra: Record<string, unknown> = {}) => ({
    action,
    number: pull.number,
    pull_request: await pullJson(pull),
    repository,
    installation,
    sender: sender(pull.issue.user),
    ...extra,
  });

  const scenarios: Scenario[] = [];
  for (let i = 0; i < count; i++) {
    const kind = KINDS[i % KINDS.length]!;
    const user = i % 2 === 0 ? "alice" : "dave";
    const files: Record<string, string> =
      kind === "docs"
        ? { [`docs/page-${i}.md`]: `# Page ${i}\n` }
        : kind === "policy-edit"
          ? { ".github/aims.yml": `${STORY_POLICY}# tuned by PR ${i}\n`, [`docs/policy-${i}.md`]: "why\n" }
          : { [`models/recommender/m${i}.onnx`]: `\u0000ONNX-${i}` };
    fake.commit(repo, { branch: `pr-${i}`, files, author: user });
    const pull = fake.addPullRequest(repo, { head: `pr-${i}`, user, title: `Change ${i}`, body: `Change number ${i}.` });
    const r = random();
    const ending: Ending = r < 0.4 ? "merged" : r < 0.5 ? "closed" : "open";
    scenarios.push({ pull, kind, ending });
  }

  // GitHub's state changes first, then the event is sent, as on GitHub.
  const stories = scenarios.map(({ pull, kind, ending }, i): Step[] => {
    const steps: Step[] = [async () => ({ event: "pull_request", payload: await payloadOf(pull, "opened") })];
    const pushes = 3 + Math.floor(random() * 3);
    for (let p = 0; p < pushes; p++) {
      steps.push(async () => {
        const change: Record<string, string> =
          kind === "docs" || kind === "policy-edit" ? { [`docs/page-${i}-${p}.md`]: `rev ${p}\n` } : { [`models/recommender/m${i}-${p}.onnx`]: `\u0000ONNX-${i}-${p}` };
        fake.pushToPull(repo, pull.number, change, `push ${p}`);
        return { event: "pull_request", payload: await payloadOf(pull, "synchronize") };
      });
    }
    steps.push(async () => {
      const linked = kind === "model-linked" || kind === "model-reviewed";
      pull.issue.body = linked ? `Change number ${i}.\n\nImpact-Assessment: ${STORY_AIA}` : `Change number ${i}, described better.`;
      return { event: "pull_request", payload: await payloadOf(pull, "edited", { changes: { body: { from: `Change number ${i}.` } } }) };
    });
    if (kind === "model-reviewed" || (kind === "docs" && random() < 0.5)) {
      steps.push(async () => {
        const review = fake.addReview(repo, pull.number, { user: "bob", state: "APPROVED", body: "Looks right." });
        return {
          event: "pull_request_review",
          payload: {
            action: "submitted",
            review: { id: review.id, node_id: "r", user: sender("bob"), body: review.body, state: "approved", commit_id: review.commitId, submitted_at: review.submittedAt, html_url: "x", pull_request_url: "x", author_association: "MEMBER", _links: {} },
            pull_request: await pullJson(pull),
            repository,
            installation,
            sender: sender("bob"),
          },
        };
      });
    }
    if (ending !== "open") {
      steps.push(async () => {
        if (ending === "merged") fake.mergePull(repo, pull.number, "carol");
        else (fake as unknown as { closeIssue: (i: unknown, a: string, v: boolean, r: string) => void }).closeIssue(pull.issue, pull.issue.user, false, "completed");
        return { event: "pull_request", payload: await payloadOf(pull, "closed", { sender: sender("carol") }) };
      });
    }
    return steps;
  });
  return { scenarios, stories };
}

const changedFiles = (fake: FakeGitHub, pull: FakePull) => fake.diffTrees(fake.mergeBase(pull.base.sha, pull.head.sha), pull.head.sha).map((f) => f.filename);

/** True when the PR's head changes a model or the policy (both gates apply). */
export function isGoverned(fake: FakeGitHub, pull: FakePull): boolean {
  return changedFiles(fake, pull).some((f) => f.startsWith("models/") || f === ".github/aims.yml");
}

/** Whether each gate's conditions hold on the PR's head, decided from GitHub's state by the stories' rules. */
export function gateConditions(fake: FakeGitHub, pull: FakePull): Record<string, boolean> {
  const files = changedFiles(fake, pull);
  const ai = isGoverned(fake, pull);
  const linked = (pull.issue.body ?? "").includes(`Impact-Assessment: ${STORY_AIA}`);
  const policyEdit = files.includes(".github/aims.yml");
  const approved = pull.reviews.some((r) => r.state === "APPROVED" && r.user !== pull.issue.user && r.commitId === pull.head.sha);
  // A change of the policy alone needs no impact assessment: the policy's governance owners
  // sign it off instead (repository admins here), and none of them approves in these stories.
  return {
    "aims/impact-assessment": !ai || policyEdit || linked,
    "aims/human-oversight": !ai || (approved && !policyEdit),
  };
}

export interface EvidenceCounts {
  duplicateEvidenceIssues: number;
  governedClosed: number;
  /** Governed closed PRs without exactly one correct final record, described. */
  missingFinal: string[];
  chainProblems: number;
}

/** The evidence records in the repository's issues: duplicates, final records of closed PRs, the chain. */
export function countEvidence(fake: FakeGitHub, repo: FakeRepo, scenarios: Scenario[]): EvidenceCounts {
  const issues = [...repo.issues.values()].filter((i) => !i.isPull);
  const stored = issues.map((i) => ({ number: i.number, author: i.user, body: i.body, state: i.state, stateReason: i.stateReason, labels: i.labels }));
  const { records } = readRecords(stored, fake.botLogin);
  const chain = verifyChain(stored, { appLogin: fake.botLogin });
  const liveById = new Map<string, number>();
  for (const r of records) {
    const issue = repo.issues.get(r.issue)!;
    if (issue.state === "closed" && issue.stateReason === "duplicate") continue;
    liveById.set(r.record.id, (liveById.get(r.record.id) ?? 0) + 1);
  }
  const governedClosed = scenarios.filter((s) => s.ending !== "open" && isGoverned(fake, s.pull));
  const missingFinal: string[] = [];
  for (const { pull, ending } of governedClosed) {
    const mine = records.filter((r) => r.record.pullRequest.number === pull.number && r.record.state !== "open");
    const correct = mine.filter(
      (r) =>
        r.record.state === ending &&
        r.record.pullRequest.headSha === pull.head.sha &&
        r.record.pullRequest.mergeSha === (ending === "merged" ? pull.mergeCommitSha : null) &&
        hashMatches(r.record),
    );
    if (correct.length !== 1) missingFinal.push(`#${pull.number} (${ending}): ${mine.length} final records, ${correct.length} correct`);
  }
  return {
    duplicateEvidenceIssues: [...liveById.values()].reduce((n, c) => n + (c - 1), 0),
    governedClosed: governedClosed.length,
    missingFinal,
    chainProblems: chain.problems.length,
  };
}
