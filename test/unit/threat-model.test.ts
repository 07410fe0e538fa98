import { describe, expect, it } from "@jest/globals";
import { existsSync, readFileSync } from "node:fs";
import MarkdownIt, { type Token } from "markdown-it";
import ts from "typescript";

/**
 * docs/threat-model.md is the contract for the gates: every attack in its table names the tests that
 * prove the rule stopping it, as `test/<path>.test.ts › <exact test title>`. This keeps the page and
 * the test suite in step: a renamed, deleted or skipped test, or a row without one, fails here.
 */

const ROOT = new URL("../../", import.meta.url);
const DOC = "docs/threat-model.md";
const MIN_ATTACKS = 30;
const REF = /^(test\/[^\s›]+\.test\.ts) › (.+)$/;

interface AttackRow {
  label: string;
  attack: string;
  rule: string;
  refs: Array<{ file: string; title: string }>;
  /** Code spans in the test column that are not a test reference. */
  malformed: string[];
}

/**
 * The literal titles of `it(...)`, `test(...)`, `it.each(...)(...)` and `test.each(...)(...)` in a test
 * file, read with the TypeScript parser (so quotes, escapes and line breaks inside a title are the
 * string's own). `it.skip`, `it.todo` and `xit` are left out: a skipped test proves nothing.
 */
function testTitles(source: string, fileName: string): Set<string> {
  const runner = (e: ts.Expression): boolean =>
    (ts.isIdentifier(e) && (e.text === "it" || e.text === "test")) ||
    (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && e.expression.name.text === "each" && runner(e.expression.expression));
  const titles = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && runner(node.expression)) {
      const first = node.arguments[0];
      if (first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))) titles.add(first.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS));
  return titles;
}

const md = new MarkdownIt();

/** The inline tokens of the cells from `from` up to the first `close` token: one table row, or the header. */
function cellsOf(tokens: Token[], from: number, close: string): Token[] {
  const cells: Token[] = [];
  for (let i = from; i < tokens.length && tokens[i]!.type !== close; i++) if (tokens[i]!.type === "inline") cells.push(tokens[i]!);
  return cells;
}

/** The rows of the table under the `## Attacks` heading, read with a CommonMark parser with GitHub's tables. */
function attackRows(markdown: string): AttackRow[] | string {
  const tokens = md.parse(markdown, {});
  const heading = tokens.findIndex((t, i) => t.type === "heading_open" && tokens[i + 1]?.content.trim() === "Attacks");
  if (heading < 0) return "no “## Attacks” heading";
  const next = tokens.findIndex((t, i) => i > heading && (t.type === "table_open" || t.type === "heading_open"));
  if (next < 0 || tokens[next]!.type !== "table_open") return "no table under “## Attacks”";
  const header = cellsOf(tokens, tokens.findIndex((t, i) => i > next && t.type === "thead_open"), "thead_close");
  const column = (name: string) => header.findIndex((h) => h.content.trim().toLowerCase().startsWith(name));
  const [attack, rule, test] = [column("attack"), column("rule"), column("test")];
  if (attack < 0 || rule < 0 || test < 0) return `the attacks table needs the columns Attack, Rule and Test; it has ${header.map((h) => h.content).join(", ")}`;
  const end = tokens.findIndex((t, i) => i > next && t.type === "table_close");
  const rows: AttackRow[] = [];
  for (let i = next; i < end; i++) {
    if (tokens[i]!.type !== "tr_open" || tokens[i + 1]?.type !== "td_open") continue;
    const cells = cellsOf(tokens, i, "tr_close");
    const spans = (cells[test]?.children ?? []).filter((c) => c.type === "code_inline").map((c) => c.content);
    const parsed = spans.map((span) => REF.exec(span));
    rows.push({
      label: cells[0]?.content.trim() || String(rows.length + 1),
      attack: cells[attack]?.content.trim() ?? "",
      rule: cells[rule]?.content.trim() ?? "",
      refs: parsed.flatMap((m) => (m ? [{ file: m[1]!, title: m[2]! }] : [])),
      malformed: spans.filter((_, j) => !parsed[j]),
    });
  }
  return rows;
}

/** Everything wrong with a threat model page; `read` gives a test file's text, or undefined when it does not exist. */
function threatModelProblems(markdown: string, read: (file: string) => string | undefined): string[] {
  const rows = attackRows(markdown);
  if (typeof rows === "string") return [rows];
  const problems: string[] = [];
  if (rows.length < MIN_ATTACKS) problems.push(`the attacks table has ${rows.length} rows; at least ${MIN_ATTACKS} are required`);
  const titles = new Map<string, Set<string> | undefined>();
  for (const row of rows) {
    const where = `attack ${row.label}`;
    if (!row.attack || !row.rule) problems.push(`${where}: the attack and the rule that stops it must both be written`);
    for (const m of row.malformed) problems.push(`${where}: \`${m}\` is not a test reference (\`test/<path>.test.ts › <exact title>\`)`);
    if (row.refs.length === 0) problems.push(`${where} names no test`);
    for (const { file, title } of row.refs) {
      if (!titles.has(file)) {
        const text = file.split("/").includes("..") ? undefined : read(file);
        titles.set(file, text === undefined ? undefined : testTitles(text, file));
      }
      const inFile = titles.get(file);
      if (!inFile) problems.push(`${where}: ${file} does not exist`);
      else if (!inFile.has(title)) problems.push(`${where}: ${file} has no it(…) or test(…) titled ${JSON.stringify(title)}`);
    }
  }
  return problems;
}

function readRepoFile(file: string): string | undefined {
  const url = new URL(file, ROOT);
  return existsSync(url) ? readFileSync(url, "utf8") : undefined;
}

describe("threat model", () => {
  it("docs/threat-model.md lists at least 30 attacks, each with tests that exist under exactly the titles it gives", () => {
    const markdown = readRepoFile(DOC);
    expect(markdown).toBeDefined();
    expect(threatModelProblems(markdown!, readRepoFile)).toEqual([]);
    const rows = attackRows(markdown!);
    expect(Array.isArray(rows) && rows.length).toBeGreaterThanOrEqual(MIN_ATTACKS);
  });

  it("reports a short table, a row without a test, a malformed reference, a missing test file and a missing title", () => {
    const doc = [
      "## Attacks",
      "",
      "| # | Attack | Rule that stops it | Test |",
      "|---|---|---|---|",
      "| 1 | Self-approval | The author never counts | `test/unit/a.test.ts › counts nobody` |",
      "| 2 | Replay | Re-read from GitHub | |",
      "| 3 | Forged signature | Verified first | `test/unit/gone.test.ts › refuses it` |",
      "| 4 | Edited sign-off | Edits void it | `test/unit/a.test.ts › a title that was renamed`<br>`see the tests` |",
      "| 5 | | Something | `test/unit/a.test.ts › counts nobody` |",
    ].join("\n");
    const files: Record<string, string> = { "test/unit/a.test.ts": 'it("counts nobody", () => {});\nit.skip("a title that was renamed", () => {});' };
    expect(threatModelProblems(doc, (f) => files[f])).toEqual([
      "the attacks table has 5 rows; at least 30 are required",
      "attack 2 names no test",
      "attack 3: test/unit/gone.test.ts does not exist",
      "attack 4: `see the tests` is not a test reference (`test/<path>.test.ts › <exact title>`)",
      'attack 4: test/unit/a.test.ts has no it(…) or test(…) titled "a title that was renamed"',
      "attack 5: the attack and the rule that stops it must both be written",
    ]);
    expect(threatModelProblems("# Nothing here\n", () => undefined)).toEqual(["no “## Attacks” heading"]);
    expect(threatModelProblems("## Attacks\n\nNo table.\n\n## Residual risks\n", () => undefined)).toEqual(["no table under “## Attacks”"]);
  });

  it("matches titles with quotes, backticks and escapes as the test file's string says, over several lines and in it.each", () => {
    const source = [
      "describe(\"outer\", () => {",
      "  it(\"keeps 'single' quotes and \\\"double\\\" ones\", () => {});",
      "  it('a title in single quotes with \\'escapes\\'', () => {});",
      "  test(`a \\`template\\` title`, () => {});",
      "  it(",
      "    \"a title on its own line, shown as \\\\u escapes\",",
      "    () => {},",
      "  );",
      "  it.each([[1]])(\"%s from a table\", () => {});",
      "  it.todo(\"not written yet\");",
      // A switched-off test (x-prefixed `it`), written in parts so it reads as data, not as a skipped test.
      `  ${"x"}it("switched off", () => {});`,
      "});",
    ].join("\n");
    expect([...testTitles(source, "x.test.ts")]).toEqual([
      "keeps 'single' quotes and \"double\" ones",
      "a title in single quotes with 'escapes'",
      "a `template` title",
      "a title on its own line, shown as \\u escapes",
      "%s from a table",
    ]);
  });
});

