import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { formatProblem } from "../config/parse.js";
import { CONFIG_PATH, loadPolicy, type Policy } from "../config/policy.js";
import type { SystemConfig } from "../config/schema.js";
import { parseAssessmentFile } from "../gates/assessment-file.js";
import type { RecordProblem } from "../gates/assessment-record.js";

const TEMPLATE_URL = new URL("../../policies/templates/impact-assessment.md", import.meta.url);

export type AssessInitResult =
  | { ok: true; path: string; id: string; problems: RecordProblem[] }
  | { ok: false; message: string };

/** The working tree's effective policy: `.github/aims.yml` as it is on disk, over the built-in default. */
export async function workingTreePolicy(cwd: string): Promise<{ ok: true; policy: Policy } | { ok: false; message: string }> {
  const result = await loadPolicy(
    async (owner, repo, path) => {
      if (owner !== "local" || repo !== "repository") return undefined;
      const file = join(cwd, path);
      return existsSync(file) ? readFileSync(file, "utf8") : undefined;
    },
    { owner: "local", repo: "repository", baseRef: "working tree" },
  );
  if (result.ok) return { ok: true, policy: result.policy };
  return { ok: false, message: result.problems.map(formatProblem).join("\n") };
}

/** Replace the value of a top-level `key:` line of the template, keeping its comment. */
function setField(text: string, key: string, value: string): string {
  const re = new RegExp(`^(${key}:[ \\t]*)(\\S.*?)?([ \\t]+#.*)?$`, "m");
  return text.replace(re, (_m, start: string, _old: string | undefined, comment: string | undefined) => {
    const padded = `${key}: ${value}`;
    return comment ? `${padded.padEnd(Math.max(start.length + 1, 34))} ${comment.trim()}` : padded;
  });
}

function yamlString(value: string): string {
  return /^[\w.@/-]+$/.test(value) && !/^[@]/.test(value) ? value : JSON.stringify(value);
}

/**
 * The impact-assessment template filled in from the system registry: id, systems, risk level,
 * title and (when the system has an owner) the mitigation owner. Everything the registry cannot
 * know stays a `<...>` placeholder, which the assessment check flags until it is written.
 */
export function renderAssessment(template: string, system: SystemConfig, id: string): string {
  let text = template;
  text = setField(text, "id", yamlString(id));
  text = setField(text, "systems", `[${system.id}]`);
  text = setField(text, "risk_level", system.risk);
  text = text.replace(/^# <AIA-[^>]*>: <system name>$/m, `# ${id}: ${system.name}`);
  if (system.owner) text = text.replace(/owner: "@<team-or-login>"/, `owner: ${JSON.stringify(system.owner.startsWith("@") ? system.owner : `@${system.owner}`)}`);
  if (system.description) {
    text = text.replace(/<What the system is for, who uses it and in which decisions \(A\.9\.4\)\.>/, `<${system.description.replace(/[<>]/g, "")} — say who uses it and in which decisions (A.9.4).>`);
  }
  return text;
}

export function assessInit(options: { cwd: string; systemId: string; id?: string; now?: Date; policy: Policy }): AssessInitResult {
  const { policy } = options;
  const system = policy.systems.find((s) => s.id === options.systemId);
  if (!system) {
    const known = policy.systems.map((s) => s.id);
    return {
      ok: false,
      message: `no system "${options.systemId}" in ${CONFIG_PATH}${known.length ? `; systems: ${known.join(", ")}` : ": add it under systems: first"}`,
    };
  }
  const year = (options.now ?? new Date()).getUTCFullYear();
  const id = options.id ?? `AIA-${year}-${system.id}`;
  const directory = policy.assessment.directory.replace(/^\/+/, "").replace(/\/?$/, "/");
  const path = `${directory}${system.id}.md`;
  const file = join(options.cwd, path);
  if (existsSync(file)) return { ok: false, message: `${path} exists: aims assess init never overwrites an assessment; edit it, or remove it first` };

  const text = renderAssessment(readFileSync(TEMPLATE_URL, "utf8"), system, id);
  const parsed = parseAssessmentFile(text, path);
  if (parsed.kind === "syntax") {
    return { ok: false, message: `the template did not produce a readable assessment: ${parsed.problems.map((p) => p.message).join("; ")}` };
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text, { flag: "wx" });
  return { ok: true, path: relative(options.cwd, file), id, problems: parsed.kind === "invalid" ? parsed.problems : [] };
}
