import { LineCounter, parseDocument, type Document } from "yaml";
import { fieldPath, summarise, validate, type RecordParse } from "./assessment-record.js";

/** An impact assessment kept as a file: Markdown with YAML front matter, or a YAML document. */

/** Split YAML front matter from Markdown: the record is the block between the first two `---` lines. */
export function splitFrontMatter(source: string): { yaml: string; firstLine: number } | undefined {
  const textNoBom = source.replace(/^\uFEFF/, "");
  const lines = textNoBom.split(/\r?\n/);
  if (lines[0]?.trimEnd() !== "---") return undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trimEnd();
    if (line === "---" || line === "...") return { yaml: lines.slice(1, i).join("\n"), firstLine: 2 };
  }
  return undefined;
}

export function isYamlPath(path: string): boolean {
  return /\.ya?ml$/i.test(path);
}

/**
 * Parse an assessment file: Markdown with YAML front matter, or (`.yml`/`.yaml`) a YAML document.
 * Lines and columns are those of the file, not of the front matter block.
 */
export function parseAssessmentFile(source: string, path: string): RecordParse {
  let yamlText: string;
  let firstLine = 1;
  if (isYamlPath(path)) {
    yamlText = source.replace(/^\uFEFF/, "");
  } else {
    const split = splitFrontMatter(source);
    if (!split) {
      return {
        kind: "syntax",
        problems: [{ line: 1, column: 1, message: "has no YAML front matter: the file must start with a line `---`, the record, and a closing `---`" }],
      };
    }
    yamlText = split.yaml;
    firstLine = split.firstLine;
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line + firstLine - 1, column: pos.col };
  };
  if (doc.errors.length > 0) {
    return {
      kind: "syntax",
      problems: doc.errors.map((e) => ({ ...at(e.pos[0]), message: `YAML: ${e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}` })),
    };
  }
  const value: unknown = doc.toJS();
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { kind: "syntax", problems: [{ line: firstLine, column: 1, message: "the record must be a YAML mapping of fields (id:, systems:, status:, …)" }] };
  }
  const result = validate(value);
  if (result.ok) return { kind: "valid", record: result.record };
  return {
    kind: "invalid",
    summary: summarise(value),
    problems: result.issues.map((i) => ({ field: fieldPath(i.path), ...locate(doc, i.path, at), message: i.message })),
  };
}

function locate(doc: Document, path: PropertyKey[], at: (offset: number) => { line: number; column: number }): { line?: number; column?: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return at(node.range[0]);
  }
  return {};
}
