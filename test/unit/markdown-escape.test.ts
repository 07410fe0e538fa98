import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import MarkdownIt from "markdown-it";
import { cell, uncell, visible } from "../../src/util/markdown.js";

// GitHub Flavoured Markdown as far as a renderer can model it: raw HTML allowed, tables,
// strike-through and autolinks for scheme and www. links (GitHub does not link bare domains).
const md = new MarkdownIt({ html: true, linkify: true });
md.linkify.set({ fuzzyLink: false });

/** Characters that carry meaning in Markdown or on GitHub, mixed with ordinary text. */
const piece = fc.oneof(
  fc.constantFrom("[", "]", "(", ")", "!", "<", ">", "&", "|", "*", "_", "~", "`", "\\", "@", "#", ":", "/", ".", "-", " ", "\n", "\t", "\u202E", "\u2060"),
  fc.constantFrom("https://evil.example/x", "www.evil.example", "//evil.example", "mailto:a@b.co", "a@b.co", "@octocat", "@acme/all-staff", "<img src=x onerror=alert(1)>", "<script>", "&lt;", "&#91;", "[x](https://evil.example)", "![i](https://evil.example/i.png)", "[r]: https://evil.example", "[r]", "<https://evil.example>", "\\[", "`code`", "``", "#12", "---"),
  fc.string({ maxLength: 6 }),
);
const userText = fc.array(piece, { maxLength: 14 }).map((parts) => parts.join(""));

const stripCode = (html: string) => html.replace(/<code>[\s\S]*?<\/code>/g, " ");
const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&");

describe("cell: the one escaping function for user text in Markdown (property-based)", () => {
  it("never renders a link, image or HTML element from the text, inline or in a table", () => {
    fc.assert(
      fc.property(userText, (s) => {
        const escaped = cell(s);
        for (const html of [md.renderInline(`Reason: ${escaped}`), md.render(`| a | b |\n|---|---|\n| x | ${escaped} |\n`)]) {
          expect(html).not.toMatch(/<a[\s>]/);
          expect(html).not.toMatch(/<img[\s>]/);
          expect(html).not.toMatch(/<(?!\/?(?:p|code|table|thead|tbody|tr|th|td)>)[a-z!/]/i);
        }
      }),
      { numRuns: Number(process.env.AIMS_PROPERTY_RUNS ?? 2000) },
    );
  });

  it("keeps a table row at its column count: no pipe or line break escapes the cell", () => {
    fc.assert(
      fc.property(userText, (s) => {
        const html = md.render(`| a | b | c |\n|---|---|---|\n| x | ${cell(s)} | z |\n`);
        const body = /<tbody>([\s\S]*)<\/tbody>/.exec(html)?.[1] ?? "";
        expect(body.match(/<tr>/g)).toHaveLength(1);
        expect(body.match(/<td>/g)).toHaveLength(3);
      }),
      { numRuns: Number(process.env.AIMS_PROPERTY_RUNS ?? 2000) },
    );
  });

  it("leaves no mention, team mention or e-mail link outside code", () => {
    fc.assert(
      fc.property(userText, (s) => {
        const rendered = text(stripCode(md.renderInline(cell(s))));
        expect(rendered).not.toMatch(/(?:^|[^\p{L}\p{N}_`])@[\p{L}\p{N}_-]/u);
      }),
      { numRuns: Number(process.env.AIMS_PROPERTY_RUNS ?? 2000) },
    );
  });

  it("shows exactly what was written (on one line, controls made visible) when the text holds no code span", () => {
    fc.assert(
      fc.property(userText.filter((s) => !s.includes("`")), (s) => {
        const expected = visible(s.replace(/[\r\n\t]+/g, " ")).trim();
        const shown = text(md.renderInline(cell(s))).replace(/\u2060/g, "").trim();
        expect(shown).toBe(expected);
        expect(uncell(cell(s))).toBe(visible(s.replace(/[\r\n\t]+/g, " ")));
      }),
      { numRuns: Number(process.env.AIMS_PROPERTY_RUNS ?? 2000) },
    );
  });

  it("keeps the app's own code spans as code", () => {
    expect(md.renderInline(cell("comment `/aims sign-off <rationale>` by @carol"))).toBe("comment <code>/aims sign-off &lt;rationale&gt;</code> by \u2060@\u2060carol");
    expect(md.renderInline(cell("title [x](https://evil.example) `a|b`"))).not.toContain("<a");
  });
});
