/** Realistic assessment records for tests: a complete, approved file and a rendered issue form. */

export function daysAgo(days: number, now = Date.now()): string {
  return new Date(now - days * 86_400_000).toISOString().slice(0, 10);
}

export interface RecordOptions {
  id?: string;
  status?: string;
  systems?: string[];
  risk?: string;
  approver?: string;
  approvedAt?: string;
  nextReview?: string;
  /** Extra approval entries (YAML lines, each starting with `  - `). */
  approvals?: string;
  /** Leave out the societal impact row. */
  noSocietal?: boolean;
}

/** A complete assessment as a Markdown file with YAML front matter. */
export function assessmentMarkdown(o: RecordOptions = {}): string {
  const approvals =
    o.approvals ?? `  - login: "@${o.approver ?? "carol"}"\n    role: AI governance lead\n    decision: approve\n    at: ${o.approvedAt ?? daysAgo(10)}\n`;
  return `---
id: ${o.id ?? "AIA-2026-014"}
version: 3
status: ${o.status ?? "approved"}
systems: [${(o.systems ?? ["recommender"]).join(", ")}]
risk_level: ${o.risk ?? "high"}
intended_purpose: >-
  Rank products on the shop's home page by predicted interest.
affected_groups:
  - group: shoppers
    vulnerable: false
  - { group: minors, vulnerable: true }
impacts:
  - { area: fairness, party: shoppers, direction: negative, severity: 2, likelihood: 2, description: "new sellers are ranked low" }
${o.noSocietal ? "" : `  - { area: societal, party: society, direction: negative, severity: 1, likelihood: 2, description: "narrows what people see" }\n`}harms:
  - popular items crowd out relevant ones
mitigations:
  - { id: M1, measure: "exploration slots for new items", owner: "@acme/ml", status: done }
human_oversight:
  mode: human-on-the-loop
  override: merchandisers can pin or hide items
assessors:
  - { login: "@alice", role: lead }
approvals:
${approvals}review:
  next_review: ${o.nextReview ?? "2099-06-02"}
---

# ${o.id ?? "AIA-2026-014"}: product recommender

Notes.
`;
}

export interface IssueOptions {
  id?: string;
  systems?: string;
  risk?: string;
  nextReview?: string;
  mitigations?: string;
}

/** The body GitHub renders from policies/templates/ai-impact-assessment.yml. */
export function assessmentIssueBody(o: IssueOptions = {}): string {
  return `### Assessment ID

${o.id ?? "AIA-2026-020"}

### AI systems

${o.systems ?? "recommender"}

### Risk level

${o.risk ?? "limited"}

### Intended purpose

Rank products on the home page.

### Foreseeable misuse

_No response_

### Affected groups

- shoppers
- minors (vulnerable)

### Impacts on individuals and groups

- fairness, shoppers: new sellers are ranked low

### Societal and environmental impacts

_No response_

### Harms and failure modes

- popular items crowd out relevant ones

### Mitigations

${o.mitigations ?? "- exploration slots for new items"}

### Human oversight

Merchandisers can pin or hide items; on-call ML engineer is paged on drift.

### Assessors

@alice

### Next review

${o.nextReview ?? "2099-06-02"}`;
}
