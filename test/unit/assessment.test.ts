import { uncell } from "../../src/util/markdown.js";
import { describe, expect, it } from "@jest/globals";
import { resolvePolicy, type Policy } from "../../src/config/policy.js";
import type { ConfigFile } from "../../src/config/schema.js";
import type { AiChange } from "../../src/detect/types.js";
import { assessmentGate } from "../../src/gates/assessment.js";
import { effectiveRiskTier, systemRisks } from "../../src/gates/risk.js";
import { parseAssessmentLinks } from "../../src/gates/assessment-links.js";
import type { AssessmentFacts, Authority, FileAssessment, IssueAssessment, PullRequestFacts } from "../../src/gates/facts.js";
import { parseAssessmentFile } from "../../src/gates/assessment-file.js";
import { type LabelApproval, parseAssessmentIssue } from "../../src/gates/assessment-issue.js";
import { renderCheck } from "../../src/render/check.js";
import { assessmentIssueBody, assessmentMarkdown, type RecordOptions } from "../support/assessments.js";

const NOW = "2026-07-01T12:00:00.000Z";
const BASE = "b".repeat(40);
const HEAD = "h".repeat(40);
const DIR = "governance/impact-assessments/";
const FILE = `${DIR}AIA-2026-014.md`;

function policyWith(extra: ConfigFile = {}): Policy {
  return resolvePolicy(
    {
      systems: [
        { id: "recommender", name: "Product recommender", paths: ["models/recommender/**"], risk: "high" },
        { id: "chatbot", name: "Support assistant", paths: ["chat/**"], risk: "limited" },
        { id: "scoring", name: "Citizen scoring", paths: ["scoring/**"], risk: "prohibited" },
      ],
      ...extra,
    },
    [],
  );
}
const policy = policyWith({ assessment: { assessors: { teams: ["acme/ai-governance"] } } });

function change(path: string, system: string): AiChange {
  return { path, status: "added", category: "model", rule: "model.onnx", reason: "ONNX model", system, gated: true };
}

const recommenderChange = change("models/recommender/model.onnx", "recommender");

function record(o: RecordOptions = {}): string {
  return assessmentMarkdown({ approvedAt: "2026-06-20", ...o });
}

function file(path: string, text: string | undefined, extra: Partial<FileAssessment> = {}): FileAssessment {
  return {
    kind: "file",
    via: "link",
    path,
    base: { sha: BASE, read: text === undefined ? { status: "missing" } : { status: "read", parse: parseAssessmentFile(text, path) } },
    ...extra,
  };
}

function headVersion(path: string, text: string) {
  return { sha: HEAD, read: { status: "read" as const, parse: parseAssessmentFile(text, path) } };
}

function issue(number: number, body: string, approval?: LabelApproval, extra: Partial<Extract<IssueAssessment["read"], { status: "read" }>> = {}): IssueAssessment {
  return {
    kind: "issue",
    via: "link",
    owner: "acme",
    repo: "shop",
    number,
    read: {
      status: "read",
      url: `https://github.com/acme/shop/issues/${number}`,
      state: "open",
      parse: parseAssessmentIssue(body, approval),
      ...(approval ? { approval } : {}),
      labelUnverified: false,
      ...extra,
    },
  };
}

const assessor: Authority = { authorised: true, via: "member of @acme/ai-governance" };
const outsider: Authority = { authorised: false, via: "not an active member of @acme/ai-governance" };

function facts(changes: AiChange[], assessment?: Partial<AssessmentFacts>, author = "dev"): PullRequestFacts {
  return {
    number: 7,
    author,
    headSha: HEAD,
    baseRef: "main",
    changedFileCount: changes.length,
    filesTruncated: false,
    changes,
    problems: [],
    ...(assessment
      ? {
          assessment: {
            now: NOW,
            links: [],
            linked: [],
            directory: [],
            directoryStatus: { status: "skipped" },
            headApprovers: [],
            authority: { carol: assessor },
            ...assessment,
          },
        }
      : {}),
  };
}

const messages = (g: { reasons: Array<{ message: string }> }) => g.reasons.map((r) => r.message).join("\n");

describe("parseAssessmentLinks", () => {
  it("reads paths, #123, owner/repo#123 and issue URLs with their line numbers", () => {
    const body = [
      "Adds the new ranker.",
      "",
      "Impact-Assessment: governance/impact-assessments/AIA-2026-014.md",
      "impact-assessment: #12",
      "- **Impact-Assessment:** acme/governance#7, https://github.com/acme/shop/issues/31/",
      "Impact-Assessment: [the AIA](https://github.com/acme/shop/issues/32#issuecomment-1) `./governance/aia/x.yaml`",
    ].join("\r\n");
    expect(parseAssessmentLinks(body)).toEqual([
      { kind: "file", raw: "governance/impact-assessments/AIA-2026-014.md", line: 3, path: "governance/impact-assessments/AIA-2026-014.md" },
      { kind: "issue", raw: "#12", line: 4, number: 12 },
      { kind: "issue", raw: "acme/governance#7", line: 5, owner: "acme", repo: "governance", number: 7 },
      { kind: "issue", raw: "https://github.com/acme/shop/issues/31/", line: 5, owner: "acme", repo: "shop", number: 31 },
      { kind: "issue", raw: "https://github.com/acme/shop/issues/32#issuecomment-1", line: 6, owner: "acme", repo: "shop", number: 32 },
      { kind: "file", raw: "./governance/aia/x.yaml", line: 6, path: "governance/aia/x.yaml" },
    ]);
  });

  it("ignores example lines in HTML comments and code blocks, keeping line numbers", () => {
    const body = "<!--\nImpact-Assessment: <path>\n-->\n```\nImpact-Assessment: #1\n```\nImpact-Assessment: #2";
    expect(parseAssessmentLinks(body)).toEqual([{ kind: "issue", raw: "#2", line: 7, number: 2 }]);
  });

  it.each([
    ["Impact-Assessment:", "names no assessment"],
    ["Impact-Assessment: <ref>", "is a placeholder"],
    ["Impact-Assessment: https://github.com/acme/shop/pull/3", "is a pull request, not an assessment: link the assessment issue or file"],
    ["Impact-Assessment: https://example.com/aia", "is not an issue URL (https://github.com/owner/repo/issues/123)"],
    ["Impact-Assessment: ../other/AIA.md", "is not a path inside the repository"],
    ["Impact-Assessment: governance/AIA.pdf", expect.stringContaining("is not a path to a Markdown (.md) or YAML (.yml) assessment")],
  ])("rejects %p", (body, message) => {
    expect(parseAssessmentLinks(body)).toEqual([expect.objectContaining({ kind: "invalid", line: 1, message })]);
  });

  it("finds nothing in a description without trailers", () => {
    expect(parseAssessmentLinks("Fixes #12. See the Impact-Assessment section.")).toEqual([]);
  });
});

describe("assessmentGate", () => {
  it("passes when nothing AI-relevant changed", () => {
    const g = assessmentGate(policy, facts([]));
    expect([g.conclusion, g.title, g.controls]).toEqual(["success", "No AI-relevant changes", []]);
  });

  it("requires a link and suggests the exact line when nothing is linked", () => {
    const g = assessmentGate(policy, facts([recommenderChange], {}));
    expect(g.conclusion).toBe("action_required");
    expect(g.title).toBe("Impact assessment required for recommender");
    expect(messages(g)).toContain("No impact assessment is linked for recommender (high risk).");
    expect(g.nextSteps.join("\n")).toContain("`Impact-Assessment: governance/impact-assessments/recommender.md`");
    expect(g.controls).toEqual([]);
  });

  it("suggests the system's existing assessment from the folder", () => {
    const existing = { ...file(`${DIR}AIA-2025-003.md`, record({ id: "AIA-2025-003" })), via: "directory" as const };
    const g = assessmentGate(policy, facts([recommenderChange], { directory: [existing], directoryStatus: { status: "listed", files: 1, read: 1 } }));
    expect(g.conclusion).toBe("action_required");
    expect(g.nextSteps[0]).toBe(
      "Add this line to the pull request description: `Impact-Assessment: governance/impact-assessments/AIA-2025-003.md` (the existing assessment of recommender; it must be approved and list recommender under `systems`).",
    );
  });

  it("passes on an approved, current file on the base branch, with the controls it evidences", () => {
    const g = assessmentGate(policy, facts([recommenderChange], { linked: [file(FILE, record())] }));
    expect(g.conclusion).toBe("success");
    expect(g.title).toBe("Impact assessment AIA-2026-014 approved for recommender");
    expect(g.controls).toEqual(["A.5.2", "A.5.3", "A.5.4", "A.5.5", "A.9.4"]);
    expect(messages(g)).toContain(`AIA-2026-014 (${FILE}): approved by @carol (member of @acme/ai-governance) on 2026-06-20; next review 2099-06-02; covers recommender.`);
    expect(messages(g)).toContain(`${FILE}: read as it stands on \`main\` (bbbbbbb).`);
    expect(g.nextSteps).toEqual([]);
  });

  it("evidences A.5.5 only when societal impacts were assessed", () => {
    const g = assessmentGate(policy, facts([recommenderChange], { linked: [file(FILE, record({ noSocietal: true }))] }));
    expect(g.controls).toEqual(["A.5.2", "A.5.3", "A.5.4", "A.9.4"]);
  });

  it("requires the approved status", () => {
    const g = assessmentGate(policy, facts([recommenderChange], { linked: [file(FILE, record({ status: "in-review" }))] }));
    expect([g.conclusion, g.title]).toEqual(["action_required", "Impact assessment AIA-2026-014 is not approved"]);
    expect(messages(g)).toContain("has status `in-review`, not `approved`");
    expect(g.nextSteps[0]).toContain("Ask a member of @acme/ai-governance to approve AIA-2026-014");
    expect(g.controls).toEqual([]);
  });

  it("does not count an approval by the pull request's author", () => {
    const g = assessmentGate(policy, facts([recommenderChange], { linked: [file(FILE, record({ approver: "dev" }))], authority: { dev: assessor } }));
    expect([g.conclusion, g.title]).toEqual(["action_required", "Impact assessment AIA-2026-014 is not approved by an assessor"]);
    expect(messages(g)).toContain("@dev is the author of this pull request and cannot approve the assessment of their own change");
    expect(messages(g)).not.toContain("No linked assessment covers recommender");
    expect(g.nextSteps).toHaveLength(1);
  });

  it("does not count an approval by someone who is not an assessor", () => {
    const g = assessmentGate(policy, facts([recommenderChange], { linked: [file(FILE, record({ approver: "eve" }))], authority: { eve: outsider } }));
    expect(g.conclusion).toBe("action_required");
    expect(messages(g)).toContain("@eve is not an assessor (not an active member of @acme/ai-governance); assessors are a member of @acme/ai-governance");
  });

  it("names who may approve when no assessors are configured", () => {
    const open = policyWith();
    const g = assessmentGate(open, facts([recommenderChange], { linked: [file(FILE, record({ approver: "eve" }))], authority: { eve: { authorised: false, via: "read permission only" } } }));
    expect(messages(g)).toContain("assessors are someone with write access to this repository");
  });

  it("fails closed when an approver's authority could not be checked", () => {
    const g = assessmentGate(policy, facts([recommenderChange], { linked: [file(FILE, record())], authority: { carol: { authorised: false, via: "unknown", error: "HTTP 403 Resource not accessible by integration" } } }));
    expect([g.conclusion, g.title]).toEqual(["failure", "Could not check the approver of AIA-2026-014"]);
    expect(messages(g)).toContain("HTTP 403");
  });

  it("does not count an approval dated in the future", () => {
    const g = assessmentGate(policy, facts([recommenderChange], { linked: [file(FILE, record({ approvedAt: "2027-01-01" }))] }));
    expect(g.title).toBe("Impact assessment AIA-2026-014 is not approved by an assessor");
    expect(messages(g)).toContain("the approval by @carol is dated 2027-01-01, in the future");
  });

  it("lets a later rejection by an assessor stand", () => {
    const approvals = '  - { login: carol, decision: approve, at: 2026-06-01 }\n  - { login: frank, decision: reject, at: 2026-06-10 }\n';
    const g = assessmentGate(policy, facts([recommenderChange], { linked: [file(FILE, record({ approvals }))], authority: { carol: assessor, frank: assessor } }));
    expect([g.conclusion, g.title]).toEqual(["action_required", "Impact assessment AIA-2026-014 was rejected"]);
  });

  it("expires after review.next_review", () => {
    const g = assessmentGate(policy, facts([recommenderChange], { linked: [file(FILE, record({ nextReview: "2026-06-30" }))] }));
    expect([g.conclusion, g.title]).toEqual(["action_required", "Impact assessment AIA-2026-014 expired on 2026-06-30"]);
    const today = assessmentGate(policy, facts([recommenderChange], { linked: [file(FILE, record({ nextReview: "2026-07-01" }))] }));
    expect(today.conclusion).toBe("success");
  });

  it("expires when the latest approval is older than max_age_days", () => {
    const g = assessmentGate(policy, facts([recommenderChange], { linked: [file(FILE, record({ approvedAt: "2025-06-30" }))] }));
    expect([g.conclusion, g.title]).toEqual(["action_required", "Impact assessment AIA-2026-014 approval expired"]);
    expect(messages(g)).toContain("last approved on 2025-06-30, more than 365 days ago (assessment.max_age_days)");
    const strict = policyWith({ assessment: { max_age_days: 5, assessors: { teams: ["acme/ai-governance"] } } });
    expect(assessmentGate(strict, facts([recommenderChange], { linked: [file(FILE, record())] })).conclusion).toBe("action_required");
  });

  it("requires every affected system to be covered", () => {
    const g = assessmentGate(policy, facts([recommenderChange, change("chat/prompt.yml", "chatbot")], { linked: [file(FILE, record())] }));
    expect([g.conclusion, g.title]).toEqual(["action_required", "Impact assessment AIA-2026-014 does not cover chatbot"]);
    expect(messages(g)).toContain("No linked assessment covers chatbot (limited risk) (AIA-2026-014 lists recommender).");
  });

  it("passes with two assessments that together cover every system", () => {
    const second = file(`${DIR}AIA-2026-015.md`, record({ id: "AIA-2026-015", systems: ["chatbot"], risk: "limited" }));
    const g = assessmentGate(policy, facts([recommenderChange, change("chat/prompt.yml", "chatbot")], { linked: [file(FILE, record()), second] }));
    expect([g.conclusion, g.title]).toEqual(["success", "Impact assessments AIA-2026-014, AIA-2026-015 approved for recommender, chatbot"]);
  });

  it("explains that unregistered changes need the system registered", () => {
    const g = assessmentGate(policy, facts([change("models/new.onnx", "unregistered")], { linked: [file(FILE, record())] }));
    expect([g.conclusion, g.title]).toEqual(["action_required", "Impact assessment required for unregistered"]);
    expect(messages(g)).toContain("an assessment can cover them only once the system is registered under `systems:`");
    expect(g.nextSteps[0]).toContain("Register the AI system these files belong to under `systems:`");
  });

  it("fails a prohibited rating in the assessment, with the reason", () => {
    const g = assessmentGate(policy, facts([recommenderChange], { linked: [file(FILE, record({ risk: "prohibited" }))] }));
    expect([g.conclusion, g.title]).toEqual(["failure", "Prohibited AI practice: recommender"]);
    expect(messages(g)).toContain("EU AI Act (Art. 5)");
  });

  it("fails a system the registry rates prohibited, assessment or not", () => {
    const g = assessmentGate(policy, facts([change("scoring/model.onnx", "scoring")], {}));
    expect([g.conclusion, g.title]).toEqual(["failure", "Prohibited AI practice: scoring"]);
    expect(assessmentGate(policy, facts([change("scoring/model.onnx", "scoring")])).conclusion).toBe("failure");
  });

  it("fails on a record that does not parse, with file:line", () => {
    const g = assessmentGate(policy, facts([recommenderChange], { linked: [file(FILE, record().replace("status: approved", "status: [approved"))] }));
    expect([g.conclusion, g.title]).toEqual(["failure", `Impact assessment ${FILE} does not parse`]);
    expect(g.reasons[0]!.message).toMatch(new RegExp(`^${FILE}:\\d+:\\d+ YAML: `));
    expect(g.reasons[0]!.location).toMatch(new RegExp(`^${FILE}:\\d+:\\d+$`));
  });

  it("lists incomplete fields with file:line and asks for them", () => {
    const g = assessmentGate(policy, facts([recommenderChange], { linked: [file(FILE, record().replace('measure: "exploration slots for new items"', "measure: TBD"))] }));
    expect([g.conclusion, g.title]).toEqual(["action_required", "Impact assessment AIA-2026-014 is incomplete"]);
    expect(g.reasons[0]).toEqual({ status: "unmet", message: `${FILE}:19:24 mitigations[0].measure is a placeholder (TBD)`, location: `${FILE}:19:24` });
  });

  it("says when a linked file does not exist, and fails closed when it could not be read", () => {
    const missing = assessmentGate(policy, facts([recommenderChange], { linked: [file(FILE, undefined)] }));
    expect([missing.conclusion, missing.title]).toEqual(["action_required", `Impact assessment ${FILE} not found`]);
    const broken = file(FILE, undefined, { base: { sha: BASE, read: { status: "error", message: "HTTP 502 Bad Gateway" } } });
    const g = assessmentGate(policy, facts([recommenderChange], { linked: [broken] }));
    expect([g.conclusion, g.title]).toEqual(["failure", `Impact assessment ${FILE} could not be read`]);
  });

  it("reports link lines it cannot read", () => {
    const g = assessmentGate(policy, facts([recommenderChange], { links: parseAssessmentLinks("Impact-Assessment: https://github.com/acme/shop/pull/9"), linked: [file(FILE, record())] }));
    expect([g.conclusion, g.title]).toEqual(["action_required", "Impact-Assessment line not understood"]);
    expect(messages(g)).toContain("Pull request description, line 1: `Impact-Assessment: https://github.com/acme/shop/pull/9` is a pull request");
  });

  it("keeps failing closed on manifests that could not be read", () => {
    const f = { ...facts([recommenderChange], { linked: [file(FILE, record())] }), problems: [{ path: "package-lock.json", message: "Unexpected token", line: 3 }] };
    const g = assessmentGate(policy, f);
    expect([g.conclusion, g.title]).toEqual(["failure", "Files that could hide AI changes could not be read"]);
    expect(g.controls).toEqual([]);
  });

  describe("a file the pull request adds or edits", () => {
    it("uses the base version while no assessor approved the pull request, and says so", () => {
      const a = file(FILE, record({ status: "draft" }), { change: "modified", head: headVersion(FILE, record()) });
      const g = assessmentGate(policy, facts([recommenderChange], { linked: [a] }));
      expect([g.conclusion, g.title]).toEqual(["action_required", "Impact assessment AIA-2026-014 is not approved"]);
      expect(messages(g)).toContain(`${FILE}: this pull request edits it, so the version on \`main\` (bbbbbbb) was used; the edits count once a member of @acme/ai-governance, other than the author, approves the pull request at its latest commit.`);
    });

    it("does not count a new file until an assessor approves the pull request at its head", () => {
      const a = file(FILE, undefined, { change: "added", head: headVersion(FILE, record()) });
      const g = assessmentGate(policy, facts([recommenderChange], { linked: [a], headApprovers: ["eve"], authority: { carol: assessor, eve: outsider } }));
      expect([g.conclusion, g.title]).toEqual(["action_required", `Impact assessment ${FILE} needs an assessor's review`]);
      expect(messages(g)).toContain("otherwise its author could write their own approval");
      // The file is meant for recommender: no second step asking for another assessment of it.
      expect(g.nextSteps).toEqual([`Ask a member of @acme/ai-governance, other than the author, to review ${FILE} and approve this pull request at its latest commit (hhhhhhh).`]);
    });

    it("uses the head version once an assessor approved the pull request at its head", () => {
      const a = file(FILE, undefined, { change: "added", head: headVersion(FILE, record()) });
      const g = assessmentGate(policy, facts([recommenderChange], { linked: [a], headApprovers: ["carol"], authority: { carol: assessor } }));
      expect([g.conclusion, g.title]).toEqual(["success", "Impact assessment AIA-2026-014 approved for recommender"]);
      expect(messages(g)).toContain(`${FILE}: used the version in this pull request at hhhhhhh, because @carol (assessor) approved the pull request at that commit.`);
      expect(g.approvals).toEqual([{ id: "AIA-2026-014", accepted: expect.objectContaining({ login: "carol" }), rejected: [] }]);
    });

    it("counts an approval written into the pull request's version only when GitHub shows that assessor approving at the head", () => {
      // @frank approved the pull request; the file says @carol approved, but nothing on GitHub shows it.
      const a = file(FILE, undefined, { change: "added", head: headVersion(FILE, record()) });
      const g = assessmentGate(policy, facts([recommenderChange], { linked: [a], headApprovers: ["frank"], authority: { carol: assessor, frank: assessor } }));
      expect([g.conclusion, g.title]).toEqual(["action_required", "Impact assessment AIA-2026-014 is not approved by an assessor"]);
      expect(String(messages(g))).toContain("@carol's approval is written in this pull request's version of the file, but @carol has not approved the pull request at hhhhhhh");
    });

    it("still checks the approvals written into the head version", () => {
      const a = file(FILE, undefined, { change: "added", head: headVersion(FILE, record({ approver: "dev" })) });
      const g = assessmentGate(policy, facts([recommenderChange], { linked: [a], headApprovers: ["frank"], authority: { dev: assessor, frank: assessor } }));
      expect(g.title).toBe("Impact assessment AIA-2026-014 is not approved by an assessor");
    });

    it("fails closed when the reviews could not be read", () => {
      const a = file(FILE, record(), { change: "modified", head: headVersion(FILE, record()) });
      const g = assessmentGate(policy, facts([recommenderChange], { linked: [a], reviewsError: "HTTP 500" }));
      expect([g.conclusion, g.title]).toEqual(["failure", `Could not check who approved the edits to ${FILE}`]);
    });

    it("keeps the base version standing when the pull request deletes the file", () => {
      const g = assessmentGate(policy, facts([recommenderChange], { linked: [file(FILE, record(), { change: "removed" })] }));
      expect(g.conclusion).toBe("success");
      expect(messages(g)).toContain("this pull request deletes it");
    });
  });

  describe("issues", () => {
    const approval = { login: "carol", at: "2026-06-25T10:00:00Z" };

    it("passes when an assessor applied the approval label", () => {
      const g = assessmentGate(policy, facts([recommenderChange], { linked: [issue(20, assessmentIssueBody(), approval)] }));
      expect([g.conclusion, g.title]).toEqual(["success", "Impact assessment AIA-2026-020 approved for recommender"]);
      expect(messages(g)).toContain("AIA-2026-020 (acme/shop#20): approved by @carol (member of @acme/ai-governance) on 2026-06-25 (label `aims:assessment-approved`)");
      expect(g.controls).toEqual(["A.5.2", "A.5.3", "A.5.4", "A.9.4"]);
    });

    it("does not count a label applied by someone who is not an assessor", () => {
      const g = assessmentGate(policy, facts([recommenderChange], { linked: [issue(20, assessmentIssueBody(), { login: "eve", at: approval.at })], authority: { eve: outsider } }));
      expect([g.conclusion, g.title]).toEqual(["action_required", "Impact assessment AIA-2026-020 is not approved by an assessor"]);
      expect(g.nextSteps[0]).toBe(
        "Ask a member of @acme/ai-governance, other than the author of this pull request, to apply the label `aims:assessment-approved` to acme/shop#20 (remove the label first).",
      );
    });

    it("does not count a label the pull request's author applied", () => {
      const g = assessmentGate(policy, facts([recommenderChange], { linked: [issue(20, assessmentIssueBody(), { login: "dev", at: approval.at })], authority: {} }));
      expect(messages(g)).toContain("@dev is the author of this pull request");
    });

    it("asks for the label when it is missing or cannot be verified", () => {
      const unlabelled = assessmentGate(policy, facts([recommenderChange], { linked: [issue(20, assessmentIssueBody())] }));
      expect([unlabelled.conclusion, unlabelled.title]).toEqual(["action_required", "Impact assessment AIA-2026-020 is not approved"]);
      expect(messages(unlabelled)).toContain("acme/shop#20 does not carry the label `aims:assessment-approved`.");
      const unverified = assessmentGate(policy, facts([recommenderChange], { linked: [issue(20, assessmentIssueBody(), undefined, { labelUnverified: true })] }));
      expect(messages(unverified)).toContain("its history shows no one applying it");
    });

    it("expires on the form's next review date", () => {
      const g = assessmentGate(policy, facts([recommenderChange], { linked: [issue(20, assessmentIssueBody({ nextReview: "2026-01-31" }), approval)] }));
      expect(g.title).toBe("Impact assessment AIA-2026-020 expired on 2026-01-31");
    });

    it("reports an incomplete form by field label", () => {
      const g = assessmentGate(policy, facts([recommenderChange], { linked: [issue(20, assessmentIssueBody({ mitigations: "_No response_" }), approval)] }));
      expect([g.conclusion, g.title]).toEqual(["action_required", "Impact assessment AIA-2026-020 is incomplete"]);
      expect(messages(g)).toContain("acme/shop#20 “Mitigations” is empty");
    });

    it("rejects closed-as-not-planned issues, pull requests, and issues it cannot find", () => {
      const closed = issue(20, assessmentIssueBody(), approval, { state: "closed", stateReason: "not_planned" });
      expect(assessmentGate(policy, facts([recommenderChange], { linked: [closed] })).title).toBe("Impact assessment acme/shop#20 was closed as not planned");
      const completed = issue(20, assessmentIssueBody(), approval, { state: "closed", stateReason: "completed" });
      expect(assessmentGate(policy, facts([recommenderChange], { linked: [completed] })).conclusion).toBe("success");
      const pr: IssueAssessment = { kind: "issue", via: "link", owner: "acme", repo: "shop", number: 9, read: { status: "pull-request", url: "u" } };
      expect(assessmentGate(policy, facts([recommenderChange], { linked: [pr] })).title).toBe("Impact assessment acme/shop#9 is a pull request");
      const gone: IssueAssessment = { kind: "issue", via: "link", owner: "acme", repo: "shop", number: 99, read: { status: "missing" } };
      expect(assessmentGate(policy, facts([recommenderChange], { linked: [gone] })).title).toBe("Impact assessment acme/shop#99 not found");
      const err: IssueAssessment = { kind: "issue", via: "link", owner: "acme", repo: "shop", number: 5, read: { status: "error", message: "HTTP 502" } };
      expect(assessmentGate(policy, facts([recommenderChange], { linked: [err] })).conclusion).toBe("failure");
    });

    it("suggests installing the app only when a missing issue is in another repository than the pull request's", () => {
      const here: IssueAssessment = { kind: "issue", via: "link", owner: "acme", repo: "shop", number: 99999, read: { status: "missing" } };
      const same = assessmentGate(policy, facts([recommenderChange], { linked: [here] }));
      expect(same.nextSteps.join("\n")).not.toContain("install the app");
      expect(same.nextSteps).toContain("Check the issue number in the `Impact-Assessment:` line.");
      expect(messages(same)).toContain("Issue acme/shop#99999 does not exist in this repository.");
      const there: IssueAssessment = { kind: "issue", via: "link", owner: "acme", repo: "governance", number: 7, read: { status: "missing", crossRepository: true } };
      const other = assessmentGate(policy, facts([recommenderChange], { linked: [there] }));
      expect(other.nextSteps).toContain("Check the issue number in the `Impact-Assessment:` line, or install the app on acme/governance.");
    });

    it("fails on an issue that is not an assessment form", () => {
      const g = assessmentGate(policy, facts([recommenderChange], { linked: [issue(20, "Please assess the model.")] }));
      expect([g.conclusion, g.title]).toEqual(["failure", "Impact assessment acme/shop#20 does not parse"]);
    });
  });

  describe("link: auto", () => {
    const auto = policyWith({ assessment: { link: "auto", assessors: { teams: ["acme/ai-governance"] } } });
    const inFolder = (path: string, text: string, extra: Partial<FileAssessment> = {}) => ({ ...file(path, text, extra), via: "directory" as const });

    it("passes on an approved assessment registered for the system, without a link", () => {
      const g = assessmentGate(auto, facts([recommenderChange], { directory: [inFolder(FILE, record())], directoryStatus: { status: "listed", files: 1, read: 1 } }));
      expect([g.conclusion, g.title]).toEqual(["success", "Impact assessment AIA-2026-014 approved for recommender"]);
      expect(messages(g)).toContain(`Found without a link (\`link: auto\`): ${FILE} is registered for recommender. To link it explicitly: \`Impact-Assessment: ${FILE}\`.`);
      expect(g.controls).toContain("A.5.3");
    });

    it("picks a valid candidate over an expired one and explains when none stands", () => {
      const old = inFolder(`${DIR}AIA-2024-001.md`, record({ id: "AIA-2024-001", nextReview: "2025-01-01" }));
      const ok = assessmentGate(auto, facts([recommenderChange], { directory: [old, inFolder(FILE, record())] }));
      expect(ok.conclusion).toBe("success");
      const none = assessmentGate(auto, facts([recommenderChange], { directory: [old] }));
      expect([none.conclusion, none.title]).toEqual(["action_required", "Impact assessment AIA-2024-001 expired on 2025-01-01"]);
      expect(messages(none)).toContain("(registered for recommender; `link: auto`)");
      expect(none.nextSteps.join("\n")).toContain(`Impact-Assessment: ${DIR}AIA-2024-001.md`);
    });

    it("requires action when nothing is registered, and fails closed when the folder could not be listed", () => {
      const g = assessmentGate(auto, facts([recommenderChange], { directoryStatus: { status: "absent" } }));
      expect([g.conclusion, g.title]).toEqual(["action_required", "Impact assessment required for recommender"]);
      expect(messages(g)).toContain(`No impact assessment is linked for recommender (high risk) and none approved and current is registered for it in ${DIR}.`);
      const err = assessmentGate(auto, facts([recommenderChange], { directoryStatus: { status: "error", message: "HTTP 502" } }));
      expect([err.conclusion, err.title]).toEqual(["failure", `Could not list ${DIR}`]);
    });

    it("only mentions a folder listing error when links are required", () => {
      const g = assessmentGate(policy, facts([recommenderChange], { directoryStatus: { status: "error", message: "HTTP 502" } }));
      expect(g.conclusion).toBe("action_required");
      expect(messages(g)).toContain("could not be listed: HTTP 502; the next step may not name an existing assessment.");
    });
  });

  it("never concludes neutral or skipped", () => {
    const cases = [facts([]), facts([recommenderChange]), facts([recommenderChange], { linked: [file(FILE, record())] }), facts([recommenderChange], { linked: [file(FILE, "nope")] })];
    for (const f of cases) expect(["success", "failure", "action_required"]).toContain(assessmentGate(policy, f).conclusion);
  });

  it("renders a passing and a failing check within the summary format", () => {
    const g = assessmentGate(policy, facts([recommenderChange], { linked: [file(FILE, record({ status: "draft" }))] }));
    const out = renderCheck(g, { headSha: HEAD, baseRef: "main", changes: [recommenderChange], policy });
    expect(out.title).toBe("Impact assessment AIA-2026-014 is not approved");
    expect(uncell(out.summary)).toMatch(/^### Next steps\n1\. Ask a member of @acme\/ai-governance to approve AIA-2026-014/);
    expect(out.summary).toContain("### Why\n- ❌ AIA-2026-014 (governance/impact-assessments/AIA-2026-014.md) has status `draft`, not `approved`.");
  });
});

describe("risk", () => {
  it("takes the higher of the registry and the assessment, and reports a disagreement", () => {
    const chat = change("chat/prompt.yml", "chatbot");
    const f = facts([chat], { linked: [file(FILE, record({ systems: ["chatbot"], risk: "high" }))] });
    expect(effectiveRiskTier(policy, f)).toBe("high");
    expect(systemRisks(policy, f)).toEqual([{ system: "chatbot", registry: "limited", assessments: [{ id: "AIA-2026-014", risk: "high" }], effective: "high" }]);
    expect(messages(assessmentGate(policy, f))).toContain("AIA-2026-014 rates chatbot high risk, the registry limited: high applies and sets the oversight tier.");
    const lower = facts([recommenderChange], { linked: [file(FILE, record({ risk: "minimal" }))] });
    expect(effectiveRiskTier(policy, lower)).toBe("high");
    expect(messages(assessmentGate(policy, lower))).toContain("the registry high: high applies and sets the oversight tier; update the assessment or the registry so they agree.");
  });

  it("is minimal without AI changes, high for unregistered paths and prohibited when any system is", () => {
    expect(effectiveRiskTier(policy, facts([]))).toBe("minimal");
    expect(effectiveRiskTier(policy, facts([change("x/model.onnx", "unregistered")]))).toBe("high");
    expect(effectiveRiskTier(policy, facts([change("chat/a.prompt.yml", "chatbot")]))).toBe("limited");
    expect(effectiveRiskTier(policy, facts([change("chat/a.prompt.yml", "chatbot"), change("scoring/m.onnx", "scoring")]))).toBe("prohibited");
  });

  it("counts assessments found in the folder only with link: auto", () => {
    const chat = change("chat/prompt.yml", "chatbot");
    const folder = { directory: [{ ...file(FILE, record({ systems: ["chatbot"], risk: "high" })), via: "directory" as const }] };
    expect(effectiveRiskTier(policy, facts([chat], folder))).toBe("limited");
    expect(effectiveRiskTier(policyWith({ assessment: { link: "auto" } }), facts([chat], folder))).toBe("high");
  });
});
