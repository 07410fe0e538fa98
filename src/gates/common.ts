import type { Policy } from "../config/policy.js";
import type { AiChange } from "../detect/types.js";
import type { PullRequestFacts } from "./facts.js";
import { CHECK_NAMES, type GateId, type GateResult, type NextStep, type Reason } from "./types.js";

/** Systems touched by gated changes, in first-seen order. */
export function affectedSystems(changes: AiChange[]): string[] {
  return [...new Set(changes.filter((c) => c.gated).map((c) => c.system))];
}

export function problemReasons(facts: PullRequestFacts): Reason[] {
  return facts.problems.map((p) => ({
    status: "error",
    message: `${p.path}${p.line !== undefined ? `:${p.line}` : ""} could not be read: ${p.message}`,
    location: p.line !== undefined ? `${p.path}:${p.line}:${p.column ?? 1}` : p.path,
  }));
}

export function reportedOnly(facts: PullRequestFacts): Reason[] {
  const ungated = facts.changes.filter((c) => !c.gated);
  if (ungated.length === 0) return [];
  const cats = [...new Set(ungated.map((c) => c.category))].join(", ");
  return [{ status: "info", message: `${ungated.length} AI-related file(s) reported but not gated by policy (${cats}).` }];
}

export function noAiChanges(gate: GateId, facts: PullRequestFacts): GateResult {
  return {
    gate,
    name: CHECK_NAMES[gate],
    conclusion: "success",
    title: "No AI-relevant changes",
    reasons: [{ status: "met", message: "No changed file touches a model, dataset, prompt, AI dependency or the AI governance policy." }, ...reportedOnly(facts)],
    nextSteps: [],
    controls: [],
  };
}

export function systemLabel(id: string, policy: Policy): string {
  const system = policy.systems.find((s) => s.id === id);
  return system ? `${system.id} (${system.risk} risk)` : id;
}

/** A commit in a sentence: its first seven characters. */
export function short(sha: string): string {
  return sha.slice(0, 7);
}

/** The date part of an ISO time. */
export function day(iso: string): string {
  return iso.slice(0, 10);
}

/**
 * The PR author in a sentence: `the author @login` (or `@login`) on GitHub; a local check knows only
 * the git author name, which is no GitHub login, so it is never @-mentioned: `the author (Name)`.
 */
export function theAuthor(facts: PullRequestFacts, noun: boolean): string {
  if (facts.authorIsName) return `the author (${facts.author})`;
  return noun ? `the author @${facts.author}` : `@${facts.author}`;
}

/** Steps in order, each once (typed steps compared by content). */
export function uniqueSteps(steps: readonly NextStep[]): NextStep[] {
  const seen = new Set<string>();
  return steps.filter((s) => {
    const key = typeof s === "string" ? s : JSON.stringify(s);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
