import { once } from "../util/once.js";
import { readFileSync } from "node:fs";
import { gitBlobSha } from "../util/digest.js";
import { parseConfigText, mergeConfigs, formatProblem, sortProblems, type ConfigProblem } from "./parse.js";
import type { CodeRule } from "../detect/code/rules.js";
import type { ConfigFile, DeploymentsConfig, ExtraPackage, GateableCategory, IMPLEMENTATION_STATUSES, SystemConfig, TierConfig } from "./schema.js";

/** A check run the policy names (controls.verification, controls.data_quality). */
export interface NamedCheck {
  name: string;
  /** Slug of the GitHub App that creates it. */
  app: string;
}

export interface ControlImplementation {
  status: (typeof IMPLEMENTATION_STATUSES)[number];
  owner?: string;
  evidence?: string;
  justification?: string;
}

export const CONFIG_PATH = ".github/aims.yml";
const MAX_EXTENDS_DEPTH = 5;

/** Where part of the effective policy came from, for check summaries and evidence. */
export interface PolicySource {
  repository: string;
  path: string;
  /** Branch or ref read; absent for the repository's default branch and the built-in default. */
  ref?: string;
  builtIn?: boolean;
  /** Git blob id of the text read: pins the exact version the policy was judged under. */
  blobSha?: string;
}

type CategoryRules = { include: string[]; ignore: string[] };

/** Members of any team (org/slug) or any listed user; both empty means anyone with write access. */
export interface Principals {
  teams: string[];
  users: string[];
}

export type OversightTier = "minimal" | "limited" | "high";

export interface TierPolicy extends Principals {
  required: number;
  distinct_teams: boolean;
  invalidate_on_push: boolean;
  keep_when_ai_unchanged: boolean;
  require_rationale: boolean;
}

/** The effective policy: every key present. */
export interface Policy {
  systems: SystemConfig[];
  ignore: string[];
  detect: {
    model: CategoryRules;
    "model-metadata": CategoryRules;
    dataset: CategoryRules;
    prompt: CategoryRules;
    "ai-tooling": CategoryRules;
    dependencies: { extra: ExtraPackage[]; ignore: string[] };
    code: { extra: CodeRule[]; ignore: string[] };
    gate: GateableCategory[];
  };
  assessment: {
    link: "required" | "auto";
    directory: string;
    assessors: Principals;
    approval_label: string;
    max_age_days: number;
  };
  oversight: {
    tiers: Record<OversightTier, TierPolicy>;
    governance: Principals;
  };
  governance: { owners: Principals };
  evidence: { repository?: string; enabled: boolean; while_open: boolean };
  controls: {
    exclude: Array<{ id: string; justification: string }>;
    verification: { checks: NamedCheck[] };
    data_quality: { checks: NamedCheck[] };
    nonconformity: { owner?: string; due_days: number };
    statement: { version?: string; approved_by?: string; approved_on?: string };
    implementation: Record<string, ControlImplementation>;
  };
  deployments: DeploymentPolicy;
  sources: PolicySource[];
}

/** Deployment approvers per risk tier; a tier absent needs none. */
export type DeploymentApprovers = Partial<Record<OversightTier, Principals>>;

export interface EnvironmentRules {
  name: string;
  allow_overridden: boolean;
  approvers: DeploymentApprovers;
}

export interface DeploymentPolicy {
  environments: EnvironmentRules[];
  other_environments: "approve" | "reject";
  max_commits: number;
}

export type PolicyResult =
  | { ok: true; policy: Policy }
  | { ok: false; reason: "invalid" | "unavailable"; problems: ConfigProblem[]; sources: PolicySource[] };

/** Reads a file from GitHub: the text, `undefined` when it does not exist, throws on any other failure. */
export type ConfigReader = (owner: string, repo: string, path: string, ref?: string) => Promise<string | undefined>;

/** The built-in default policy shipped in policies/default.yml, validated once. */
export const builtInDefaults = once((): ConfigFile => {
  const url = new URL("../../policies/default.yml", import.meta.url);
  const parsed = parseConfigText(readFileSync(url, "utf8"), "policies/default.yml");
  if (!parsed.ok) throw new Error(`built-in policy is invalid: ${parsed.problems.map(formatProblem).join("; ")}`);
  return parsed.config;
});

/**
 * Load the policy that judges a pull request: `.github/aims.yml` on the PR's base branch, else the
 * organisation's `.github` repository, following `_extends`, layered over the built-in default.
 * The PR's head is never read, so a PR cannot weaken its own gate.
 */
export async function loadPolicy(
  read: ConfigReader,
  target: { owner: string; repo: string; baseRef: string },
): Promise<PolicyResult> {
  const sources: PolicySource[] = [];
  const layers: ConfigFile[] = [];
  try {
    let current: { owner: string; repo: string; path: string; ref?: string } | undefined = {
      owner: target.owner,
      repo: target.repo,
      path: CONFIG_PATH,
      ref: target.baseRef,
    };
    let text = await read(current.owner, current.repo, current.path, current.ref);
    if (text === undefined && target.repo !== ".github") {
      current = { owner: target.owner, repo: ".github", path: CONFIG_PATH };
      text = await read(current.owner, current.repo, current.path);
    }
    if (text === undefined) current = undefined;

    const seen = new Set<string>();
    while (current && text !== undefined) {
      const key = `${current.owner}/${current.repo}:${current.path}`.toLowerCase();
      const label = labelFor(current, target);
      if (seen.has(key)) {
        return invalid([{ file: label, message: `_extends forms a cycle back to ${key}` }], sources);
      }
      if (seen.size >= MAX_EXTENDS_DEPTH) {
        return invalid([{ file: label, message: `_extends is nested more than ${MAX_EXTENDS_DEPTH} levels deep` }], sources);
      }
      seen.add(key);
      sources.push({ repository: `${current.owner}/${current.repo}`, path: current.path, ...(current.ref ? { ref: current.ref } : {}), blobSha: gitBlobSha(text) });
      const parsed = parseConfigText(text, label);
      if (!parsed.ok) return invalid(parsed.problems, sources);
      layers.unshift(parsed.config);
      const ext = parsed.config._extends;
      if (!ext) break;
      const next = parseExtends(ext, current.owner);
      if (!next) {
        return invalid([{ file: label, message: `_extends "${ext}" must be "repo", "owner/repo" or "owner/repo:path"` }], sources);
      }
      current = next;
      text = await read(next.owner, next.repo, next.path);
      if (text === undefined) {
        return invalid(
          [{ file: label, message: `_extends points at ${next.owner}/${next.repo}:${next.path}, which does not exist or is not readable by the app` }],
          sources,
        );
      }
    }
  } catch (error) {
    return {
      ok: false,
      reason: "unavailable",
      problems: [{ file: CONFIG_PATH, message: `could not be read from GitHub: ${describeError(error)}` }],
      sources,
    };
  }

  sources.push({ repository: "aims-bot", path: "policies/default.yml", builtIn: true });
  let merged: ConfigFile = builtInDefaults();
  for (const layer of layers) merged = mergeConfigs(merged, layer);
  return { ok: true, policy: resolvePolicy(merged, sources) };
}

function invalid(problems: ConfigProblem[], sources: PolicySource[]): PolicyResult {
  return { ok: false, reason: "invalid", problems: sortProblems(problems), sources };
}

function labelFor(file: { owner: string; repo: string; path: string }, target: { owner: string; repo: string }): string {
  return file.owner === target.owner && file.repo === target.repo ? file.path : `${file.owner}/${file.repo}:${file.path}`;
}

export function parseExtends(value: string, defaultOwner: string): { owner: string; repo: string; path: string } | undefined {
  const m = /^(?:([A-Za-z0-9-]+)\/)?([A-Za-z0-9._-]+)(?::(.+))?$/.exec(value.trim());
  if (!m) return undefined;
  const path = m[3] ?? CONFIG_PATH;
  if (path.split("/").includes("..")) return undefined;
  return { owner: m[1] ?? defaultOwner, repo: m[2]!, path };
}

function describeError(error: unknown): string {
  const status = (error as { status?: number }).status;
  const message = error instanceof Error ? error.message : String(error);
  return status ? `HTTP ${status} ${message}` : message;
}

const principals = (p: { teams?: string[]; users?: string[] } | undefined): Principals => ({
  teams: (p?.teams ?? []).map((t) => t.replace(/^@/, "").toLowerCase()),
  users: (p?.users ?? []).map((u) => u.replace(/^@/, "").toLowerCase()),
});

const TIER_FALLBACK: TierPolicy = {
  required: 1,
  teams: [],
  users: [],
  distinct_teams: false,
  invalidate_on_push: true,
  keep_when_ai_unchanged: true,
  require_rationale: false,
};

function tier(t: TierConfig | undefined): TierPolicy {
  const p = principals(t);
  return {
    required: t?.required ?? TIER_FALLBACK.required,
    ...p,
    distinct_teams: t?.distinct_teams ?? TIER_FALLBACK.distinct_teams,
    invalidate_on_push: t?.invalidate_on_push ?? TIER_FALLBACK.invalidate_on_push,
    keep_when_ai_unchanged: t?.keep_when_ai_unchanged ?? TIER_FALLBACK.keep_when_ai_unchanged,
    require_rationale: t?.require_rationale ?? TIER_FALLBACK.require_rationale,
  };
}

/** Fill every key from the merged layers; the built-in default guarantees each is present. */
export function resolvePolicy(config: ConfigFile, sources: PolicySource[]): Policy {
  const d = config.detect ?? {};
  const a = config.assessment ?? {};
  const o = config.oversight ?? {};
  const rules = (r: { include?: string[]; ignore?: string[] } | undefined): CategoryRules => ({
    include: r?.include ?? [],
    ignore: r?.ignore ?? [],
  });
  return {
    systems: config.systems ?? [],
    ignore: config.ignore ?? [],
    detect: {
      model: rules(d.model),
      "model-metadata": rules(d["model-metadata"]),
      dataset: rules(d.dataset),
      prompt: rules(d.prompt),
      "ai-tooling": rules(d["ai-tooling"]),
      dependencies: { extra: d.dependencies?.extra ?? [], ignore: d.dependencies?.ignore ?? [] },
      code: { extra: d.code?.extra ?? [], ignore: d.code?.ignore ?? [] },
      gate: d.gate ?? [],
    },
    assessment: {
      link: a.link ?? "required",
      directory: (a.directory ?? "governance/impact-assessments/").replace(/\/?$/, "/"),
      assessors: principals(a.assessors),
      approval_label: a.approval_label ?? "aims:assessment-approved",
      max_age_days: a.max_age_days ?? 365,
    },
    oversight: {
      tiers: { minimal: tier(o.tiers?.minimal), limited: tier(o.tiers?.limited), high: tier(o.tiers?.high) },
      governance: principals(o.governance),
    },
    governance: { owners: principals(config.governance?.owners) },
    evidence: {
      ...(config.evidence?.repository ? { repository: config.evidence.repository } : {}),
      enabled: config.evidence?.enabled ?? true,
      while_open: config.evidence?.while_open ?? false,
    },
    controls: {
      exclude: config.controls?.exclude ?? [],
      verification: { checks: config.controls?.verification?.checks ?? [] },
      data_quality: { checks: config.controls?.data_quality?.checks ?? [] },
      nonconformity: {
        ...(config.controls?.nonconformity?.owner ? { owner: config.controls.nonconformity.owner.replace(/^@/, "") } : {}),
        due_days: config.controls?.nonconformity?.due_days ?? 30,
      },
      statement: { ...(config.controls?.statement ?? {}) },
      implementation: { ...(config.controls?.implementation ?? {}) },
    },
    deployments: deploymentPolicy(config.deployments),
    sources,
  };
}

/** Commits read per deployment when the policy does not say. */
export const DEFAULT_MAX_DEPLOY_COMMITS = 250;

function approvers(a: DeploymentsConfig["approvers"]): DeploymentApprovers {
  const out: DeploymentApprovers = {};
  for (const t of ["minimal", "limited", "high"] as const) if (a?.[t]) out[t] = principals(a[t]);
  return out;
}

function deploymentPolicy(d: DeploymentsConfig | undefined): DeploymentPolicy {
  const allow = d?.allow_overridden ?? false;
  return {
    environments: (d?.environments ?? []).map((e) =>
      typeof e === "string"
        ? { name: e, allow_overridden: allow, approvers: approvers(d?.approvers) }
        : { name: e.name, allow_overridden: e.allow_overridden ?? allow, approvers: approvers(e.approvers ?? d?.approvers) },
    ),
    other_environments: d?.other_environments ?? "approve",
    max_commits: d?.max_commits ?? DEFAULT_MAX_DEPLOY_COMMITS,
  };
}
