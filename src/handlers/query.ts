import type { Context } from "probot";
import { parseCommand } from "../commands/parse.js";
import { compareControlIds, loadCatalogue } from "../controls/catalogue.js";
import { QUERY_HELP, runQuery } from "../evidence/query.js";
import { hasTriage, readEvidenceEntries } from "../github/evidence-reader.js";
import { isOwnComment } from "../github/identity.js";
import type { GitHub } from "../ports/pull-request-context.js";
import { queryRefusal, renderQueryReply } from "../render/query.js";
import type { Services } from "../services.js";

export const QUERY_EVENTS = ["issue_comment.created"] as const;

/** Hidden marker in a reply to comment `id` (the same marker the oversight replies use). */
export function queryReplyMarker(commentId: number): string {
  return `<!-- aims:reply-to=${commentId} -->`;
}

export interface QueryComment {
  repository: { owner: string; repo: string };
  issue: { number: number; isPullRequest: boolean };
  comment: { id: number; body: string; login: string; type?: string };
}

export type QueryOutcome = "ignored" | "already-replied" | "refused" | "usage" | "answered";

function webUrl(octokit: GitHub): string {
  const base = String((octokit.request.endpoint.DEFAULTS as { baseUrl?: string }).baseUrl ?? "https://api.github.com");
  return base === "https://api.github.com" ? "https://github.com" : base.replace(/\/api\/v3\/?$/, "");
}

/** True when the app itself already replied: a marker counts only in the app's own comments (anyone can type one). */
async function alreadyReplied(octokit: GitHub, c: QueryComment, marker: string, bot: string): Promise<boolean> {
  const { owner, repo } = c.repository;
  for await (const response of octokit.paginate.iterator(octokit.rest.issues.listComments, { owner, repo, issue_number: c.issue.number, per_page: 100 })) {
    if (response.data.some((x) => isOwnComment(x.user, bot) && (x.body ?? "").includes(marker))) return true;
  }
  return false;
}

/**
 * Answer `/aims query` in a comment of the repository it was written in (the evidence
 * repository): records are read from that repository. Only people with at least triage
 * permission there get an answer; others get a one-line refusal, malformed queries get usage
 * help. A redelivered
 * comment finds its reply's marker and gets no second reply.
 */
export async function answerQuery(octokit: GitHub, c: QueryComment, services: Services): Promise<QueryOutcome> {
  if (c.comment.type === "Bot" || c.comment.login.endsWith("[bot]")) return "ignored";
  const command = parseCommand(c.comment.body);
  if (!command) return "ignored";
  // Malformed queries are answered here, on issues and pull requests alike (the oversight handler leaves them to us).
  if (command.kind !== "query" && !(command.kind === "malformed" && command.name === "query")) return "ignored";

  const { owner, repo } = c.repository;
  const evidenceRepo = `${owner}/${repo}`;
  const marker = queryReplyMarker(c.comment.id);
  return services.locks.run(`comment:${evidenceRepo.toLowerCase()}#${c.comment.id}`, async () => {
    const bot = await services.identity.botLogin(octokit);
    if (await alreadyReplied(octokit, c, marker, bot)) return "already-replied";
    let outcome: QueryOutcome;
    let text: string;
    if (!(await hasTriage(octokit, c.repository, c.comment.login))) {
      outcome = "refused";
      text = `${marker}\n${queryRefusal(c.comment.login, evidenceRepo)}`;
    } else if (command.kind !== "query") {
      outcome = "usage";
      text = `${marker}\n@${c.comment.login} \`/aims query\`: ${command.kind === "malformed" ? command.message : "not a query"}.\n\n${QUERY_HELP}`;
    } else {
      outcome = "answered";
      const entries = await readEvidenceEntries(octokit, c.repository, bot);
      const catalogue = loadCatalogue();
      const titles = new Map([...catalogue.controls, ...catalogue.clauses].map((x) => [x.id, x.title]));
      text = renderQueryReply({
        query: command.query,
        matches: runQuery(entries, command.query),
        scanned: entries.length,
        evidenceRepo,
        login: c.comment.login,
        webUrl: webUrl(octokit),
        appSlug: bot.replace(/\[bot\]$/, ""),
        controlTitle: (id) => titles.get(id),
        controlOrder: compareControlIds,
        marker,
      });
    }
    await octokit.rest.issues.createComment({ owner, repo, issue_number: c.issue.number, body: text });
    return outcome;
  });
}

type CommentPayload = {
  issue: { number: number; pull_request?: unknown };
  comment: { id: number; body?: string | null; user: { login: string; type?: string } | null };
  sender: { login: string; type?: string };
};

export async function onQueryComment(context: Context<"issue_comment">, services: Services): Promise<void> {
  const p = context.payload as unknown as CommentPayload;
  const author = p.comment.user ?? p.sender;
  const outcome = await answerQuery(
    context.octokit,
    {
      repository: context.repo(),
      issue: { number: p.issue.number, isPullRequest: p.issue.pull_request !== undefined },
      comment: { id: p.comment.id, body: p.comment.body ?? "", login: author.login, ...(author.type ? { type: author.type } : {}) },
    },
    services,
  );
  if (outcome !== "ignored") context.log.info({ issue: p.issue.number, comment: p.comment.id, outcome }, "aims query");
}
