import type { FakeComment, FakeGitHub } from "./fake-github.js";

type Json = Record<string, any>;

/**
 * Webhook payloads for one repository of a started FakeGitHub, as GitHub would send them: every
 * object a payload carries (pull request, issue, comment, review, check run, repository) is read
 * from the fake's REST API, so it matches GitHub's state at the moment the event is built. Build
 * the event after changing the state, as GitHub sends it after the change.
 */
export function payloads(fake: FakeGitHub, fullName: string) {
  const get = async (path: string): Promise<Json> => {
    const res = await fetch(`${fake.apiBase}${path}`);
    if (!res.ok) throw new Error(`GET ${path} answered ${res.status}`);
    return (await res.json()) as Json;
  };
  const repo = `/repos/${fullName}`;
  const user = (login: string) => {
    const u = fake.user(login);
    return { login: u.login, id: u.id, type: u.type };
  };
  const envelope = async (sender: string) => ({ repository: await get(repo), installation: { id: fake.installationId }, sender: user(sender) });

  return {
    user,
    get,
    envelope,

    /** `pull_request` with GitHub's current copy of the PR; the sender defaults to its author. */
    async pullRequest(number: number, action: string, options: { sender?: string; extra?: Json } = {}): Promise<Json> {
      const pull = await get(`${repo}/pulls/${number}`);
      return { action, number, pull_request: pull, ...(await envelope(options.sender ?? pull.user.login)), ...options.extra };
    },

    /** `issue_comment` for `comment` on issue or PR `number`; the sender defaults to its author. */
    async comment(action: string, number: number, comment: Pick<FakeComment, "id" | "user">, options: { sender?: string; extra?: Json } = {}): Promise<Json> {
      const json = await get(`${repo}/issues/comments/${comment.id}`);
      return { action, issue: await get(`${repo}/issues/${number}`), comment: json, ...(await envelope(options.sender ?? comment.user)), ...options.extra };
    },

    /** `pull_request_review` for review `reviewId` of PR `number`; the sender defaults to the reviewer. */
    async review(action: string, number: number, reviewId: number, options: { sender?: string; extra?: Json } = {}): Promise<Json> {
      const reviews = (await get(`${repo}/pulls/${number}/reviews?per_page=100`)) as unknown as Json[];
      const review = reviews.find((r) => r.id === reviewId);
      if (!review) throw new Error(`no review ${reviewId} on ${fullName}#${number}`);
      // Webhooks spell the state in lower case where the REST API uses upper case.
      const hook = { ...review, state: String(review.state).toLowerCase() };
      return { action, review: hook, pull_request: await get(`${repo}/pulls/${number}`), ...(await envelope(options.sender ?? review.user.login)), ...options.extra };
    },

    /** `issues` for issue `number`. */
    async issue(action: string, number: number, sender: string, extra: Json = {}): Promise<Json> {
      return { action, issue: await get(`${repo}/issues/${number}`), ...(await envelope(sender)), ...extra };
    },

    /** `check_run.requested_action`: `sender` pressed the button `identifier` on check run `runId`. */
    async checkRunAction(runId: number, identifier: string, sender: string): Promise<Json> {
      return { action: "requested_action", check_run: await get(`${repo}/check-runs/${runId}`), requested_action: { identifier }, ...(await envelope(sender)) };
    },

    /** `check_suite` at `headSha`; GitHub lists no pull requests for a fork's head, so none are listed. */
    async checkSuite(action: string, headSha: string, sender: string): Promise<Json> {
      return { action, check_suite: { id: 1, head_sha: headSha, head_branch: null, status: "completed", conclusion: null, pull_requests: [] }, ...(await envelope(sender)) };
    },
  };
}
