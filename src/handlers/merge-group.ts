import type { Context } from "probot";
import { evaluationFailed } from "../gates/evaluate.js";
import type { GateResult } from "../gates/types.js";
import { publishChecks, type PublishedCheck } from "../github/checks.js";
import { pullRequestRef, type GitHub, type PullRequestRef } from "../ports/pull-request-context.js";
import { createPullRequestContext, isNotFound } from "../github/octokit-context.js";
import type { Evaluation } from "../pipeline.js";
import { evaluateFromGitHub } from "../reevaluate.js";
import { renderGates } from "../render/check.js";
import type { Services } from "../services.js";

export const MERGE_GROUP_EVENTS = ["merge_group.checks_requested"] as const;

/**
 * The pull request a merge group was built for, from its head ref
 * `refs/heads/gh-readonly-queue/<base>/pr-<number>-<sha>`; undefined when the ref has another shape.
 */
export function pullNumberFromMergeGroupRef(headRef: string): number | undefined {
  const m = /^(?:refs\/heads\/)?gh-readonly-queue\/.+\/pr-(\d+)-[0-9a-f]{7,64}$/i.exec(headRef);
  if (!m) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

type MergeGroupPayload = {
  merge_group: { head_sha: string; head_ref: string; base_ref: string };
  repository: { name: string; owner: { login: string } };
};

/**
 * A merge queue asks for the required checks on its temporary merge commit. Both gates are
 * reported there carrying the pull request's own result, evaluated exactly as on the PR (its head,
 * the base branch's policy): the queue can never pass a PR whose gates fail. When the PR cannot be
 * identified or read, both checks fail closed.
 */
export async function onMergeGroup(context: Context<"merge_group">, services: Services): Promise<PublishedCheck[]> {
  const payload = context.payload as unknown as MergeGroupPayload;
  const owner = payload.repository.owner.login;
  const repo = payload.repository.name;
  const group = payload.merge_group;
  const baseRef = group.base_ref.replace(/^refs\/heads\//, "");
  const number = pullNumberFromMergeGroupRef(group.head_ref);

  let pull: PullRequestRef | undefined;
  let gates: GateResult[] | undefined;
  let evaluation: Evaluation | undefined;
  let failure: unknown;
  if (number === undefined) {
    gates = evaluationFailed(`the merge group's ref \`${group.head_ref}\` does not name a pull request (expected gh-readonly-queue/<base>/pr-<number>-<sha>), so its gates cannot be decided`);
  } else {
    try {
      const { data } = await context.octokit.rest.pulls.get({ owner, repo, pull_number: number });
      pull = pullRequestRef(data, { owner, repo });
      if (pull.baseRef !== baseRef) {
        gates = evaluationFailed(`pull request #${number} targets \`${pull.baseRef}\`, but this merge group merges into \`${baseRef}\``);
      } else {
        evaluation = await evaluateFromGitHub(services, context.octokit)(pull);
        gates = evaluation.gates;
      }
    } catch (error) {
      failure = error;
      gates = evaluationFailed(
        isNotFound(error)
          ? `pull request #${number} of this merge group was not found, so its gates cannot be decided`
          : `pull request #${number} of this merge group could not be evaluated: ${(error as Error).message ?? String(error)}`,
      );
    }
  }

  const published = await publishOnMergeGroup(context.octokit, { owner, repo, headSha: group.head_sha, baseRef }, pull, number, gates, evaluation, services);
  context.log.info({ mergeGroup: group.head_sha, pr: number, checks: published }, "aims gates reported on a merge group");
  // A read failure other than "not found" is worth a redelivery; the checks already fail closed.
  if (failure && !isNotFound(failure)) throw failure;
  return published;
}

async function publishOnMergeGroup(
  octokit: GitHub,
  target: { owner: string; repo: string; headSha: string; baseRef: string },
  pull: PullRequestRef | undefined,
  number: number | undefined,
  gates: GateResult[],
  evaluation: Evaluation | undefined,
  services: Services,
): Promise<PublishedCheck[]> {
  // The merge group's commit stands in for the PR head when publishing: same upsert rules.
  const groupRef: PullRequestRef = {
    owner: target.owner,
    repo: target.repo,
    number: number ?? 0,
    title: pull?.title ?? "",
    body: "",
    author: pull?.author ?? "ghost",
    headSha: target.headSha,
    baseRef: target.baseRef,
    baseSha: pull?.baseSha ?? "",
    changedFiles: pull?.changedFiles ?? 0,
    state: "open",
    merged: false,
    draft: false,
  };
  const origin = pull ? `Merge queue: the result of pull request #${pull.number} at ${pull.headSha.slice(0, 7)}, reported on the merge group commit ${target.headSha.slice(0, 7)}.` : `Merge queue commit ${target.headSha.slice(0, 7)}.`;
  const outputs = renderGates(gates, evaluation, { headSha: pull?.headSha ?? target.headSha, baseRef: target.baseRef, preface: origin });
  const checks = gates.map((result, i) => ({ result, output: outputs[i]! }));
  const existing = await createPullRequestContext(octokit, groupRef, services).existingChecks();
  return publishChecks(octokit, groupRef, existing, checks);
}
