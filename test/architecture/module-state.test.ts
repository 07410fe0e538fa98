import { describe, expect, it } from "@jest/globals";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

/**
 * Process-wide state lives in one Services value built where the process starts (src/services.ts),
 * never in a module: a module-level `let`/`var`, or a module-level container created empty (a Map,
 * Set, WeakMap, WeakSet, array or object to be filled later, a lock), is state that tests, replicas
 * and the next engineer cannot see. Lookup tables filled where they are declared are constants;
 * packaged data loaded when first needed goes through `once()` (src/util/once.ts).
 */

const SRC = new URL("../../src/", import.meta.url).pathname;
const CONTAINERS = new Set(["Map", "Set", "WeakMap", "WeakSet", "KeyedMutex", "Array"]);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
}

/** Module-level declarations that hold mutable state, as `file:line name`. */
export function moduleState(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const where = (node: ts.Node, name: string) => `${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1} ${name}`;
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    const list = statement.declarationList;
    const constant = (list.flags & ts.NodeFlags.Const) !== 0;
    for (const decl of list.declarations) {
      const name = decl.name.getText(source);
      if (!constant) {
        found.push(where(decl, name));
        continue;
      }
      let init = decl.initializer;
      while (init && (ts.isAsExpression(init) || ts.isSatisfiesExpression(init) || ts.isParenthesizedExpression(init))) init = init.expression;
      if (!init) continue;
      const emptyNew = ts.isNewExpression(init) && CONTAINERS.has(init.expression.getText(source)) && (init.arguments?.length ?? 0) === 0;
      const emptyLiteral = (ts.isArrayLiteralExpression(init) && init.elements.length === 0) || (ts.isObjectLiteralExpression(init) && init.properties.length === 0);
      if (emptyNew || emptyLiteral) found.push(where(decl, name));
    }
  }
  return found;
}

describe("module-level state", () => {
  it("is found by the scan (the rule can fail)", () => {
    const sample = "let a = 1;\nconst b = new Map<string, number>();\nconst c = new Set([1]);\nconst d: string[] = [];\nconst e = once(() => 1);\nexport var f;\n";
    expect(moduleState("x.ts", sample)).toEqual(["x.ts:1 a", "x.ts:2 b", "x.ts:4 d", "x.ts:6 f"]);
  });

  it("does not exist anywhere in src/", () => {
    const found = sources(SRC).flatMap((file) => moduleState(relative(SRC, file), readFileSync(file, "utf8")));
    expect(found).toEqual([]);
  });

  it("is not read from process.env outside the entry points (they pass it to settingsFromEnv), and NODE_ENV never branches", () => {
    const entryPoints = new Set(["index.ts", "server.ts", "serverless.ts", "cli/bin.ts", "actions/run.ts"]);
    const offenders = sources(SRC)
      .map((file) => [relative(SRC, file), readFileSync(file, "utf8")] as const)
      .filter(([file, text]) => /\bNODE_ENV\b/.test(text) || (/\bprocess\.env\b/.test(text) && !entryPoints.has(file)))
      .map(([file]) => file);
    expect(offenders).toEqual([]);
  });
});
