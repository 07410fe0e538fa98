import type { Evaluation } from "./evaluation.js";
import { prefetchOpenEvidence, recordOpenEvidenceSafely, webUrl, type EvidencePrefetch } from "./evidence/index.js";
import type { UpsertResult } from "./evidence/ledger.js";
import { evaluationFailed } from "./gates/evaluate.js";
import type { GateResult } from "./gates/types.js";
import { publishChecks, type PublishedCheck } from "./github/checks.js";
import type { GitHub, PullRequestContext, PullRequestRef } from "./ports/pull-request-context.js";
import { createPullRequestContext } from "./github/octokit-context.js";
import { evaluatePullRequest } from "./pipeline.js";
import { renderGates } from "./render/check.js";
import type { Services } from "./services.js";

/**
 * The one way to re-evaluate a pull request, used by every handler, the reconciler and the merge
 * queue: evaluate it from GitHub (src/pipeline.ts), publish both checks, then update its evidence
 * record. On any failure to evaluate, a fail-closed decision is published and the error rethrown.
 */

export interface Reevaluation {
  evaluation?: Evaluation;
  published: PublishedCheck[];
  evidence?: UpsertResult;
}

/** Re-evaluate the pull request `pull` (a ref read from GitHub or a payload). */
export function reevaluatePull(services: Services, octokit: GitHub, pull: PullRequestRef): Promise<Reevaluation> {
  return runPullRequest(services, octokit, createPullRequestContext(octokit, pull, services));
}

/** Evaluates pull requests from GitHub, reads only, nothing published: what evidence finalisation re-reads a closed pull request with. */
export function evaluateFromGitHub(services: Services, octokit: GitHub): (pull: PullRequestRef) => Promise<Evaluation> {
  return (pull) => evaluatePullRequest(createPullRequestContext(octokit, pull, services));
}

/** Re-evaluate through a context already built (one that started reads speculatively, or a test's). */
export function runPullRequest(services: Services, octokit: GitHub, ctx: PullRequestContext): Promise<Reevaluation> {
  // One evaluation per PR at a time: an evaluation that started before a review or push (and is
  // slowed by retries) must not publish after, and over, a newer one.
  const { owner, repo, number } = ctx.pull;
  return services.locks.run(`pull:${owner}/${repo}#${number}`.toLowerCase(), () => evaluateAndPublish(services, octokit, underSerialisation(ctx)));
}

/**
 * The context as used while holding the PR's serialisation: the check runs are read once, now.
 * A read started before (by another event, or speculatively) could predate a run the previous
 * holder created, and publishing from it would create a second run of the same check.
 */
function underSerialisation(ctx: PullRequestContext): PullRequestContext {
  let checks: ReturnType<PullRequestContext["existingChecks"]> | undefined;
  return { ...ctx, existingChecks: () => (checks ??= ctx.existingChecks()) };
}

async function evaluateAndPublish(services: Services, octokit: GitHub, ctx: PullRequestContext): Promise<Reevaluation> {
  let evaluation: Evaluation | undefined;
  let gates: GateResult[];
  let failure: unknown;
  let prefetch: EvidencePrefetch | undefined;
  // The check runs on the head are needed to publish whatever the evaluation decides: read them
  // alongside it (read once under the serialisation; a failure surfaces below, where they are used).
  void ctx.existingChecks().catch(() => undefined);
  try {
    // Once the pull request is known to be governed, its evidence listing is read alongside
    // oversight and assessment (this runs under the per-pull-request serialisation above).
    evaluation = await evaluatePullRequest(ctx, { onGoverned: (policy, facts) => (prefetch ??= prefetchOpenEvidence(services, octokit, ctx, policy, facts)) });
    gates = evaluation.gates;
  } catch (error) {
    failure = error;
    gates = evaluationFailed(describeFailure(error));
  }
  const existing = await ctx.existingChecks();
  const outputs = renderGates(gates, evaluation, {
    headSha: ctx.pull.headSha,
    baseRef: ctx.pull.baseRef,
    filesUrl: `${webUrl(octokit)}/${ctx.pull.owner}/${ctx.pull.repo}/pull/${ctx.pull.number}/files`,
  });
  const checks = gates.map((result, i) => ({ result, output: outputs[i]! }));
  const published = await publishChecks(octokit, ctx.pull, existing, checks);
  if (failure) throw failure;
  // The evidence record follows the published decision; its failure never hides or changes a gate.
  const evidence = evaluation ? await recordOpenEvidenceSafely(services, octokit, ctx, evaluation, prefetch) : undefined;
  return { ...(evaluation ? { evaluation } : {}), published, ...(evidence ? { evidence } : {}) };
}

function describeFailure(error: unknown): string {
  const status = (error as { status?: number }).status;
  const message = error instanceof Error ? error.message : String(error);
  return status ? `GitHub answered HTTP ${status}: ${message}` : message;
}
