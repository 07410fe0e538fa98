import type { AssessmentLink } from "./facts.js";

/** `Impact-Assessment:` references in a pull request description. Pure. */

/** More references than this in one description are not followed (each costs GitHub reads). */
export const MAX_LINKS = 10;

const TRAILER = /^[ \t>]*(?:[-*+][ \t]+)?(?:\*\*|__)?Impact-Assessment(?:\*\*|__)?[ \t]*:(?:\*\*|__)?[ \t]*(.*)$/i;

/** Blank out HTML comments and fenced code blocks, keeping line numbers: templates show example lines there. */
function hideNonProse(body: string): string {
  const noComments = body.replace(/<!--[\s\S]*?(?:-->|$)/g, (m) => m.replace(/[^\n]/g, ""));
  const lines = noComments.split("\n");
  let fence: string | undefined;
  return lines
    .map((line) => {
      const m = /^\s*(`{3,}|~{3,})/.exec(line);
      if (fence) {
        if (m && m[1]!.startsWith(fence)) fence = undefined;
        return "";
      }
      if (m) {
        fence = m[1]!;
        return "";
      }
      return line;
    })
    .join("\n");
}

/**
 * Every `Impact-Assessment: <ref>` trailer in a pull request description. A line may name several
 * references separated by commas or spaces; lines in HTML comments and code blocks are ignored.
 */
export function parseAssessmentLinks(body: string): AssessmentLink[] {
  const links: AssessmentLink[] = [];
  hideNonProse(body.replace(/\r\n?/g, "\n"))
    .split("\n")
    .forEach((text, i) => {
      const m = TRAILER.exec(text);
      if (!m) return;
      const line = i + 1;
      // Markdown links and autolinks: keep the target.
      const value = m[1]!.replace(/\[[^\]]*\]\(([^)\s]+)\)/g, "$1").replace(/<(https?:\/\/[^>\s]+)>/g, "$1").trim();
      if (value === "") {
        links.push({ kind: "invalid", raw: "", line, message: "names no assessment" });
        return;
      }
      for (const raw of value.split(/[\s,]+/).filter(Boolean)) links.push(classify(raw, line));
    });
  return links;
}

function classify(token: string, line: number): AssessmentLink {
  const raw = token.replace(/^[`'"]+|[`'".;]+$/g, "");
  if (/^<.*>$/.test(raw) || /^(TODO|TBD|\.\.\.)$/i.test(raw)) return { kind: "invalid", raw, line, message: "is a placeholder" };
  let m = /^#(\d+)$/.exec(raw);
  if (m) return { kind: "issue", raw, line, number: Number(m[1]) };
  m = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)#(\d+)$/.exec(raw);
  if (m) return { kind: "issue", raw, line, owner: m[1]!, repo: m[2]!, number: Number(m[3]) };
  if (/^https?:\/\//i.test(raw)) {
    m = /^https?:\/\/[^/\s]+\/([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)\/issues\/(\d+)\/?(?:[?#].*)?$/i.exec(raw);
    if (m) return { kind: "issue", raw, line, owner: m[1]!, repo: m[2]!, number: Number(m[3]) };
    if (/\/pull\/\d+/.test(raw)) return { kind: "invalid", raw, line, message: "is a pull request, not an assessment: link the assessment issue or file" };
    return { kind: "invalid", raw, line, message: "is not an issue URL (https://github.com/owner/repo/issues/123)" };
  }
  const path = raw.replace(/^\.?\//, "");
  if (path === "" || path.split("/").some((s) => s === ".." || s === "" || s === ".")) {
    return { kind: "invalid", raw, line, message: "is not a path inside the repository" };
  }
  if (!/\.(md|markdown|ya?ml)$/i.test(path)) {
    return { kind: "invalid", raw, line, message: "is not a path to a Markdown (.md) or YAML (.yml) assessment, #123, owner/repo#123 or an issue URL" };
  }
  return { kind: "file", raw, line, path };
}
