import { webUrl } from "../evidence/index.js";
import { DEPLOYMENT_LABEL, deploymentLabels, deploymentMarkerId, deploymentTitle, parseDeploymentBody, renderDeploymentBody, shippedComment, shippedMarker, type DeploymentRecord } from "../evidence/deployment.js";
import { canonicalJson } from "../evidence/record.js";
import { createGitHubStore, type GitHubStoreServices, type RepoRef } from "../evidence/store.js";
import type { GitHub } from "../ports/pull-request-context.js";
import { decideDeployment } from "./decide.js";
import { evidenceRepoOf, gatherDeploymentFacts } from "./gather.js";
import { createDeploymentReader, type DeploymentReader } from "./reader.js";
import { buildDeploymentRecord, reviewComment } from "./render.js";
import { DIRECT_PUSH_LABEL, renderTrackingIssue, trackingTitle } from "./tracking.js";
import type { DeploymentDecision, DeploymentFacts, DeploymentRequest } from "./types.js";

/**
 * The shell of the deployment gate: gather the facts, decide (pure), open the tracking issues of
 * direct pushes, write the deployment record and append it to the shipped records, and answer
 * GitHub. The answer is the one write that must succeed: evidence failures are logged and never
 * change or hold back the decision; a failed answer throws, so the delivery fails and is retried.
 */

export interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Records of pull requests a deployment appends itself to, at most. */
const MAX_APPENDED_RECORDS = 50;

/** What the gate needs from the process: the evidence store's identity and label cache, and the clock. */
export interface DeploymentServices extends GitHubStoreServices {
  now: () => number;
}

export interface Evaluated {
  facts: DeploymentFacts;
  decision: DeploymentDecision;
  reader: DeploymentReader;
}

/** Gather and decide (reads only): the engine `aims deploy-check` and the handler share. */
export async function evaluateDeployment(octokit: GitHub, request: DeploymentRequest, defaultBranch: string, services: GitHubStoreServices, today: string): Promise<Evaluated> {
  const reader = createDeploymentReader(octokit, { owner: request.owner, repo: request.repo, defaultBranch }, services);
  const facts = await gatherDeploymentFacts(reader, request, today);
  return { facts, decision: decideDeployment(facts), reader };
}

export async function answerDeployment(
  octokit: GitHub,
  request: DeploymentRequest & { runId: number },
  defaultBranch: string,
  services: DeploymentServices,
  options: { log: Log },
): Promise<Evaluated & { recordUrl?: string }> {
  const { log } = options;
  const now = new Date(services.now());
  const today = now.toISOString().slice(0, 10);
  const evaluated = await evaluateDeployment(octokit, request, defaultBranch, services, today);
  const { facts, reader } = evaluated;
  let { decision } = evaluated;
  const repo = { owner: request.owner, repo: request.repo };
  const web = webUrl(octokit);

  if (decision.directPushes.some((p) => !p.tracking)) {
    try {
      for (const push of facts.directPushes) {
        if (push.tracking || (push.aiPaths.length === 0 && push.complete)) continue;
        const { data } = await octokit.rest.issues.create({
          ...repo,
          title: trackingTitle(push),
          body: renderTrackingIssue({ ...push, environment: request.environment, repository: `${repo.owner}/${repo.repo}`, webUrl: web }),
          labels: [DIRECT_PUSH_LABEL],
        });
        push.tracking = { issue: data.number, url: data.html_url };
        log.info({ sha: push.sha, issue: data.number }, "AI change pushed without a pull request: tracking issue opened");
      }
      decision = decideDeployment(facts);
    } catch (error) {
      log.warn({ err: error }, "could not open the tracking issue of a direct push; the deployment is rejected all the same");
    }
  }

  let recordUrl: string | undefined;
  let record: DeploymentRecord | undefined;
  const policy = facts.rules ? await reader.policy() : undefined;
  const evidenceRepo = policy?.ok && policy.policy.evidence.enabled ? evidenceRepoOf(policy.policy, request) : undefined;
  if (decision.listed && evidenceRepo) {
    try {
      record = buildDeploymentRecord(decision, facts, { decidedAt: now.toISOString().replace(/\.\d{3}Z$/, "Z"), runUrl: `${web}/${repo.owner}/${repo.repo}/actions/runs/${request.runId}` });
      recordUrl = await upsertDeploymentRecord(octokit, evidenceRepo, record, request.createdAt, services);
    } catch (error) {
      log.warn({ err: error, environment: request.environment }, "deployment record not written; the decision stands");
    }
  }

  await octokit.rest.actions.reviewCustomGatesForRun({
    ...repo,
    run_id: request.runId,
    environment_name: request.environment,
    state: decision.state,
    comment: reviewComment(decision, recordUrl),
  });
  log.info({ environment: request.environment, sha: request.sha, state: decision.state, blockers: decision.blockers.map((b) => b.kind) }, "aims deployment decided");

  if (record && recordUrl && evidenceRepo) {
    try {
      await appendToShippedRecords(octokit, evidenceRepo, record, recordUrl);
    } catch (error) {
      log.warn({ err: error }, "the shipped evidence records were not all annotated with the deployment");
    }
  }
  return { facts, decision, reader, ...(recordUrl ? { recordUrl } : {}) };
}

const LABEL_SPECS = {
  [DEPLOYMENT_LABEL]: { color: "0052cc", description: "Deployment record written by aims-bot (ISO/IEC 42001 A.6.2.5)" },
  "deployment:approved": { color: "0e8a16", description: "aims-bot approved this deployment" },
  "deployment:rejected": { color: "b60205", description: "aims-bot rejected this deployment" },
  "annex-a:A.6.2.5": { color: "0e8a16", description: "ISO/IEC 42001 A.6.2.5 AI system deployment" },
} as Record<string, { color: string; description: string }>;

/** Without the decision time and hash: two decisions with the same content write nothing. */
function content(r: DeploymentRecord): string {
  const { decidedAt: _at, hash: _hash, ...rest } = r;
  return canonicalJson(rest);
}

async function upsertDeploymentRecord(octokit: GitHub, repo: RepoRef, record: DeploymentRecord, since: string | undefined, services: GitHubStoreServices): Promise<string> {
  const store = createGitHubStore(octokit, services);
  const [listed, bot] = await Promise.all([
    store.list(repo, { state: "all", label: DEPLOYMENT_LABEL, ...(since ? { since } : {}), sort: "created", direction: "desc" }),
    store.botLogin(),
  ]);
  const existing = listed.find((i) => i.author.toLowerCase() === bot.toLowerCase() && deploymentMarkerId(i.body) === record.id);
  const labels = deploymentLabels(record);
  await store.ensureLabels(repo, labels.map((name) => ({ name, ...(LABEL_SPECS[name] ?? { color: "ededed", description: "aims-bot deployment record" }) })));
  if (existing) {
    const parsed = parseDeploymentBody(existing.body);
    if (parsed.ok && content(parsed.record) === content(record)) return existing.htmlUrl;
    await store.update(repo, existing.number, { title: deploymentTitle(record), body: renderDeploymentBody(record), labels });
    return existing.htmlUrl;
  }
  const created = await store.create(repo, { title: deploymentTitle(record), body: renderDeploymentBody(record), labels });
  return created.htmlUrl;
}

async function appendToShippedRecords(octokit: GitHub, repo: RepoRef, record: DeploymentRecord, recordUrl: string): Promise<void> {
  const marker = shippedMarker(record.id);
  for (const s of record.shipped.slice(0, MAX_APPENDED_RECORDS)) {
    const comments = await octokit.paginate(octokit.rest.issues.listComments, { ...repo, issue_number: s.issue, per_page: 100 });
    if (comments.some((c) => (c.body ?? "").startsWith(marker))) continue;
    await octokit.rest.issues.createComment({ ...repo, issue_number: s.issue, body: shippedComment(record, recordUrl) });
  }
}
