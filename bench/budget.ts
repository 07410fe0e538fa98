/**
 * The request budget of `npm run bench`: the events of one governed pull request's life, each
 * measured black-box from the fake GitHub's request log, counting everything the server asks of
 * GitHub for the event, including the work it does after answering the webhook (labels, the
 * dashboard). The same events as the request-budget table in docs/request-budget.md.
 */
import { Worker } from "node:worker_threads";
import type { FakeGitHub, FakePull, LoggedRequest } from "../test/support/fake-github.js";
import { sequentialDepth } from "./metrics.js";
import { POLICY, type Delivery } from "./scenarios.js";

export interface BudgetMeasure {
  /** Milliseconds from sending the webhook to its answer. */
  answeredMs: number;
  /** GETs GitHub counts against the rate limit (not 304), 404s included. */
  reads: number;
  notFound: number;
  /** 304 Not Modified: free on GitHub. */
  notModified: number;
  writes: number;
  /** GraphQL queries and the points they cost (GitHub's separate GraphQL budget). */
  graphqlQueries: number;
  graphqlPoints: number;
  /** Requests started after the webhook was answered (label styling, the dashboard). */
  deferred: number;
  /** Longest chain of requests each starting after the previous ended, before the answer. */
  sequential: number;
  /** REST requests counted against the installation's 5,000 an hour: reads + writes, deferred included. */
  counted: number;
  operations: string[];
}

export type Send = (d: Delivery) => Promise<{ status: number; answeredAt: number }>;

const isTokenExchange = (r: LoggedRequest) => r.path.startsWith("/app/installations/") && r.path.endsWith("/access_tokens");
const isGraphql = (r: LoggedRequest) => r.path === "/graphql";
const isRead = (r: LoggedRequest) => r.method === "GET" || r.method === "HEAD";

/** Wait until the fake has seen no request for `quietMs`: the event's deferred work is done. */
export async function quiet(fake: FakeGitHub, quietMs = 1500): Promise<void> {
  let seen = -1;
  for (;;) {
    await new Promise((r) => setTimeout(r, quietMs));
    if (fake.requests.length === seen) return;
    seen = fake.requests.length;
  }
}

export async function measureBudget(fake: FakeGitHub, send: Send, d: Delivery): Promise<BudgetMeasure> {
  await quiet(fake);
  fake.reset();
  const t0 = performance.timeOrigin + performance.now();
  const { answeredAt } = await send(d);
  await quiet(fake);
  const api = fake.requests.filter((r) => !isTokenExchange(r));
  const rest = api.filter((r) => !isGraphql(r));
  const graphql = api.filter(isGraphql);
  const reads = rest.filter((r) => isRead(r) && r.status !== 304);
  const writes = rest.filter((r) => !isRead(r));
  return {
    answeredMs: Math.round(answeredAt - t0),
    reads: reads.length,
    notFound: reads.filter((r) => r.status === 404).length,
    notModified: rest.filter((r) => r.status === 304).length,
    writes: writes.length,
    graphqlQueries: graphql.length,
    // GitHub charges at least one point per query; the fake answers no GraphQL today, so this stays 0.
    graphqlPoints: graphql.length,
    deferred: api.filter((r) => r.startedAt >= answeredAt && r.status !== 304).length,
    sequential: sequentialDepth(api.filter((r) => r.startedAt < answeredAt)),
    counted: reads.length + writes.length,
    operations: api.map((r) => `+${Math.round(r.startedAt - t0)} ms ${r.startedAt >= answeredAt ? "(after) " : ""}${r.method} ${r.operationId ?? r.path} ${r.status}`),
  };
}

// ---------------------------------------------------------------------------------------------
// Deliveries built from the fake's state, as GitHub would send them

async function get(api: string, path: string): Promise<Record<string, unknown>> {
  return (await fetch(`${api}${path}`)).json() as Promise<Record<string, unknown>>;
}

async function pullEvent(fake: FakeGitHub, api: string, repo: string, pull: FakePull, action: string, extra: Record<string, unknown> = {}): Promise<Delivery> {
  return {
    name: "pull_request",
    payload: {
      action,
      number: pull.number,
      pull_request: await get(api, `/repos/${repo}/pulls/${pull.number}`),
      repository: await get(api, `/repos/${repo}`),
      installation: { id: fake.installationId },
      sender: { login: pull.issue.user, id: 9001, type: "User" },
      ...extra,
    },
  };
}

async function reviewEvent(fake: FakeGitHub, api: string, repo: string, pull: FakePull, reviewId: number): Promise<Delivery> {
  const pr = await pullEvent(fake, api, repo, pull, "submitted");
  const reviews = (await (await fetch(`${api}/repos/${repo}/pulls/${pull.number}/reviews`)).json()) as Array<Record<string, unknown>>;
  const review = reviews.find((r) => r.id === reviewId)!;
  return { name: "pull_request_review", payload: { ...pr.payload, review: { ...review, state: String(review.state).toLowerCase() }, sender: review.user } };
}

async function commentEvent(fake: FakeGitHub, api: string, repo: string, pull: FakePull, commentId: number): Promise<Delivery> {
  const comment = await get(api, `/repos/${repo}/issues/comments/${commentId}`);
  return {
    name: "issue_comment",
    payload: {
      action: "created",
      issue: await get(api, `/repos/${repo}/issues/${pull.number}`),
      comment,
      repository: await get(api, `/repos/${repo}`),
      installation: { id: fake.installationId },
      sender: comment.user,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The events of the request-budget table

export interface BudgetRow {
  id: string;
  title: string;
  measure: BudgetMeasure;
}

let seq = 0;

function seedRepository(fake: FakeGitHub, name: string): void {
  if (!fake.repos.has(name.toLowerCase())) fake.addRepo(name, { files: { ".github/aims.yml": POLICY, "README.md": "# Shop\n", "src/index.ts": "export {};\n" } });
  fake.setPermission(name, "bob", "write");
  fake.setPermission(name, "carol", "write");
}

/** One governed pull request opened in `repo`: a model added. */
function openGoverned(fake: FakeGitHub, repo: string): FakePull {
  const branch = `budget-${++seq}`;
  fake.commit(repo, { branch, files: { [`models/ranker-${seq}.onnx`]: `\u0000ONNX\u0003${seq}` }, author: "alice" });
  return fake.addPullRequest(repo, { head: branch, user: "alice", title: `Add ranker ${seq}` });
}

/**
 * The measured events, in the order of a pull request's life. `repo` is a repository the server
 * has seen before (its labels exist); the first row uses a repository it has never seen.
 */
export async function budgetEvents(fake: FakeGitHub, api: string, send: Send, repo: string): Promise<BudgetRow[]> {
  const rows: BudgetRow[] = [];
  const row = async (id: string, title: string, d: Delivery) => {
    rows.push({ id, title, measure: await measureBudget(fake, send, d) });
    return d;
  };

  const fresh = `acme/budget-first-${Date.now().toString(36)}`;
  seedRepository(fake, fresh);
  const first = openGoverned(fake, fresh);
  await row("first-governed", "first governed PR in a repository", await pullEvent(fake, api, fresh, first, "opened"));

  seedRepository(fake, repo);
  const pull = openGoverned(fake, repo);
  await row("governed-opened", "governed PR, steady state (opened)", await pullEvent(fake, api, repo, pull, "opened"));
  fake.pushToPull(repo, pull.number, { [`src/lib/util-${seq}.ts`]: `export const u = ${seq};\n` });
  const sync = await row("synchronize", "`synchronize` to a new head", await pullEvent(fake, api, repo, fake.getPull(repo, pull.number), "synchronize"));
  await row("redelivery", "redelivery, nothing changed", sync);
  const review = fake.addReview(repo, pull.number, { user: "bob", state: "APPROVED", body: "Looks right." });
  await row("review", "review approval", await reviewEvent(fake, api, repo, fake.getPull(repo, pull.number), review.id));
  const comment = fake.addComment(repo, pull.number, { user: "carol", body: "/aims sign-off The evaluation report covers the new ranker." });
  await row("sign-off", "`/aims sign-off` comment", await commentEvent(fake, api, repo, fake.getPull(repo, pull.number), comment.id));

  const branch = `budget-docs-${++seq}`;
  fake.commit(repo, { branch, files: { "README.md": `# Shop\n\nHow to run it (${seq}).\n` }, author: "alice" });
  const docs = fake.addPullRequest(repo, { head: branch, user: "alice", title: "Docs" });
  await row("docs-only", "docs-only PR", await pullEvent(fake, api, repo, docs, "opened"));
  return rows;
}

/** One typical life of a governed pull request: opened, three pushes, a redelivery, a review, a comment. */
export async function typicalLife(fake: FakeGitHub, api: string, send: Send, repo: string): Promise<{ events: number; counted: number; writes: number; graphqlPoints: number }> {
  const total = { events: 0, counted: 0, writes: 0, graphqlPoints: 0 };
  const add = async (d: Delivery) => {
    const m = await measureBudget(fake, send, d);
    total.events++;
    total.counted += m.counted;
    total.writes += m.writes;
    total.graphqlPoints += m.graphqlPoints;
    return d;
  };
  const pull = openGoverned(fake, repo);
  await add(await pullEvent(fake, api, repo, pull, "opened"));
  let last: Delivery | undefined;
  for (let i = 0; i < 3; i++) {
    fake.pushToPull(repo, pull.number, { [`src/lib/life-${seq}-${i}.ts`]: `export const l = ${i};\n` });
    last = await add(await pullEvent(fake, api, repo, fake.getPull(repo, pull.number), "synchronize"));
  }
  await add(last!);
  const review = fake.addReview(repo, pull.number, { user: "bob", state: "APPROVED", body: "Approved." });
  await add(await reviewEvent(fake, api, repo, fake.getPull(repo, pull.number), review.id));
  const comment = fake.addComment(repo, pull.number, { user: "carol", body: "/aims sign-off Reviewed the evaluation." });
  await add(await commentEvent(fake, api, repo, fake.getPull(repo, pull.number), comment.id));
  return total;
}

/** Pings `workerData.url` until told to stop, then posts every answer time (ms) back. */
const PINGER = `
const { parentPort, workerData } = require("node:worker_threads");
let running = true;
let failures = 0;
const times = [];
parentPort.once("message", () => { running = false; });
(async () => {
  while (running) {
    const t = performance.now();
    try { await (await fetch(workerData.url)).text(); } catch { failures++; }
    times.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 10));
  }
  parentPort.postMessage({ times, failures });
})();
`;

/**
 * `/ping` answer times while the server handles `d`: asked one after another, every 10 ms, from a
 * worker thread, so the fake GitHub serving 20 MB in this thread never delays the pings it times.
 */
export async function pingDuring(serverUrl: string, fake: FakeGitHub, send: Send, d: Delivery): Promise<{ samples: number; failures: number; p50: number; p99: number; max: number }> {
  const pinger = new Worker(PINGER, { eval: true, workerData: { url: `${serverUrl}/ping` } });
  const result = new Promise<{ times: number[]; failures: number }>((resolve, reject) => {
    pinger.once("message", resolve);
    pinger.once("error", reject);
  });
  await new Promise((resolve) => pinger.once("online", resolve));
  await send(d);
  await quiet(fake);
  pinger.postMessage("stop");
  const { times, failures } = await result;
  await pinger.terminate();
  times.sort((a, b) => a - b);
  const at = (q: number) => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0);
  return { samples: times.length, failures, p50: at(0.5), p99: at(0.99), max: Math.round(times.at(-1) ?? 0) };
}
