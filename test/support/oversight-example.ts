/**
 * The example in docs/oversight.md of the aims/human-oversight check, produced by the real gate and renderer
 * from a fixed fixture. test/unit/docs-oversight.test.ts keeps the page in step with it;
 * regenerate with `npx tsx test/support/oversight-example.ts`.
 */
import { pathToFileURL } from "node:url";
import { mergeConfigs } from "../../src/config/parse.js";
import { builtInDefaults, resolvePolicy } from "../../src/config/policy.js";
import type { ConfigFile } from "../../src/config/schema.js";
import type { AiChange } from "../../src/detect/types.js";
import { evaluateGates } from "../../src/gates/evaluate.js";
import type { PullRequestFacts } from "../../src/gates/facts.js";
import { renderCheck } from "../../src/render/check.js";

const HEAD = "e1910d2c5b0a4f7e8d9c6b5a4f3e2d1c0b9a8f7e";
const EARLIER = "7c3e0a91d2b4c6e8f0a1b3c5d7e9f1a3b5c7d9e1";

export const EXAMPLE_POLICY = {
  systems: [{ id: "recommender", name: "Product recommender", paths: ["models/recommender/**"], risk: "high" }],
  oversight: {
    tiers: { high: { required: 2, teams: ["acme/ml-reviewers", "acme/legal"], distinct_teams: true } },
    governance: { teams: ["acme/ai-governance"] },
  },
} satisfies ConfigFile;

export function oversightExample(): string {
  const policy = resolvePolicy(mergeConfigs(builtInDefaults(), EXAMPLE_POLICY as ConfigFile), [{ repository: "acme/shop", path: ".github/aims.yml", ref: "main" }]);
  const changes: AiChange[] = [
    { path: "models/recommender/ranker.onnx", status: "modified", category: "model", rule: "model.onnx", reason: "ONNX model", system: "recommender", gated: true },
  ];
  const facts: PullRequestFacts = {
    number: 57,
    author: "alice",
    headSha: HEAD,
    baseRef: "main",
    changedFileCount: 1,
    filesTruncated: false,
    changes,
    problems: [],
    oversight: {
      reviews: [
        { id: 1, login: "carol", bot: false, state: "APPROVED", sha: HEAD, at: "2026-06-20T09:12:00Z", body: "Ranking eval within bounds; fallback tested." },
        { id: 2, login: "dave", bot: false, state: "APPROVED", sha: EARLIER, at: "2026-06-19T16:40:00Z", body: "Looks fine." },
        { id: 3, login: "alice", bot: false, state: "COMMENTED", sha: HEAD, at: "2026-06-20T09:30:00Z", body: "Thanks!" },
      ],
      commands: [
        { id: 11, login: "erin", bot: false, command: { kind: "sign-off", rationale: "" }, createdAt: "2026-06-20T10:02:00Z", updatedAt: "2026-06-20T10:02:00Z", sha: HEAD },
        { id: 12, login: "alice", bot: false, command: { kind: "sign-off", rationale: "I tested it myself." }, createdAt: "2026-06-20T10:05:00Z", updatedAt: "2026-06-20T10:05:00Z", sha: HEAD },
      ],
      standing: { carol: { teams: ["acme/ml-reviewers"] }, dave: { teams: ["acme/legal"] }, erin: { teams: ["acme/legal"] } },
      sinceSigned: { [EARLIER]: { files: ["models/recommender/ranker.onnx"], complete: true } },
    },
  };
  const result = evaluateGates({ ok: true, policy }, facts)[1]!;
  const out = renderCheck(result, { headSha: HEAD, baseRef: "main", changes, policy });
  const buttons = (out.actions ?? []).map((a) => `[${a.label}]`).join(" ");
  return `${result.name} — ${out.title}\nButtons: ${buttons}\n\n${out.summary}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${oversightExample()}\n`);
}
