import { RISK_TIERS } from "../config/schema.js";
import type { AiChange, Category } from "../detect/types.js";

/**
 * `aims init`: a starter `.github/aims.yml` from the AI found in a tree. Findings are grouped by
 * service or top-level folder into proposed systems; the risk tier stays a placeholder that
 * `aims validate` reports until a person chooses it.
 */

/** Folders that hold one service or package per subfolder (`services/chat`, `packages/ranker`). */
const CONTAINERS = new Set(["services", "apps", "packages", "libs", "modules", "projects", "components", "cmd", "plugins", "workers"]);

export const RISK_PLACEHOLDER = `<choose: ${RISK_TIERS.join(" | ")}>`;

export interface ProposedSystem {
  id: string;
  /** The folder the system covers, or undefined for files at the repository root. */
  folder?: string;
  paths: string[];
  findings: AiChange[];
}

/** The folder a finding is grouped by: `services/chat` for `services/chat/app.py`, `models` for `models/a.onnx`. */
export function groupFolder(path: string): string | undefined {
  const segments = path.split("/");
  if (segments.length === 1) return undefined;
  if (CONTAINERS.has(segments[0]!) && segments.length > 2) return `${segments[0]}/${segments[1]}`;
  return segments[0];
}

function slug(text: string): string {
  const s = text.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[^a-z0-9]+/, "").replace(/-+$/, "").slice(0, 50);
  return s || "ai-system";
}

/** Gated findings grouped into systems, one per folder (files at the root form one system named after the repository). */
export function proposeSystems(changes: readonly AiChange[], repositoryName: string): ProposedSystem[] {
  const groups = new Map<string, AiChange[]>();
  for (const c of changes) {
    if (!c.gated || c.category === "governance-policy") continue;
    const key = groupFolder(c.path) ?? "";
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const used = new Set<string>();
  const unique = (base: string) => {
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base.slice(0, 46)}-${n}`;
    used.add(id);
    return id;
  };
  return [...groups.entries()]
    .sort(([a], [b]) => (a === "" ? 1 : b === "" ? -1 : a.localeCompare(b)))
    .map(([folder, findings]) => ({
      id: unique(slug(folder ? folder.split("/").pop()! : repositoryName)),
      ...(folder ? { folder } : {}),
      paths: folder ? [`${folder}/**`] : [...new Set(findings.map((f) => f.path))].sort(),
      findings,
    }));
}

const NOUNS: Record<Category, [string, string]> = {
  model: ["model", "models"],
  "model-metadata": ["model card or metadata file", "model cards or metadata files"],
  dataset: ["dataset", "datasets"],
  prompt: ["prompt", "prompts"],
  "ai-tooling": ["AI tooling file", "AI tooling files"],
  "governance-policy": ["policy file", "policy files"],
  dependency: ["AI package", "AI packages"],
  code: ["use of AI in code", "uses of AI in code"],
};

/** One comment line per category: `2 AI packages: openai (services/chat/package.json), torch (…)`. */
function describeFindings(findings: readonly AiChange[]): string[] {
  const byCategory = new Map<Category, string[]>();
  for (const f of findings) {
    const what = f.dependency ? `${f.dependency.name} (${f.dependency.manifests.join(", ")})` : f.path;
    byCategory.set(f.category, [...new Set([...(byCategory.get(f.category) ?? []), what])]);
  }
  return [...byCategory.entries()].map(([category, items]) => {
    const [one, many] = NOUNS[category];
    const shown = items.slice(0, 5).join(", ");
    return `${items.length} ${items.length === 1 ? one : many}: ${shown}${items.length > 5 ? `, and ${items.length - 5} more` : ""}`;
  });
}

const yamlString = (s: string) => JSON.stringify(s);

/** The starter policy's text. */
export function starterPolicy(systems: readonly ProposedSystem[], scanned: { label: string; files: number; date: string }): string {
  const lines = [
    `# AI governance policy of this repository (aims-bot), started by \`aims init\` on ${scanned.date}`,
    `# from a scan of ${scanned.label} (${scanned.files} files).`,
    "#",
    "# Before you open the pull request that adds it:",
    "#   - set each system's risk tier (aims validate reports every placeholder left),",
    "#   - rename systems and merge those that are one product; paths are globs (minimatch),",
    "#   - name the governance owners who approve later changes to this file (default: repository admins).",
    "# Every key: docs/configuration.md of aims-bot.",
    "",
  ];
  if (systems.length === 0) {
    lines.push("# No AI was found: every AI change will be outside any registered system until you add one here.", "systems: []");
  } else {
    lines.push("systems:");
    for (const s of systems) {
      lines.push(`  # Found in ${s.folder ? `${s.folder}/` : "the repository root"}:`);
      for (const d of describeFindings(s.findings)) lines.push(`  #   ${d}`);
      lines.push(
        `  - id: ${s.id}`,
        `    name: ${yamlString(s.folder ?? s.id)}`,
        `    paths: [${s.paths.map(yamlString).join(", ")}]`,
        `    risk: ${yamlString(RISK_PLACEHOLDER)}`,
        "",
      );
    }
  }
  lines.push("", "# governance:", "#   owners:", '#     teams: ["<org>/<team>"]     # who approves changes to this file', "");
  return `${lines.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd()}\n`;
}
