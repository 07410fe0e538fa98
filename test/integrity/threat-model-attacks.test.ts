import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import MarkdownIt from "markdown-it";
import type { Probot } from "probot";
import { uncell } from "../../src/util/markdown.js";
import { FakeGitHub, type FakeRepo } from "../support/fake-github.js";
import { createFakeProbot, pullRequestPayload, receive } from "../support/fake-probot.js";
import { payloads } from "../support/payloads.js";
import { teamPolicy } from "../support/team-policy.js";

/** A limited-risk system signed off by a team (acme/shop), and a high-risk one by anyone with write access (acme/lab, private). */
const TEAM_POLICY = teamPolicy();
const WRITERS_POLICY = `systems:
  - id: scorer
    name: Credit scorer
    paths: ["models/**"]
    risk: high
`;
const OVERSIGHT = "aims/human-oversight";

/** Text that would be a link, an image, raw HTML, autolinks and a team mention if rendered as Markdown. */
const HOSTILE = "see [the docs](https://evil.example/a) ![x](https://evil.example/x.png) <a href=\"https://evil.example/b\">here</a> https://evil.example/c www.evil.example @acme/everyone";

// GitHub-flavoured Markdown as far as a renderer models it: raw HTML, tables, scheme and www. autolinks.
const md = new MarkdownIt({ html: true, linkify: true });
md.linkify.set({ fuzzyLink: false });

/** Every link, image and raw HTML element of a Markdown text, as the renderer parses it. */
function liveMarkdown(markdown: string): string[] {
  const found: string[] = [];
  const walk = (tokens: ReturnType<MarkdownIt["parse"]>): void => {
    for (const t of tokens) {
      if (t.type === "link_open") found.push(`link ${t.attrGet("href")}`);
      if (t.type === "image") found.push(`image ${t.attrGet("src")}`);
      if (t.type === "html_inline" || t.type === "html_block") found.push(`html ${t.content}`);
      if (t.children) walk(t.children);
    }
  };
  walk(md.parse(markdown, {}));
  return found;
}

describe("attacks from the threat model (in-process app, stateful fake GitHub)", () => {
  let fake: FakeGitHub;
  let probot: Probot;
  let shop: FakeRepo;
  let lab: FakeRepo;
  let branches = 0;

  beforeAll(async () => {
    fake = new FakeGitHub();
    await fake.start();
    shop = fake.addRepo("acme/shop", { files: { ".github/aims.yml": TEAM_POLICY, "README.md": "# Shop\n" }, ownerType: "Organization" });
    lab = fake.addRepo("acme/lab", { files: { ".github/aims.yml": WRITERS_POLICY, "README.md": "# Lab\n" }, ownerType: "Organization", private: true });
    for (const repo of [shop, lab]) for (const login of ["alice", "carol", "pat"]) fake.setPermission(repo, login, "write");
    fake.setPermission(lab, "tom", "triage");
    fake.user("olga");
    fake.addTeam("acme", "ml-reviewers", { carol: "member", pat: { role: "member", state: "pending" } });
    probot = await createFakeProbot(fake);
  });
  afterAll(async () => fake.stop());

  const latest = (repo: FakeRepo, sha: string) => fake.checkRunsFor(repo, { headSha: sha, name: OVERSIGHT }).at(-1)!;

  /** A governed PR by alice whose checks aims has published. */
  async function governedPull(repo: FakeRepo, title?: string) {
    const branch = `change-${++branches}`;
    fake.commit(repo, { branch, files: { [`models/m${branches}.onnx`]: `\u0000M${branches}` } });
    const pr = fake.addPullRequest(repo, { head: branch, user: "alice", ...(title ? { title } : {}) });
    await receive(probot, "pull_request", await pullRequestPayload(fake, repo.fullName, pr.number, "opened"));
    return pr;
  }

  async function comment(repo: FakeRepo, number: number, who: string, body: string) {
    const c = fake.addComment(repo, number, { body, user: who });
    await receive(probot, "issue_comment", await payloads(fake, repo.fullName).comment("created", number, c));
  }

  it("a sign-off by an invited team member who has not accepted yet does not count", async () => {
    const pr = await governedPull(shop);
    await comment(shop, pr.number, "pat", "/aims sign-off Reviewed the model card and the evaluation.");
    const run = latest(shop, pr.head.sha);
    expect(run.conclusion).toBe("action_required");
    expect(uncell(run.output.summary!)).toContain("@pat's `/aims sign-off`");
    expect(uncell(run.output.summary!)).toContain("not an active member of @acme/ml-reviewers");
    // An active member of the same team counts, on the same pull request.
    await comment(shop, pr.number, "carol", "/aims sign-off Reviewed the model card and the evaluation.");
    expect(latest(shop, pr.head.sha).conclusion).toBe("success");
  });

  it("a sign-off by a triager, or by someone who is not a collaborator of a private repository, does not count", async () => {
    const pr = await governedPull(lab);
    await comment(lab, pr.number, "tom", "/aims sign-off Read the scorer's evaluation and its fairness report.");
    await comment(lab, pr.number, "olga", "/aims sign-off Read the scorer's evaluation and its fairness report.");
    const run = latest(lab, pr.head.sha);
    expect([run.conclusion, run.output.title]).toEqual(["action_required", "Human sign-off required"]);
    const summary = uncell(run.output.summary!);
    expect(summary).toMatch(/@tom's `\/aims sign-off` \([^)]*\): not eligible for the high tier \(triage permission only\)/);
    expect(summary).toMatch(/@olga's `\/aims sign-off` \([^)]*\): not eligible for the high tier/);
    expect(summary).toContain("0 of 2 counted");
  });

  it("one person signing twice, by review and by comment, counts once where two sign-offs are needed", async () => {
    const pr = await governedPull(lab);
    const review = fake.addReview(lab, pr.number, { user: "carol", state: "APPROVED", body: "Checked the fairness report." });
    await receive(probot, "pull_request_review", await payloads(fake, lab.fullName).review("submitted", pr.number, review.id));
    await comment(lab, pr.number, "carol", "/aims sign-off Also read the evaluation of the scorer.");
    const run = latest(lab, pr.head.sha);
    expect([run.conclusion, run.output.title]).toEqual(["action_required", "Human sign-off required: 1 of 2 signed"]);
    // A second person completes it.
    await comment(lab, pr.number, "pat", "/aims sign-off Read the scorer's evaluation and its fairness report.");
    expect(latest(lab, pr.head.sha).conclusion).toBe("success");
  });

  it("a pull request title cannot plant a link, an image, HTML or a mention in the evidence record", async () => {
    const pr = await governedPull(shop, `Swap the ranker ${HOSTILE}`);
    // The record is written at the close (evidence.while_open is off).
    fake.mergePull(shop, pr.number, "carol");
    await receive(probot, "pull_request", await pullRequestPayload(fake, shop.fullName, pr.number, "closed", "carol"));
    const record = [...shop.issues.values()].find((i) => !i.isPull && i.labels.includes("aims:evidence") && i.body?.includes(`acme/shop#${pr.number}`));
    expect(record).toBeDefined();
    const body = record!.body!;
    const summary = body.slice(0, body.indexOf("<details>"));
    expect(uncell(summary)).toContain(`Swap the ranker ${HOSTILE}`);
    expect(liveMarkdown(summary).filter((t) => t.includes("evil.example"))).toEqual([]);
    // The record's own link to the pull request is still there, and points at it.
    expect(liveMarkdown(summary)).toContainEqual(expect.stringMatching(new RegExp(`^link \\S+/acme/shop/pull/${pr.number}$`)));
    expect(summary).not.toContain("@acme/everyone");
  });

  it("a sign-off rationale cannot plant a link, an image, HTML or a mention in the check summary", async () => {
    const pr = await governedPull(shop);
    await comment(shop, pr.number, "carol", `/aims sign-off Reviewed the model card; ${HOSTILE}`);
    const run = latest(shop, pr.head.sha);
    expect(run.conclusion).toBe("success");
    const summary = run.output.summary!;
    expect(uncell(summary)).toContain(`Reviewed the model card; ${HOSTILE}`);
    expect(liveMarkdown(summary).filter((t) => t.includes("evil.example"))).toEqual([]);
    expect(summary).not.toContain("@acme/everyone");
  });
});
