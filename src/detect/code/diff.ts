import { lifecycleOn, lookupModel, type ModelCatalogue } from "./models.js";
import type { CodeUsage } from "./usage.js";
import type { CodeKind } from "./rules.js";

/** How one place of AI use differs between the base and the head of a file. */
export type CodeChangeType = "added" | "removed" | "model-changed" | "prompt-changed";

export interface CodeFinding {
  kind: CodeKind;
  rule: string;
  /** What the call is: `chat completion`, `embeddings`. */
  what: string;
  change: CodeChangeType;
  /** The call as written, without arguments. */
  callee: string;
  /** Head line and column (base side for a removal); notebooks: within the cell. */
  line: number;
  column: number;
  /** Notebook code cell (1-based), when the file is a notebook. */
  cell?: number;
  provider?: { id: string; name: string; hosted: boolean };
  /** The model at head (base for a removal): an id, or an expression when not a literal. */
  model?: string;
  modelIsExpression?: boolean;
  fromModel?: string;
  /** The head model's lifecycle from the catalogue, when deprecated or retired. */
  lifecycle?: { state: "deprecated" | "retired"; date: string; retires?: string; replacement?: string; source?: string };
  /** Set when the change starts sending prompts or user data to a hosted provider. */
  egress?: string;
}

/**
 * Compare base and head usages of one file. Usages are matched by rule and call as written;
 * unchanged ones (a refactor elsewhere, moved lines) are no change.
 */
export function diffUsages(base: readonly CodeUsage[], head: readonly CodeUsage[], catalogue: ModelCatalogue, today: string): CodeFinding[] {
  const key = (u: CodeUsage) => `${u.rule}\u0000${u.callee}`;
  const groups = new Map<string, { base: CodeUsage[]; head: CodeUsage[] }>();
  for (const u of base) groupOf(groups, key(u)).base.push(u);
  for (const u of head) groupOf(groups, key(u)).head.push(u);
  const baseProviders = new Set(base.map((u) => u.provider).filter(Boolean));
  const findings: CodeFinding[] = [];
  for (const { base: b, head: h } of groups.values()) {
    const before = [...b];
    const after: CodeUsage[] = [];
    for (const u of h) {
      const same = before.findIndex((x) => x.model === u.model && x.prompt === u.prompt);
      if (same >= 0) before.splice(same, 1);
      else after.push(u);
    }
    const paired = Math.min(before.length, after.length);
    for (let i = 0; i < paired; i++) {
      const from = before[i]!;
      const to = after[i]!;
      const change: CodeChangeType = from.model !== to.model ? "model-changed" : "prompt-changed";
      findings.push(finding(to, change, catalogue, today, baseProviders, from));
    }
    for (const u of after.slice(paired)) findings.push(finding(u, "added", catalogue, today, baseProviders));
    for (const u of before.slice(paired)) findings.push(finding(u, "removed", catalogue, today, baseProviders));
  }
  findings.sort((a, b) => a.line - b.line || a.column - b.column);
  // Say once per file where data starts to go.
  const told = new Set<string>();
  for (const f of findings) {
    if (!f.egress || !f.provider) continue;
    if (told.has(f.provider.id)) delete f.egress;
    told.add(f.provider.id);
  }
  return findings;
}

function groupOf<T>(groups: Map<string, { base: T[]; head: T[] }>, k: string) {
  let g = groups.get(k);
  if (!g) groups.set(k, (g = { base: [], head: [] }));
  return g;
}

function finding(
  u: CodeUsage,
  change: CodeChangeType,
  catalogue: ModelCatalogue,
  today: string,
  baseProviders: ReadonlySet<string | undefined>,
  from?: CodeUsage,
): CodeFinding {
  const provider = u.provider ? catalogue.providers.get(u.provider) : undefined;
  const f: CodeFinding = { kind: u.kind, rule: u.rule, what: u.what, change, callee: u.callee, line: u.line, column: u.column };
  if (u.cell !== undefined) f.cell = u.cell;
  if (provider) f.provider = { id: provider.id, name: provider.name, hosted: provider.hosted };
  if (u.model !== undefined) {
    f.model = u.model;
    if (u.modelLiteral === false) f.modelIsExpression = true;
  }
  if (change === "model-changed" && from?.model !== undefined) f.fromModel = from.model;
  if (change === "model-changed" && u.modelLine !== undefined) {
    f.line = u.modelLine;
    f.column = u.modelColumn ?? f.column;
  }
  if (change !== "removed" && u.model !== undefined && u.modelLiteral !== false) {
    const entry = lookupModel(catalogue, u.model);
    const state = entry ? lifecycleOn(entry, today) : undefined;
    if (entry && state) {
      f.lifecycle = {
        ...state,
        ...(state.state === "deprecated" && entry.retired ? { retires: entry.retired } : {}),
        ...(entry.replacement ? { replacement: entry.replacement } : {}),
        ...(entry.source ? { source: entry.source } : {}),
      };
    }
  }
  const newProvider = change === "added" || (change === "model-changed" && from?.provider !== u.provider);
  if (provider?.hosted && newProvider && !baseProviders.has(provider.id) && u.kind !== "system-prompt") {
    f.egress = `prompts and user data are sent to ${provider.name}`;
  }
  return f;
}

/** One sentence for the check and the CLI: what changed, where, and what it means. */
export function describeFinding(f: CodeFinding, location: string): string {
  const via = f.provider ? `${f.provider.name} ${f.what}` : f.what;
  const model = (m: string | undefined) => (m === undefined ? "" : f.modelIsExpression ? ` (model from \`${m}\`)` : ` (\`${m}\`)`);
  let text: string;
  if (f.change === "model-changed") {
    const shown = (m: string | undefined) => (m === undefined ? "the default model (none set)" : `\`${m}\``);
    text = `model ${shown(f.fromModel)} → ${shown(f.model)} in ${location} (${via})`;
  } else if (f.change === "prompt-changed") {
    text = `${f.kind === "system-prompt" ? "system prompt" : `prompt of ${via}`} changed in ${location}`;
  } else if (f.change === "added") {
    text = `new ${kindNoun(f.kind, via)}${model(f.model)} in ${location}`;
  } else {
    text = `${kindNoun(f.kind, via)}${model(f.model)} removed from ${location}`;
  }
  if (f.egress) text += `: ${f.egress}`;
  if (f.lifecycle) {
    const l = f.lifecycle;
    text +=
      l.state === "retired"
        ? `; ⚠️ \`${f.model}\` was retired on ${l.date}`
        : `; ⚠️ \`${f.model}\` is deprecated since ${l.date}${l.retires ? ` and retires on ${l.retires}` : ""}`;
    if (l.replacement) text += `, the provider suggests \`${l.replacement}\``;
  }
  return text;
}

function kindNoun(kind: CodeKind, via: string): string {
  switch (kind) {
    case "ai-api":
    case "model-load":
      return via;
    case "agent":
      return via;
    case "mcp":
      return via;
    case "system-prompt":
      return "system prompt";
    case "serving":
      return via;
  }
}
