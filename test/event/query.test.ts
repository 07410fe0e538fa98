import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import type { Probot } from "probot";
import { FakeGitHub, type FakeIssue } from "../support/fake-github.js";
import { createFakeProbot, receive } from "../support/fake-probot.js";
import { payloads } from "../support/payloads.js";
import { fixtureRecords, seedEvidence } from "../support/evidence-fixture.js";

const EVIDENCE = "acme/evidence";
let fake: FakeGitHub;
let probot: Probot;
let ask: FakeIssue;

beforeAll(async () => {
  fake = new FakeGitHub({ now: "2026-04-01T09:00:00Z" });
  await fake.start();
  fake.addRepo(EVIDENCE);
  seedEvidence(fake, EVIDENCE, fixtureRecords(60, { open: 4, repositories: ["acme/shop", "acme/web"] }));
  // A look-alike record written by a person: never counted.
  fake.addIssue(EVIDENCE, { title: "fake", body: "<!-- aims:evidence-record acme/shop#999 -->\nnot a record", labels: ["aims:evidence", "annex-a:A.6.2.5"], user: "mallory" });
  ask = fake.addIssue(EVIDENCE, { title: "Questions for the audit", user: "lead" });
  fake.setPermission(EVIDENCE, "lead", "triage");
  fake.setPermission(EVIDENCE, "reader", "read");
  fake.setPermission(EVIDENCE, "maintainer", "maintain");
  probot = await createFakeProbot(fake);
});

afterAll(async () => {
  await fake.stop();
});

beforeEach(() => fake.reset());

/** The `issue_comment.created` event of `login` commenting `body` on issue or PR `number`. */
async function newComment(login: string, body: string, number = ask.number): Promise<Record<string, any>> {
  const c = fake.addComment(EVIDENCE, number, { body, user: login });
  return payloads(fake, EVIDENCE).comment("created", number, c);
}

/** Delivers `login`'s new comment; returns its id, which the app's reply names. */
async function comment(login: string, body: string, number = ask.number): Promise<number> {
  const event = await newComment(login, body, number);
  await receive(probot, "issue_comment", event);
  return event.comment.id;
}

function replies(id: number): string[] {
  return ask.comments.filter((c) => c.body.includes(`<!-- aims:reply-to=${id} -->`)).map((c) => c.body);
}

describe("/aims query in the evidence repository", () => {
  it("answers a triager with the matching records, totals and the search link, reading through the issues list only", async () => {
    const id = await comment("lead", "/aims query control:A.6.2.5 risk:high state:merged repo:acme/shop since:2026-01-01 until:2026-03-31");
    const [reply] = replies(id);
    expect(reply).toBeDefined();
    expect(reply).toMatch(/^<!-- aims:reply-to=\d+ -->\n@lead \*\*\d+ evidence records?\*\* match/);
    expect(reply).toContain("(60 records read)");
    const rows = reply!.split("\n").filter((l) => l.startsWith("| [#"));
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r).toContain("acme/shop#");
      expect(r).toContain("| high |");
      expect(r).toContain("A.6.2.5");
    }
    expect(reply).toContain("| A.6.2.5 | AI system deployment |");
    expect(reply).toContain("label%3A%22annex-a%3AA.6.2.5%22");
    expect(reply).not.toContain("#999");
    expect(fake.reads(/search/)).toBe(0);
    const lists = fake.requests.filter((r) => r.method === "GET" && r.path === `/repos/${EVIDENCE}/issues`);
    expect(lists.length).toBeGreaterThan(0);
    for (const r of lists) expect(r.query).toMatchObject({ labels: "aims:evidence", state: "all", creator: "aims-bot[bot]" });
  });

  it("answers maintainers too", async () => {
    const id = await comment("maintainer", "/aims query system:chatbot");
    expect(replies(id)[0]).toContain("@maintainer **");
  });

  it("refuses people with read permission in one line, without reading records", async () => {
    const id = await comment("reader", "/aims query control:A.6.2.5");
    const [reply] = replies(id);
    expect(reply!.split("\n")).toHaveLength(2);
    expect(reply).toContain("@reader evidence queries are answered only for people with at least triage permission on acme/evidence.");
    expect(fake.requests.filter((r) => r.path === `/repos/${EVIDENCE}/issues`)).toHaveLength(0);
  });

  it("refuses people who are not collaborators", async () => {
    const id = await comment("stranger", "/aims query");
    expect(replies(id)[0]).toContain("at least triage permission");
  });

  it("gives usage help for a malformed query", async () => {
    const id = await comment("lead", "/aims query risk:extreme");
    const [reply] = replies(id);
    expect(reply).toContain("`risk:extreme`: risk is one of minimal, limited, high, prohibited");
    expect(reply).toContain("Usage: `/aims query [control:A.6.2.5]");
  });

  it("lists every bad filter in one reply", async () => {
    const id = await comment("lead", "/aims query risk:extreme since:yesterday");
    const all = replies(id);
    expect(all).toHaveLength(1);
    expect(all[0]).toContain("`/aims query`: 2 problems: `risk:extreme`: risk is one of minimal, limited, high, prohibited; `since:yesterday`: since takes a date as YYYY-MM-DD.");
  });

  it("does not reply twice to a redelivered comment", async () => {
    const event = await newComment("lead", "/aims query state:open");
    await receive(probot, "issue_comment", event);
    const id: number = event.comment.id;
    expect(replies(id)).toHaveLength(1);
    fake.reset();
    await receive(probot, "issue_comment", event);
    expect(replies(id)).toHaveLength(1);
    expect(fake.writes()).toBe(0);
  });

  it("answers a malformed query on a pull request once (the oversight handler leaves it here)", async () => {
    fake.commit(EVIDENCE, { branch: "docs", files: { "docs/audit.md": "notes" } });
    const pr = fake.addPullRequest(EVIDENCE, { head: "docs", user: "lead" });
    const id = await comment("lead", "/aims query since:someday", pr.number);
    const replies = pr.issue.comments.filter((c) => c.body.includes(`<!-- aims:reply-to=${id} -->`));
    expect(replies).toHaveLength(1);
    expect(replies[0]!.body).toContain("since takes a date as YYYY-MM-DD");
  });

  it("ignores other commands and ordinary comments", async () => {
    const byApp = () => ask.comments.filter((c) => c.user === fake.botLogin).length;
    const before = byApp();
    await comment("lead", "Thanks, looks complete.");
    await comment("lead", "/aims revoke");
    expect(byApp()).toBe(before);
  });
});
