import { uncell } from "../../src/util/markdown.js";
import { describe, expect, it } from "@jest/globals";
import nock from "nock";
import { useProbotWithNock, webhookExample } from "../support/probot-app.js";

const API = "https://api.github.com";
const REPO = "/repos/Codertocat/Hello-World";
const HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";

const POLICY = `
systems:
  - id: recommender
    name: Product recommender
    paths: ["models/recommender/**", "data/recommender/**"]
    risk: high
`;

type File = { filename: string; status: string; additions?: number; deletions?: number; patch?: string; previous_filename?: string };

/** Binary files (models, parquet) are listed by GitHub with no patch and no line counts. */
function fileEntry(f: File, i: number) {
  const counted = f.patch !== undefined || /\.(md|ts|ya?ml|txt|json)$/.test(f.filename);
  const additions = f.additions ?? (counted ? 1 : 0);
  const deletions = f.deletions ?? 0;
  return {
    sha: `${i}`.padStart(40, "0"),
    filename: f.filename,
    status: f.status,
    additions,
    deletions,
    changes: additions + deletions,
    blob_url: `https://github.com/Codertocat/Hello-World/blob/${HEAD}/${f.filename}`,
    raw_url: `https://github.com/Codertocat/Hello-World/raw/${HEAD}/${f.filename}`,
    contents_url: `${API}${REPO}/contents/${f.filename}?ref=${HEAD}`,
    ...(f.patch !== undefined ? { patch: f.patch } : {}),
    ...(f.previous_filename ? { previous_filename: f.previous_filename } : {}),
  };
}

function checkRun(id: number, name: string, body: { conclusion: string; output: { title: string; summary: string } }) {
  return {
    id,
    head_sha: HEAD,
    node_id: "x",
    external_id: "",
    url: "",
    html_url: "",
    details_url: "",
    status: "completed",
    conclusion: body.conclusion,
    started_at: "2026-11-22T10:00:00Z",
    completed_at: "2026-11-22T10:00:00Z",
    output: { title: body.output.title, summary: body.output.summary, text: null, annotations_count: 0, annotations_url: "" },
    name,
    check_suite: { id: 5 },
    app: { id: 1, slug: "aims-bot" },
    pull_requests: [],
  };
}

interface Scenario {
  policy?: string | null;
  files: File[];
  existing?: ReturnType<typeof checkRun>[];
}

/** Mock GitHub for one pull_request event; returns the check-run writes the app made. */
function mockGitHub(s: Scenario) {
  const writes: Array<{ method: string; path: string; body: any }> = [];
  nock(API)
    .post("/app/installations/1/access_tokens")
    .reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z", permissions: {} });
  const contents = nock(API).get(`${REPO}/contents/.github%2Faims.yml`).query({ ref: "master" });
  if (s.policy === null || s.policy === undefined) {
    contents.reply(404, { message: "Not Found" });
    nock(API).get("/repos/Codertocat/.github/contents/.github%2Faims.yml").reply(404, { message: "Not Found" });
  } else contents.reply(200, s.policy);
  nock(API)
    .get(`${REPO}/pulls/2/files`)
    .query({ per_page: 100 })
    .reply(200, s.files.map(fileEntry));
  nock(API)
    .get(`${REPO}/commits/${HEAD}/check-runs`)
    .query({ per_page: 100, filter: "latest", app_id: 1 })
    .reply(200, { total_count: s.existing?.length ?? 0, check_runs: s.existing ?? [] });
  // The oversight gate reads reviews and comments: none here.
  nock(API).get(`${REPO}/pulls/2/reviews`).query(true).optionally().reply(200, []);
  nock(API).get(`${REPO}/issues/2/comments`).query(true).optionally().reply(200, []);
  nock(API)
    .post(`${REPO}/check-runs`)
    .times(2)
    .optionally()
    .reply(201, (path, body) => {
      writes.push({ method: "POST", path, body });
      return { id: 100 + writes.length };
    });
  nock(API)
    .patch(/\/repos\/Codertocat\/Hello-World\/check-runs\/\d+/)
    .times(2)
    .optionally()
    .reply(200, (path, body) => {
      writes.push({ method: "PATCH", path, body });
      return {};
    });
  return writes;
}

function pullRequestEvent(action = "opened", changes: Record<string, unknown> = {}) {
  const payload = webhookExample("pull_request", action, (e: any) => e.repository?.full_name === "Codertocat/Hello-World");
  Object.assign(payload.pull_request, changes);
  return { id: "delivery-1", name: "pull_request" as const, payload };
}

describe("pull_request events", () => {
  const t = useProbotWithNock();

  it("publishes two successful checks when nothing AI-relevant changed", async () => {
    const writes = mockGitHub({ policy: POLICY, files: [{ filename: "README.md", status: "modified" }, { filename: "src/model.ts", status: "added", patch: "@@ -0,0 +1 @@\n+export const orders = [];" }] });
    await t.probot.receive(pullRequestEvent());
    expect(writes.map((w) => [w.method, w.body.name, w.body.conclusion, w.body.output.title])).toEqual([
      ["POST", "aims/impact-assessment", "success", "No AI-relevant changes"],
      ["POST", "aims/human-oversight", "success", "No AI-relevant changes"],
    ]);
    expect(writes[0]!.body.head_sha).toBe(HEAD);
    t.recorder.assertValid();
    expect(nock.isDone()).toBe(true);
  });

  it("requires action for a model change and names the system and the next step", async () => {
    const writes = mockGitHub({
      policy: POLICY,
      files: [
        { filename: "models/recommender/model.safetensors", status: "added" },
        { filename: "data/recommender/train.parquet", status: "modified" },
        { filename: "README.md", status: "modified" },
      ],
    });
    await t.probot.receive(pullRequestEvent());
    const [assessment, oversight] = writes;
    expect(assessment!.body.conclusion).toBe("action_required");
    expect(assessment!.body.output.title).toBe("Impact assessment required for recommender");
    expect(uncell(assessment!.body.output.summary)).toContain("Impact-Assessment: governance/impact-assessments/recommender.md");
    expect(uncell(assessment!.body.output.summary)).toContain("models/recommender/model.safetensors");
    expect(uncell(assessment!.body.output.summary)).toContain("Product recommender (`recommender`, high risk)");
    expect(oversight!.body.conclusion).toBe("action_required");
    expect(oversight!.body.output.title).toBe("Human sign-off required");
    t.recorder.assertValid();
  });

  it("reads the policy from the base branch and fails both checks closed when it is invalid", async () => {
    const writes = mockGitHub({ policy: "systems:\n  - id: recommender\n    risk: huge\n", files: [{ filename: "README.md", status: "modified" }] });
    await t.probot.receive(pullRequestEvent());
    for (const w of writes) {
      expect(w.body.conclusion).toBe("failure");
      expect(w.body.output.title).toBe("aims configuration is invalid");
      expect(uncell(w.body.output.summary)).toContain(".github/aims.yml:3:11 systems[0].risk: must be one of");
      expect(uncell(w.body.output.summary)).toContain("systems[0].name is required");
    }
    t.recorder.assertValid();
  });

  it("uses the built-in policy when neither the repository nor the organisation has one", async () => {
    const writes = mockGitHub({ policy: null, files: [{ filename: "prompts/support.prompt.yml", status: "added" }] });
    await t.probot.receive(pullRequestEvent());
    expect(writes[0]!.body.output.title).toBe("Impact assessment required for unregistered");
    expect(uncell(writes[0]!.body.output.summary)).toContain("Policy: built-in defaults");
    t.recorder.assertValid();
  });

  it("writes nothing when both checks already show the same decision", async () => {
    const files = [{ filename: "models/recommender/model.onnx", status: "added" }];
    const first = mockGitHub({ policy: POLICY, files });
    await t.probot.receive(pullRequestEvent());
    expect(first).toHaveLength(2);
    nock.cleanAll();

    const existing = first.map((w, i) => checkRun(100 + i, w.body.name, w.body));
    const second = mockGitHub({ policy: POLICY, files, existing });
    await t.probot.receive(pullRequestEvent("synchronize"));
    expect(second).toEqual([]);
    t.recorder.assertValid();
  });

  it("updates the existing run of the same name instead of creating a duplicate", async () => {
    const files = [{ filename: "models/recommender/model.onnx", status: "added" }];
    const stale = { conclusion: "success", output: { title: "No AI-relevant changes", summary: "old" } };
    const existing = [checkRun(7, "aims/impact-assessment", stale), checkRun(8, "aims/human-oversight", stale)];
    const writes = mockGitHub({ policy: POLICY, files, existing });
    await t.probot.receive(pullRequestEvent("synchronize"));
    expect(writes.map((w) => [w.method, w.path.replace(REPO, "")])).toEqual([
      ["PATCH", "/check-runs/7"],
      ["PATCH", "/check-runs/8"],
    ]);
    expect(writes[0]!.body.conclusion).toBe("action_required");
    t.recorder.assertValid();
  });

  it("fails both checks closed above GitHub's 3000-file listing when the git trees are truncated too", async () => {
    const writes: any[] = [];
    const MERGE_BASE = "f".repeat(40);
    nock(API).post("/app/installations/1/access_tokens").reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z" });
    nock(API).get(`${REPO}/contents/.github%2Faims.yml`).query({ ref: "master" }).reply(200, POLICY);
    const page = Array.from({ length: 100 }, (_, i) => ({ filename: `vendor/f${i}.js`, status: "added", additions: 1 }));
    nock(API).get(`${REPO}/pulls/2/files`).query(true).times(30).reply(200, page.map(fileEntry));
    nock(API)
      .get(new RegExp(`^${REPO}/compare/`))
      .query(true)
      .reply(200, { merge_base_commit: { sha: MERGE_BASE } });
    const tree = (truncated: boolean) => ({ sha: "a".repeat(40), url: "", truncated, tree: [{ path: "vendor/f0.js", mode: "100644", type: "blob", sha: "b".repeat(40), size: 1, url: "" }] });
    nock(API).get(`${REPO}/git/trees/${MERGE_BASE}`).query({ recursive: "1" }).reply(200, tree(false));
    nock(API).get(`${REPO}/git/trees/${HEAD}`).query({ recursive: "1" }).reply(200, tree(true));
    // Only the comments are read (for an override); reviews cannot count on an unlisted change.
    nock(API).get(`${REPO}/issues/2/comments`).query(true).reply(200, []);
    nock(API).get(`${REPO}/commits/${HEAD}/check-runs`).query(true).reply(200, { total_count: 0, check_runs: [] });
    nock(API)
      .post(`${REPO}/check-runs`)
      .times(2)
      .reply(201, (_p, body) => {
        writes.push(body);
        return { id: 1 };
      });
    await t.probot.receive(pullRequestEvent("opened", { changed_files: 3412 }));
    expect(writes.map((b) => [b.conclusion, b.output.title])).toEqual([
      ["failure", "Pull request too large to govern: 3412 changed files"],
      ["failure", "Pull request too large to govern: 3412 changed files"],
    ]);
    expect(nock.isDone()).toBe(true);
    t.recorder.assertValid();
  });

  it("fails both checks closed with the cause when GitHub errors, and reports the failure", async () => {
    const writes: any[] = [];
    nock(API).post("/app/installations/1/access_tokens").reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z" });
    nock(API).get(`${REPO}/contents/.github%2Faims.yml`).query({ ref: "master" }).reply(200, POLICY);
    nock(API).get(`${REPO}/pulls/2/files`).query(true).reply(502, { message: "Server Error" });
    nock(API).get(`${REPO}/commits/${HEAD}/check-runs`).query(true).reply(200, { total_count: 0, check_runs: [] });
    nock(API)
      .post(`${REPO}/check-runs`)
      .times(2)
      .reply(201, (_p, body) => {
        writes.push(body);
        return { id: 1 };
      });
    await expect(t.probot.receive(pullRequestEvent())).rejects.toThrow();
    expect(writes.map((b) => [b.conclusion, b.output.title])).toEqual([
      ["failure", "aims could not evaluate this pull request"],
      ["failure", "aims could not evaluate this pull request"],
    ]);
    expect(uncell(writes[0].output.summary)).toContain("HTTP 502");
    t.recorder.assertValid();
  });
});

describe("re-run requests", () => {
  const t = useProbotWithNock();

  it("check_suite.rerequested re-evaluates the pull request at that head", async () => {
    const payload = webhookExample("check_suite", "rerequested");
    payload.installation = { id: 1 };
    const pr = webhookExample("pull_request", "opened", (e: any) => e.repository?.full_name === "Codertocat/Hello-World").pull_request;
    const writes = mockGitHub({ policy: POLICY, files: [{ filename: "models/recommender/model.gguf", status: "added" }] });
    nock(API).get(`${REPO}/pulls/2`).reply(200, pr);
    await t.probot.receive({ id: "d2", name: "check_suite", payload });
    expect(writes.map((w) => w.body.conclusion)).toEqual(["action_required", "action_required"]);
    t.recorder.assertValid();
  });
});
