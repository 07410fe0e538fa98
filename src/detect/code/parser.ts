import { once } from "../../util/once.js";
import { createRequire } from "node:module";
import type * as TreeSitter from "@vscode/tree-sitter-wasm";
import type { CodeLanguage } from "./rules.js";

/**
 * tree-sitter grammars compiled to WebAssembly (@vscode/tree-sitter-wasm): no compiler and no
 * download at install, the same parser in the app, the CLI and the Action.
 */

export type SyntaxNode = TreeSitter.Node;
export type SyntaxTree = TreeSitter.Tree;

const require = createRequire(import.meta.url);

const GRAMMARS: Record<CodeLanguage | "tsx", string> = {
  python: "tree-sitter-python.wasm",
  javascript: "tree-sitter-javascript.wasm",
  typescript: "tree-sitter-typescript.wasm",
  tsx: "tree-sitter-tsx.wasm",
  java: "tree-sitter-java.wasm",
  go: "tree-sitter-go.wasm",
  csharp: "tree-sitter-c-sharp.wasm",
};

const EXTENSIONS: Record<string, CodeLanguage | "tsx"> = {
  py: "python",
  pyi: "python",
  js: "javascript",
  mjs: "javascript",
  cjs: "javascript",
  jsx: "javascript",
  ts: "typescript",
  mts: "typescript",
  cts: "typescript",
  tsx: "tsx",
  java: "java",
  go: "go",
  cs: "csharp",
};

/** The grammar for a path, by extension, or undefined for files no grammar reads. */
export function grammarFor(path: string): CodeLanguage | "tsx" | undefined {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  return dot > 0 ? EXTENSIONS[name.slice(dot + 1).toLowerCase()] : undefined;
}

export function languageOf(grammar: CodeLanguage | "tsx"): CodeLanguage {
  return grammar === "tsx" ? "typescript" : grammar;
}

export interface Parsers {
  /** Parse within a budget; undefined when the budget ran out before the end. */
  parse(grammar: CodeLanguage | "tsx", source: string, budgetMs: number): SyntaxTree | undefined;
}

/** The WebAssembly runtime, initialised once per process. */
const runtime = once(async () => {
  const ts = require("@vscode/tree-sitter-wasm") as typeof TreeSitter;
  await ts.Parser.init();
  return ts;
});

/** Each grammar, loaded the first time a file of its language is read. */
const grammars = Object.fromEntries(
  (Object.keys(GRAMMARS) as Array<keyof typeof GRAMMARS>).map((grammar) => [
    grammar,
    once(() =>
      runtime().then(async ({ Parser, Language }) => {
        const language = await Language.load(require.resolve(`@vscode/tree-sitter-wasm/wasm/${GRAMMARS[grammar]}`));
        const p = new Parser();
        p.setLanguage(language);
        return p;
      }),
    ),
  ]),
) as Record<keyof typeof GRAMMARS, () => Promise<TreeSitter.Parser>>;

function parserFor(grammar: CodeLanguage | "tsx"): Promise<TreeSitter.Parser> {
  return grammars[grammar]();
}

/** Parsers for the given grammars, loaded (and kept) before parsing starts. */
export async function loadParsers(needed: Iterable<CodeLanguage | "tsx">): Promise<Parsers> {
  const loaded = new Map<string, TreeSitter.Parser>();
  for (const g of new Set(needed)) loaded.set(g, await parserFor(g));
  return {
    parse(grammar, source, budgetMs) {
      const parser = loaded.get(grammar);
      if (!parser) throw new Error(`the ${grammar} grammar was not loaded`);
      const deadline = performance.now() + budgetMs;
      let cancelled = false;
      const tree = parser.parse(source, null, {
        progressCallback: () => {
          if (performance.now() > deadline) cancelled = true;
          return cancelled;
        },
      } as TreeSitter.ParseOptions);
      parser.reset();
      if (cancelled || !tree) {
        tree?.delete();
        return undefined;
      }
      return tree;
    },
  };
}
