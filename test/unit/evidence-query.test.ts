import { describe, expect, it } from "@jest/globals";
import { parseCommand, usageText } from "../../src/commands/parse.js";
import { compareControlIds } from "../../src/controls/catalogue.js";
import { controlTotals, entryDate, parseQuery, runQuery, searchLink, type EvidenceEntry, type EvidenceQuery } from "../../src/evidence/query.js";
import { renderQueryReply } from "../../src/render/query.js";
import { fixtureRecords } from "../support/evidence-fixture.js";

const KNOWN = ["A.6.2.5", "A.7.5", "A.4.4", "A.10.3", "A.5.3", "A.3.2", "A.6.2.7", "8.4", "6.1.4"];

function entries(n: number, repositories?: string[]): EvidenceEntry[] {
  return fixtureRecords(n, { open: 3, ...(repositories ? { repositories } : {}) }).map((record, i) => ({
    issue: i + 1,
    url: `https://github.com/acme/evidence/issues/${i + 1}`,
    createdAt: `2026-06-${String((i % 28) + 1).padStart(2, "0")}T00:00:00Z`,
    record,
  }));
}

const q = (text: string): EvidenceQuery => {
  const p = parseQuery(text, KNOWN);
  if (!p.ok) throw new Error(p.message);
  return p.query;
};

describe("parseQuery", () => {
  it("parses every filter", () => {
    expect(parseQuery("control:A.6.2.5 system:chatbot risk:high state:merged since:2026-01-01 until:2026-03-31 repo:acme/shop", KNOWN)).toEqual({
      ok: true,
      query: { controls: ["A.6.2.5"], systems: ["chatbot"], risks: ["high"], states: ["merged"], repos: ["acme/shop"], since: "2026-01-01", until: "2026-03-31" },
    });
  });

  it("accepts no filters at all", () => {
    expect(parseQuery("", KNOWN)).toEqual({ ok: true, query: { controls: [], systems: [], risks: [], states: [], repos: [] } });
  });

  it("repeats filters and comma lists, normalising case and dropping repeats", () => {
    expect(q("control:a.7.5,A.6.2.5 control:A.7.5 system:Chatbot system:fraud-model risk:HIGH,limited state:merged,overridden repo:acme/shop repo:acme/web repo:ACME/shop")).toEqual({
      controls: ["A.7.5", "A.6.2.5"],
      systems: ["chatbot", "fraud-model"],
      risks: ["high", "limited"],
      states: ["merged", "overridden"],
      repos: ["acme/shop", "acme/web"],
    });
  });

  it("accepts clause ids and key aliases", () => {
    expect(q("controls:8.4 ai-system:chatbot from:2026-02-01 to:2026-02-28 repository:acme/shop")).toMatchObject({ controls: ["8.4"], systems: ["chatbot"], since: "2026-02-01", until: "2026-02-28", repos: ["acme/shop"] });
  });

  it.each([
    ["chatbot", "is not a filter"],
    ["colour:red", "`colour` is not a filter"],
    ["control:", "needs a value"],
    ["control:A.6.2.5,", "empty value"],
    ["control:X.1", "is not a control id"],
    ["control:A.6.2.99", "not an Annex A control or clause"],
    ["system:Not_A/System", "is not a system id"],
    ["risk:extreme", "risk is one of"],
    ["state:pending", "state is one of"],
    ["since:2026-02-30", "YYYY-MM-DD"],
    ["until:yesterday", "YYYY-MM-DD"],
    ["since:2026-01-01 since:2026-02-01", "only once"],
    ["since:2026-03-01 until:2026-01-01", "is after"],
    ["repo:shop", "owner/name"],
    [`system:${Array.from({ length: 21 }, (_, i) => `s${i}`).join(",")}`, "at most 20"],
  ])("rejects %s", (text, message) => {
    const p = parseQuery(text, KNOWN);
    expect(p.ok).toBe(false);
    expect(p.ok ? "" : p.message).toContain(message);
  });

  it("reports every bad filter at once, not only the first", () => {
    const p = parseQuery("risk:extreme since:yesterday control:A.6.2.5 colour:red", KNOWN);
    expect(p).toEqual({
      ok: false,
      message:
        "3 problems: `risk:extreme`: risk is one of minimal, limited, high, prohibited; `since:yesterday`: since takes a date as YYYY-MM-DD; `colour` is not a filter (use control, system, risk, state, since, until or repo)",
      problems: [
        "`risk:extreme`: risk is one of minimal, limited, high, prohibited",
        "`since:yesterday`: since takes a date as YYYY-MM-DD",
        "`colour` is not a filter (use control, system, risk, state, since, until or repo)",
      ],
    });
    expect(parseCommand("/aims query risk:extreme since:yesterday")).toMatchObject({
      kind: "malformed",
      name: "query",
      message: expect.stringMatching(/^2 problems: `risk:extreme`.*; `since:yesterday`/),
    });
  });

  it("is wired into the /aims command parser, with usage help when malformed", () => {
    expect(parseCommand("/aims query control:A.6.2.5 risk:high")).toEqual({ kind: "query", query: expect.objectContaining({ controls: ["A.6.2.5"], risks: ["high"] }) });
    expect(parseCommand("/aims query control:A.1.1")).toMatchObject({ kind: "malformed", name: "query", usage: expect.stringContaining("/aims query") });
    expect(parseCommand("/aims query state:\nmerged")).toMatchObject({ kind: "malformed", name: "query" });
    expect(usageText()).toContain("/aims query");
  });
});

describe("running a query", () => {
  const all = entries(40, ["acme/shop", "acme/web"]);

  it("filters by each field", () => {
    expect(runQuery(all, q("control:A.7.5")).every((e) => e.record.controls.some((c) => c.id === "A.7.5"))).toBe(true);
    expect(runQuery(all, q("control:A.7.5")).length).toBeGreaterThan(0);
    expect(runQuery(all, q("system:chatbot")).map((e) => e.record.systems[0]!.id)).toEqual(expect.arrayContaining(["chatbot"]));
    expect(new Set(runQuery(all, q("system:chatbot")).map((e) => e.record.systems[0]!.id))).toEqual(new Set(["chatbot"]));
    expect(new Set(runQuery(all, q("risk:high")).map((e) => e.record.risk))).toEqual(new Set(["high"]));
    expect(new Set(runQuery(all, q("state:overridden")).map((e) => e.record.state))).toEqual(new Set(["overridden"]));
    expect(new Set(runQuery(all, q("repo:ACME/web")).map((e) => e.record.pullRequest.repository))).toEqual(new Set(["acme/web"]));
    const window = runQuery(all, q("since:2026-01-10 until:2026-01-20"));
    expect(window.length).toBeGreaterThan(0);
    expect(window.every((e) => entryDate(e).slice(0, 10) >= "2026-01-10" && entryDate(e).slice(0, 10) <= "2026-01-20")).toBe(true);
    // Open records count from the day their issue was opened.
    expect(runQuery(all, q("state:open since:2026-06-01")).length).toBe(3);
  });

  it("ORs values within a filter and ANDs filters; sorts newest first", () => {
    const both = runQuery(all, q("system:chatbot,recommender"));
    expect(both.length).toBe(runQuery(all, q("system:chatbot")).length + runQuery(all, q("system:recommender")).length);
    const and = runQuery(all, q("system:chatbot risk:high"));
    expect(and).toEqual([]);
    const dates = runQuery(all, q("")).map(entryDate);
    expect(dates).toEqual([...dates].sort().reverse());
  });

  it("totals records per control in catalogue order", () => {
    const totals = controlTotals(all, compareControlIds);
    expect(totals.map((t) => t.id)).toEqual([...totals.map((t) => t.id)].sort(compareControlIds));
    expect(totals.find((t) => t.id === "A.5.3")?.records).toBe(40);
  });
});

describe("the GitHub search link", () => {
  it("uses labels (any-of within a filter), the title for the repository and the closing date for final states", () => {
    const link = searchLink(q("control:A.6.2.5,A.7.5 system:chatbot risk:high state:merged since:2026-01-01 until:2026-03-31 repo:acme/shop"), "acme/evidence", { appSlug: "aims-bot" });
    expect(link.q).toBe(
      'repo:acme/evidence is:issue label:"aims:evidence" author:app/aims-bot label:"annex-a:A.6.2.5","annex-a:A.7.5" label:"ai-system:chatbot" label:"risk:high" label:"state:merged" "acme/shop#" in:title closed:2026-01-01..2026-03-31',
    );
    expect(link.url).toBe(`https://github.com/search?type=issues&q=${encodeURIComponent(link.q)}`);
    expect(link.caveats).toHaveLength(1);
  });

  it("uses the creation date when open records may match, and says clauses have no label", () => {
    const link = searchLink(q("control:8.4 since:2026-02-01"), "acme/evidence", { webUrl: "https://ghe.example.com" });
    expect(link.q).toContain("created:>=2026-02-01");
    expect(link.q).not.toContain("annex-a");
    expect(link.caveats.join(" ")).toContain("clauses (8.4)");
    expect(link.url.startsWith("https://ghe.example.com/search?")).toBe(true);
  });
});

describe("renderQueryReply", () => {
  const base = { evidenceRepo: "acme/evidence", login: "lead", controlOrder: compareControlIds, marker: "<!-- aims:reply-to=7 -->" };

  it("renders the table, totals and link", () => {
    const all = entries(15);
    const query = q("state:overridden");
    const matches = runQuery(all, query);
    const text = renderQueryReply({ ...base, query, matches, scanned: all.length, controlTitle: (id) => (id === "A.6.2.5" ? "AI system deployment" : undefined) });
    expect(text.startsWith("<!-- aims:reply-to=7 -->\n@lead **1 evidence record** matches `state:overridden` in acme/evidence (15 records read).")).toBe(true);
    expect(text).toContain("| Record | PR | Date | System | Risk | Controls | Signers | Overrides |");
    expect(text).toContain("| [#10](https://github.com/acme/evidence/issues/10) | [acme/shop#109](https://github.com/acme/shop/pull/109) |");
    expect(text).toContain("@lead: Incident INC-9");
    expect(text).toContain("| A.6.2.5 | AI system deployment | 1 |");
    expect(text).toContain("[The same search on GitHub](https://github.com/search?type=issues&q=");
    expect(text).not.toContain("left out");
  });

  it("escapes override reasons and repository text with the shared helper (bidi controls, HTML, pipes)", () => {
    const [first] = entries(1);
    const record = { ...first!.record, override: { login: "lead", at: "2026-06-01T00:00:00Z", sha: "a".repeat(40), reason: "urgent \u202Efix <script> | now" } };
    const text = renderQueryReply({ ...base, query: q(""), matches: [{ ...first!, record }], scanned: 1 });
    expect(text).toContain("@lead: urgent \\\\u202Efix &lt;script> \\| now");
    expect(text).not.toMatch(/[\u202E]/);
  });

  it("says when nothing matches", () => {
    const text = renderQueryReply({ ...base, query: q("risk:prohibited"), matches: [], scanned: 5 });
    expect(text).toContain("**0 evidence records** match `risk:prohibited`");
    expect(text).toContain("No record matches.");
  });

  it.each([
    [2000, 60_000, 65_536],
    [2000, 8_000, 8_000],
    [300, 3_000, 3_000],
  ])("stays within bounds with %i matching records (limit %i, GitHub %i) and says how many rows were left out", (n, limit, github) => {
    const all = entries(n);
    const matches = runQuery(all, q(""));
    const text = renderQueryReply({ ...base, query: q(""), matches, scanned: n, maxChars: limit });
    expect(text.length).toBeLessThanOrEqual(limit);
    expect(text.length).toBeLessThan(github);
    const rows = text.split("\n").filter((l) => l.startsWith("| [#")).length;
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThan(n);
    expect(text).toContain(`_${n - rows} more rows left out`);
    expect(text).toContain("Totals per control");
    expect(text).toContain("The same search on GitHub");
  });

  it("escapes table breakers in free text", () => {
    const [e] = entries(15).filter((x) => x.record.override);
    const evil = { ...e!, record: { ...e!.record, override: { ...e!.record.override!, reason: "a | b\nc <img src=x>" } } };
    const text = renderQueryReply({ ...base, query: q(""), matches: [evil], scanned: 1 });
    expect(text).toContain("a \\| b c &lt;img src=x>");
  });
});
