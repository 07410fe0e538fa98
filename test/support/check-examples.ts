/**
 * The examples of the two checks in docs/checks.md (one also in the README), produced by the real pipeline (policy loading,
 * detection, dependency diff, gates) and the real renderer over an in-memory pull request.
 * test/unit/docs-checks.test.ts and test/unit/readme.test.ts keep them in step; regenerate with
 * `npx tsx test/support/check-examples.ts`.
 */
import { pathToFileURL } from "node:url";
import { loadPolicy } from "../../src/config/policy.js";
import type { ChangedFile } from "../../src/detect/types.js";
import type { PullRequestContext } from "../../src/ports/pull-request-context.js";
import { evaluatePullRequest } from "../../src/pipeline.js";
import { renderCheck } from "../../src/render/check.js";

const BASE = "9b2e4f1a7c3d5e6f8a9b0c1d2e3f4a5b6c7d8e9f";
const HEAD = "e1910d2c5b0a4f7e8d9c6b5a4f3e2d1c0b9a8f7e";

export const EXAMPLE_CONFIG = `systems:
  - id: support-chatbot
    name: Support assistant
    paths: ["services/chat/**", "prompts/support/**"]
    risk: limited
    owner: "@acme/ml-platform"
`;

const OID = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";

interface ExamplePull {
  /** Files on the base branch (the policy is read from here) and at the merge base. */
  base: Record<string, string>;
  /** Files at the head commit. */
  head: Record<string, string>;
  files: ChangedFile[];
}

/** A PullRequestContext over plain maps: what GitHub would answer for this pull request. */
function inMemoryContext(example: ExamplePull): PullRequestContext {
  const at = (ref: string) => (ref === HEAD ? example.head : example.base);
  const none = async () => {
    throw new Error("not part of this example");
  };
  return {
    pull: { owner: "acme", repo: "shop", number: 42, title: "Support assistant v2", body: "", author: "alice", headSha: HEAD, baseRef: "main", baseSha: BASE, changedFiles: example.files.length, state: "open", merged: false, draft: false },
    files: async () => ({ files: example.files, truncated: false }),
    readFile: async (path, ref) => at(ref)[path],
    policy: () => loadPolicy(async (owner, repo, path, ref) => (owner === "acme" && repo === "shop" && ref === "main" ? example.base[path] : undefined), { owner: "acme", repo: "shop", baseRef: "main" }),
    mergeBase: async () => BASE,
    existingChecks: async () => [],
    reviews: async () => [],
    comments: async () => [],
    teamMembership: async () => "none",
    permission: async () => "read",
    issue: async () => undefined,
    labelEvents: async () => [],
    listDirectory: async () => undefined,
    changedSince: none,
    treeChanges: none,
  } as PullRequestContext;
}

async function render(example: ExamplePull, gate: 0 | 1): Promise<string> {
  const ctx = inMemoryContext(example);
  const evaluation = await evaluatePullRequest(ctx);
  const result = evaluation.gates[gate]!;
  const policy = evaluation.policy.ok ? evaluation.policy.policy : undefined;
  const sources = evaluation.policy.ok ? evaluation.policy.policy.sources : evaluation.policy.sources;
  const out = renderCheck(result, {
    headSha: HEAD,
    baseRef: "main",
    changes: evaluation.facts.changes,
    ...(policy ? { policy } : {}),
    sources,
  });
  return `${result.name} — ${out.title}\n\n${out.summary}`;
}

const PACKAGE_BASE = `{
  "name": "support-chat",
  "private": true,
  "dependencies": { "express": "^4.19.2", "openai": "^4.52.0" }
}
`;
const PACKAGE_HEAD = `{
  "name": "support-chat",
  "private": true,
  "dependencies": { "@anthropic-ai/sdk": "^0.30.0", "express": "^4.19.2", "openai": "^5.1.0" }
}
`;
const REQUIREMENTS_BASE = "fastapi==0.115.0\n";
const REQUIREMENTS_HEAD = "fastapi==0.115.0\nlangchain-openai==0.2.1\ntorch==2.4.0\n";
const PROMPT = `name: Triage
model: openai/gpt-4o-mini
messages:
  - role: system
    content: Sort the customer's message into billing, delivery or other.
`;

/** A pull request that adds a prompt, a model stored in Git LFS and AI packages. */
export function aiChangeExample(gate: 0 | 1 = 0): Promise<string> {
  const pointerPatch = `@@ -0,0 +1,3 @@\n+version https://git-lfs.github.com/spec/v1\n+oid sha256:${OID}\n+size 12884901`;
  return render(
    {
      base: { ".github/aims.yml": EXAMPLE_CONFIG, "services/chat/package.json": PACKAGE_BASE, "services/chat/requirements.txt": REQUIREMENTS_BASE },
      head: { ".github/aims.yml": EXAMPLE_CONFIG, "services/chat/package.json": PACKAGE_HEAD, "services/chat/requirements.txt": REQUIREMENTS_HEAD, "prompts/support/triage.prompt.yml": PROMPT },
      files: [
        { filename: "models/ranker.safetensors", status: "added", additions: 3, deletions: 0, patch: pointerPatch },
        { filename: "prompts/support/triage.prompt.yml", status: "added", additions: 5, deletions: 0, patch: "@@ -0,0 +1,5 @@\n+name: Triage" },
        { filename: "services/chat/package.json", status: "modified", additions: 1, deletions: 1, patch: "@@ -3 +3 @@" },
        { filename: "services/chat/requirements.txt", status: "modified", additions: 2, deletions: 0, patch: "@@ -1 +1,3 @@" },
        { filename: "README.md", status: "modified", additions: 4, deletions: 1, patch: "@@ -1 +1,4 @@" },
      ],
    },
    gate,
  );
}

/** A pull request whose base branch holds a broken policy file. */
export function invalidConfigExample(): Promise<string> {
  const broken = `systems:\n  - id: support-chatbot\n    risk: moderate\n    paths: ["services/chat/**"]\n`;
  return render(
    {
      base: { ".github/aims.yml": broken },
      head: {},
      files: [{ filename: "models/ranker.onnx", status: "added", additions: 0, deletions: 0 }],
    },
    0,
  );
}

/** A pull request that touches nothing AI-relevant. */
export function noAiChangeExample(): Promise<string> {
  return render(
    {
      base: { ".github/aims.yml": EXAMPLE_CONFIG },
      head: {},
      files: [
        { filename: "README.md", status: "modified", additions: 2, deletions: 1, patch: "@@ -1 +1,2 @@" },
        { filename: "src/model.ts", status: "modified", additions: 10, deletions: 3, patch: "@@ -1 +1,10 @@" },
      ],
    },
    0,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const example of [noAiChangeExample(), aiChangeExample(0), aiChangeExample(1), invalidConfigExample()]) {
    process.stdout.write(`${await example}\n\n=====\n\n`);
  }
}
