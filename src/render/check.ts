import { createHash } from "node:crypto";
import type { Policy, PolicyResult, PolicySource } from "../config/policy.js";
import type { CodeFinding } from "../detect/code/diff.js";
import type { AiChange, DependencyChange } from "../detect/types.js";
import type { GateResult, Reason } from "../gates/types.js";
import { byteLength, cell, code, humanBytes, plural, truncateBytes } from "../util/markdown.js";
import { wordSteps, type Surface } from "./next-steps.js";

/** GitHub rejects check-run summaries above 65,535 bytes. */
export const MAX_SUMMARY_BYTES = 65_535;
const MAX_REASONS = 60;

/** A check-run button: label and identifier at most 20 characters, description at most 40. */
export interface CheckAction {
  label: string;
  description: string;
  identifier: string;
}

export interface CheckOutput {
  title: string;
  summary: string;
  /** Buttons; an empty list clears earlier ones. Absent: leave the run's buttons alone. */
  actions?: CheckAction[];
  /** Problems at a file position, shown by GitHub on the changed line (at most 50 per request). */
  annotations?: CheckAnnotation[];
}

export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column: number;
  end_column: number;
  annotation_level: "failure" | "warning" | "notice";
  title: string;
  message: string;
}

/** GitHub accepts at most 50 annotations per check-run request. */
export const MAX_ANNOTATIONS = 50;

/** Reasons that failed at a `file:line:column` become annotations of that line. */
export function checkAnnotations(result: GateResult): CheckAnnotation[] {
  return result.reasons
    .filter((r) => r.status === "error" || r.status === "unmet")
    .flatMap((r) => {
      const m = /^(.+):(\d+):(\d+)$/.exec(r.location ?? "");
      // `owner/repo:path` is another repository's file: it has no line in this commit.
      if (!m || m[1]!.includes(":")) return [];
      const [line, column] = [Number(m[2]), Number(m[3])];
      return [{ path: m[1]!, start_line: line, end_line: line, start_column: column, end_column: column, annotation_level: "failure" as const, title: result.title.slice(0, 255), message: r.message.slice(0, 64_000) }];
    })
    .slice(0, MAX_ANNOTATIONS);
}

export const REQUEST_REVIEW_ACTION: CheckAction = { label: "Request review", description: "Ask the eligible reviewers to sign off", identifier: "request-review" };
export const RECHECK_ACTION: CheckAction = { label: "Re-check", description: "Evaluate the oversight gate again", identifier: "recheck" };

/**
 * Buttons of a gate's check run: human oversight offers a review request while it waits, and a
 * re-check. A result no sign-off can change (invalid configuration, failed evaluation, too large)
 * offers only the re-check.
 */
export function checkActions(result: GateResult): CheckAction[] | undefined {
  if (result.gate !== "human-oversight") return undefined;
  if (result.conclusion === "success" || result.undecided) return [RECHECK_ACTION];
  return [REQUEST_REVIEW_ACTION, RECHECK_ACTION];
}

export interface RenderContext {
  headSha: string;
  baseRef: string;
  changes: AiChange[];
  policy?: Policy;
  sources?: PolicySource[];
  /** The pull request's "Files changed" page: code changes link to their line there. */
  filesUrl?: string;
  /** Who reads it: a check run (default) or `aims check --format markdown` on the command line. */
  surface?: Surface;
}

const STATUS_ICON: Record<Reason["status"], string> = { met: "✅", unmet: "❌", error: "⛔", info: "ℹ️" };

/**
 * Every gate's check-run output for one evaluation: the one mapping from an evaluation to what the
 * checks show, shared by the app and `aims check --format markdown`. `evaluation` is absent when the
 * evaluation itself failed (the gates then say so).
 */
export function renderGates(
  gates: GateResult[],
  evaluation: { policy: PolicyResult; facts: { changes: AiChange[] } } | undefined,
  at: { headSha: string; baseRef: string; filesUrl?: string; surface?: Surface; /** A paragraph put before each summary (the merge queue's origin line). */ preface?: string },
): CheckOutput[] {
  const { preface, ...where } = at;
  const policy = evaluation?.policy.ok ? evaluation.policy.policy : undefined;
  // An invalid policy still names its files: the footer must not claim the built-in defaults.
  const sources = evaluation ? (evaluation.policy.ok ? evaluation.policy.policy.sources : evaluation.policy.sources) : undefined;
  const prefix = preface ? `${preface}\n\n` : "";
  return gates.map((result) => {
    const output = renderCheck(result, { ...where, changes: evaluation?.facts.changes ?? [], ...(policy ? { policy } : {}), ...(sources ? { sources } : {}) }, MAX_SUMMARY_BYTES - byteLength(prefix));
    return prefix ? { ...output, summary: `${prefix}${output.summary}` } : output;
  });
}

/** Render one gate's decision as a check-run output, never above GitHub's byte limit. */
export function renderCheck(result: GateResult, ctx: RenderContext, maxBytes = MAX_SUMMARY_BYTES): CheckOutput {
  const head: string[] = [];
  const steps = wordSteps(result.nextSteps, ctx.surface ?? "check-run");
  if (steps.length > 0) {
    head.push("### Next steps", ...steps.map((s, i) => `${i + 1}. ${cell(s)}`), "");
  }
  if (result.reasons.length > 0) {
    head.push("### Why");
    const shown = result.reasons.slice(0, MAX_REASONS);
    head.push(...shown.map((r) => `- ${STATUS_ICON[r.status]} ${cell(r.message)}`));
    if (result.reasons.length > shown.length) head.push(`- …and ${result.reasons.length - shown.length} more`);
    head.push("");
  }
  const footer = ["", "---", `<sub>${policyLine(ctx)} · evaluated at ${code(ctx.headSha.slice(0, 7))}</sub>`].join("\n");

  let summary = head.length > 0 ? `${head.join("\n")}\n` : "";
  // Keep room for the footer; the change table gets whatever is left.
  const tableBudget = maxBytes - byteLength(summary) - byteLength(footer) - 16;
  summary += renderChanges(ctx.changes, ctx.policy, Math.max(0, tableBudget), ctx.filesUrl);
  summary = truncateBytes(summary, maxBytes - byteLength(footer)) + footer;
  const actions = checkActions(result);
  const annotations = checkAnnotations(result);
  return { title: result.title, summary, ...(actions ? { actions } : {}), ...(annotations.length > 0 ? { annotations } : {}) };
}

function policyLine(ctx: RenderContext): string {
  const sources = ctx.sources ?? ctx.policy?.sources ?? [];
  const files = sources
    .filter((s) => !s.builtIn)
    .map((s) => (s.ref ? `${code(s.path)} on ${code(s.ref)}` : `${code(`${s.repository}:${s.path}`)}`));
  if (files.length === 0) return "Policy: built-in defaults (no .github/aims.yml)";
  // Without a resolved policy the files were read but could not be applied (invalid or unreadable).
  return ctx.policy ? `Policy: ${files.join(" ← ")} over the built-in defaults` : `Policy: ${files.join(" ← ")}, not applied`;
}

/** A table per system and category; rows stop when the byte budget would be exceeded. */
export function renderChanges(changes: AiChange[], policy: Policy | undefined, budget: number, filesUrl?: string): string {
  if (changes.length === 0) return "";
  const bySystem = new Map<string, AiChange[]>();
  for (const c of changes) bySystem.set(c.system, [...(bySystem.get(c.system) ?? []), c]);
  const systemsText = plural(bySystem.size, "AI system");
  const lines: string[] = ["### Detected AI changes", `${plural(changes.length, "change")} in ${systemsText}.`, ""];
  let text = lines.join("\n");
  let bytes = byteLength(text);
  let shown = 0;
  const omittedMarker = (n: number) => `\n…and ${n} more ${n === 1 ? "change" : "changes"} (all were checked; the list is cut to fit GitHub's size limit).\n`;

  outer: for (const [systemId, list] of bySystem) {
    const system = policy?.systems.find((s) => s.id === systemId);
    const heading = system
      ? `#### ${cell(system.name)} (${code(system.id)}, ${system.risk} risk)`
      : systemId === "unregistered"
        ? "#### Unregistered (no `systems:` entry covers these paths)"
        : `#### ${code(systemId)}`;
    const tableHead = `${heading}\n| Category | Change | Detected because |\n|---|---|---|\n`;
    const headBytes = byteLength(tableHead);
    if (bytes + headBytes + 200 > budget) break;
    text += tableHead;
    bytes += headBytes;
    const sorted = [...list].sort((a, b) => a.category.localeCompare(b.category) || a.path.localeCompare(b.path));
    for (const change of groupTransitive(sorted)) {
      const row = `| ${change.change.category} | ${describeChange(change.change, change.count, filesUrl)} | ${cell(change.change.reason)} |\n`;
      const rowBytes = byteLength(row);
      if (bytes + rowBytes + 200 > budget) break outer;
      text += row;
      bytes += rowBytes;
      shown += change.count;
    }
    text += "\n";
    bytes += 1;
  }
  if (shown < changes.length) text += omittedMarker(changes.length - shown);
  return text;
}

interface Row {
  change: AiChange;
  count: number;
  grouped?: AiChange[];
}

/** Transitive (lockfile-only) additions of one manifest are grouped into one row. */
function groupTransitive(list: AiChange[]): Row[] {
  const rows: Row[] = [];
  const groups = new Map<string, Row>();
  for (const c of list) {
    const d = c.dependency;
    if (d && !d.direct && d.change === "added") {
      const key = `${d.ecosystem}:${c.path}`;
      const existing = groups.get(key);
      if (existing) {
        existing.count++;
        existing.grouped!.push(c);
        continue;
      }
      const row: Row = { change: c, count: 1, grouped: [c] };
      groups.set(key, row);
      rows.push(row);
      continue;
    }
    rows.push({ change: c, count: 1 });
  }
  return rows.map((r) => (r.grouped && r.grouped.length > 1 ? { ...r, change: groupedChange(r.grouped) } : r));
}

function groupedChange(list: AiChange[]): AiChange {
  const first = list[0]!;
  const names = list.map((c) => c.dependency!.name);
  return {
    ...first,
    dependency: undefined,
    reason: `transitive AI packages added through ${first.path}: ${names.slice(0, 12).join(", ")}${names.length > 12 ? `, …(${names.length - 12} more)` : ""}`,
  };
}

function describeChange(c: AiChange, count: number, filesUrl?: string): string {
  if (count > 1) return `${code(c.path)} ${count} transitive packages added`;
  if (c.dependency) return describeDependency(c.dependency);
  if (c.code) return describeCodeChange(c.path, c.code, filesUrl);
  const status = c.previousPath && c.previousPath !== c.path ? `renamed from ${code(c.previousPath)}` : c.status;
  const facts: string[] = [status];
  if (c.lfs) facts.push(`Git LFS ${code(`sha256:${c.lfs.oid.replace(/^sha256:/, "").slice(0, 12)}…`)}, ${humanBytes(c.lfs.size)}`);
  if (c.dvc?.length) {
    for (const out of c.dvc.slice(0, 3)) {
      const hash = out.md5 ?? out.hash;
      facts.push(`DVC ${code(out.path)}${hash ? ` md5 ${code(hash.slice(0, 12))}` : ""}${out.remote ? ` remote ${code(out.remote)}` : ""}`);
    }
  }
  if (c.dvcSource) facts.push(`imported from ${code(c.dvcSource.url)} at ${code(c.dvcSource.revLock ?? c.dvcSource.rev ?? "an unpinned revision")}`);
  return `${code(c.path)} (${facts.join("; ")})`;
}

/** `chat.py:42` (ai-api, OpenAI, `gpt-3.5-turbo` → `gpt-4o`): the row of a change in AI use in code. */
export function describeCodeChange(path: string, f: CodeFinding, filesUrl?: string): string {
  const text = f.cell !== undefined ? `${code(path)} cell ${f.cell} line ${f.line}` : code(`${path}:${f.line}`);
  // GitHub anchors a line of the diff as #diff-<sha256 of the path>R<line> (L<line> on the base side).
  const anchor = `diff-${createHash("sha256").update(path).digest("hex")}${f.cell !== undefined ? "" : `${f.change === "removed" ? "L" : "R"}${f.line}`}`;
  const where = filesUrl ? `[${text}](${filesUrl}#${anchor})` : text;
  const model = f.fromModel !== undefined ? `${code(f.fromModel)} → ${code(f.model ?? "?")}` : f.model !== undefined ? code(f.model) : undefined;
  const facts = [f.change, f.kind, ...(f.provider ? [cell(f.provider.name)] : []), ...(model ? [model] : [])];
  return `${where} (${facts.join(", ")})`;
}

/**
 * `openai 4.52.0 → 5.1.0 (major, direct, npm, supplier OpenAI, llm-api)`,
 * `huggingface-hub >=0.31.2,<1.0.0 → >=0.31.2 (constraint changed, direct, optional group "hub", pypi, …)`,
 * `openai scope dev → prod (direct, npm, …)`.
 */
export function describeDependency(d: DependencyChange): string {
  const version =
    d.change === "added"
      ? `${d.to ?? "any version"} added`
      : d.change === "removed"
        ? `${d.from ?? ""} removed`
        : d.change === "source-changed"
          ? `source ${d.fromSource ?? "registry"} → ${d.toSource ?? "registry"}`
          : d.change === "scope-changed"
            ? `scope ${d.fromScope ?? "?"} → ${d.scope}`
            : d.change === "constraint-changed"
              ? `${d.from ?? "any version"} → ${d.to ?? "any version"}`
              : `${d.from ?? "?"} → ${d.to ?? "?"}`;
  const group = d.group !== undefined ? `group "${d.group}"` : undefined;
  const scope =
    d.change === "scope-changed"
      ? group
      : d.fromScope !== undefined
        ? [`${d.fromScope} → ${d.scope}`, group].filter(Boolean).join(" ")
        : [d.scope !== "prod" ? d.scope : undefined, group].filter(Boolean).join(" ");
  const facts = [
    ...(d.change === "constraint-changed" ? ["constraint changed"] : []),
    ...(d.bump && (d.change === "upgraded" || d.change === "downgraded") ? [d.bump] : []),
    ...(d.change === "downgraded" ? ["downgrade"] : []),
    d.direct ? "direct" : "transitive",
    ...(scope ? [scope] : []),
    d.ecosystem,
    `supplier ${d.supplier}`,
    d.kind,
  ];
  const note = d.note ? ` ⚠️ ${cell(d.note)}` : "";
  return `${code(d.name)} ${cell(version)} (${facts.map(cell).join(", ")})${note}`;
}
