import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { controlById, loadCatalogue, parseCatalogue, statedBasis } from "../../src/controls/catalogue.js";
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
    state: "open",
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

const VERIFY = [{ name: "eval", app: "github-actions" }];
const QUALITY = [{ name: "validate-data", app: "github-actions" }];
const run = (name: string, conclusion: string, app = "github-actions") => ({ name, status: "completed", conclusion, app });
const reasons = (f: ControlFacts, exclude: string[] = []) =>
  Object.fromEntries(mapControls(f, { exclude, verification: VERIFY, dataQuality: QUALITY }).map((c) => [c.id, c.reason]));

describe("mapControls", () => {
  // [title, facts, control, expected reason (undefined: not claimed)]
  const table: Array<[string, ControlFacts, string, string | undefined]> = [
    ["a policy-named verification check by its app evidences V&V", facts({ ...PASSED, changes: [MODEL], state: "merged", checks: [run("eval", "success"), run("lint", "success")] }), "A.6.2.4", "A.6.2.4 verification check `eval (github-actions)` named by the policy succeeded on the merged head 3f2a9c0"],
    ["a named verification check that failed withholds V&V", facts({ ...PASSED, changes: [MODEL], state: "merged", checks: [run("eval", "failure")] }), "A.6.2.4", undefined],
    ["data-quality check named by the policy on a dataset change", facts({ ...PASSED, changes: [DVC], state: "merged", checks: [run("validate-data", "success")] }), "A.7.4", "A.7.4 data-quality check `validate-data (github-actions)` named by the policy succeeded on the dataset change"],
    ["model card with the model", facts({ changes: [MODEL, CARD] }), "A.6.2.7", "A.6.2.7 model card `models/recommender/README.md` updated with the model"],
    ["model card alone is not technical documentation of a model change", facts({ changes: [CARD] }), "A.6.2.7", undefined],
    ["dataset card documents the data resource", facts({ changes: [DATA_CARD] }), "A.4.3", "A.4.3 dataset card `data/README.md` of recommender changed with the data"],
    ["dataset card records acquisition", facts({ changes: [DATA_CARD] }), "A.7.3", "A.7.3 dataset card `data/README.md` records the data's source and licence"],
    ["dataset managed under both gates", facts({ ...PASSED, changes: [DVC], state: "merged" }), "A.7.2", "A.7.2 dataset `data/train.parquet.dvc` changed after an approved impact assessment and human sign-off"],
    ["dataset without passed gates: no data management claim", facts({ changes: [DVC] }), "A.7.2", undefined],
    ["approved assessment is documented", facts({ ...PASSED, changes: [MODEL] }), "A.5.3", "A.5.3 AIA-2026-014 v3 (governance/impact-assessments/recommender.md at bbbbbbb) approved by @bob on 2026-06-02"],
    ["assessment process before merge", facts({ ...PASSED, changes: [MODEL], state: "merged" }), "A.5.2", "A.5.2 impact assessment AIA-2026-014 required and approved before merge"],
    ["an open pull request is not yet merged", facts({ ...PASSED, changes: [MODEL] }), "8.4", "8.4 significant change (1 model) assessed by AIA-2026-014 while the pull request is open"],
    ["societal impact only when assessed", facts({ ...PASSED, changes: [MODEL] }), "A.5.5", undefined],
    ["clause 8.4 on a significant change", facts({ ...PASSED, changes: [MODEL, DVC], state: "merged" }), "8.4", "8.4 significant change (1 model, 1 dataset) assessed by AIA-2026-014 before merge"],
    ["clause 8.4 on a change of AI use in code", facts({ ...PASSED, changes: [change("bot/answer.py", "code")], state: "merged" }), "8.4", "8.4 significant change (1 AI code change) assessed by AIA-2026-014 before merge"],
    ["sign-off names the team", facts({ ...PASSED, changes: [PROMPT] }), "A.3.2", "A.3.2 human-oversight sign-off by @carol (member of acme/ai-governance) at 3f2a9c0, other than the author"],
    ["gates passed: the process operated", facts({ ...PASSED, changes: [PROMPT] }), "A.6.1.3", "A.6.1.3 impact-assessment and human-oversight gates passed at 3f2a9c0 under the policy at the base commit"],
    ["gates waiting: the process has not operated yet", facts({ changes: [PROMPT] }), "A.6.1.3", undefined],
    ["gates errored: process not shown", facts({ ...PASSED, changes: [PROMPT], gatesEvaluated: false }), "A.6.1.3", undefined],
  ];

  it.each(table)("%s", (_title, f, id, expected) => {
    expect(reasons(f)[id]).toBe(expected);
  });

  // Over-claims an auditor found: each is now absent, and the catalogue states why.
  const everything = facts({
    ...PASSED,
    changes: [MODEL, CARD, DVC, LFS_DATA, DATA_CARD, PROMPT, POLICY, dep("@anthropic-ai/sdk", "Anthropic", "added", "llm-api", undefined, "0.30.0"), dep("onnxruntime-node", "Microsoft", "added", "inference-runtime", undefined, "1.20.0")],
    state: "merged",
    checks: [run("lint", "success"), run("schema-lint", "success"), run("eval", "success", "some-other-app")],
  });
  const overClaims: Array<[string, ControlFacts, string[], RegExp]> = [
    ["any successful check (a lint job) is not verification and validation", everything, ["A.6.2.4"], /policy names as verification.*Unnamed checks \(lint, build\) never count/],
    ["a check whose name looks like data validation (schema-lint) is not a data-quality check", everything, ["A.7.4"], /policy names as data-quality checks.*unnamed checks never count/],
    ["a merge is not a deployment", everything, ["A.6.2.5"], /merge is not a deployment/],
    ["a new package is not a supplier review", everything, ["A.10.3"], /trigger for a supplier review/],
    ["a hash and a storage location are not provenance", everything, ["A.7.5"], /do not show where the data came from/],
    ["a list of changed files is not resource or design documentation", everything, ["A.4.2", "A.4.4", "A.6.2.3"], /changed files|dependency exists/],
    ["development-time facts are not responsible or intended use", everything, ["A.9.2", "A.9.4"], /operat/],
    ["gate configuration (.github/aims.yml) is not the AI policy", everything, ["A.2.2", "A.2.4"], /aims\.yml|gate configuration/],
    ["a model-card edit is not information for users", everything, ["A.8.2"], /technical documentation/],
    ["an inference library is not a record of computing resources", everything, ["A.4.5"], /inference library is tooling/],
  ];
  it.each(overClaims)("%s", (_title, f, ids, why) => {
    const claimed = reasons(f);
    for (const id of ids) {
      expect(claimed).not.toHaveProperty([id]);
      const control = controlById(id)!;
      if (id === "A.6.2.4" || id === "A.7.4") {
        // Claimed only from checks the policy names: here none of the named checks ran from the named app.
        expect(statedBasis(control)).toMatch(why);
        expect(control.prEvidence).not.toBe("none");
      } else {
        expect(control.prEvidence).toBe("none");
        expect(statedBasis(control)).toMatch(/^not evidenced by pull requests: /);
        expect(statedBasis(control)).toMatch(why);
      }
    }
  });

  it("a pull request closed without merging claims no control as operating", () => {
    expect(mapControls(facts({ ...PASSED, changes: [MODEL, CARD, DVC, DATA_CARD], state: "closed", checks: [run("eval", "success")] }), { verification: VERIFY })).toEqual([]);
  });

  it("a pull request under an override claims no control: a bypass is a nonconformity", () => {
    for (const state of ["open", "merged"] as const) {
      expect(mapControls(facts({ ...OVERRIDDEN, changes: [MODEL, CARD, DVC, DATA_CARD, POLICY], state, checks: [run("eval", "success")] }), { verification: VERIFY })).toEqual([]);
    }
  });

  it("claims nothing without facts", () => {
    expect(mapControls(facts())).toEqual([]);
    expect(mapControls(facts({ changes: [TOOLING], state: "merged", checks: [run("eval", "success")] }), { verification: VERIFY })).toEqual([]);
  });

  it("never claims an excluded control", () => {
    const f = facts({ ...PASSED, changes: [MODEL, CARD, DVC], state: "merged" });
    expect(reasons(f)["A.6.2.7"]).toBeDefined();
    expect(reasons(f, ["A.6.2.7", "A.6.1.3"])).not.toHaveProperty("A.6.2.7");
    expect(reasons(f, ["A.6.2.7", "A.6.1.3"])).not.toHaveProperty("A.6.1.3");
  });

  it("claims only controls whose catalogue entry lists the fact and states a basis, in catalogue order, clauses last", () => {
    const catalogue = loadCatalogue();
    const f = facts({ ...PASSED, changes: [MODEL, CARD, DVC, LFS_DATA, DATA_CARD, PROMPT, POLICY], state: "merged", checks: [run("eval", "success"), run("validate-data", "success")] });
    const mapped = mapControls(f, { verification: VERIFY, dataQuality: QUALITY });
    for (const c of mapped) {
      const entry = catalogue.controls.find((x) => x.id === c.id) ?? catalogue.clauses.find((x) => x.id === c.id);
      expect(entry?.evidencedBy).toContain(c.fact);
      expect(entry?.basis?.length).toBeGreaterThan(20);
      expect(c.reason.startsWith(`${c.id} `)).toBe(true);
      expect(c.reason).not.toMatch(/\n/);
    }
    expect(mapped.map((c) => c.id)).toEqual(["A.3.2", "A.4.3", "A.5.2", "A.5.3", "A.5.4", "A.6.1.3", "A.6.2.4", "A.6.2.7", "A.7.2", "A.7.3", "A.7.4", "6.1.4", "8.4"]);
  });
});

describe("Annex A catalogue basis", () => {
  it("states a basis for every claimed control and a reason for every other, never 'evidenced' without facts", () => {
    for (const c of [...loadCatalogue().controls, ...loadCatalogue().clauses]) {
      if (c.evidencedBy.length === 0) {
        expect([c.id, c.prEvidence]).toEqual([c.id, "none"]);
        expect(c.reason).toBeDefined();
      } else {
        expect(c.basis).toBeDefined();
      }
    }
    for (const id of ["A.7.6", "A.6.2.2", "A.6.2.6", "A.6.2.8"]) expect(statedBasis(controlById(id)!)).toMatch(/^not evidenced by pull requests: /);
  });

  it("rejects a strong or partial entry without facts, and a claimed entry without a basis", () => {
    const base = readFileSync(new URL("../../policies/annex-a.yml", import.meta.url), "utf8");
    const noFacts = base.replace(/(- id: A\.6\.2\.6\n(?:    .*\n)*?)    pr_evidence: none\n/, "$1    pr_evidence: partial\n");
    expect(() => parseCatalogue(noFacts)).toThrow(/controls\.\d+\.evidenced_by: a partial control lists the facts/);
    const noBasis = base.replace(/(- id: A\.6\.2\.7\n(?:    .*\n)*?)    basis: .*\n/, "$1");
    expect(() => parseCatalogue(noBasis)).toThrow(/basis: say why the listed facts are enough/);
  });
});
