import type { Policy, PolicyResult } from "./config/policy.js";
import { compileDetector, loadDetectionRules, type DetectionOptions, type Detector } from "./detect/detect.js";
import type { AiChange, ChangedFile } from "./detect/types.js";
import { evaluateGates, evaluationFailed, MAX_LISTED_FILES } from "./gates/evaluate.js";
import type { DetectionProblem, GateResult, PullRequestFacts } from "./gates/types.js";
import { publishChecks, type PublishedCheck } from "./github/checks.js";
import type { GitHub, PullRequestContext } from "./github/pull-request-context.js";
import { renderCheck } from "./render/check.js";

/** Files whose head content detection reads (DVC outs, LFS pointers without a patch), at most. */
const MAX_SNIFFED_FILES = 100;

export interface Evaluation {
  policy: PolicyResult;
  facts: PullRequestFacts;
  gates: GateResult[];
}

export function detectionOptions(policy: Policy): DetectionOptions {
  const { detect } = policy;
  return {
    ignore: policy.ignore,
    systems: policy.systems,
    gated: detect.gate,
    extra: {
      model: detect.model,
      "model-metadata": detect["model-metadata"],
      dataset: detect.dataset,
      prompt: detect.prompt,
      "ai-tooling": detect["ai-tooling"],
    },
  };
}

export function createDetector(policy: Policy): Detector {
  return compileDetector(loadDetectionRules(), detectionOptions(policy));
}

/** Recompute the whole governance state of one pull request from GitHub. Reads only. */
export async function evaluatePullRequest(ctx: PullRequestContext): Promise<Evaluation> {
  const { pull } = ctx;
  const facts: PullRequestFacts = {
    number: pull.number,
    author: pull.author,
    headSha: pull.headSha,
    baseRef: pull.baseRef,
    changedFileCount: pull.changedFiles,
    filesTruncated: false,
    changes: [],
    problems: [],
  };
  // Policy and file list are independent: fetch them side by side.
  const [policy, fileList] = await Promise.all([
    ctx.policy(),
    pull.changedFiles > MAX_LISTED_FILES ? Promise.resolve(undefined) : ctx.files(),
  ]);
  if (!policy.ok || !fileList) {
    facts.filesTruncated = !fileList;
    return { policy, facts, gates: evaluateGates(policy, facts) };
  }
  facts.filesTruncated = fileList.truncated;
  facts.changedFileCount = Math.max(pull.changedFiles, fileList.files.length);

  const detector = createDetector(policy.policy);
  const { changes, problems } = await detectChanges(ctx, detector, fileList.files);
  facts.changes = changes;
  facts.problems = problems;
  return { policy, facts, gates: evaluateGates(policy, facts) };
}

async function detectChanges(
  ctx: PullRequestContext,
  detector: Detector,
  files: ChangedFile[],
): Promise<{ changes: AiChange[]; problems: DetectionProblem[] }> {
  const problems: DetectionProblem[] = [];
  const sniff = files.filter((f) => f.status !== "removed" && detector.needsContent(f)).slice(0, MAX_SNIFFED_FILES);
  const contents = new Map<string, string>();
  await Promise.all(
    sniff.map(async (f) => {
      const text = await ctx.readFile(f.filename, ctx.pull.headSha);
      if (text !== undefined) contents.set(f.filename, text);
    }),
  );
  const changes = detector.detect(files, contents);
  return { changes, problems };
}

/** Evaluate and publish both checks. On any failure to evaluate, publish a fail-closed decision and rethrow. */
export async function runPullRequest(octokit: GitHub, ctx: PullRequestContext): Promise<{ evaluation?: Evaluation; published: PublishedCheck[] }> {
  let evaluation: Evaluation | undefined;
  let gates: GateResult[];
  let failure: unknown;
  try {
    evaluation = await evaluatePullRequest(ctx);
    gates = evaluation.gates;
  } catch (error) {
    failure = error;
    gates = evaluationFailed(describeFailure(error));
  }
  const existing = await ctx.existingChecks();
  const policy = evaluation?.policy.ok ? evaluation.policy.policy : undefined;
  const sources = evaluation ? (evaluation.policy.ok ? evaluation.policy.policy.sources : evaluation.policy.sources) : undefined;
  const checks = gates.map((result) => ({
    result,
    output: renderCheck(result, {
      headSha: ctx.pull.headSha,
      baseRef: ctx.pull.baseRef,
      changes: evaluation?.facts.changes ?? [],
      ...(policy ? { policy } : {}),
      ...(sources ? { sources } : {}),
    }),
  }));
  const published = await publishChecks(octokit, ctx.pull, existing, checks);
  if (failure) throw failure;
  return { ...(evaluation ? { evaluation } : {}), published };
}

function describeFailure(error: unknown): string {
  const status = (error as { status?: number }).status;
  const message = error instanceof Error ? error.message : String(error);
  return status ? `GitHub answered HTTP ${status}: ${message}` : message;
}
