import { describe, expect, it } from "@jest/globals";
import { mergeConfigs, parseConfigText } from "../../src/config/parse.js";
import { builtInDefaults, resolvePolicy, type Policy } from "../../src/config/policy.js";
import { evaluateGates } from "../../src/gates/evaluate.js";
import type { OversightFacts, PolicyChangeFacts, PullRequestFacts, ReviewFact } from "../../src/gates/facts.js";
import { describePolicyChange, policyOwners } from "../../src/gates/policy-change.js";
import { renderCheck } from "../../src/render/check.js";

const HEAD = "c".repeat(40);

function policy(yaml: string): Policy {
  const parsed = parseConfigText(yaml, ".github/aims.yml");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return resolvePolicy(mergeConfigs(builtInDefaults(), parsed.config), []);
}

const BASE = `systems:
  - id: recommender
    name: Recommender
    paths: ["models/**", "features/**"]
    risk: high
  - id: chatbot
    name: Chatbot
    paths: ["chat/**"]
    risk: limited
oversight:
  tiers:
    high:
      teams: ["acme/ml"]
      require_rationale: true
governance:
  owners:
    teams: ["acme/gov"]
`;

const messages = (base: string, head: string) => describePolicyChange(policy(base), policy(head)).map((s) => `${s.weakens ? "weakens" : "other"}: ${s.message}`);

describe("a policy change in words", () => {
  it("says nothing when only comments or order change", () => {
    expect(messages(BASE, `# reordered\n${BASE}`)).toEqual([]);
  });

  it("names lowered and raised risk tiers, and only the lowering as a weakening", () => {
    expect(messages(BASE, BASE.replace("risk: high", "risk: limited"))).toEqual(["weakens: risk of recommender lowered from high to limited"]);
    expect(messages(BASE, BASE.replace("risk: limited", "risk: high"))).toEqual(["other: risk of chatbot raised from limited to high"]);
  });

  it("names systems added and removed, and paths that stop being governed", () => {
    const head = BASE.replace(`  - id: chatbot\n    name: Chatbot\n    paths: ["chat/**"]\n    risk: limited\n`, `  - id: search\n    name: Search\n    paths: ["search/**"]\n    risk: minimal\n`).replace(`"models/**", "features/**"`, `"models/**"`);
    expect(messages(BASE, head)).toEqual([
      "other: system search added (minimal risk, paths `search/**`)",
      "weakens: paths `features/**` stop being governed as part of recommender",
      "weakens: system chatbot removed (was limited risk): its paths `chat/**` are no longer part of a registered system",
    ]);
  });

  it("names lowered sign-off counts, weaker tier settings, widened approvers and new exclusions", () => {
    const head = `${BASE.replace(`      require_rationale: true\n`, `      require_rationale: false\n      required: 1\n      users: ["mallory"]\n`)}detect:\n  gate: [model, dataset]\ncontrols:\n  exclude:\n    - id: A.5.2\n      justification: Assessed outside this repository by the risk office.\n`;
    expect(messages(BASE, head)).toEqual([
      "weakens: categories that need the gates (detect.gate): `model-metadata`, `prompt`, `governance-policy`, `dependency`, `code` removed",
      "weakens: sign-offs required on the high tier lowered from 2 to 1",
      "weakens: who may sign off the high tier changed from a member of @acme/ml to a member of @acme/ml or @mallory",
      "weakens: high tier: a rationale is required (require_rationale) turned off",
      "weakens: Annex A controls excluded (controls.exclude): `A.5.2` added",
    ]);
  });

  it("treats a named list of approvers becoming 'anyone' as a weakening, and narrowing as none", () => {
    expect(messages(BASE, BASE.replace(`governance:\n  owners:\n    teams: ["acme/gov"]\n`, ""))).toEqual([
      "weakens: who approves policy changes (governance.owners) changed from a member of @acme/gov to a repository admin",
    ]);
    expect(messages(BASE, BASE.replace(`teams: ["acme/ml"]`, `teams: []`).replace(`teams: ["acme/gov"]`, `teams: ["acme/gov"]\n    users: []`))).toEqual([
      "weakens: who may sign off the high tier changed from a member of @acme/ml to anyone with write access",
    ]);
    expect(messages(BASE.replace(`teams: ["acme/ml"]`, `teams: ["acme/ml", "acme/data"]`), BASE)).toEqual([
      "other: who may sign off the high tier changed from a member of @acme/ml or a member of @acme/data to a member of @acme/ml",
    ]);
  });

  it("reads the approvers of policy changes from governance.owners, then oversight.governance, then repository admins", () => {
    expect(policyOwners(policy(BASE)).text).toBe("a member of @acme/gov");
    expect(policyOwners(policy("oversight:\n  governance:\n    users: [lead]\n")).text).toBe("@lead");
    expect(policyOwners(policy("")).text).toBe("a repository admin");
    expect(policyOwners(policy("")).plural).toBe("repository admins");
  });
});

describe("gates of a pull request that changes the policy", () => {
  const base = policy(BASE);
  const standing = { teams: ["acme/gov"], permission: "write" as const };
  const approval = (login: string): ReviewFact => ({ id: 1, login, bot: false, state: "APPROVED", sha: HEAD, at: "2026-06-01T10:00:00Z", body: "ok" });
  function facts(pc: PolicyChangeFacts, o: Partial<OversightFacts> = {}, model = false): PullRequestFacts {
    return {
      number: 3,
      author: "alice",
      headSha: HEAD,
      baseRef: "main",
      changedFileCount: 2,
      filesTruncated: false,
      changes: [
        { path: ".github/aims.yml", status: "modified", category: "governance-policy", rule: "governance-policy.aims-config", reason: "", system: "unregistered", gated: true },
        ...(model ? [{ path: "models/a.onnx", status: "added" as const, category: "model" as const, rule: "model.onnx", reason: "", system: "recommender", gated: true }] : []),
      ],
      problems: [],
      policyChange: pc,
      oversight: { reviews: [], commands: [], standing: {}, sinceSigned: {}, ...o },
    };
  }
  const lowered: PolicyChangeFacts = { files: [".github/aims.yml"], problems: [], statements: [{ message: "risk of recommender lowered from high to limited", weakens: true }] };

  it("asks no assessment for the policy file, and a governance owner's sign-off", () => {
    const [assessment, oversight] = evaluateGates({ ok: true, policy: base }, facts(lowered));
    expect(assessment!.conclusion).toBe("success");
    expect(oversight!.conclusion).toBe("action_required");
    expect(oversight!.nextSteps[0]).toBe("Ask a member of @acme/gov (other than the author) to approve this pull request at ccccccc or comment `/aims sign-off [rationale]`.");
    const signed = evaluateGates({ ok: true, policy: base }, facts(lowered, { reviews: [approval("gwen")], standing: { gwen: standing } }))[1]!;
    expect([signed.conclusion, signed.title]).toEqual(["success", "Policy change signed off by @gwen"]);
    expect(signed.signOffs?.map((s) => s.login)).toEqual(["gwen"]);
  });

  it("never counts the author's own approval of a policy change", () => {
    const own = evaluateGates({ ok: true, policy: base }, facts(lowered, { reviews: [approval("alice")], standing: { alice: standing } }))[1]!;
    expect(own.conclusion).toBe("action_required");
    expect(own.reasons.map((r) => r.message)).toContainEqual(expect.stringContaining("the author cannot sign off their own change"));
  });

  it("judges other AI changes in the same pull request as usual, and needs both sign-offs", () => {
    const [assessment, oversight] = evaluateGates({ ok: true, policy: base }, facts(lowered, { reviews: [approval("gwen")], standing: { gwen: standing } }, true));
    expect(assessment!.conclusion).toBe("action_required");
    expect(assessment!.title).toContain("recommender");
    expect(assessment!.title).not.toContain("unregistered");
    expect(assessment!.reasons.at(-1)!.message).toContain("needs no impact assessment");
    // gwen signs the policy change but is no member of @acme/ml, whom the high tier needs.
    expect(oversight!.conclusion).toBe("action_required");
    expect(oversight!.title).toBe("Human sign-off required");
  });

  it("fails both checks on an invalid proposed policy, with annotations at the problem's position", () => {
    const invalid: PolicyChangeFacts = { files: [".github/aims.yml"], problems: [{ file: ".github/aims.yml", line: 5, column: 11, message: "systems[0].risk: must be one of …" }], statements: [] };
    const gates = evaluateGates({ ok: true, policy: base }, facts(invalid, { reviews: [approval("gwen")], standing: { gwen: standing } }));
    expect(gates.map((g) => g.conclusion)).toEqual(["failure", "failure"]);
    const out = renderCheck(gates[1]!, { headSha: HEAD, baseRef: "main", changes: [], policy: base });
    expect(out.summary).toContain(".github/aims.yml:5:11 systems\\[0\\].risk: must be one of …");
    expect(out.annotations).toEqual([
      { path: ".github/aims.yml", start_line: 5, end_line: 5, start_column: 11, end_column: 11, annotation_level: "failure", title: "The policy in this pull request is invalid: 1 problem", message: ".github/aims.yml:5:11 systems[0].risk: must be one of …" },
    ]);
  });
});
