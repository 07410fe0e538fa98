import { uncell } from "../../src/util/markdown.js";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Probot } from "probot";
import { assessmentMarkdown } from "../support/assessments.js";
import { FakeGitHub, type FakeRepo } from "../support/fake-github.js";
import { createFakeProbot, pullRequestPayload, receive } from "../support/fake-probot.js";
import { payloads } from "../support/payloads.js";

const POLICY = `systems:
  - id: recommender
    name: Product recommender
    paths: ["models/**"]
    risk: limited
`;
const AIA = "governance/impact-assessments/aia-2026-014.md";

describe("security behaviours (in-process app, stateful fake GitHub)", () => {
  let fake: FakeGitHub;
  let probot: Probot;
  let repo: FakeRepo;

  beforeAll(async () => {
    fake = new FakeGitHub();
    await fake.start();
    repo = fake.addRepo("acme/shop", {
      files: { ".github/aims.yml": POLICY, "README.md": "# Shop\n", [AIA]: assessmentMarkdown({ approver: "carol", systems: ["recommender"], risk: "limited" }) },
    });
    fake.setPermission(repo, "carol", "write");
    fake.setPermission(repo, "alice", "write");
    fake.setPermission(repo, "rita", "read");
    probot = await createFakeProbot(fake);
  });
  afterAll(async () => fake.stop());

  const conclusion = (sha: string, name: string) => fake.checkRunsFor(repo, { headSha: sha, name }).at(-1)?.conclusion;

  it("a replayed (or late) delivery with an old description cannot pass the gate again", async () => {
    fake.commit(repo, { branch: "replay", files: { "models/ranker.onnx": "\u0000R1" } });
    const pr = fake.addPullRequest(repo, { head: "replay", user: "alice", body: `Adds the ranker.\n\nImpact-Assessment: ${AIA}` });
    const old = await pullRequestPayload(fake, "acme/shop", pr.number, "opened");
    await receive(probot, "pull_request", old, "delivery-1");
    expect(conclusion(pr.head.sha, "aims/impact-assessment")).toBe("success");

    // The link is removed: the gate must require an assessment again.
    const from = pr.issue.body ?? "";
    pr.issue.body = "Adds the ranker.";
    await receive(probot, "pull_request", await pullRequestPayload(fake, "acme/shop", pr.number, "edited", "alice", { changes: { body: { from } } }), "delivery-2");
    expect(conclusion(pr.head.sha, "aims/impact-assessment")).toBe("action_required");

    // The first delivery again, byte for byte (same id, valid signature): nothing changes.
    fake.reset();
    await receive(probot, "pull_request", old, "delivery-1");
    expect(conclusion(pr.head.sha, "aims/impact-assessment")).toBe("action_required");
    expect(fake.writes("check-runs")).toBe(0);

  });

  it("a late delivery naming an older head evaluates GitHub's current head (reads started from the payload are dropped)", async () => {
    fake.commit(repo, { branch: "late", files: { "models/late.onnx": "\u0000L1" } });
    const pr = fake.addPullRequest(repo, { head: "late", user: "alice" });
    const old = await pullRequestPayload(fake, "acme/shop", pr.number, "opened");
    const oldSha = fake.resolveRef(repo, "late");
    fake.commit(repo, { branch: "late", files: { "models/late2.onnx": "\u0000L2" } });
    const newSha = fake.resolveRef(repo, "late");
    expect(newSha).not.toBe(oldSha);
    await receive(probot, "pull_request", old, "delivery-late");
    expect(fake.checkRunsFor(repo, { headSha: oldSha })).toHaveLength(0);
    expect(conclusion(newSha!, "aims/impact-assessment")).toBe("action_required");
  });

  it("never reacts to its own events, for every handler, but governs other bots' pull requests", async () => {
    fake.commit(repo, { branch: "bot", files: { "models/bot.onnx": "\u0000B" } });
    const pr = fake.addPullRequest(repo, { head: "bot", user: "dependabot[bot]" });
    const events = payloads(fake, "acme/shop");
    const self = fake.botLogin;
    // What the app itself did: a comment, an issue edit and a policy push (the same policy, reformatted).
    const signOff = fake.addComment(repo, pr.number, { body: "/aims sign-off looks fine", viaApp: true });
    const issue = fake.addIssue(repo, { title: "Notes", body: "x", viaApp: true });
    const before = fake.resolveRef(repo, "main")!;
    const after = fake.commit(repo, { branch: "main", files: { ".github/aims.yml": `${POLICY}\n` } });
    const ownEvents: Array<[string, Record<string, unknown>]> = [
      ["pull_request", await events.pullRequest(pr.number, "synchronize", { sender: self })],
      ["check_suite", await events.checkSuite("rerequested", pr.head.sha, self)],
      ["issue_comment", await events.comment("created", pr.number, signOff)],
      ["issues", await events.issue("edited", issue.number, self, { changes: { body: { from: "" } } })],
      ["push", await events.push("main", before, after, self)],
    ];
    const opened = await events.pullRequest(pr.number, "opened");
    fake.reset();
    for (const [name, payload] of ownEvents) await receive(probot, name, payload);
    expect(fake.requests).toEqual([]);

    await receive(probot, "pull_request", opened);
    expect(conclusion(pr.head.sha, "aims/impact-assessment")).toBe("action_required");
  });

  it("finds out its own bot login through GET /app when APP_SLUG is not set", async () => {
    const unnamed = await createFakeProbot(fake, { appSlug: undefined } as never);
    fake.commit(repo, { branch: "self2", files: { "README.md": "self2\n" } });
    const pr = fake.addPullRequest(repo, { head: "self2", user: "alice" });
    const payload = await pullRequestPayload(fake, "acme/shop", pr.number, "synchronize", fake.botLogin);
    fake.reset();
    await receive(unnamed, "pull_request", payload);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /app"]);
  });

  it("a PR that edits .github/aims.yml is judged by the base branch's policy and is itself governed", async () => {
    fake.commit(repo, { branch: "weaken", files: { ".github/aims.yml": 'ignore: ["**"]\ndetect:\n  gate: []\n', "models/sneaky.onnx": "\u0000S" } });
    const pr = fake.addPullRequest(repo, { head: "weaken", user: "mallory" });
    await receive(probot, "pull_request", await pullRequestPayload(fake, "acme/shop", pr.number, "opened", "mallory"));
    expect(conclusion(pr.head.sha, "aims/impact-assessment")).toBe("action_required");
    const summary = fake.checkRunsFor(repo, { headSha: pr.head.sha, name: "aims/impact-assessment" })[0]!.output.summary!;
    expect(summary).toContain("governance-policy");
    expect(summary).toContain("models/sneaky.onnx");
  });

  it("refuses /aims commands and check-run buttons from users without authority", async () => {
    fake.commit(repo, { branch: "cmd", files: { "models/cmd.onnx": "\u0000C" } });
    const pr = fake.addPullRequest(repo, { head: "cmd", user: "alice" });
    await receive(probot, "pull_request", await pullRequestPayload(fake, "acme/shop", pr.number, "opened"));
    const events = payloads(fake, "acme/shop");
    const comment = (user: string, body: string) => events.comment("created", pr.number, fake.addComment(repo, pr.number, { body, user }));
    // Read access: a sign-off does not count.
    await receive(probot, "issue_comment", await comment("rita", "/aims sign-off reviewed the model card"));
    expect(conclusion(pr.head.sha, "aims/human-oversight")).toBe("action_required");
    // Write access but not governance: an override is refused, with a reply.
    await receive(probot, "issue_comment", await comment("carol", "/aims override the release is urgent and was reviewed offline"));
    expect(conclusion(pr.head.sha, "aims/human-oversight")).toBe("action_required");
    expect(conclusion(pr.head.sha, "aims/impact-assessment")).toBe("action_required");
    const replies = pr.issue.comments.filter((c) => c.viaApp);
    expect(replies.some((c) => c.body.includes("@carol") && c.body.includes("override was not applied"))).toBe(true);
    // The author cannot override their own change.
    await receive(probot, "issue_comment", await comment("alice", "/aims override my own change is fine, trust me on this"));
    expect(pr.issue.comments.filter((c) => c.viaApp).some((c) => c.body.includes("@alice") && c.body.includes("author cannot override"))).toBe(true);

    // A button clicked by a read-only user changes nothing.
    const run = fake.checkRunsFor(repo, { headSha: pr.head.sha, name: "aims/human-oversight" })[0]!;
    fake.reset();
    await receive(probot, "check_run", await events.checkRunAction(run.id, "request-review", "rita"));
    const buttonWrites = fake.requests.filter((r) => r.method !== "GET");
    expect(buttonWrites.map((r) => `${r.method} ${r.path}`)).toEqual([`POST /repos/acme/shop/issues/${pr.number}/comments`]);
    expect(pr.issue.comments.filter((c) => c.viaApp).some((c) => c.body.includes("@rita") && c.body.includes("needs write access"))).toBe(true);
    expect(conclusion(pr.head.sha, "aims/human-oversight")).toBe("action_required");
  });

  it("user globs in config cannot hang the pipeline: pathological patterns are refused or stay bounded", async () => {
    const heavy = `systems:
  - id: deep
    name: Deep
    paths: ["${"**/a/".repeat(18)}x", "**/${"*a".repeat(40)}b", "**/+(a|aa)+(a|aa)+(a|aa)+(a|aa)+(a|aa)b", "**/*(*(*(a)))b"]
    risk: limited
detect:
  model:
    include: ["${"**/".repeat(20)}*.weights"]
  dependencies:
    ignore: ["${"a*".repeat(30)}b"]
`;
    fake.commit(repo, { branch: "globs-base", files: { ".github/aims.yml": heavy } });
    const deepPath = `${Array(60).fill("a").join("/")}/${"a".repeat(200)}`;
    fake.commit(repo, {
      branch: "globs",
      parent: "globs-base",
      files: {
        [deepPath]: "x",
        [`${Array(60).fill("a").join("/")}/m.weights`]: "\u0000W",
        "package.json": JSON.stringify({ dependencies: { ["a".repeat(200)]: "1.0.0", openai: "^4.0.0" } }),
      },
    });
    const pr = fake.addPullRequest(repo, { head: "globs", base: "globs-base", user: "alice" });
    await receive(probot, "pull_request", await pullRequestPayload(fake, "acme/shop", pr.number, "opened"));
    const runs = fake.checkRunsFor(repo, { headSha: pr.head.sha });
    expect(runs).toHaveLength(2);
    expect(runs.every((r) => r.conclusion !== "success")).toBe(true);
    expect(uncell(runs[0]!.output.summary!)).toContain("m.weights");

    // Beyond the bounds: refused as configuration errors that name the glob, failing closed.
    const bomb = `systems:\n  - id: bomb\n    name: Bomb\n    paths: ["${"{a,b}".repeat(12)}/**", "${"**/".repeat(25)}x"]\n    risk: high\n`;
    fake.commit(repo, { branch: "bomb-base", files: { ".github/aims.yml": bomb } });
    fake.commit(repo, { branch: "bomb", parent: "bomb-base", files: { "README.md": "bomb\n" } });
    const pr2 = fake.addPullRequest(repo, { head: "bomb", base: "bomb-base", user: "alice" });
    await receive(probot, "pull_request", await pullRequestPayload(fake, "acme/shop", pr2.number, "opened"));
    const refused = fake.checkRunsFor(repo, { headSha: pr2.head.sha });
    expect(refused.map((r) => [r.conclusion, r.output.title])).toEqual([
      ["failure", "aims configuration is invalid"],
      ["failure", "aims configuration is invalid"],
    ]);
    expect(uncell(refused[0]!.output.summary!)).toMatch(/expands to .* patterns through \{braces\}/);
    expect(uncell(refused[0]!.output.summary!)).toMatch(/has 25 "\*\*"; the limit is 20/);
  });

  it("filenames with unicode, spaces and '..' are data: listed as they are, read by their literal path", async () => {
    const names = ["models/模型 v2/ranker (final).onnx", "models/..hidden/weights.onnx", "models/a..b.onnx", "models/ü n i c o d e/../escape.onnx"];
    fake.commit(repo, { branch: "names", files: Object.fromEntries(names.map((n) => [n, "\u0000N"])) });
    const pr = fake.addPullRequest(repo, { head: "names", user: "alice", body: "Impact-Assessment: governance/../../../etc/passwd" });
    fake.reset();
    await receive(probot, "pull_request", await pullRequestPayload(fake, "acme/shop", pr.number, "opened"));
    const run = fake.checkRunsFor(repo, { headSha: pr.head.sha, name: "aims/impact-assessment" })[0]!;
    expect(run.conclusion).not.toBe("success");
    for (const n of names) expect(uncell(run.output.summary!)).toContain(n.replace(/\|/g, "\\|"));
    // No request ever named a normalised path (../ resolved) or left the repository.
    expect(fake.requests.every((r) => r.path.startsWith("/repos/acme/shop") || r.path.startsWith("/app") || r.path.startsWith("/repos/acme/.github"))).toBe(true);
    expect(fake.requests.some((r) => r.path.includes("/etc/passwd") && !r.path.startsWith("/repos/acme/shop/contents/"))).toBe(false);
    expect(fake.violations).toEqual([]);
  });
});
