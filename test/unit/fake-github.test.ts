import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { Octokit } from "@octokit/rest";
import { Probot } from "probot";
import { FakeGitHub, generateTestPrivateKey, signWebhook } from "../support/fake-github.js";
import { TestOctokit } from "../support/probot-app.js";

let fake: FakeGitHub;
// Failed requests are the point of several tests: keep Octokit's request log quiet.
const log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
let octokit: Octokit;
let baseUrl: string;

beforeAll(async () => {
  fake = new FakeGitHub({ now: "2025-03-01T12:00:00Z" });
  ({ url: baseUrl } = await fake.start());
  octokit = new Octokit({ baseUrl, auth: "installation-token", request: { retries: 0 }, log });
});

afterAll(async () => {
  await fake.stop();
});

beforeEach(() => {
  fake.reset();
  fake.fault = undefined;
  fake.latencyMs = 0;
});

afterEach(() => {
  // Every answer the fake gave during the test matches GitHub's response schemas.
  expect(fake.responseViolations).toEqual([]);
});

let repoCounter = 0;
/** A fresh repository per test so tests do not see each other's state. */
function freshRepo(files: Record<string, string> = { "README.md": "# app\n", "src/app.py": "print('hi')\n" }) {
  return fake.addRepo(`acme/app-${++repoCounter}`, { files });
}

describe("pull requests", () => {
  it("serves a seeded PR and its files derived from commits, with Link pagination", async () => {
    const repo = freshRepo({ "README.md": "# app\n", "src/app.py": "a\nb\nc\n", "old.txt": "same\n" });
    fake.commit(repo, {
      branch: "feature",
      files: { "src/app.py": "a\nB\nc\n", "models/model.onnx": "\u0000binary", "new.txt": "same\n", "old.txt": null, "requirements.txt": "torch==2.3\n" },
    });
    const pr = fake.addPullRequest(repo, { head: "feature", title: "Add a model", body: "why", user: "alice" });

    const { data } = await octokit.rest.pulls.get({ owner: repo.owner, repo: repo.name, pull_number: pr.number });
    expect(data).toMatchObject({
      number: pr.number,
      state: "open",
      title: "Add a model",
      body: "why",
      user: { login: "alice" },
      head: { ref: "feature", sha: pr.head.sha, repo: { full_name: repo.fullName } },
      base: { ref: "main", sha: pr.base.sha },
      changed_files: 4,
      merged: false,
      commits: 1,
    });

    const first = await octokit.rest.pulls.listFiles({ owner: repo.owner, repo: repo.name, pull_number: pr.number, per_page: 2 });
    expect(first.data.map((f) => f.filename)).toEqual(["models/model.onnx", "new.txt"]);
    expect(first.headers.link).toContain('rel="next"');
    expect(first.headers.link).toContain("page=2");

    const all = await octokit.paginate(octokit.rest.pulls.listFiles, { owner: repo.owner, repo: repo.name, pull_number: pr.number, per_page: 2 });
    expect(all.map((f) => [f.filename, f.status, f.previous_filename, f.additions, f.deletions, f.patch])).toEqual([
      ["models/model.onnx", "added", undefined, 0, 0, undefined],
      ["new.txt", "renamed", "old.txt", 0, 0, undefined],
      ["requirements.txt", "added", undefined, 1, 0, "@@ -0,0 +1 @@\n+torch==2.3"],
      ["src/app.py", "modified", undefined, 1, 1, "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c"],
    ]);
    expect(fake.reads("/files")).toBe(3);
    expect(fake.violations).toEqual([]);
  });

  it("caps the file listing at 3000 while changed_files tells the truth", async () => {
    const repo = freshRepo();
    fake.commit(repo, { branch: "huge", files: { "x.txt": "x\n" } });
    const files = Array.from({ length: 3500 }, (_, i) => ({ filename: `data/f${String(i).padStart(4, "0")}.csv`, status: "added" as const, additions: 1, deletions: 0 }));
    const pr = fake.addPullRequest(repo, { head: "huge", files });

    const listed = await octokit.paginate(octokit.rest.pulls.listFiles, { owner: repo.owner, repo: repo.name, pull_number: pr.number, per_page: 100 });
    expect(listed).toHaveLength(3000);
    const { data } = await octokit.rest.pulls.get({ owner: repo.owner, repo: repo.name, pull_number: pr.number });
    expect(data.changed_files).toBe(3500);
  });

  it("serves recursive git trees of a commit, and says truncated beyond its entry limit", async () => {
    const repo = freshRepo({ "README.md": "# app\n", "src/app.py": "a\n" });
    const head = fake.commit(repo, { branch: "t", files: { "src/deep/x.py": "x\n" } });
    const { data } = await octokit.rest.git.getTree({ owner: repo.owner, repo: repo.name, tree_sha: head, recursive: "1" });
    expect(data.truncated).toBe(false);
    expect(data.tree.map((e) => [e.path, e.type])).toEqual([
      ["README.md", "blob"],
      ["src", "tree"],
      ["src/app.py", "blob"],
      ["src/deep", "tree"],
      ["src/deep/x.py", "blob"],
    ]);
    const blob = data.tree.find((e) => e.path === "src/deep/x.py")!;
    expect(blob).toMatchObject({ mode: "100644", size: 2 });
    const top = await octokit.rest.git.getTree({ owner: repo.owner, repo: repo.name, tree_sha: "t" });
    expect(top.data.tree.map((e) => e.path)).toEqual(["README.md", "src"]);
    fake.maxTreeEntries = 2;
    try {
      const cut = await octokit.rest.git.getTree({ owner: repo.owner, repo: repo.name, tree_sha: head, recursive: "1" });
      expect([cut.data.truncated, cut.data.tree.length]).toEqual([true, 2]);
    } finally {
      fake.maxTreeEntries = 100_000;
    }
    expect(fake.violations).toEqual([]);
  });

  it("lists open PRs by base, PRs for a commit, reviews, and takes review requests", async () => {
    const repo = freshRepo();
    const head = fake.commit(repo, { branch: "f1", files: { "a.txt": "1\n" } });
    fake.commit(repo, { branch: "f2", files: { "b.txt": "2\n" } });
    const pr1 = fake.addPullRequest(repo, { head: "f1", user: "alice" });
    fake.addPullRequest(repo, { head: "f2", user: "bob", state: "closed" });
    fake.addReview(repo, pr1.number, { user: "carol", state: "COMMENTED" });
    fake.addReview(repo, pr1.number, { user: "carol", state: "APPROVED", body: "ok" });

    const open = await octokit.rest.pulls.list({ owner: repo.owner, repo: repo.name, state: "open", base: "main" });
    expect(open.data.map((p) => p.number)).toEqual([pr1.number]);
    const forCommit = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ owner: repo.owner, repo: repo.name, commit_sha: head });
    expect(forCommit.data.map((p) => p.number)).toEqual([pr1.number]);

    const reviews = await octokit.rest.pulls.listReviews({ owner: repo.owner, repo: repo.name, pull_number: pr1.number });
    expect(reviews.data.map((r) => [r.user?.login, r.state, r.commit_id])).toEqual([
      ["carol", "COMMENTED", head],
      ["carol", "APPROVED", head],
    ]);

    await octokit.rest.pulls.requestReviewers({ owner: repo.owner, repo: repo.name, pull_number: pr1.number, reviewers: ["dave"], team_reviewers: ["ai-governance"] });
    expect(pr1.requestedReviewers).toEqual(["dave"]);
    expect(pr1.requestedTeams).toEqual(["ai-governance"]);
  });

  it("moves the head on push and compares against the merge base", async () => {
    const repo = freshRepo({ "a.txt": "1\n" });
    fake.commit(repo, { branch: "feature", files: { "b.txt": "b\n" } });
    const pr = fake.addPullRequest(repo, { head: "feature" });
    const first = pr.head.sha;
    // main moves on after the branch point: the PR's diff must not show it.
    fake.commit(repo, { branch: "main", files: { "a.txt": "2\n" } });
    const second = fake.pushToPull(repo, pr.number, { "c.txt": "c\n" });

    const { data } = await octokit.rest.repos.compareCommitsWithBasehead({ owner: repo.owner, repo: repo.name, basehead: `main...${second}` });
    expect(data.status).toBe("diverged");
    expect(data.ahead_by).toBe(2);
    expect(data.behind_by).toBe(1);
    expect(data.merge_base_commit.sha).toBe(fake.mergeBase(fake.resolveRef(repo, "main")!, second));
    expect(data.files?.map((f) => f.filename)).toEqual(["b.txt", "c.txt"]);

    const since = await octokit.rest.repos.compareCommitsWithBasehead({ owner: repo.owner, repo: repo.name, basehead: `${first}...${second}`, per_page: 100 });
    expect(since.data.files?.map((f) => f.filename)).toEqual(["c.txt"]);
    expect((await octokit.rest.pulls.get({ owner: repo.owner, repo: repo.name, pull_number: pr.number })).data.head.sha).toBe(second);
  });
  it("moves the PR with pushes to its branch and merges it onto the base", async () => {
    const repo = freshRepo({ "a.txt": "1\n" });
    fake.commit(repo, { branch: "feature", files: { "b.txt": "b\n" } });
    const pr = fake.addPullRequest(repo, { head: "feature" });
    const pushed = fake.commit(repo, { branch: "feature", files: { "a.txt": "2\n" } });
    expect(pr.head.sha).toBe(pushed);

    const merge = fake.mergePull(repo, pr.number, "maintainer");
    const { data } = await octokit.rest.pulls.get({ owner: repo.owner, repo: repo.name, pull_number: pr.number });
    expect(data).toMatchObject({ state: "closed", merged: true, merge_commit_sha: merge, merged_by: { login: "maintainer" } });
    const onMain = await octokit.rest.repos.getContent({ owner: repo.owner, repo: repo.name, path: "a.txt", mediaType: { format: "raw" } });
    expect(onMain.data).toBe("2\n");
    const forMerge = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ owner: repo.owner, repo: repo.name, commit_sha: merge });
    expect(forMerge.data.map((p) => p.number)).toEqual([pr.number]);
  });
});

describe("contents", () => {
  it("serves base64 JSON by default, raw text for the raw media types, 404 when absent, listings for folders", async () => {
    const repo = freshRepo({ ".github/aims.yml": "systems: []\n", "models/a.onnx": "A", "models/sub/b.onnx": "B", "README.md": "é\n" });
    const at = fake.commit(repo, { branch: "next", files: { ".github/aims.yml": "systems: [x]\n" } });

    const json = await octokit.rest.repos.getContent({ owner: repo.owner, repo: repo.name, path: ".github/aims.yml" });
    expect(Array.isArray(json.data)).toBe(false);
    const file = json.data as { type: string; encoding: string; content: string; path: string };
    expect(file).toMatchObject({ type: "file", encoding: "base64", path: ".github/aims.yml" });
    expect(Buffer.from(file.content, "base64").toString("utf8")).toBe("systems: []\n");

    const raw = await octokit.rest.repos.getContent({ owner: repo.owner, repo: repo.name, path: ".github/aims.yml", ref: at, mediaType: { format: "raw" } });
    expect(raw.data).toBe("systems: [x]\n");
    const rawJson = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", {
      owner: repo.owner,
      repo: repo.name,
      path: "README.md",
      headers: { accept: "application/vnd.github.raw+json" },
    });
    expect(rawJson.data).toBe("é\n");

    await expect(octokit.rest.repos.getContent({ owner: repo.owner, repo: repo.name, path: "missing.yml" })).rejects.toMatchObject({ status: 404 });
    await expect(octokit.rest.repos.getContent({ owner: repo.owner, repo: repo.name, path: "README.md", ref: "no-such-branch" })).rejects.toMatchObject({
      status: 404,
    });

    const dir = await octokit.rest.repos.getContent({ owner: repo.owner, repo: repo.name, path: "models" });
    expect(Array.isArray(dir.data) && dir.data.map((e) => [e.type, e.path])).toEqual([
      ["file", "models/a.onnx"],
      ["dir", "models/sub"],
    ]);
    expect(fake.violations).toEqual([]);
  });
});

describe("check runs", () => {
  it("round-trips create, update and list by name", async () => {
    const repo = freshRepo();
    const sha = fake.resolveRef(repo, "main")!;
    const owner = repo.owner;
    const name = repo.name;
    const created = await octokit.rest.checks.create({ owner, repo: name, name: "AI impact assessment", head_sha: sha, status: "in_progress", external_id: "acme#1" });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ name: "AI impact assessment", status: "in_progress", conclusion: null, app: { slug: "aims-bot" } });

    await octokit.rest.checks.create({ owner, repo: name, name: "Human oversight sign-off", head_sha: sha, conclusion: "action_required", output: { title: "Sign-off needed", summary: "…" } });
    const updated = await octokit.rest.checks.update({
      owner,
      repo: name,
      check_run_id: created.data.id,
      conclusion: "success",
      output: { title: "Assessed", summary: "All good", annotations: [{ path: "a", start_line: 1, end_line: 1, annotation_level: "notice", message: "m" }] },
    });
    expect(updated.data).toMatchObject({ status: "completed", conclusion: "success", output: { title: "Assessed", summary: "All good", annotations_count: 1 } });
    expect(updated.data.completed_at).toEqual(expect.any(String));

    const byName = await octokit.rest.checks.listForRef({ owner, repo: name, ref: sha, check_name: "AI impact assessment", app_id: fake.app.id, filter: "latest" });
    expect(byName.data.total_count).toBe(1);
    expect(byName.data.check_runs[0]).toMatchObject({ id: created.data.id, conclusion: "success", external_id: "acme#1" });

    const all = await octokit.rest.checks.listForRef({ owner, repo: name, ref: "main" });
    expect(all.data.check_runs.map((r) => r.name).sort()).toEqual(["AI impact assessment", "Human oversight sign-off"]);
    expect((await octokit.rest.checks.get({ owner, repo: name, check_run_id: created.data.id })).data.output.summary).toBe("All good");
    expect(fake.writes("checks/")).toBe(3);
  });

  it("keeps only the latest run per name unless filter=all, and scopes by app", async () => {
    const repo = freshRepo();
    const sha = fake.resolveRef(repo, "main")!;
    fake.addCheckRun(repo, { name: "gate", headSha: sha, conclusion: "failure" });
    const newer = fake.addCheckRun(repo, { name: "gate", headSha: sha, conclusion: "success" });
    fake.addApp({ id: 99, slug: "other-ci" });
    fake.addCheckRun(repo, { name: "gate", headSha: sha, conclusion: "neutral", appId: 99 });

    const latest = await octokit.rest.checks.listForRef({ owner: repo.owner, repo: repo.name, ref: sha, check_name: "gate", app_id: fake.app.id });
    expect(latest.data.check_runs.map((r) => r.id)).toEqual([newer.id]);
    const every = await octokit.rest.checks.listForRef({ owner: repo.owner, repo: repo.name, ref: sha, check_name: "gate", filter: "all" });
    expect(every.data.total_count).toBe(3);
    const other = every.data.check_runs.find((r) => r.app?.id === 99)!;
    // Another app's run cannot be changed by ours.
    await expect(octokit.rest.checks.update({ owner: repo.owner, repo: repo.name, check_run_id: other.id, conclusion: "success" })).rejects.toMatchObject({ status: 403 });
  });

  it("refuses what GitHub refuses beyond the schema", async () => {
    const repo = freshRepo();
    const sha = fake.resolveRef(repo, "main")!;
    await expect(octokit.rest.checks.create({ owner: repo.owner, repo: repo.name, name: "x", head_sha: "f".repeat(40) })).rejects.toMatchObject({ status: 422 });
    await expect(octokit.rest.checks.create({ owner: repo.owner, repo: repo.name, name: "x", head_sha: sha, status: "completed" })).rejects.toMatchObject({ status: 422 });
    // 40,000 characters pass the schema's maxLength but are 80,000 bytes.
    const summary = "é".repeat(40000);
    await expect(octokit.rest.checks.create({ owner: repo.owner, repo: repo.name, name: "x", head_sha: sha, conclusion: "neutral", output: { title: "t", summary } })).rejects.toMatchObject({
      status: 422,
    });
    expect(fake.checkRunsFor(repo)).toEqual([]);
    // A personal token is not an app: GitHub refuses check runs.
    fake.addUserToken("user-token", "mallory");
    const user = new Octokit({ baseUrl, auth: "user-token", request: { retries: 0 }, log });
    await expect(user.rest.checks.create({ owner: repo.owner, repo: repo.name, name: "gate", head_sha: sha })).rejects.toMatchObject({ status: 403 });
  });
});

describe("issues", () => {
  it("lists issues filtered by labels, creator and state with pagination", async () => {
    const repo = freshRepo();
    for (let i = 1; i <= 5; i++) {
      await octokit.rest.issues.create({ owner: repo.owner, repo: repo.name, title: `Evidence ${i}`, body: `<!-- aims:${i} -->`, labels: ["ai-evidence", i % 2 ? "gate:oversight" : "gate:assessment"] });
    }
    fake.addIssue(repo, { title: "Human issue", labels: ["ai-evidence"], user: "alice" });
    fake.addIssue(repo, { title: "Closed evidence", labels: ["ai-evidence"], viaApp: true, state: "closed" });
    fake.addIssue(repo, { title: "Unrelated" });

    const page1 = await octokit.rest.issues.listForRepo({ owner: repo.owner, repo: repo.name, labels: "ai-evidence", per_page: 2 });
    expect(page1.data.map((i) => i.title)).toEqual(["Human issue", "Evidence 5"]);
    expect(page1.headers.link).toMatch(/rel="next".*rel="last"/);

    const mine = await octokit.paginate(octokit.rest.issues.listForRepo, {
      owner: repo.owner,
      repo: repo.name,
      labels: "AI-Evidence,gate:oversight",
      creator: fake.botLogin,
      state: "all",
      sort: "created",
      direction: "asc",
      per_page: 1,
    });
    expect(mine.map((i) => i.title)).toEqual(["Evidence 1", "Evidence 3", "Evidence 5"]);
    expect(mine[0]).toMatchObject({ user: { login: "aims-bot[bot]", type: "Bot" }, performed_via_github_app: { id: fake.app.id, slug: "aims-bot" } });

    const closed = await octokit.rest.issues.listForRepo({ owner: repo.owner, repo: repo.name, state: "closed" });
    expect(closed.data.map((i) => i.title)).toEqual(["Closed evidence"]);
    expect(fake.reads(/issues\/list-for-repo/)).toBe(5);
  });

  it("includes pull requests in issue listings, marked with pull_request", async () => {
    const repo = freshRepo();
    fake.commit(repo, { branch: "f", files: { "x.txt": "x\n" } });
    const pr = fake.addPullRequest(repo, { head: "f", labels: ["ai-change"] });
    const { data } = await octokit.rest.issues.listForRepo({ owner: repo.owner, repo: repo.name, labels: "ai-change" });
    expect(data).toHaveLength(1);
    expect(data[0]).toMatchObject({ number: pr.number, pull_request: { url: expect.stringContaining(`/pulls/${pr.number}`) } });
  });

  it("updates issues, manages labels and records who labelled", async () => {
    const repo = freshRepo();
    const created = await octokit.rest.issues.create({ owner: repo.owner, repo: repo.name, title: "Evidence", labels: ["ai-evidence"] });
    const number = created.data.number;
    fake.labelIssue(repo, number, ["approved"], "alice");
    await octokit.rest.issues.addLabels({ owner: repo.owner, repo: repo.name, issue_number: number, labels: ["gate:oversight"] });
    await octokit.rest.issues.removeLabel({ owner: repo.owner, repo: repo.name, issue_number: number, name: "ai-evidence" });
    await expect(octokit.rest.issues.removeLabel({ owner: repo.owner, repo: repo.name, issue_number: number, name: "nope" })).rejects.toMatchObject({ status: 404 });

    const patched = await octokit.rest.issues.update({ owner: repo.owner, repo: repo.name, issue_number: number, body: "new body", state: "closed", state_reason: "completed" });
    expect(patched.data).toMatchObject({ body: "new body", state: "closed", state_reason: "completed" });
    expect(patched.data.labels.map((l) => (typeof l === "string" ? l : l.name))).toEqual(["approved", "gate:oversight"]);
    expect(Date.parse(patched.data.updated_at)).toBeGreaterThan(Date.parse(created.data.updated_at));

    const events = await octokit.rest.issues.listEvents({ owner: repo.owner, repo: repo.name, issue_number: number });
    expect(events.data.map((e) => [e.event, (e as { label?: { name: string } }).label?.name, e.actor?.login])).toEqual([
      ["labeled", "ai-evidence", "aims-bot[bot]"],
      ["labeled", "approved", "alice"],
      ["labeled", "gate:oversight", "aims-bot[bot]"],
      ["unlabeled", "ai-evidence", "aims-bot[bot]"],
      ["closed", undefined, "aims-bot[bot]"],
    ]);
    const label = await octokit.rest.issues.getLabel({ owner: repo.owner, repo: repo.name, name: "gate:oversight" });
    expect(label.data.name).toBe("gate:oversight");
  });

  it("creates and edits comments with monotonic ids and timestamps", async () => {
    const repo = freshRepo();
    const issue = fake.addIssue(repo, { title: "Evidence", viaApp: true });
    fake.addComment(repo, issue.number, { body: "from a human", user: "alice" });
    const a = await octokit.rest.issues.createComment({ owner: repo.owner, repo: repo.name, issue_number: issue.number, body: "first" });
    const b = await octokit.rest.issues.createComment({ owner: repo.owner, repo: repo.name, issue_number: issue.number, body: "second" });
    expect(b.data.id).toBeGreaterThan(a.data.id);
    expect(Date.parse(b.data.created_at)).toBeGreaterThan(Date.parse(a.data.created_at));
    await octokit.rest.issues.updateComment({ owner: repo.owner, repo: repo.name, comment_id: a.data.id, body: "first, edited" });

    const list = await octokit.rest.issues.listComments({ owner: repo.owner, repo: repo.name, issue_number: issue.number });
    expect(list.data.map((c) => [c.user?.login, c.body, c.performed_via_github_app?.slug ?? null])).toEqual([
      ["alice", "from a human", null],
      ["aims-bot[bot]", "first, edited", "aims-bot"],
      ["aims-bot[bot]", "second", "aims-bot"],
    ]);
    expect(Date.parse(list.data[1]!.updated_at)).toBeGreaterThan(Date.parse(list.data[1]!.created_at));
  });

  it("creates labels and refuses duplicates", async () => {
    const repo = freshRepo();
    await octokit.rest.issues.createLabel({ owner: repo.owner, repo: repo.name, name: "ai-evidence", color: "5319e7", description: "Evidence" });
    await expect(octokit.rest.issues.createLabel({ owner: repo.owner, repo: repo.name, name: "AI-evidence", color: "5319e7" })).rejects.toMatchObject({ status: 422 });
    const labels = await octokit.rest.issues.listLabelsForRepo({ owner: repo.owner, repo: repo.name });
    expect(labels.data.map((l) => [l.name, l.color, l.description])).toEqual([["ai-evidence", "5319e7", "Evidence"]]);
  });
});

describe("people", () => {
  it("answers collaborator permissions and team memberships", async () => {
    const repo = freshRepo();
    fake.setPermission(repo, "alice", "maintain");
    fake.setPermission(repo, "bob", "read");
    fake.user("carol");
    fake.addTeam("acme", "ai-governance", { alice: "maintainer", dave: { role: "member", state: "pending" } });

    const perm = (username: string) => octokit.rest.repos.getCollaboratorPermissionLevel({ owner: repo.owner, repo: repo.name, username });
    expect((await perm("alice")).data).toMatchObject({ permission: "write", role_name: "maintain" });
    expect((await perm("bob")).data).toMatchObject({ permission: "read", role_name: "read" });
    expect((await perm("carol")).data).toMatchObject({ permission: "none" });
    await expect(perm("nobody-at-all")).rejects.toMatchObject({ status: 404 });

    const member = (username: string) => octokit.rest.teams.getMembershipForUserInOrg({ org: "acme", team_slug: "ai-governance", username });
    expect((await member("alice")).data).toMatchObject({ role: "maintainer", state: "active" });
    expect((await member("dave")).data).toMatchObject({ state: "pending" });
    await expect(member("carol")).rejects.toMatchObject({ status: 404 });
  });
});

describe("unhandled requests and violations", () => {
  it("answers 404 for endpoints the fake does not implement and records them", async () => {
    const repo = freshRepo();
    await expect(octokit.rest.repos.getBranch({ owner: repo.owner, repo: repo.name, branch: "main" })).rejects.toMatchObject({ status: 404 });
    await expect(octokit.request("GET /repos/{owner}/{repo}/no-such-endpoint", { owner: repo.owner, repo: repo.name })).rejects.toMatchObject({ status: 404 });
    expect(fake.unhandled).toEqual([`GET /repos/${repo.fullName}/branches/main`, `GET /repos/${repo.fullName}/no-such-endpoint`]);
    // Only the path GitHub does not have is a violation.
    expect(fake.violations).toEqual([expect.stringContaining("no such path")]);
  });

  it("answers 422 to a request that departs from the OpenAPI description and changes nothing", async () => {
    const repo = freshRepo();
    const sha = fake.resolveRef(repo, "main")!;
    const error = await octokit.rest.checks
      .create({ owner: repo.owner, repo: repo.name, name: "gate", head_sha: sha, conclusion: "bogus" as "success" })
      .catch((e: unknown) => e as { status: number; message: string });
    expect(error).toMatchObject({ status: 422 });
    expect(error && "message" in error ? error.message : "").toContain("conclusion");
    expect(fake.violations).toEqual([expect.stringContaining("body/conclusion must be equal to one of the allowed values")]);
    expect(fake.checkRunsFor(repo)).toEqual([]);
    expect(fake.requests.at(-1)).toMatchObject({ method: "POST", path: `/repos/${repo.fullName}/check-runs`, status: 422 });
  });

  it("refuses anonymous writes", async () => {
    const repo = freshRepo();
    const anonymous = new Octokit({ baseUrl, request: { retries: 0 }, log });
    await expect(anonymous.rest.issues.create({ owner: repo.owner, repo: repo.name, title: "x" })).rejects.toMatchObject({ status: 401 });
    expect(fake.requests.at(-1)?.actor).toBe("anonymous");
  });
});

describe("request log, latency and faults", () => {
  it("logs every request with timing, counts reads and writes, and resets", async () => {
    const repo = freshRepo();
    await octokit.rest.repos.get({ owner: repo.owner, repo: repo.name });
    await octokit.rest.issues.create({ owner: repo.owner, repo: repo.name, title: "t" });
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[0]).toMatchObject({ method: "GET", path: `/repos/${repo.fullName}`, query: {}, status: 200, operationId: "repos/get", actor: "aims-bot[bot]" });
    expect(fake.requests[1]).toMatchObject({ method: "POST", status: 201, body: { title: "t" } });
    for (const r of fake.requests) expect(r.endedAt).toBeGreaterThanOrEqual(r.startedAt);
    expect([fake.reads(), fake.writes()]).toEqual([1, 1]);
    fake.reset();
    expect([fake.requests.length, fake.reads(), fake.writes()]).toEqual([0, 0, 0]);
  });

  it("delays requests by latencyMs", async () => {
    const repo = freshRepo();
    fake.latencyMs = 60;
    const started = Date.now();
    await octokit.rest.repos.get({ owner: repo.owner, repo: repo.name });
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(fake.requests[0]!.endedAt - fake.requests[0]!.startedAt).toBeGreaterThanOrEqual(55);
  });

  it("injects statuses and dropped connections through the fault hook", async () => {
    const repo = freshRepo();
    fake.fault = (req) => {
      if (req.index === 1) return { status: 502, body: { message: "Server Error" } };
      if (req.index === 2) return { status: 403, headers: { "retry-after": "1" }, body: { message: "You have exceeded a secondary rate limit." } };
      if (req.index === 3) return "drop";
      return undefined;
    };
    await expect(octokit.rest.repos.get({ owner: repo.owner, repo: repo.name })).rejects.toMatchObject({ status: 502 });
    const limited = await octokit.rest.issues.create({ owner: repo.owner, repo: repo.name, title: "x" }).catch((e: { status: number; response?: { headers: Record<string, string> } }) => e);
    expect(limited).toMatchObject({ status: 403, response: { headers: { "retry-after": "1" } } });
    await expect(octokit.rest.repos.get({ owner: repo.owner, repo: repo.name })).rejects.toThrow();
    await expect(octokit.rest.repos.get({ owner: repo.owner, repo: repo.name })).resolves.toMatchObject({ status: 200 });
    expect(fake.requests.map((r) => r.status)).toEqual([502, 403, 0, 200]);
    // A faulted write changed nothing.
    expect([...repo.issues.values()]).toEqual([]);
  });

  it("targets faults by operation and still validates faulted requests", async () => {
    const repo = freshRepo();
    const sha = fake.resolveRef(repo, "main")!;
    fake.fault = (req) => (req.operationId === "checks/create" ? { status: 500 } : undefined);
    await expect(octokit.rest.checks.create({ owner: repo.owner, repo: repo.name, name: "gate", head_sha: sha, conclusion: "bogus" as "success" })).rejects.toMatchObject({ status: 500 });
    await expect(octokit.rest.repos.get({ owner: repo.owner, repo: repo.name })).resolves.toMatchObject({ status: 200 });
    expect(fake.violations).toEqual([expect.stringContaining("conclusion")]);
  });

  it("holds a request open on timeout until the client gives up", async () => {
    const repo = freshRepo();
    fake.fault = () => "timeout";
    await expect(octokit.rest.repos.get({ owner: repo.owner, repo: repo.name, request: { signal: AbortSignal.timeout(100) } })).rejects.toThrow();
    expect(fake.requests[0]).toMatchObject({ status: 0 });
  });
});

describe("as a GitHub App", () => {
  it("lets Probot authenticate with a JWT, get an installation token and write as the bot", async () => {
    const repo = freshRepo();
    const probot = new Probot({
      appId: fake.app.id,
      privateKey: generateTestPrivateKey(),
      baseUrl,
      logLevel: "fatal",
      Octokit: TestOctokit,
    });
    const appOctokit = await probot.auth();
    const app = await appOctokit.rest.apps.getAuthenticated();
    expect(app.data).toMatchObject({ id: fake.app.id, slug: "aims-bot" });
    const installation = await appOctokit.rest.apps.getRepoInstallation({ owner: repo.owner, repo: repo.name });
    expect(installation.data.id).toBe(fake.installationId);

    const installed = await probot.auth(fake.installationId);
    const issue = await installed.rest.issues.create({ owner: repo.owner, repo: repo.name, title: "Evidence" });
    expect(issue.data.user?.login).toBe("aims-bot[bot]");
    expect(fake.installationTokens.size).toBeGreaterThan(0);
    expect(fake.requests.map((r) => `${r.method} ${r.path} ${r.status} ${r.actor}`)).toEqual([
      "GET /app 200 app",
      `GET /repos/${repo.fullName}/installation 200 app`,
      `POST /app/installations/${fake.installationId}/access_tokens 201 app`,
      `POST /repos/${repo.fullName}/issues 201 aims-bot[bot]`,
    ]);
  });

  it("signs webhooks like GitHub and generates one throwaway key per process", () => {
    // GitHub's documented test vector.
    expect(signWebhook("It's a Secret to Everybody", "Hello, World!")).toBe("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
    expect(generateTestPrivateKey()).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(generateTestPrivateKey()).toBe(generateTestPrivateKey());
  });
});
