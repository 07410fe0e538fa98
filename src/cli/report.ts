import { formatProblem } from "../config/parse.js";
import type { PolicySource } from "../config/policy.js";
import type { CodeFinding } from "../detect/code/diff.js";
import type { AiChange, DependencyChange, DvcOutput, DvcSource, LfsPointer } from "../detect/types.js";
import type { Conclusion, GateResult, Reason } from "../gates/types.js";
import type { PullRequestRef } from "../ports/pull-request-context.js";
import type { Evaluation } from "../pipeline.js";
import { describeDependency } from "../render/check.js";
import { wordSteps } from "../render/next-steps.js";
import { humanBytes, uncell } from "../util/markdown.js";
import { UNREGISTERED_SYSTEM } from "../detect/types.js";

/** The repository name a local check gives the clone it reads (see local-git.ts). */
const LOCAL_REPOSITORY = "local/repository";

/** Version of the `aims check --format json` document; bumped on any incompatible change. */
export const CHECK_REPORT_SCHEMA_VERSION = 1;

export interface CheckReport {
  schemaVersion: number;
  base: { ref: string; sha: string };
  head: { sha: string };
  /** sources: where the policy was read, most specific first (`.github/aims.yml at main`, `built-in defaults`). */
  policy: { valid: boolean; problems: string[]; sources: string[] };
  /** Present when not every changed file could be read, so detection did not run (both gates fail closed). */
  tooLarge?: { changedFiles: number };
  changes: Array<{
    path: string;
    previousPath?: string;
    status: string;
    category: string;
    system: string;
    rule: string;
    reason: string;
    gated: boolean;
    dependency?: DependencyChange;
    lfs?: LfsPointer;
    dvc?: DvcOutput[];
    /** Category `code`: kind, change, provider, model ids and location (docs/detection-code.md). */
    code?: CodeFinding;
    /** A `dvc import`: the source repository, path and locked revision. */
    dvcSource?: DvcSource;
  }>;
  problems: Array<{ path: string; line?: number; message: string }>;
  gates: Array<{
    name: string;
    conclusion: Conclusion;
    title: string;
    reasons: Reason[];
    nextSteps: string[];
    /** What only GitHub can settle (sign-offs, issue approvals, permissions): still required after a local check. */
    required: string[];
  }>;
}

/** Facts a local check asked for that only GitHub holds. */
export interface GitHubOnlyFacts {
  reviews: boolean;
  comments: boolean;
  issues: Array<{ owner: string; repo: string; number: number }>;
  permissions: string[];
  teams: Array<{ team: string; login: string }>;
}

/** The requirements a local check cannot settle, per gate, in words. */
export function requiredOnGitHub(gate: GateResult, asked: GitHubOnlyFacts | undefined): string[] {
  if (!asked || gate.conclusion === "success") return [];
  const required: string[] = [];
  if (gate.gate === "human-oversight") {
    // Reviews and sign-off comments exist only on GitHub: locally this gate cannot be met.
    if (gate.reasons.some((r) => r.status === "unmet")) {
      required.push("sign-off on GitHub by an eligible reviewer other than the author (an approving review or `/aims sign-off <rationale>` on the pull request)");
    }
    return required;
  }
  for (const i of asked.issues) required.push(`assessment issue ${i.owner}/${i.repo}#${i.number}: its content and an assessor's approval label are read on GitHub`);
  for (const login of asked.permissions) required.push(`@${login}'s write permission as assessor is verified on GitHub`);
  for (const t of asked.teams) required.push(`@${t.login}'s membership of @${t.team.replace(/^@/, "")} is verified on GitHub`);
  return required;
}

export function checkReport(pull: PullRequestRef, evaluation: Evaluation, asked?: GitHubOnlyFacts): CheckReport {
  const { policy, facts, gates } = evaluation;
  return {
    schemaVersion: CHECK_REPORT_SCHEMA_VERSION,
    base: { ref: pull.baseRef, sha: pull.baseSha },
    head: { sha: pull.headSha },
    policy: {
      valid: policy.ok,
      problems: policy.ok ? [] : policy.problems.map(formatProblem),
      sources: (policy.ok ? policy.policy.sources : policy.sources).map(describeSource),
    },
    ...(facts.filesTruncated ? { tooLarge: { changedFiles: facts.changedFileCount } } : {}),
    changes: facts.changes.map(changeEntry),
    problems: facts.problems.map((p) => ({ path: p.path, ...(p.line !== undefined ? { line: p.line } : {}), message: p.message })),
    gates: gates.map((g) => ({
      name: g.name,
      conclusion: g.conclusion,
      title: g.title,
      reasons: g.reasons,
      nextSteps: wordSteps(g.nextSteps, "command-line"),
      required: requiredOnGitHub(g, asked),
    })),
  };
}

/** `.github/aims.yml at main`, `acme/.github:.github/aims.yml`, `built-in defaults (policies/default.yml)`. */
export function describeSource(source: PolicySource): string {
  if (source.builtIn) return `built-in defaults (${source.path})`;
  const file = source.repository === LOCAL_REPOSITORY ? source.path : `${source.repository}:${source.path}`;
  return source.ref ? `${file} at ${source.ref}` : file;
}

function changeEntry(c: AiChange): CheckReport["changes"][number] {
  return {
    path: c.path,
    ...(c.previousPath ? { previousPath: c.previousPath } : {}),
    status: c.status,
    category: c.category,
    system: c.system,
    rule: c.rule,
    reason: c.reason,
    gated: c.gated,
    ...(c.dependency ? { dependency: c.dependency } : {}),
    ...(c.lfs ? { lfs: c.lfs } : {}),
    ...(c.dvc ? { dvc: c.dvc } : {}),
    ...(c.code ? { code: c.code } : {}),
    ...(c.dvcSource ? { dvcSource: c.dvcSource } : {}),
  };
}

const MARK: Record<Conclusion, string> = { success: "✓", failure: "✗", action_required: "!" };
const REASON_MARK: Record<Reason["status"], string> = { met: "✓", unmet: "✗", error: "✗", info: "·" };

/** Markdown from the check renderer as terminal text: no code spans, no table or HTML escapes. */
function plainText(markdown: string): string {
  return uncell(markdown.replace(/`/g, ""));
}

/** Where a dependency change was read: `declared in package.json`, or `lockfile only in yarn.lock`. */
function dependencySource(d: DependencyChange): string {
  return `${d.direct ? "declared" : "lockfile only"} in ${d.manifests.join(", ")}`;
}

/** What was found, in words; never a count when detection did not run. */
function headline(report: CheckReport): string {
  if (!report.policy.valid) return "the policy is invalid, so nothing was classified (fix it first)";
  if (report.tooLarge) {
    return `too large to check (${report.tooLarge.changedFiles} changed files; not every file could be read, so nothing was classified)`;
  }
  const n = report.changes.length;
  if (n === 0) return "no AI-related changes";
  const systems = [...new Set(report.changes.filter((c) => c.gated && c.system !== UNREGISTERED_SYSTEM).map((c) => c.system))];
  const outside = report.changes.some((c) => c.gated && c.system === UNREGISTERED_SYSTEM);
  const where = [...(systems.length ? [`in ${systems.join(", ")}`] : []), ...(outside ? ["outside any registered system"] : [])];
  return `${n} AI-related change${n === 1 ? "" : "s"}${where.length ? ` ${where.join(" and ")}` : ""}`;
}

/** Plain terminal output: one block per gate, then the detected changes. */
export function formatText(report: CheckReport): string {
  const lines: string[] = [];
  const range = `aims check ${report.base.ref}...${report.head.sha.slice(0, 7)}`;
  lines.push(`${range}: ${headline(report)}`, `policy: ${report.policy.sources.join(" over ") || "none"}`, "");
  for (const g of report.gates) {
    lines.push(`${MARK[g.conclusion]} ${g.name}: ${g.title} (${g.conclusion})`);
    for (const r of g.reasons) lines.push(`    ${REASON_MARK[r.status]} ${r.message}`);
    for (const s of g.nextSteps) lines.push(`    → ${s.replace(/`/g, "")}`);
    for (const r of g.required) lines.push(`    required: ${r.replace(/`/g, "")}`);
    lines.push("");
  }
  if (report.changes.length > 0) {
    lines.push("Detected:");
    for (const c of report.changes) {
      const what = c.dependency
        ? `${plainText(describeDependency(c.dependency))}, ${dependencySource(c.dependency)}`
        : c.code
          ? plainText(c.reason)
          : c.path;
      lines.push(`  ${c.category.padEnd(17)} ${c.system.padEnd(16)} ${what}  [${c.rule}]`);
      if (c.lfs) lines.push(`  ${"".padEnd(34)} Git LFS object ${c.lfs.oid} (${humanBytes(c.lfs.size)})`);
      for (const o of c.dvc ?? []) lines.push(`  ${"".padEnd(34)} DVC output ${o.path}${o.md5 ? ` md5 ${o.md5}` : o.hash ? ` ${o.hash}` : ""}${o.remote ? ` on remote ${o.remote}` : ""}`);
    }
    lines.push("");
  }
  return lines.join("\n");
}
