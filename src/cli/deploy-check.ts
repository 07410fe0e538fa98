import { Octokit } from "@octokit/rest";
import { parseArgs } from "node:util";
import { evaluateDeployment } from "../deploy/publish.js";
import { decisionText } from "../deploy/render.js";
import type { GitHub } from "../ports/pull-request-context.js";
import { createServices } from "../services.js";
import { AIMS_VERSION } from "../version.js";
import { UsageError, type AuditIo } from "./audit.js";

/**
 * `aims deploy-check --environment <name> --sha <sha>`: the deployment gate's decision for a commit,
 * without deploying: the same engine as the app (src/deploy), reading GitHub with GITHUB_TOKEN.
 * Nothing is written. Exit 0 when aims-bot would approve, 1 when it would reject, 2 on bad usage.
 */

const REPO_RE = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/;
const SHA_RE = /^[0-9a-f]{7,40}$/i;

export async function deployCheckCommand(args: string[], io: AuditIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { repo: { type: "string" }, environment: { type: "string" }, sha: { type: "string" }, app: { type: "string" } },
  });
  const env = io.env ?? {};
  const repository = values.repo ?? env.GITHUB_REPOSITORY;
  if (!repository || !REPO_RE.test(repository)) throw new UsageError("--repo owner/name (the repository deployed from) is required, or GITHUB_REPOSITORY");
  if (!values.environment?.trim()) throw new UsageError("--environment <name> is required (e.g. production)");
  if (!values.sha || !SHA_RE.test(values.sha)) throw new UsageError("--sha takes a commit SHA (7 to 40 hexadecimal digits)");
  const token = env.GITHUB_TOKEN?.trim();
  if (!token) throw new UsageError("set GITHUB_TOKEN to a token that can read the repository, its deployments and its evidence repository");
  const [owner, repo] = repository.split("/") as [string, string];
  const octokit = new Octokit({ auth: token, baseUrl: (env.GITHUB_API_URL ?? "https://api.github.com").replace(/\/$/, ""), userAgent: `aims-cli/${AIMS_VERSION}`, log: { debug() {}, info() {}, warn() {}, error() {} } });
  const github = octokit as unknown as GitHub;
  let defaultBranch: string;
  let sha: string;
  try {
    const [{ data: r }, { data: c }] = await Promise.all([octokit.rest.repos.get({ owner, repo }), octokit.rest.repos.getCommit({ owner, repo, ref: values.sha, per_page: 1 })]);
    defaultBranch = r.default_branch;
    sha = c.sha;
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 404 || status === 422) throw new UsageError(`${repository} has no commit ${values.sha} (or the token cannot read the repository)`);
    throw error;
  }
  const slug = values.app ?? env.APP_SLUG ?? "aims-bot";
  const { facts, decision } = await evaluateDeployment(
    github,
    { owner, repo, environment: values.environment.trim(), sha, ref: defaultBranch, creator: "aims deploy-check" },
    defaultBranch,
    createServices({ appSlug: slug.replace(/\[bot\]$/, "") }),
    new Date().toISOString().slice(0, 10),
  );
  io.stdout(decisionText(decision, facts));
  return decision.state === "approved" ? 0 : 1;
}
