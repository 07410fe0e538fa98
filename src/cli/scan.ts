import type { Policy } from "../config/policy.js";
import { UNREGISTERED_SYSTEM, type AiChange } from "../detect/types.js";
import { describeDependency } from "../render/check.js";
import { cell, code } from "../util/markdown.js";
import type { Inventory } from "../inventory.js";

/** Version of the `aims scan --format json` document; bumped on any incompatible change. */
export const SCAN_SCHEMA_VERSION = 1;
export const SCAN_FORMATS = ["text", "json", "markdown", "cyclonedx"] as const;
export type ScanFormat = (typeof SCAN_FORMATS)[number];

interface Finding {
  path: string;
  category: string;
  rule: string;
  reason: string;
  gated: boolean;
  dependency?: AiChange["dependency"];
  lfs?: AiChange["lfs"];
}

export interface ScanReport {
  schemaVersion: number;
  scanned: { label: string; files: number };
  policy: { sources: string[] };
  systems: Array<{ id: string; name: string; risk: string; findings: Finding[] }>;
  /** AI found outside every `systems:` entry, of categories the gates apply to. */
  unregistered: Finding[];
  /** Outside every system, of categories reported only (`detect.gate` leaves them out: AI tooling by default). */
  reportedOnly: Finding[];
  problems: Array<{ path: string; message: string }>;
}

const finding = (c: AiChange): Finding => ({
  path: c.path,
  category: c.category,
  rule: c.rule,
  reason: c.reason,
  gated: c.gated,
  ...(c.dependency ? { dependency: c.dependency } : {}),
  ...(c.lfs ? { lfs: c.lfs } : {}),
});

export function scanReport(inventory: Inventory, policy: Policy, scanned: string, sources: string[]): ScanReport {
  const changes = inventory.changes.filter((c) => c.category !== "governance-policy");
  return {
    schemaVersion: SCAN_SCHEMA_VERSION,
    scanned: { label: scanned, files: inventory.files },
    policy: { sources },
    systems: policy.systems.map((s) => ({ id: s.id, name: s.name, risk: s.risk, findings: changes.filter((c) => c.system === s.id).map(finding) })),
    unregistered: changes.filter((c) => c.system === UNREGISTERED_SYSTEM && c.gated).map(finding),
    reportedOnly: changes.filter((c) => c.system === UNREGISTERED_SYSTEM && !c.gated).map(finding),
    problems: inventory.problems.map((p) => ({ path: p.path, message: p.message })),
  };
}

const plain = (markdown: string) => markdown.replace(/`/g, "").replace(/\\\|/g, "|").replace(/&lt;/g, "<");
const what = (f: Finding) => (f.dependency ? `${plain(describeDependency(f.dependency)).replace(/ added\b/, "")} in ${f.dependency.manifests.join(", ")}` : f.path);
const total = (r: ScanReport) => r.systems.reduce((n, s) => n + s.findings.length, 0) + r.unregistered.length + r.reportedOnly.length;

export function scanText(r: ScanReport): string {
  const registered = total(r) - r.unregistered.length - r.reportedOnly.length;
  const lines = [
    `aims scan ${r.scanned.label}: ${total(r)} AI finding${total(r) === 1 ? "" : "s"} in ${r.scanned.files} files; ${registered} in registered systems, ${r.unregistered.length} outside any registered system${r.reportedOnly.length ? `, ${r.reportedOnly.length} reported only` : ""}`,
    `policy: ${r.policy.sources.join(" over ")}`,
    "",
  ];
  const block = (title: string, findings: Finding[]) => {
    lines.push(title);
    for (const f of findings) lines.push(`  ${f.category.padEnd(15)} ${what(f)}`);
    if (findings.length === 0) lines.push("  (nothing found)");
    lines.push("");
  };
  for (const s of r.systems) block(`${s.id} (${s.risk} risk)`, s.findings);
  if (r.unregistered.length > 0) block("Outside any registered system (add it under systems: in .github/aims.yml, or run aims init in a repository without a policy)", r.unregistered);
  if (r.reportedOnly.length > 0) block("Reported only (categories detect.gate leaves out)", r.reportedOnly);
  for (const p of r.problems) lines.push(`could not be read: ${p.path}: ${p.message}`);
  return `${lines.join("\n").trimEnd()}\n`;
}

export function scanMarkdown(r: ScanReport): string {
  const lines = [`# AI inventory: ${r.scanned.label}`, "", `${total(r)} AI findings in ${r.scanned.files} files; ${r.unregistered.length} outside any registered system. Policy: ${r.policy.sources.join(" over ")}.`, ""];
  const table = (title: string, findings: Finding[]) => {
    lines.push(`## ${title}`, "");
    if (findings.length === 0) {
      lines.push("Nothing found.", "");
      return;
    }
    lines.push("| Category | Finding | Detected because |", "|---|---|---|");
    for (const f of findings) lines.push(`| ${f.category} | ${f.dependency ? describeDependency(f.dependency).replace(/ added \(/, " (") : code(f.path)} | ${cell(f.reason)} |`);
    lines.push("");
  };
  for (const s of r.systems) table(`${cell(s.name)} (\`${s.id}\`, ${s.risk} risk)`, s.findings);
  if (r.unregistered.length > 0) table("Outside any registered system", r.unregistered);
  if (r.reportedOnly.length > 0) table("Reported only", r.reportedOnly);
  return `${lines.join("\n").trimEnd()}\n`;
}

/** The inventory as a CycloneDX 1.6 AI-BOM: models, datasets, prompts and AI packages, each with its system. */
export function scanCycloneDx(r: ScanReport, options: { serialNumber: string; timestamp: string; toolVersion: string }): Record<string, unknown> {
  const components: Array<Record<string, unknown>> = [];
  const add = (f: Finding, system: string, risk?: string) => {
    const properties = [
      { name: "aims:ai-system", value: system },
      ...(risk ? [{ name: "aims:risk", value: risk }] : []),
      { name: "aims:category", value: f.category },
      { name: "aims:rule", value: f.rule },
    ];
    if (f.dependency) {
      const d = f.dependency;
      components.push({
        type: "library",
        "bom-ref": `dependency:${system}:${d.ecosystem}:${d.name}:${d.manifests[0] ?? ""}`,
        name: d.name,
        ...(d.to ? { version: d.to } : {}),
        supplier: { name: d.supplier },
        properties: [...properties, { name: "aims:ai-package-kind", value: d.kind }, { name: "aims:ecosystem", value: d.ecosystem }, ...d.manifests.map((m) => ({ name: "aims:manifest", value: m }))],
      });
      return;
    }
    const type = f.category === "model" ? "machine-learning-model" : f.category === "dataset" ? "data" : "file";
    const sha256 = f.lfs && /^(?:sha256:)?[0-9a-f]{64}$/.test(f.lfs.oid) ? f.lfs.oid.replace(/^sha256:/, "") : undefined;
    components.push({
      type,
      "bom-ref": `${f.category}:${system}:${f.path}`,
      name: f.path,
      ...(sha256 ? { hashes: [{ alg: "SHA-256", content: sha256 }] } : {}),
      ...(type === "data" ? { data: [{ type: "dataset", name: f.path }] } : {}),
      properties,
    });
  };
  for (const s of r.systems) for (const f of s.findings) add(f, s.id, s.risk);
  for (const f of [...r.unregistered, ...r.reportedOnly]) add(f, UNREGISTERED_SYSTEM);
  return {
    bomFormat: "CycloneDX",
    specVersion: "1.6",
    serialNumber: options.serialNumber,
    version: 1,
    metadata: {
      timestamp: options.timestamp,
      tools: { components: [{ type: "application", name: "aims-bot", version: options.toolVersion }] },
      properties: [{ name: "aims:scanned", value: r.scanned.label }, ...r.policy.sources.map((s) => ({ name: "aims:policy-source", value: s }))],
    },
    components,
  };
}
