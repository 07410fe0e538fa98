import type { DetectionProblem } from "../types.js";
import type { AiChange, ChangedFile } from "../types.js";
import { once } from "../../util/once.js";
import { describeFinding, diffUsages, type CodeFinding } from "./diff.js";
import { loadModelCatalogue, type ModelCatalogue } from "./models.js";
import { grammarFor, loadParsers } from "./parser.js";
import { loadCodeRules, type CodeRule } from "./rules.js";
import { compileRules, type CompiledRules } from "./usage.js";
import { servingFindings } from "./serving.js";
import { changedLines, compileScreen, isNotebook, isScannable, scanText, type ScanResult } from "./scan.js";

export type { CodeFinding } from "./diff.js";

/** Changed source files and notebooks read (base and head) per event; the rest are named as not inspected. */
export const MAX_CODE_FILES = 60;

export interface CodeDetector {
  /** Cheap: does the patch (or, without one, the path) make this file worth reading? */
  isCandidate(file: ChangedFile): boolean;
  /** Models that container and deployment set-ups start or stop serving, from the patches alone. */
  serving(files: readonly ChangedFile[]): AiChange[];
  /** Compare base and head of the candidates. Texts are undefined for an added or removed side. */
  detect(inputs: CodeInput[]): Promise<{ changes: AiChange[]; problems: DetectionProblem[] }>;
}

export interface CodeInput {
  file: ChangedFile;
  base?: string;
  head?: string;
}

export interface CodeDetectorOptions {
  /** Extra rules in the code-rules format (config `detect.code.extra`); they match first. */
  extra?: readonly CodeRule[];
  /** Rule ids to silence (config `detect.code.ignore`). */
  ignore?: readonly string[];
  systemFor: (path: string) => string;
  gated: boolean;
  /** YYYY-MM-DD: the day deprecations are judged on. */
  today: string;
  rules?: readonly CodeRule[];
  catalogue?: ModelCatalogue;
  parseBudgetMs?: number;
}

function build(rules: readonly CodeRule[], catalogue: ModelCatalogue): { screen: RegExp; compiled: CompiledRules } {
  return { screen: compileScreen(rules, catalogue), compiled: compileRules(rules) };
}

/** The screen and index of the shipped rules and catalogue, which most repositories do not change: built once. */
const shipped = once(() => build(loadCodeRules(), loadModelCatalogue()));

export function createCodeDetector(options: CodeDetectorOptions): CodeDetector {
  const ignored = new Set(options.ignore ?? []);
  const base = options.rules ?? loadCodeRules();
  const unchanged = (options.extra ?? []).length === 0 && ignored.size === 0;
  const rules = unchanged ? base : [...(options.extra ?? []), ...base].filter((r) => !ignored.has(r.id));
  const catalogue = options.catalogue ?? loadModelCatalogue();
  const { screen, compiled } = unchanged && !options.rules && !options.catalogue ? shipped() : build(rules, catalogue);
  return {
    isCandidate(file) {
      if (!isScannable(file.filename) && !(file.previousFilename && isScannable(file.previousFilename))) return false;
      // Without a patch the change cannot be screened: a large diff is read; a file listed with no
      // changed lines (binary, or a pure rename) has no source change to compare.
      if (file.patch === undefined) return file.additions + file.deletions > 0;
      return screen.test(changedLines(file.patch));
    },
    serving(files) {
      return files.flatMap((file) => servingFindings(file).map((f) => toChange(file, f, options)));
    },
    async detect(inputs) {
      const changes: AiChange[] = [];
      const problems: DetectionProblem[] = [];
      if (inputs.length === 0) return { changes, problems };
      const parsers = await loadParsers(
        inputs.flatMap(({ file }) => [file.filename, file.previousFilename ?? file.filename]).flatMap((p) => {
          const g = isNotebook(p) ? "python" : grammarFor(p);
          return g ? [g] : [];
        }),
      );
      const scanOptions = { rules: compiled, catalogue, screen, ...(options.parseBudgetMs ? { parseBudgetMs: options.parseBudgetMs } : {}) };
      for (const { file, base, head } of inputs) {
        const scan = (path: string, text: string | undefined): ScanResult => (text === undefined ? { usages: [] } : scanText(path, text, parsers, scanOptions));
        const before = scan(file.previousFilename ?? file.filename, base);
        const after = scan(file.filename, head);
        const problem = "problem" in after ? after.problem : "problem" in before ? `base version: ${before.problem}` : undefined;
        if (problem) {
          problems.push({ path: file.filename, message: problem });
          continue;
        }
        const findings = diffUsages("usages" in before ? before.usages : [], "usages" in after ? after.usages : [], catalogue, options.today);
        for (const f of findings) changes.push(toChange(file, f, options));
      }
      return { changes, problems };
    },
  };
}

/** `chat.py:42`, or `analysis.ipynb` cell 3 line 2. */
export function findingLocation(path: string, f: Pick<CodeFinding, "line" | "cell">): string {
  return f.cell !== undefined ? `\`${path}\` cell ${f.cell} line ${f.line}` : `\`${path}:${f.line}\``;
}

function toChange(file: ChangedFile, f: CodeFinding, options: CodeDetectorOptions): AiChange {
  let system = options.systemFor(file.filename);
  if (system === "unregistered" && file.previousFilename) system = options.systemFor(file.previousFilename);
  return {
    path: file.filename,
    ...(file.previousFilename ? { previousPath: file.previousFilename } : {}),
    status: file.status,
    category: "code",
    rule: `code.${f.rule}`,
    reason: describeFinding(f, findingLocation(file.filename, f)),
    system,
    gated: options.gated,
    code: f,
  };
}
