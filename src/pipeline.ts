import { Minimatch } from "minimatch";
import type { Policy, PolicyResult } from "./config/policy.js";
import { changedManifests } from "./detect/dependencies.js";
import { createCodeDetector, MAX_CODE_FILES, type CodeInput } from "./detect/code/index.js";
import { type Detector, reportLoneDataText } from "./detect/detect.js";
import { cachedDetector } from "./detector.js";
import type { AiChange, ChangedFile, DetectionProblem } from "./detect/types.js";
import { evaluateGates } from "./gates/evaluate.js";
import type { PullRequestFacts } from "./gates/facts.js";
import type { Evaluation } from "./evaluation.js";
import { gatherAssessmentFacts } from "./github/assessment-facts.js";
import { MAX_LISTED_FILES } from "./github/limits.js";
import { gatherOversightFacts } from "./github/oversight-facts.js";
import { gatherPolicyChange } from "./github/policy-change-facts.js";
import { allChangedFiles } from "./github/changed-files.js";
import type { PullRequestContext } from "./ports/pull-request-context.js";
import { mapLimit } from "./util/concurrency.js";
import { detectDependencyChangesOffThread, type ManifestSources } from "./workers/off-thread.js";

/** Files whose head content detection reads (DVC outs, LFS pointers without a patch), at most. */
const MAX_SNIFFED_FILES = 100;
/** Changed manifests and lockfiles read per event; beyond this the PR is too large to check them all. */
export const MAX_MANIFESTS = 200;
const READ_CONCURRENCY = 8;

export type { Evaluation } from "./evaluation.js";

export interface EvaluationHooks {
  /** Called once detection finds a gated change, before oversight and assessment are read. */
  onGoverned?: (policy: PolicyResult, facts: PullRequestFacts) => void;
}

/** Recompute the whole governance state of one pull request from GitHub. Reads only. */
export async function evaluatePullRequest(ctx: PullRequestContext, hooks: EvaluationHooks = {}): Promise<Evaluation> {
  const { pull } = ctx;
  const facts: PullRequestFacts = {
    number: pull.number,
    author: pull.author,
    ...(pull.authorIsName ? { authorIsName: true } : {}),
    headSha: pull.headSha,
    baseRef: pull.baseRef,
    changedFileCount: pull.changedFiles,
    filesTruncated: false,
    changes: [],
    problems: [],
  };
  // Policy and file list are independent: fetch them side by side.
  const [policy, listed] = await Promise.all([ctx.policy(), ctx.files()]);
  if (!policy.ok) return { policy, facts, gates: evaluateGates(policy, facts) };
  facts.changedFileCount = Math.max(pull.changedFiles, listed.files.length);
  // Above GitHub's 3000-file listing, the git trees of merge base and head give the rest (no patches).
  const { files, complete } = await allChangedFiles(ctx);
  if (!complete) {
    facts.filesTruncated = { listLimit: MAX_LISTED_FILES };
    // Detection cannot run, but a governance lead's override (break glass) still can apply.
    facts.oversight = await gatherOversightFacts(ctx, policy.policy, facts, { overridesOnly: true });
    return { policy, facts, gates: evaluateGates(policy, facts) };
  }

  const detector = cachedDetector(ctx.detectors, policy.policy);
  const [{ changes, problems }, policyChange] = await Promise.all([
    detectChanges(ctx, policy.policy, detector, files),
    gatherPolicyChange(ctx, policy.policy, files),
  ]);
  facts.changes = changes;
  facts.problems = problems;
  if (policyChange) facts.policyChange = policyChange;
  if (changes.some((c) => c.gated) || policyChange) {
    hooks.onGoverned?.(policy, facts);
    const [assessment, oversight] = await Promise.all([
      gatherAssessmentFacts(ctx, policy.policy, facts),
      gatherOversightFacts(ctx, policy.policy, facts, { detector }),
    ]);
    facts.assessment = assessment;
    facts.oversight = oversight;
  }
  return { policy, facts, gates: evaluateGates(policy, facts) };
}

/** What each detection step reads: the pull request, its policy and detector, the changed files. */
interface DetectionInput {
  ctx: PullRequestContext;
  policy: Policy;
  detector: Detector;
  files: ChangedFile[];
  /** Whether the policy's `ignore` globs leave a path out of detection. */
  ignored: (path: string) => boolean;
}

type Detected = { changes: AiChange[]; problems: DetectionProblem[] };

async function detectChanges(ctx: PullRequestContext, policy: Policy, detector: Detector, files: ChangedFile[]): Promise<Detected> {
  const ignore = policy.ignore.map((g) => new Minimatch(g, { dot: true }));
  const input: DetectionInput = { ctx, policy, detector, files, ignored: (path) => ignore.some((m) => m.match(path)) };
  const sniff = files.filter((f) => f.status !== "removed" && detector.needsContent(f)).slice(0, MAX_SNIFFED_FILES);
  const [contents, dependencies, code] = await Promise.all([
    readHeadContents(ctx, sniff),
    detectDependencies(input),
    detectCode(input),
  ]);
  const changes = reportLoneDataText([...detector.detect(files, contents), ...dependencies.changes, ...code.changes]);
  return { changes, problems: [...unmatchablePaths(files), ...dependencies.problems, ...code.problems] };
}

/**
 * Paths with `.`, `..` or empty segments: git never writes them, and globs do not match them
 * (minimatch's `**` stops at `..`), so they would slip past every rule. Reported, so both gates
 * fail closed instead of passing a change nobody could classify.
 */
export function unmatchablePaths(files: ChangedFile[]): DetectionProblem[] {
  return files
    .flatMap((f) => [f.filename, ...(f.previousFilename ? [f.previousFilename] : [])])
    .filter((path) => path.split("/").some((segment) => segment === "" || segment === "." || segment === ".."))
    .map((path) => ({ path, message: "the path has an empty, '.' or '..' segment, so no detection rule can classify it; rename the file" }));
}

async function readHeadContents(ctx: PullRequestContext, files: ChangedFile[]): Promise<Map<string, string>> {
  const contents = new Map<string, string>();
  await mapLimit(files, READ_CONCURRENCY, async (f) => {
    const text = await ctx.readFile(f.filename, ctx.pull.headSha);
    if (text !== undefined) contents.set(f.filename, text);
  });
  return contents;
}

/** A changed file's text at the merge base (under its old name when renamed) and at the head; a side it lacks is left out. */
async function readBothSides<T>(read: (path: string, ref: string) => Promise<T | undefined>, file: ChangedFile, mergeBase: string, headSha: string): Promise<{ base?: T; head?: T }> {
  const [base, head] = await Promise.all([
    file.status === "added" ? undefined : read(file.previousFilename ?? file.filename, mergeBase),
    file.status === "removed" ? undefined : read(file.filename, headSha),
  ]);
  return { ...(base !== undefined ? { base } : {}), ...(head !== undefined ? { head } : {}) };
}

/** Read both sides of each changed manifest (merge base and head) and diff their AI packages. */
async function detectDependencies({ ctx, policy, detector, files, ignored }: DetectionInput): Promise<Detected> {
  const manifests = changedManifests(files, ignored);
  if (manifests.length === 0) return { changes: [], problems: [] };
  const problems: DetectionProblem[] = [];
  if (manifests.length > MAX_MANIFESTS) {
    problems.push({
      path: `${manifests.length} manifests and lockfiles`,
      message: `only the first ${MAX_MANIFESTS} changed manifests and lockfiles are read per pull request; split the pull request so every one is checked`,
    });
  }
  const selected = manifests.slice(0, MAX_MANIFESTS);
  const mergeBase = await ctx.mergeBase();
  // Bytes where the context has them: a large lockfile then crosses to the worker thread undecoded.
  const read = ctx.readFileBytes ? (path: string, ref: string) => ctx.readFileBytes!(path, ref) : (path: string, ref: string) => ctx.readFile(path, ref);
  const texts = new Map<string, ManifestSources>();
  await mapLimit(selected, READ_CONCURRENCY, async ({ file }) => {
    texts.set(file.filename, await readBothSides<string | Uint8Array>(read, file, mergeBase, ctx.pull.headSha));
  });
  const gated = policy.detect.gate.includes("dependency");
  // Large lockfiles are parsed on a worker thread: the server keeps answering meanwhile.
  const result = await detectDependencyChangesOffThread(selected, texts, policy.detect.dependencies, (p) => detector.systemFor(p), gated);
  return { changes: result.changes, problems: [...problems, ...result.problems] };
}

/**
 * AI use in changed source files and notebooks: a pre-screen of each patch picks the files worth
 * reading; only those are read (merge base and head) and parsed, at most MAX_CODE_FILES per event.
 */
async function detectCode({ ctx, policy, detector, files, ignored }: DetectionInput): Promise<Detected> {
  const code = createCodeDetector({
    extra: policy.detect.code.extra,
    ignore: policy.detect.code.ignore,
    systemFor: (p) => detector.systemFor(p),
    gated: policy.detect.gate.includes("code"),
    today: new Date().toISOString().slice(0, 10),
  });
  const kept = files.filter((f) => !ignored(f.filename));
  const serving = code.serving(kept);
  const candidates = kept.filter((f) => code.isCandidate(f));
  if (candidates.length === 0) return { changes: serving, problems: [] };
  const selected = candidates.slice(0, MAX_CODE_FILES);
  const skipped = candidates.slice(MAX_CODE_FILES).map((f) => f.filename);
  const mergeBase = selected.some((f) => f.status !== "added") ? await ctx.mergeBase() : "";
  const inputs: CodeInput[] = [];
  await mapLimit(selected, READ_CONCURRENCY, async (file) => {
    inputs.push({ file, ...(await readBothSides((path, ref) => ctx.readFile(path, ref), file, mergeBase, ctx.pull.headSha)) });
  });
  inputs.sort((a, b) => a.file.filename.localeCompare(b.file.filename));
  const result = await code.detect(inputs);
  result.changes.push(...serving);
  if (skipped.length > 0) {
    result.problems.push({
      path: `${skipped.length} source file${skipped.length === 1 ? "" : "s"}`,
      message: `code detection reads at most ${MAX_CODE_FILES} changed source files per pull request; not inspected: ${skipped.slice(0, 10).join(", ")}${skipped.length > 10 ? `, …and ${skipped.length - 10} more` : ""}. Split the pull request so every file is checked`,
    });
  }
  return result;
}
