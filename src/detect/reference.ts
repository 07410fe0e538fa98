import { loadAiPackageCatalogue } from "./catalogue.js";
import { loadDetectionRules } from "./rules.js";
import { MANAGERS } from "./manifests/index.js";

/**
 * The detection reference (docs/detection.md), generated from the rules (policies/detection-rules.yml),
 * the manifest managers (src/detect/manifests/) and the AI package catalogue (policies/ai-packages.yml).
 */

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
const codes = (items: readonly string[]) => items.map((i) => `\`${cell(i)}\``).join(" ");

export function detectionReference(): string {
  const rules = loadDetectionRules();
  const catalogue = loadAiPackageCatalogue();
  const lines = [
    "# What aims-bot detects",
    "",
    "<!-- Generated from policies/detection-rules.yml, src/detect/manifests/ and policies/ai-packages.yml by `npm run docs`; edit those, not this file. -->",
    "",
    "A changed file is an AI change when a path rule below matches it (the first match wins; rules a repository adds with",
    "`detect.<category>.include` come first), or when it is a manifest or lockfile whose AI packages changed. Categories",
    "listed in `detect.gate` need both gates; the others are reported only. Paths in `ignore:` are never governed. A",
    "file of category model, model-metadata or dataset is never source code (`.py`, `.ts`, …): an ORM's `models/user.py`",
    "is code. See [configuration.md](configuration.md) for the keys that change detection.",
    "",
    `## Path rules (${rules.length})`,
    "",
    "| rule | category | matches | only inside / next to | reason shown |",
    "|---|---|---|---|---|",
    ...rules.map((r) => {
      const context = (r.context ?? []).map((c) => (typeof c === "string" ? c : `next to ${c.sibling}`));
      return `| \`${r.id}\` | ${r.category} | ${codes(r.include)}${r.exclude?.length ? ` except ${codes(r.exclude)}` : ""} | ${context.length ? codes(context) : "anywhere"} | ${cell(r.description)} |`;
    }),
    "",
    "Also recognised outside these rules: `.gitattributes` lines that put model or dataset extensions into Git LFS",
    "(`lfs.gitattributes`), and DVC files whose recorded outputs are models or datasets (`model.dvc`, `dataset.dvc`).",
    "",
    `## Manifests and lockfiles (${MANAGERS.length})`,
    "",
    "Both sides of each changed manifest are read (merge base and head) and their AI packages compared: added, removed,",
    "upgraded or downgraded packages are changes of category `dependency`.",
    "",
    "| manager | ecosystem | files |",
    "|---|---|---|",
    ...MANAGERS.map((m) => `| ${cell(m.displayName)} (\`${m.id}\`) | ${m.ecosystem} | ${codes(m.filePatterns)} |`),
    "",
    `## AI packages (${catalogue.length} catalogue entries)`,
    "",
    "Add entries with `detect.dependencies.extra`, silence them with `detect.dependencies.ignore`.",
    "",
    "| ecosystem | package | kind | supplier |",
    "|---|---|---|---|",
    ...catalogue.map((e) => `| ${e.ecosystem} | \`${cell(e.name ?? e.pattern ?? "")}\` | ${e.kind} | ${cell(e.supplier)} |`),
  ];
  return `${lines.join("\n")}\n`;
}
