import { describe, expect, it } from "@jest/globals";
import { loadCatalogue } from "../../src/controls/catalogue.js";
import { mapControls, type ControlFacts } from "../../src/controls/mapping.js";
import type { AiChange } from "../../src/detect/types.js";

const HEAD = "3f2a9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b";

function change(path: string, category: AiChange["category"], extra: Partial<AiChange> = {}): AiChange {
  return { path, status: "modified", category, rule: `${category}.x`, reason: "", system: "recommender", gated: true, ...extra };
}

const MODEL = change("models/recommender/model.safetensors", "model", { lfs: { oid: "9".repeat(64), size: 42 } });
const CARD = change("models/recommender/README.md", "model-metadata");
const DVC = change("data/train.parquet.dvc", "dataset", { dvc: [{ path: "train.parquet", md5: "3f2a9c0d1e2f3a4b5c6d7e8f9a0b1c2d", remote: "s3://acme-data/recommender" }] });
const LFS_DATA = change("data/eval.parquet", "dataset", { lfs: { oid: "ab12cd34".repeat(8), size: 2048 } });
const DATA_CARD = change("data/README.md", "dataset", { rule: "dataset.card" });
const PROMPT = change("prompts/support.prompty", "prompt", { system: "support-bot" });
const POLICY = change(".github/aims.yml", "governance-policy");
const TOOLING = change("AGENTS.md", "ai-tooling", { gated: false });
const dep = (name: string, supplier: string, changeType: "added" | "removed" | "upgraded", kind = "llm-api", from?: string, to?: string) =>
  change("package.json", "dependency", {
    dependency: { ecosystem: "npm", name, kind: kind as never, supplier, change: changeType, ...(from ? { from } : {}), ...(to ? { to } : {}), direct: true, scope: "prod" as const, manifests: ["package.json"] },
  });

function facts(over: Partial<ControlFacts> = {}): ControlFacts {
  return {
    changes: [],
    headSha: HEAD,
    gatesEvaluated: true,
    assessment: { conclusion: "action_required", controls: [], approved: [] },
    oversight: { conclusion: "action_required", signOffs: [] },
    override: null,
    merged: false,
    checks: [],
    ...over,
  };
}

const PASSED: Partial<ControlFacts> = {
  assessment: {
    conclusion: "success",
    controls: ["A.5.2", "A.5.3", "A.5.4", "A.9.4"],
    approved: [{ id: "AIA-2026-014", version: 3, ref: "governance/impact-assessments/recommender.md", sha: "b".repeat(40), approvedBy: [{ login: "bob", at: "2026-06-02T10:00:00Z" }], systems: ["recommender"] }],
  },
  oversight: { conclusion: "success", signOffs: [{ login: "carol", method: "review", sha: HEAD, at: "2026-11-30T09:00:00Z", team: "acme/ai-governance" }] },
};

/** Both gates success because @lead overrode them (as applyOverride reports them). */
const OVERRIDDEN: Partial<ControlFacts> = {
  ...PASSED,
  override: { login: "lead", at: "2026-11-30T10:00:00Z", sha: HEAD, reason: "Incident INC-42: roll the ranker back now." },
};

const reasons = (f: ControlFacts, exclude: string[] = []) => Object.fromEntries(mapControls(f, { exclude }).map((c) => [c.id, c.reason]));

describe("mapControls", () => {
  // [title, facts, control, expected reason (undefined: not claimed)]
  const table: Array<[string, ControlFacts, string, string | undefined]> = [
    ["DVC data records md5 and remote", facts({ changes: [DVC] }), "A.7.5", "A.7.5 data/train.parquet.dvc records md5 3f2a… and remote s3://acme-data/recommender"],
    ["LFS data records its oid", facts({ changes: [LFS_DATA] }), "A.7.5", "A.7.5 data/eval.parquet is a Git LFS pointer to sha256 ab12… (2048 bytes)"],
    ["a model's LFS oid is not data provenance", facts({ changes: [MODEL] }), "A.7.5", undefined],
    ["new supplier via an added SDK", facts({ changes: [dep("@anthropic-ai/sdk", "Anthropic", "added", "llm-api", undefined, "0.30.0")] }), "A.10.3", "A.10.3 new supplier Anthropic via @anthropic-ai/sdk"],
    ["an upgrade brings no new supplier", facts({ changes: [dep("openai", "OpenAI", "upgraded", "llm-api", "4.0.0", "4.2.0")] }), "A.10.3", undefined],
    ["a package swap within one supplier is no new supplier", facts({ changes: [dep("openai-edge", "OpenAI", "removed"), dep("openai", "OpenAI", "added")] }), "A.10.3", undefined],
    ["tooling names the package and version", facts({ changes: [dep("openai", "OpenAI", "upgraded", "llm-api", "4.0.0", "4.2.0")] }), "A.4.4", "A.4.4 AI tooling npm openai upgraded 4.0.0 → 4.2.0 (OpenAI)"],
    ["an inference runtime is compute", facts({ changes: [dep("onnxruntime-node", "Microsoft", "added", "inference-runtime", undefined, "1.20.0")] }), "A.4.5", "A.4.5 inference runtime npm onnxruntime-node added 1.20.0"],
    ["checks succeeded on the merged head", facts({ changes: [MODEL], merged: true, checks: [{ name: "test", status: "completed", conclusion: "success" }, { name: "eval", status: "completed", conclusion: "success" }] }), "A.6.2.4", "A.6.2.4 checks `test` and `eval` succeeded on the merged head SHA 3f2a9c0"],
    ["a failed check withholds V&V", facts({ changes: [MODEL], checks: [{ name: "test", status: "completed", conclusion: "success" }, { name: "eval", status: "completed", conclusion: "failure" }] }), "A.6.2.4", undefined],
    ["data checks on a dataset change", facts({ changes: [DVC], checks: [{ name: "validate-data", status: "completed", conclusion: "success" }] }), "A.7.4", "A.7.4 data check `validate-data` succeeded on the dataset change"],
    ["merged after both gates", facts({ ...PASSED, changes: [MODEL], merged: true }), "A.6.2.5", "A.6.2.5 model change merged after both gates passed at 3f2a9c0"],
    ["not merged: no deployment", facts({ ...PASSED, changes: [MODEL], merged: false }), "A.6.2.5", undefined],
    ["merged under override: no deployment claim", facts({ ...PASSED, changes: [MODEL], merged: true, override: { login: "lead", at: "2026-11-30T10:00:00Z", sha: HEAD, reason: "incident fix" } }), "A.6.2.5", undefined],
    ["override: A.6.1.3 says who overrode and why, not that the gates passed", facts({ ...OVERRIDDEN, changes: [MODEL] }), "A.6.1.3", "A.6.1.3 impact-assessment and human-oversight gates evaluated this change at 3f2a9c0; both overridden by @lead: Incident INC-42: roll the ranker back now."],
    ["override: no oversight claimed as operating", facts({ ...OVERRIDDEN, changes: [MODEL] }), "A.9.2", undefined],
    ["override: no assessment process claimed as operating", facts({ ...OVERRIDDEN, changes: [MODEL] }), "A.5.2", undefined],
    ["override: no significant change assessed before merge", facts({ ...OVERRIDDEN, changes: [MODEL], merged: true }), "8.4", undefined],
    ["override: no policy revision after assessment and sign-off", facts({ ...OVERRIDDEN, changes: [POLICY], merged: true }), "A.2.4", undefined],
    ["override: the approved assessment is still documented", facts({ ...OVERRIDDEN, changes: [MODEL] }), "A.5.3", "A.5.3 AIA-2026-014 v3 (governance/impact-assessments/recommender.md at bbbbbbb) approved by @bob on 2026-06-02"],
    ["override: the sign-offs given are still people's facts", facts({ ...OVERRIDDEN, changes: [MODEL] }), "A.3.2", "A.3.2 sign-off by @carol (acme/ai-governance), an eligible reviewer other than the author"],
    ["merged with a gate failing: no deployment claim", facts({ changes: [MODEL], merged: true }), "A.6.2.5", undefined],
    ["model card with the model", facts({ changes: [MODEL, CARD] }), "A.6.2.7", "A.6.2.7 model card `models/recommender/README.md` updated with the model"],
    ["model card alone is not technical documentation of a model change", facts({ changes: [CARD] }), "A.6.2.7", undefined],
    ["dataset card records acquisition", facts({ changes: [DATA_CARD] }), "A.7.3", "A.7.3 dataset card `data/README.md` updated with the data"],
    ["approved assessment is documented", facts({ ...PASSED, changes: [MODEL] }), "A.5.3", "A.5.3 AIA-2026-014 v3 (governance/impact-assessments/recommender.md at bbbbbbb) approved by @bob on 2026-06-02"],
    ["societal impact only when assessed", facts({ ...PASSED, changes: [MODEL] }), "A.5.5", undefined],
    ["clause 8.4 on a significant change", facts({ ...PASSED, changes: [MODEL, DVC] }), "8.4", "8.4 significant change (1 model, 1 dataset) assessed by AIA-2026-014 before merge"],
    ["sign-off names the team", facts({ ...PASSED, changes: [PROMPT] }), "A.3.2", "A.3.2 sign-off by @carol (acme/ai-governance), an eligible reviewer other than the author"],
    ["policy change", facts({ changes: [POLICY] }), "A.2.2", "A.2.2 AI governance policy `.github/aims.yml` changed through a governed pull request"],
    ["gates evaluated", facts({ changes: [PROMPT] }), "A.6.1.3", "A.6.1.3 impact-assessment (action_required) and human-oversight (action_required) gates evaluated this change at 3f2a9c0"],
    ["gates errored: process not shown", facts({ changes: [PROMPT], gatesEvaluated: false }), "A.6.1.3", undefined],
    ["reported-only tooling claims nothing", facts({ changes: [TOOLING] }), "A.6.2.3", undefined],
  ];

  it.each(table)("%s", (_title, f, id, expected) => {
    expect(reasons(f)[id]).toBe(expected);
  });

  it("claims nothing without facts", () => {
    expect(mapControls(facts())).toEqual([]);
    expect(mapControls(facts({ changes: [TOOLING], merged: true, checks: [{ name: "test", status: "completed", conclusion: "success" }] }))).toEqual([]);
  });

  it("never claims an excluded control", () => {
    const f = facts({ ...PASSED, changes: [MODEL, CARD, DVC], merged: true });
    expect(reasons(f)["A.7.5"]).toBeDefined();
    expect(reasons(f, ["A.7.5", "A.6.2.5"])).not.toHaveProperty("A.7.5");
    expect(reasons(f, ["A.7.5", "A.6.2.5"])).not.toHaveProperty("A.6.2.5");
  });

  it("claims only controls whose catalogue entry lists the fact, in catalogue order, clauses last", () => {
    const catalogue = loadCatalogue();
    const f = facts({ ...PASSED, changes: [MODEL, CARD, DVC, LFS_DATA, DATA_CARD, PROMPT, POLICY, dep("@anthropic-ai/sdk", "Anthropic", "added")], merged: true, checks: [{ name: "data-quality", status: "completed", conclusion: "success" }] });
    const mapped = mapControls(f);
    for (const c of mapped) {
      const entry = catalogue.controls.find((x) => x.id === c.id) ?? catalogue.clauses.find((x) => x.id === c.id);
      expect(entry?.evidencedBy).toContain(c.fact);
      expect(c.reason.startsWith(`${c.id} `)).toBe(true);
      expect(c.reason).not.toMatch(/\n/);
    }
    const none = catalogue.controls.filter((c) => c.prEvidence === "none").map((c) => c.id);
    expect(mapped.filter((c) => none.includes(c.id))).toEqual([]);
    expect(mapped.map((c) => c.id)).toEqual([
      "A.2.2", "A.2.4", "A.3.2", "A.4.2", "A.4.3", "A.4.4", "A.5.2", "A.5.3", "A.5.4", "A.6.1.3", "A.6.2.3", "A.6.2.4", "A.6.2.5", "A.6.2.7",
      "A.7.2", "A.7.3", "A.7.4", "A.7.5", "A.8.2", "A.9.2", "A.9.4", "A.10.3", "6.1.4", "8.4",
    ]);
  });
});
