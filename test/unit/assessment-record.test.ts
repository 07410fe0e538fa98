import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { currentLabelApplication, looksLikeAssessmentIssue, parseAssessmentIssue, parseIssueFormSections } from "../../src/gates/assessment-issue.js";
import { parseAssessmentFile, splitFrontMatter } from "../../src/gates/assessment-file.js";
import { placeholderIn, type RecordParse } from "../../src/gates/assessment-record.js";
import { assessmentIssueBody, assessmentMarkdown } from "../support/assessments.js";

const PATH = "governance/impact-assessments/AIA-2026-014.md";

function problems(parse: RecordParse): string[] {
  if (parse.kind === "valid") return [];
  return parse.problems.map((p) => `${p.line ?? "-"}:${p.column ?? "-"} ${p.field ? `${p.field} ` : ""}${p.message}`);
}

/** Replace one line of the standard record, to test a single field. */
function withLine(from: RegExp, to: string): string {
  const text = assessmentMarkdown({ approvedAt: "2026-06-02" });
  expect(from.test(text)).toBe(true);
  return text.replace(from, to);
}

describe("parseAssessmentFile", () => {
  it("reads a complete Markdown record into a typed record", () => {
    const parse = parseAssessmentFile(assessmentMarkdown({ approvedAt: "2026-06-02" }), PATH);
    expect(parse.kind).toBe("valid");
    if (parse.kind !== "valid") return;
    expect(parse.record).toEqual({
      id: "AIA-2026-014",
      version: 3,
      status: "approved",
      systems: ["recommender"],
      riskLevel: "high",
      intendedPurpose: "Rank products on the shop's home page by predicted interest.",
      affectedGroups: ["shoppers", "minors (vulnerable)"],
      impacts: ["fairness on shoppers: new sellers are ranked low", "societal on society: narrows what people see"],
      harms: ["popular items crowd out relevant ones"],
      societalImpacts: true,
      mitigations: ["M1: exploration slots for new items"],
      humanOversight: "human-on-the-loop; merchandisers can pin or hide items",
      assessors: ["alice"],
      approvals: [{ login: "carol", decision: "approve", at: "2026-06-02T00:00:00.000Z", role: "AI governance lead", conditions: [] }],
      nextReview: "2099-06-02",
    });
  });

  it("marks societal impacts only when an impact concerns society or the environment", () => {
    const parse = parseAssessmentFile(assessmentMarkdown({ noSocietal: true }), PATH);
    expect(parse.kind === "valid" && parse.record.societalImpacts).toBe(false);
    const withField = assessmentMarkdown({ noSocietal: true }).replace("harms:\n", "societal_impacts: none beyond the shop's customers\nharms:\n");
    const parsed = parseAssessmentFile(withField, PATH);
    expect(parsed.kind === "valid" && parsed.record.societalImpacts).toBe(true);
  });

  it("reads a .yml record as a whole YAML document", () => {
    const yaml = assessmentMarkdown().split("---\n")[1]!;
    const parse = parseAssessmentFile(yaml, "governance/aia/AIA-2026-014.yaml");
    expect(parse.kind).toBe("valid");
  });

  it("accepts a single system id, string entries and a date-time approval", () => {
    const text = assessmentMarkdown({ approvals: '  - { login: bob, at: "2026-06-02T10:00Z", decision: approve-with-conditions, conditions: ["re-check in Q3"] }\n' })
      .replace("systems: [recommender]", "systems: recommender")
      .replace(/mitigations:\n  - \{[^\n]*\}/, "mitigations:\n  - rate limit per user");
    const parse = parseAssessmentFile(text, PATH);
    expect(parse.kind).toBe("valid");
    if (parse.kind !== "valid") return;
    expect(parse.record.systems).toEqual(["recommender"]);
    expect(parse.record.mitigations).toEqual(["rate limit per user"]);
    expect(parse.record.approvals[0]).toMatchObject({ login: "bob", decision: "approve-with-conditions", at: "2026-06-02T10:00:00.000Z", conditions: ["re-check in Q3"] });
  });

  it("needs front matter in a Markdown file", () => {
    const parse = parseAssessmentFile("# AIA-2026-014\n\nstatus: approved\n", PATH);
    expect(parse.kind).toBe("syntax");
    expect(problems(parse)[0]).toMatch(/^1:1 has no YAML front matter/);
    expect(parseAssessmentFile("---\nid: x\n", PATH).kind).toBe("syntax");
  });

  it("reports YAML syntax errors at their line in the file, not in the block", () => {
    const text = withLine(/^status: approved$/m, "status: [approved");
    const parse = parseAssessmentFile(text, PATH);
    expect(parse.kind).toBe("syntax");
    expect(problems(parse)[0]).toMatch(/^\d+:\d+ YAML: /);
    const line = Number(problems(parse)[0]!.split(":")[0]);
    expect(line).toBeGreaterThanOrEqual(4);
  });

  it("rejects duplicate keys as a syntax error", () => {
    const parse = parseAssessmentFile(withLine(/^version: 3$/m, "version: 3\nid: AIA-2"), PATH);
    expect(parse.kind).toBe("syntax");
    expect(problems(parse).join()).toMatch(/unique|duplicate/i);
  });

  it("needs a mapping", () => {
    const parse = parseAssessmentFile("---\n- a\n- b\n---\n", PATH);
    expect(problems(parse)).toEqual(["2:1 the record must be a YAML mapping of fields (id:, systems:, status:, …)"]);
  });

  it("reports every missing required field at its parent with the field's name", () => {
    const parse = parseAssessmentFile("---\nid: AIA-1\nsystems: [a]\n---\n", PATH);
    expect(parse.kind).toBe("invalid");
    const fields = parse.kind === "invalid" ? parse.problems.map((p) => p.field) : [];
    expect(fields).toEqual(
      expect.arrayContaining(["status", "risk_level", "intended_purpose", "affected_groups", "impacts", "mitigations", "human_oversight", "assessors", "approvals", "review"]),
    );
    expect(problems(parse)).toContain("2:1 status is required");
    expect(problems(parse)).toContain("2:1 impacts (or harms) is required: list the assessed impacts or harms");
    if (parse.kind === "invalid") expect(parse.summary).toEqual({ id: "AIA-1", systems: ["a"] });
  });

  it("accepts harms without impacts, and impacts without harms", () => {
    const noImpacts = assessmentMarkdown().replace(/impacts:\n(  - \{[^\n]*\n)+/, "");
    expect(parseAssessmentFile(noImpacts, PATH).kind).toBe("valid");
    const noHarms = assessmentMarkdown().replace(/harms:\n  - [^\n]*\n/, "");
    expect(parseAssessmentFile(noHarms, PATH).kind).toBe("valid");
  });

  it("requires review.next_review as a real date", () => {
    expect(problems(parseAssessmentFile(withLine(/next_review: 2099-06-02/, "next_review: 2026-02-30"), PATH))).toEqual([
      expect.stringMatching(/review\.next_review expected a date as YYYY-MM-DD, got "2026-02-30"$/),
    ]);
    expect(problems(parseAssessmentFile(withLine(/  next_review: 2099-06-02\n/, "  triggers: [model_change]\n"), PATH))).toEqual([
      expect.stringMatching(/review\.next_review is required$/),
    ]);
  });

  it("checks enumerations and logins", () => {
    expect(problems(parseAssessmentFile(withLine(/^status: approved$/m, "status: done"), PATH))).toEqual([
      '4:9 status must be one of "draft", "in-review", "approved", "rejected", "superseded", "expired"',
    ]);
    expect(problems(parseAssessmentFile(withLine(/^risk_level: high$/m, "risk_level: severe"), PATH))[0]).toMatch(/^6:13 risk_level must be one of "minimal"/);
    expect(problems(parseAssessmentFile(withLine(/login: "@alice"/, 'login: "not a login!"'), PATH))[0]).toMatch(/assessors\[0\]\.login expected a GitHub login/);
    expect(problems(parseAssessmentFile(withLine(/systems: \[recommender\]/, "systems: [Recommender System]"), PATH))[0]).toMatch(/systems\[0\] expected a system id/);
  });

  it.each([
    ["TODO", "is a placeholder (TODO)"],
    ["TBD by legal", "is a placeholder (TBD)"],
    ["'<What the system is for>'", "is a placeholder (<What the system is for>)"],
    ["'...'", 'is a placeholder ("...")'],
    ["''", "is empty"],
  ])("treats %s as not filled in, with its line and column", (value, message) => {
    const text = assessmentMarkdown().replace(/intended_purpose: >-\n  [^\n]*\n/, `intended_purpose: ${value}\n`);
    expect(problems(parseAssessmentFile(text, PATH))).toEqual([`7:19 intended_purpose ${message}`]);
  });

  it("points at the nested field that holds a placeholder", () => {
    const text = assessmentMarkdown().replace('measure: "exploration slots for new items"', "measure: TODO");
    expect(problems(parseAssessmentFile(text, PATH))).toEqual([expect.stringMatching(/^19:\d+ mitigations\[0\]\.measure is a placeholder \(TODO\)$/)]);
  });

  it("flags every placeholder of the shipped template, so an unfilled copy never passes", () => {
    const template = readFileSync(new URL("../../policies/templates/impact-assessment.md", import.meta.url), "utf8");
    const parse = parseAssessmentFile(template, PATH);
    expect(parse.kind).toBe("invalid");
    const fields = parse.kind === "invalid" ? parse.problems.map((p) => p.field) : [];
    expect(fields).toEqual(
      expect.arrayContaining(["id", "systems[0]", "risk_level", "intended_purpose", "affected_groups[0].group", "mitigations[0].measure", "human_oversight.mode", "assessors[0].login", "review.next_review"]),
    );
    expect(parse.kind === "invalid" && parse.problems.every((p) => p.line !== undefined && /placeholder|empty/.test(p.message))).toBe(true);
  });

  it("fills the template in and it parses", () => {
    const template = readFileSync(new URL("../../policies/templates/impact-assessment.md", import.meta.url), "utf8");
    const filled = template
      .replace(/<AIA-2026-001>/g, "AIA-2026-001")
      .replace("<system-id>", "support-chatbot")
      .replace("<limited>", "limited")
      .replace(/<2027-06-02>/, "2027-06-02")
      .replace("<login>", "alice")
      .replace(/<([^<>\n]+)>/g, "$1");
    const parse = parseAssessmentFile(filled, PATH);
    expect(problems(parse)).toEqual([]);
    expect(parse.kind === "valid" && parse.record.status).toBe("draft");
  });
});

describe("placeholderIn", () => {
  it.each(["", "  ", "_No response_", "...", "…", "TODO", "see TODO below", "TBD", "<system-id>", "ask <owner> first"])("flags %p", (v) => {
    expect(placeholderIn(v)).toBeDefined();
  });
  it.each(["Rank products", "latency < 200 ms and > 50 ms", "todo list app", "a -> b", "alice@example.com"])("accepts %p", (v) => {
    expect(placeholderIn(v)).toBeUndefined();
  });
});

describe("splitFrontMatter", () => {
  it("handles a byte-order mark, CRLF line ends and a `...` terminator", () => {
    expect(splitFrontMatter("\uFEFF---\r\nid: a\r\n...\r\nbody")).toEqual({ yaml: "id: a", firstLine: 2 });
    expect(splitFrontMatter("no front matter")).toBeUndefined();
    expect(splitFrontMatter("--- \nid: a\n---")).toEqual({ yaml: "id: a", firstLine: 2 });
  });
});

describe("issue forms", () => {
  const approval = { login: "carol", at: "2026-06-02T09:00:00Z" };

  it("parses the rendered form; status and approval come from the label, not the body", () => {
    const parse = parseAssessmentIssue(assessmentIssueBody({ systems: "recommender, search-ranker" }), approval);
    expect(parse.kind).toBe("valid");
    if (parse.kind !== "valid") return;
    expect(parse.record).toMatchObject({
      id: "AIA-2026-020",
      status: "approved",
      systems: ["recommender", "search-ranker"],
      riskLevel: "limited",
      affectedGroups: ["shoppers", "minors (vulnerable)"],
      impacts: ["fairness, shoppers: new sellers are ranked low"],
      societalImpacts: false,
      assessors: ["alice"],
      approvals: [{ login: "carol", decision: "approve", at: "2026-06-02T09:00:00.000Z", conditions: [] }],
      nextReview: "2099-06-02",
    });
    const pending = parseAssessmentIssue(assessmentIssueBody(), undefined);
    expect(pending.kind === "valid" && pending.record.status).toBe("in-review");
    expect(pending.kind === "valid" && pending.record.approvals).toEqual([]);
  });

  it("ignores a status or approvals written into the body", () => {
    const body = assessmentIssueBody().replace("Rank products on the home page.", "Rank products.\n\nstatus: approved\napprovals: [{login: dev}]");
    const parse = parseAssessmentIssue(body, undefined);
    expect(parse.kind === "valid" && parse.record.status).toBe("in-review");
  });

  it("reports `_No response_` and placeholders by field label with the heading's line", () => {
    const body = assessmentIssueBody({ mitigations: "_No response_", nextReview: "TBD" });
    const parse = parseAssessmentIssue(body, approval);
    expect(parse.kind).toBe("invalid");
    if (parse.kind !== "invalid") return;
    const lines = body.split("\n");
    const heading = (label: string) => lines.indexOf(`### ${label}`) + 1;
    expect(parse.problems).toEqual([
      { field: "Mitigations", line: heading("Mitigations"), message: "is empty" },
      { field: "Next review", line: heading("Next review"), message: "is a placeholder (TBD)" },
    ]);
    expect(parse.summary).toMatchObject({ id: "AIA-2026-020", systems: ["recommender"], riskLevel: "limited" });
  });

  it("reports missing sections and the impacts-or-harms rule", () => {
    const body = assessmentIssueBody()
      .replace(/### Impacts on individuals and groups\n\n[^\n]*\n/, "### Impacts on individuals and groups\n\n_No response_\n")
      .replace(/### Harms and failure modes\n\n[^\n]*\n/, "")
      .replace(/### Assessors\n\n@alice\n\n/, "");
    const parse = parseAssessmentIssue(body, undefined);
    expect(parse.kind === "invalid" && parse.problems.map((p) => `${p.field}: ${p.message}`)).toEqual([
      "Assessors: is missing (the section is not in the issue)",
      "Impacts on individuals and groups: is empty, and so is “Harms and failure modes”: describe the impacts or harms",
    ]);
  });

  it("keeps a `###` heading typed inside an answer as part of it", () => {
    const body = assessmentIssueBody().replace("Rank products on the home page.", "Rank products.\n\n### Details\n\nOnly logged-in users.");
    const sections = parseIssueFormSections(body);
    expect(sections.get("intended_purpose")?.value).toBe("Rank products.\n\n### Details\n\nOnly logged-in users.");
  });

  it("rejects an issue that was not created from the form", () => {
    const parse = parseAssessmentIssue("We should assess the recommender.\n\n### Notes\n\nlater", undefined);
    expect(parse.kind).toBe("syntax");
    expect(looksLikeAssessmentIssue("We should assess the recommender.")).toBe(false);
    expect(looksLikeAssessmentIssue(assessmentIssueBody())).toBe(true);
  });

  it("records a societal impact answer for A.5.5", () => {
    const body = assessmentIssueBody().replace(/### Societal and environmental impacts\n\n_No response_/, "### Societal and environmental impacts\n\nNarrows what people see.");
    const parse = parseAssessmentIssue(body, undefined);
    expect(parse.kind === "valid" && parse.record.societalImpacts).toBe(true);
  });
});

describe("currentLabelApplication", () => {
  const ev = (event: "labeled" | "unlabeled", actor: string, label = "aims:assessment-approved", createdAt = "2026-06-01T00:00:00Z") => ({ event, actor, label, createdAt });

  it("is the last application with no removal after it", () => {
    expect(currentLabelApplication([ev("labeled", "carol")], "aims:assessment-approved")).toEqual({ login: "carol", at: "2026-06-01T00:00:00Z" });
    expect(currentLabelApplication([ev("labeled", "carol"), ev("unlabeled", "dev")], "aims:assessment-approved")).toBeUndefined();
    expect(
      currentLabelApplication([ev("labeled", "carol"), ev("unlabeled", "dev"), ev("labeled", "dev", "aims:assessment-approved", "2026-06-03T00:00:00Z")], "aims:assessment-approved"),
    ).toEqual({ login: "dev", at: "2026-06-03T00:00:00Z" });
  });

  it("ignores other labels and compares names case-insensitively", () => {
    expect(currentLabelApplication([ev("labeled", "carol", "AIMS:Assessment-Approved"), ev("unlabeled", "dev", "bug")], "aims:assessment-approved")?.login).toBe("carol");
    expect(currentLabelApplication([], "aims:assessment-approved")).toBeUndefined();
  });
});
