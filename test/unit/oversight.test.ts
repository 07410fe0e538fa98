import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { mergeConfigs } from "../../src/config/parse.js";
import { builtInDefaults, resolvePolicy, type Policy } from "../../src/config/policy.js";
import type { ConfigFile } from "../../src/config/schema.js";
import type { AiChange } from "../../src/detect/types.js";
import { evaluateGates } from "../../src/gates/evaluate.js";
import { bindCommentSha } from "../../src/gates/authority.js";
import { oversightGate } from "../../src/gates/oversight.js";
import { selectSignOffs } from "../../src/gates/sign-offs.js";
import type { CommandFact, OversightFacts, PullRequestFacts, ReviewFact, Standing } from "../../src/gates/facts.js";
import type { GateResult } from "../../src/gates/types.js";

const HEAD = "a".repeat(40);
const OLD = "b".repeat(40);
const AUTHOR = "dev";

/** The built-in defaults with a registry and the given oversight section, as loadPolicy builds it. */
function policyWith(oversight: ConfigFile["oversight"] = {}): Policy {
  const merged = mergeConfigs(builtInDefaults(), {
    systems: [
      { id: "recommender", name: "Product recommender", paths: ["models/**"], risk: "high" },
      { id: "chatbot", name: "Support assistant", paths: ["chat/**"], risk: "limited" },
      { id: "faq", name: "FAQ search", paths: ["faq/**"], risk: "minimal" },
      { id: "scoring", name: "Citizen scoring", paths: ["scoring/**"], risk: "prohibited" },
    ],
    oversight,
  } as ConfigFile);
  return resolvePolicy(merged, []);
}

/** A gated model change under a folder; the folder's system comes from the registry above. */
const SYSTEM_OF: Record<string, string> = { chat: "chatbot", models: "recommender", faq: "faq", scoring: "scoring", unregistered: "unregistered" };
const change = (folder: string): AiChange => ({ path: `${folder}/model.onnx`, status: "added", category: "model", rule: "model.onnx", reason: "ONNX model", system: SYSTEM_OF[folder]!, gated: true });

let nextId = 1;
function review(login: string, state: ReviewFact["state"], o: Partial<ReviewFact> = {}): ReviewFact {
  return { id: nextId++, login, bot: false, state, sha: HEAD, at: "2026-06-01T10:00:00Z", body: "Checked the evaluation report.", ...o };
}
function command(login: string, cmd: CommandFact["command"], o: Partial<CommandFact> = {}): CommandFact {
  return { id: nextId++, login, bot: false, command: cmd, createdAt: "2026-06-01T11:00:00Z", updatedAt: "2026-06-01T11:00:00Z", sha: HEAD, ...o };
}
const signOff = (login: string, rationale = "Reviewed the prompts and the eval results.", o: Partial<CommandFact> = {}) => command(login, { kind: "sign-off", rationale }, o);

function facts(system: string, oversight: Partial<OversightFacts>): PullRequestFacts {
  return {
    number: 7,
    author: AUTHOR,
    headSha: HEAD,
    baseRef: "main",
    changedFileCount: 1,
    filesTruncated: false,
    changes: [change(system)],
    problems: [],
    oversight: { reviews: [], commands: [], standing: {}, sinceSigned: {}, ...oversight },
  };
}

const writer: Standing = { teams: [], permission: "write" };
const reader: Standing = { teams: [], permission: "read" };

function gate(policy: Policy, f: PullRequestFacts): GateResult {
  return oversightGate(policy, f);
}
const text = (r: GateResult) => r.reasons.map((x) => x.message).join("\n");

describe("oversight gate: tiers and eligibility", () => {
  const policy = policyWith();

  it("passes a limited-risk change approved at the head by someone with write access", () => {
    const r = gate(policy, facts("chat", { reviews: [review("carol", "APPROVED")], standing: { carol: writer } }));
    expect([r.conclusion, r.title]).toEqual(["success", "Signed off by @carol (limited risk)"]);
    expect(r.controls).toEqual(["A.3.2", "A.9.2"]);
    expect(r.signOffs).toEqual([{ login: "carol", method: "review", sha: HEAD, at: "2026-06-01T10:00:00Z", rationale: "Checked the evaluation report.", via: "write permission" }]);
    expect(text(r)).toContain("Risk tier limited (systems: chatbot): 1 sign-off required from anyone with write access");
  });

  it("dismisses read-only users, the author and bots with the reason", () => {
    const r = gate(
      policy,
      facts("chat", {
        reviews: [review("reader", "APPROVED"), review(AUTHOR, "APPROVED"), review("helper[bot]", "APPROVED", { bot: true })],
        standing: { reader },
      }),
    );
    expect([r.conclusion, r.title]).toEqual(["action_required", "Human sign-off required"]);
    expect(text(r)).toContain("@reader's approval (2026-06-01 at aaaaaaa): not eligible for the limited tier (read permission only)");
    expect(text(r)).toContain("@dev's approval (2026-06-01 at aaaaaaa): the author cannot sign off their own change.");
    expect(text(r)).toContain("@helper[bot]'s approval (2026-06-01 at aaaaaaa): bots never count.");
    expect(r.controls).toEqual([]);
    const outsider = gate(policy, facts("chat", { reviews: [review("stranger", "APPROVED")], standing: { stranger: { teams: [], permission: "none" } } }));
    expect(text(outsider)).toContain("@stranger's approval (2026-06-01 at aaaaaaa): not eligible for the limited tier (no access to this repository)");
  });

  it("needs two sign-offs with a rationale on the high tier by default", () => {
    const one = gate(policy, facts("models", { commands: [signOff("carol")], standing: { carol: writer, erin: writer } }));
    expect([one.conclusion, one.title]).toEqual(["action_required", "Human sign-off required: 1 of 2 signed"]);
    const bare = gate(policy, facts("models", { commands: [signOff("carol"), signOff("erin", "")], standing: { carol: writer, erin: writer } }));
    expect(bare.conclusion).toBe("action_required");
    expect(text(bare)).toContain("@erin's `/aims sign-off` (2026-06-01 at aaaaaaa): no rationale; the high tier requires one (write it after `/aims sign-off`).");
    const two = gate(policy, facts("models", { commands: [signOff("carol"), signOff("erin")], standing: { carol: writer, erin: writer } }));
    expect([two.conclusion, two.title]).toEqual(["success", "Signed off by @carol, @erin (high risk)"]);
  });

  it("an approval whose text someone else edited counts without a rationale, and says who edited it", () => {
    const edited = gate(policy, facts("models", { reviews: [review("erin", "APPROVED", { editedBy: "mallory" })], commands: [signOff("carol")], standing: { carol: writer, erin: writer } }));
    expect(edited.conclusion).toBe("action_required");
    expect(text(edited)).toContain("@erin's review text: edited by @mallory, so it is not counted as @erin's rationale.");
    expect(text(edited)).toContain("@erin's approval (2026-06-01 at aaaaaaa): no rationale; the high tier requires one");
    // Where no rationale is required the approval itself still counts, without the edited text.
    const limited = gate(policy, facts("chat", { reviews: [review("erin", "APPROVED", { editedBy: "mallory" })], standing: { erin: writer } }));
    expect(limited.conclusion).toBe("success");
    expect(limited.signOffs?.[0]?.rationale).toBeUndefined();
  });

  it("takes the higher of registry and assessment risk (an unregistered change counts as high)", () => {
    const r = gate(policy, facts("unregistered", { reviews: [review("carol", "APPROVED")], standing: { carol: writer } }));
    expect(r.title).toBe("Human sign-off required: 1 of 2 signed");
  });

  it("accepts only active members of the tier's teams, and keeps the team as a snapshot", () => {
    const p = policyWith({ tiers: { limited: { teams: ["acme/ml-reviewers"], users: ["@lead"] } } });
    const r = gate(
      p,
      facts("chat", {
        reviews: [review("mallory", "APPROVED"), review("carol", "APPROVED")],
        standing: { mallory: { teams: [], permission: "admin" }, carol: { teams: ["acme/ml-reviewers"] } },
      }),
    );
    expect(r.conclusion).toBe("success");
    expect(r.signOffs?.map((s) => [s.login, s.team])).toEqual([["carol", "acme/ml-reviewers"]]);
    expect(text(r)).toContain("@mallory's approval (2026-06-01 at aaaaaaa): not eligible for the limited tier (not an active member of @acme/ml-reviewers); eligible: a member of @acme/ml-reviewers or @lead.");
    const listed = gate(p, facts("chat", { reviews: [review("Lead", "APPROVED")], standing: { lead: { teams: [] } } }));
    expect(listed.conclusion).toBe("success");
  });

  it("fails closed when a signer's standing could not be read", () => {
    const r = gate(policy, facts("chat", { reviews: [review("carol", "APPROVED")], standing: { carol: { teams: [], error: "HTTP 502 Bad Gateway" } } }));
    expect([r.conclusion, r.title]).toEqual(["failure", "Could not check who may sign off"]);
    const unread = gate(policy, facts("chat", { readError: "HTTP 500 boom" }));
    expect([unread.conclusion, unread.title]).toEqual(["failure", "Could not read the sign-offs of this pull request"]);
  });

  it("fails a prohibited system whatever the sign-offs", () => {
    const r = gate(policy, facts("scoring", { reviews: [review("carol", "APPROVED")], standing: { carol: writer } }));
    expect(r.conclusion).toBe("failure");
  });

  it("does not require sign-off without gated AI changes", () => {
    const f = facts("chat", {});
    f.changes = [];
    expect(gate(policy, f).title).toBe("No AI-relevant changes");
  });
});

describe("oversight gate: sign-off life cycle", () => {
  const policy = policyWith();

  it("latest review state per user wins; a dismissed approval is reported", () => {
    const r = gate(
      policy,
      facts("chat", {
        reviews: [review("carol", "APPROVED", { at: "2026-06-01T10:00:00Z" }), review("carol", "DISMISSED", { at: "2026-06-01T12:00:00Z" })],
        standing: { carol: writer },
      }),
    );
    expect(r.conclusion).toBe("action_required");
    expect(text(r)).toContain("@carol: the approval review was dismissed.");
  });

  it("a revoke withdraws earlier sign-offs; a later one counts again", () => {
    const revoked = facts("chat", {
      reviews: [review("carol", "APPROVED", { at: "2026-06-01T10:00:00Z" })],
      commands: [command("carol", { kind: "revoke" }, { createdAt: "2026-06-01T12:00:00Z", updatedAt: "2026-06-01T12:00:00Z" })],
      standing: { carol: writer },
    });
    const r = gate(policy, revoked);
    expect(r.conclusion).toBe("action_required");
    expect(text(r)).toContain("@carol: sign-off of 2026-06-01 withdrawn with `/aims revoke` on 2026-06-01.");
    revoked.oversight!.commands.push(signOff("carol", "Looked again.", { createdAt: "2026-06-01T13:00:00Z", updatedAt: "2026-06-01T13:00:00Z" }));
    expect(gate(policy, revoked).conclusion).toBe("success");
  });

  it("changes requested by an eligible reviewer block the gate until withdrawn", () => {
    const blocked = gate(
      policy,
      facts("chat", { reviews: [review("carol", "APPROVED"), review("erin", "CHANGES_REQUESTED")], standing: { carol: writer, erin: writer } }),
    );
    expect([blocked.conclusion, blocked.title]).toEqual(["action_required", "Changes requested by @erin"]);
    const notEligible = gate(
      policy,
      facts("chat", { reviews: [review("carol", "APPROVED"), review("rita", "CHANGES_REQUESTED")], standing: { carol: writer, rita: reader } }),
    );
    expect(notEligible.conclusion).toBe("success");
    expect(text(notEligible)).toContain("@rita requested changes but is not an eligible reviewer (read permission only); it does not block this gate.");
    const withdrawn = gate(
      policy,
      facts("chat", {
        reviews: [review("erin", "CHANGES_REQUESTED", { at: "2026-06-01T09:00:00Z" }), review("erin", "APPROVED", { at: "2026-06-01T10:00:00Z" })],
        standing: { erin: writer },
      }),
    );
    expect(withdrawn.conclusion).toBe("success");
  });

  it("an edited sign-off comment does not count and is reported", () => {
    const r = gate(policy, facts("chat", { commands: [signOff("carol", "ok", { updatedAt: "2026-06-01T11:05:00Z" })], standing: { carol: writer } }));
    expect(r.conclusion).toBe("action_required");
    expect(text(r)).toContain("@carol's `/aims sign-off` (2026-06-01 at aaaaaaa): the comment was edited after it was posted");
    // An edit one second after posting is no different: whoever edited it may not be its author.
    const soon = gate(policy, facts("chat", { commands: [signOff("carol", "ok", { updatedAt: "2026-06-01T11:00:01Z" })], standing: { carol: writer } }));
    expect(soon.conclusion).toBe("action_required");
    expect(text(soon)).toContain("the comment was edited after it was posted");
    const untouched = gate(policy, facts("chat", { commands: [signOff("carol", "ok")], standing: { carol: writer } }));
    expect(untouched.conclusion).toBe("success");
  });

  it("a comment posted before aims saw the head binds to nothing", () => {
    const r = gate(policy, facts("chat", { commands: [signOff("carol", "ok", { sha: undefined })], standing: { carol: writer } }));
    expect(r.conclusion).toBe("action_required");
    expect(text(r)).toContain("posted before aims saw the latest commit aaaaaaa, so it may not cover it; sign off again.");
  });

  it("a sign-off at an earlier commit is stale when AI files changed, kept when none did (if the tier allows)", () => {
    const stale = facts("chat", { reviews: [review("carol", "APPROVED", { sha: OLD })], standing: { carol: writer }, sinceSigned: { [OLD]: { files: ["chat/model.onnx"], complete: true } } });
    expect(gate(policy, stale).conclusion).toBe("action_required");
    expect(text(gate(policy, stale))).toContain("stale, the head is now aaaaaaa; AI-relevant files changed since: chat/model.onnx.");
    const kept = facts("chat", { reviews: [review("carol", "APPROVED", { sha: OLD })], standing: { carol: writer }, sinceSigned: { [OLD]: { files: [], complete: true } } });
    expect(gate(policy, kept).conclusion).toBe("success");
    expect(text(gate(policy, kept))).toContain("signed at bbbbbbb; no AI-relevant file changed since");
    const partial = facts("chat", { reviews: [review("carol", "APPROVED", { sha: OLD })], standing: { carol: writer }, sinceSigned: { [OLD]: { files: [], complete: false } } });
    expect(gate(policy, partial).conclusion).toBe("action_required");
    const strict = policyWith({ tiers: { limited: { keep_when_ai_unchanged: false } } });
    expect(gate(strict, kept).conclusion).toBe("action_required");
    const lax = policyWith({ tiers: { limited: { invalidate_on_push: false } } });
    expect(gate(lax, stale).conclusion).toBe("success");
  });

  it("distinct teams: two members of the same team count once", () => {
    const p = policyWith({ tiers: { high: { required: 2, teams: ["acme/ml", "acme/legal"], distinct_teams: true } } });
    const standing = { carol: { teams: ["acme/ml"] }, erin: { teams: ["acme/ml"] }, lee: { teams: ["acme/ml", "acme/legal"] } };
    const same = gate(p, facts("models", { commands: [signOff("carol"), signOff("erin")], standing }));
    expect(same.title).toBe("Human sign-off required: 1 of 2 signed");
    expect(text(same)).toContain("@erin's sign-off: another sign-off already stands for @acme/ml; distinct teams are required.");
    const mixed = gate(p, facts("models", { commands: [signOff("carol"), signOff("lee")], standing }));
    expect(mixed.conclusion).toBe("success");
    expect(mixed.signOffs?.map((s) => [s.login, s.team])).toEqual([
      ["carol", "acme/ml"],
      ["lee", "acme/legal"],
    ]);
  });
});

describe("override", () => {
  const policy = policyWith({ governance: { teams: ["acme/ai-governance"] } });
  const reason = "Incident INC-42: rolling back the ranker to the previous model.";

  it("passes both gates with who and why when a governance member overrides at the head", () => {
    const f = facts("models", { commands: [command("gov", { kind: "override", reason })], standing: { gov: { teams: ["acme/ai-governance"] } } });
    const gates = evaluateGates({ ok: true, policy }, f);
    expect(gates.map((g) => [g.conclusion, g.title])).toEqual([
      ["success", "Overridden by @gov"],
      ["success", "Overridden by @gov"],
    ]);
    for (const g of gates) {
      expect(g.override).toEqual({ login: "gov", at: "2026-06-01T11:00:00Z", sha: HEAD, reason });
      expect(g.reasons[0]!.message).toContain(`“${reason}”`);
    }
  });

  it("does not apply an override by someone else, by the author, at an earlier commit, or withdrawn", () => {
    const cases: Array<[string, Partial<OversightFacts>, string]> = [
      ["outsider", { commands: [command("eve", { kind: "override", reason })], standing: { eve: { teams: [], permission: "admin" } } }, "@eve is not an active member of @acme/ai-governance"],
      ["author", { commands: [command(AUTHOR, { kind: "override", reason })], standing: { dev: { teams: ["acme/ai-governance"] } } }, "the author cannot override"],
      ["old", { commands: [command("gov", { kind: "override", reason }, { sha: undefined })], standing: { gov: { teams: ["acme/ai-governance"] } } }, "applies to an earlier commit"],
      [
        "revoked",
        { commands: [command("gov", { kind: "override", reason }), command("gov", { kind: "revoke" }, { createdAt: "2026-06-01T12:00:00Z" })], standing: { gov: { teams: ["acme/ai-governance"] } } },
        "was withdrawn with `/aims revoke`",
      ],
    ];
    for (const [, oversight, message] of cases) {
      const gates = evaluateGates({ ok: true, policy }, facts("models", oversight));
      expect(gates.every((g) => g.override === undefined)).toBe(true);
      expect(gates[1]!.conclusion).toBe("action_required");
      expect(text(gates[1]!)).toContain(message);
    }
  });

  it("with no governance configured, repository admins may override", () => {
    const p = policyWith();
    const admin = evaluateGates({ ok: true, policy: p }, facts("chat", { commands: [command("boss", { kind: "override", reason })], standing: { boss: { teams: [], permission: "admin" } } }));
    expect(admin[1]!.title).toBe("Overridden by @boss");
    const writerOnly = evaluateGates({ ok: true, policy: p }, facts("chat", { commands: [command("w", { kind: "override", reason })], standing: { w: writer } }));
    expect(writerOnly[1]!.override).toBeUndefined();
  });

  it("cannot override a prohibited practice", () => {
    const gates = evaluateGates({ ok: true, policy }, facts("scoring", { commands: [command("gov", { kind: "override", reason })], standing: { gov: { teams: ["acme/ai-governance"] } } }));
    expect(gates.map((g) => g.conclusion)).toEqual(["failure", "failure"]);
  });
});

describe("bindCommentSha", () => {
  it("binds to the head only when aims saw the head before the comment", () => {
    expect(bindCommentSha("2026-06-01T11:00:00Z", HEAD, "2026-06-01T10:59:00Z")).toBe(HEAD);
    expect(bindCommentSha("2026-06-01T11:00:00Z", HEAD, "2026-06-01T11:00:01Z")).toBeUndefined();
    expect(bindCommentSha("2026-06-01T11:00:00Z", HEAD, undefined)).toBeUndefined();
  });
});

describe("selectSignOffs", () => {
  it("finds the largest set of distinct teams (a matching, not first come first served)", () => {
    const picked = selectSignOffs(
      [
        { login: "a", teams: ["t1", "t2"] },
        { login: "b", teams: ["t1"] },
      ],
      true,
    );
    expect(picked.map((p) => [p.c.login, p.team])).toEqual([
      ["a", "t2"],
      ["b", "t1"],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const LOGINS = ["ann", "bob", "cyd", "dee", "eli", "fay"];
const TEAMS = ["acme/ml", "acme/legal", "acme/risk"];

const policyArb = fc
  .record({
    required: fc.integer({ min: 0, max: 4 }),
    distinct: fc.boolean(),
    useTeams: fc.boolean(),
    rationale: fc.boolean(),
    invalidate: fc.boolean(),
    keep: fc.boolean(),
  })
  .map((o) =>
    policyWith({
      tiers: {
        limited: {
          required: o.required,
          distinct_teams: o.distinct,
          teams: o.useTeams ? TEAMS : [],
          require_rationale: o.rationale,
          invalidate_on_push: o.invalidate,
          keep_when_ai_unchanged: o.keep,
        },
      },
    }),
  );

const standingArb = fc.record(
  Object.fromEntries(
    [...LOGINS, AUTHOR].map((l) => [l, fc.record({ teams: fc.subarray(TEAMS), permission: fc.constantFrom("write" as const, "read" as const, "admin" as const) })]),
  ) as Record<string, fc.Arbitrary<Standing>>,
);

const reviewArb = fc
  .record({
    login: fc.constantFrom(...LOGINS, AUTHOR),
    state: fc.constantFrom("APPROVED" as const, "CHANGES_REQUESTED" as const, "COMMENTED" as const, "DISMISSED" as const),
    sha: fc.constantFrom(HEAD, OLD),
    minute: fc.integer({ min: 0, max: 59 }),
    body: fc.constantFrom("", "Checked the evaluation report."),
  })
  .map((r) => review(r.login, r.state, { sha: r.sha, at: `2026-06-01T10:${String(r.minute).padStart(2, "0")}:00Z`, body: r.body }));

const commandArb = fc
  .record({
    login: fc.constantFrom(...LOGINS, AUTHOR),
    kind: fc.constantFrom("sign-off" as const, "revoke" as const),
    bound: fc.boolean(),
    edited: fc.boolean(),
    minute: fc.integer({ min: 0, max: 59 }),
    rationale: fc.constantFrom("", "Looked at the prompts and evals."),
  })
  .map((c) => {
    const at = `2026-06-01T10:${String(c.minute).padStart(2, "0")}:30Z`;
    const cmd: CommandFact["command"] = c.kind === "sign-off" ? { kind: "sign-off", rationale: c.rationale } : { kind: "revoke" };
    return command(c.login, cmd, { createdAt: at, updatedAt: c.edited ? "2026-06-01T11:30:00Z" : at, ...(c.bound ? { sha: HEAD } : { sha: undefined }) });
  });

const oversightArb = fc.record({
  reviews: fc.array(reviewArb, { maxLength: 8 }),
  commands: fc.array(commandArb, { maxLength: 6 }),
  standing: standingArb,
  sinceSigned: fc.constantFrom<OversightFacts["sinceSigned"]>({}, { [OLD]: { files: [], complete: true } }, { [OLD]: { files: ["chat/x.onnx"], complete: true } }),
});

const RANK = { failure: 0, action_required: 1, success: 2 } as const;

describe("properties of the oversight gate", () => {
  it("adding an eligible sign-off at the head never turns a pass into a fail", () => {
    fc.assert(
      fc.property(policyArb, oversightArb, (policy, o) => {
        // Someone new: adding their sign-off changes nobody else's standing.
        const signer = "zoe";
        const before = gate(policy, facts("chat", o));
        const last = Math.max(0, ...o.reviews.map((r) => Date.parse(r.at)), ...o.commands.map((c) => Date.parse(c.createdAt)));
        const at = new Date(last + 60_000).toISOString();
        // Eligible under any tier settings: member of every team, admin.
        const standing = { ...o.standing, [signer]: { teams: TEAMS, permission: "admin" as const } };
        const after = gate(policy, facts("chat", { ...o, standing, commands: [...o.commands, signOff(signer, "Reviewed the change in full.", { createdAt: at, updatedAt: at })] }));
        expect(RANK[after.conclusion]).toBeGreaterThanOrEqual(RANK[before.conclusion]);
        if (before.conclusion === "success") expect(after.conclusion).toBe("success");
      }),
      { numRuns: 300 },
    );
  });

  it("removing a counted sign-off never turns a fail into a pass", () => {
    fc.assert(
      fc.property(policyArb, oversightArb, (policy, o) => {
        const before = gate(policy, facts("chat", o));
        for (const s of before.signOffs ?? []) {
          const without = {
            ...o,
            reviews: o.reviews.filter((r) => !(r.login === s.login && r.state === "APPROVED")),
            commands: o.commands.filter((c) => !(c.login === s.login && c.command.kind === "sign-off")),
          };
          const after = gate(policy, facts("chat", without));
          if (before.conclusion !== "success") expect(after.conclusion).not.toBe("success");
          expect(RANK[after.conclusion]).toBeLessThanOrEqual(RANK[before.conclusion]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("the author's sign-off never counts", () => {
    fc.assert(
      fc.property(policyArb, oversightArb, (policy, o) => {
        const r = gate(policy, facts("chat", o));
        expect((r.signOffs ?? []).some((s) => s.login === AUTHOR)).toBe(false);
        const withAuthor = gate(policy, facts("chat", { ...o, reviews: [...o.reviews, review(AUTHOR, "APPROVED", { at: "2026-06-01T12:00:00Z" })], commands: [...o.commands, signOff(AUTHOR, "Mine is fine, trust me.", { createdAt: "2026-06-01T12:00:00Z", updatedAt: "2026-06-01T12:00:00Z" })] }));
        expect(withAuthor.conclusion).toBe(r.conclusion);
        expect(withAuthor.signOffs).toEqual(r.signOffs);
      }),
      { numRuns: 300 },
    );
  });

  it("a new head with changed AI files invalidates earlier sign-offs unless the policy keeps them", () => {
    fc.assert(
      fc.property(policyArb, fc.subarray(LOGINS, { minLength: 1 }), (policy, signers) => {
        const standing = Object.fromEntries(signers.map((l) => [l, { teams: TEAMS, permission: "admin" as const }]));
        const reviews = signers.map((l) => review(l, "APPROVED", { sha: OLD }));
        const r = gate(policy, facts("chat", { reviews, standing, sinceSigned: { [OLD]: { files: ["chat/model.onnx"], complete: true } } }));
        const tier = policy.oversight.tiers.limited;
        if (tier.invalidate_on_push) expect(r.signOffs).toEqual([]);
        else expect(r.signOffs!.length).toBeGreaterThan(0);
        if (tier.invalidate_on_push && tier.required > 0) expect(r.conclusion).not.toBe("success");
      }),
      { numRuns: 200 },
    );
  });
});
