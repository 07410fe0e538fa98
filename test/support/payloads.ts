import type { FakeComment, FakeGitHub } from "./fake-github.js";

type Json = Record<string, any>;

/** A push payload lists at most this many commits. */
const PUSH_COMMIT_LIMIT = 20;
const MERGE_QUEUE = "github-merge-queue[bot]";

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
  const user = (login: string) => fake.userJson(login);
  const envelope = async (sender: string) => ({ repository: await get(repo), installation: fake.installationRef(), sender: user(sender) });

  return {
    user,
    get,
    envelope,

    /** `pull_request` with GitHub's current copy of the PR; the sender defaults to its author. */
    async pullRequest(number: number, action: string, options: { sender?: string; extra?: Json } = {}): Promise<Json> {
      const pull = await get(`${repo}/pulls/${number}`);
      // A push of one commit: `before` is the head's parent.
      const push = action === "synchronize" ? { before: fake.commits.get(pull.head.sha)?.parents[0] ?? pull.base.sha, after: pull.head.sha } : {};
      return { action, number, pull_request: pull, ...push, ...(await envelope(options.sender ?? pull.user.login)), ...options.extra };
    },

    /** `issue_comment` for `comment` on issue or PR `number`; the sender defaults to its author. */
    async comment(action: string, number: number, comment: FakeComment, options: { sender?: string; extra?: Json } = {}): Promise<Json> {
      // A deleted comment is gone from the REST API; the webhook carries it as it was.
      const json = action === "deleted" ? fake.issueCommentJson(fullName, comment) : await get(`${repo}/issues/comments/${comment.id}`);
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

    /** `membership` of `member` in team `slug` of the repository's organisation; it names no repository. */
    async membership(action: string, slug: string, member: string, sender: string): Promise<Json> {
      const org = fullName.split("/")[0]!;
      return { action, scope: "team", member: user(member), team: fake.teamJson(org, slug), organization: fake.organizationJson(org), installation: fake.installationRef(), sender: user(sender) };
    },

    /** `member`: `sender` changed the access of collaborator `member`. */
    async member(action: string, member: string, sender: string, extra: Json = {}): Promise<Json> {
      return { action, member: user(member), ...(await envelope(sender)), ...extra };
    },

    /** `check_suite` of this app at `headSha`; GitHub lists no pull requests for a fork's head, so none are listed. */
    async checkSuite(action: string, headSha: string, sender: string): Promise<Json> {
      return { action, check_suite: fake.checkSuiteJson(fullName, headSha), ...(await envelope(sender)) };
    },

    /** `issues.labeled`: `sender` put the label `name` on issue `number` (label it in the fake first). */
    async labeled(number: number, name: string, sender: string): Promise<Json> {
      const issue = await get(`${repo}/issues/${number}`);
      const label = (issue.labels as Json[]).find((l) => l.name === name);
      if (!label) throw new Error(`${fullName}#${number} has no label ${name}`);
      return { action: "labeled", issue, label, ...(await envelope(sender)) };
    },

    /**
     * `push` of `branch` from `before` to `after` by `sender`: the latest 20 commits of the
     * first-parent line, oldest first, each with the files it added, removed and modified.
     */
    async push(branch: string, before: string, after: string, sender: string): Promise<Json> {
      const shas: string[] = [];
      for (let sha: string | undefined = after; sha && sha !== before; sha = fake.commits.get(sha)?.parents[0]) shas.unshift(sha);
      const repository = await get(repo);
      const commits = await Promise.all(
        shas.slice(-PUSH_COMMIT_LIMIT).map(async (sha) => {
          const files = (await get(`${repo}/commits/${sha}`)).files as Json[];
          const named = (status: string) => files.filter((f) => f.status === status).map((f) => f.filename as string);
          return { ...fake.simpleCommitJson(sha), distinct: true, url: `${repository.html_url}/commit/${sha}`, added: named("added"), removed: named("removed"), modified: named("modified") };
        }),
      );
      const pusher = { name: sender, email: `${sender}@users.noreply.github.com` };
      const compare = `${repository.html_url}/compare/${before.slice(0, 12)}...${after.slice(0, 12)}`;
      return { ref: `refs/heads/${branch}`, before, after, base_ref: null, created: false, deleted: false, forced: false, compare, commits, head_commit: commits.at(-1) ?? null, pusher, ...(await envelope(sender)) };
    },

    /** `merge_group.checks_requested` for the merge-group branch `headRef` onto `baseRef`, sent by the merge queue. */
    async mergeGroup(headRef: string, baseRef = fake.getRepo(fullName).defaultBranch): Promise<Json> {
      const headSha = fake.resolveRef(fullName, headRef);
      const baseSha = fake.resolveRef(fullName, baseRef);
      if (!headSha || !baseSha) throw new Error(`${fullName} has no branch ${headSha ? baseRef : headRef}`);
      const group = { head_sha: headSha, head_ref: `refs/heads/${headRef}`, base_sha: baseSha, base_ref: `refs/heads/${baseRef}`, head_commit: fake.simpleCommitJson(headSha) };
      fake.user(MERGE_QUEUE, "Bot");
      return { action: "checks_requested", merge_group: group, ...(await envelope(MERGE_QUEUE)) };
    },
  };
}
