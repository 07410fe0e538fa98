import { describe, expect, it } from "@jest/globals";
import { cruise, type ICruiseResult, type IViolation } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";

/**
 * The import graph of src/, read by dependency-cruiser with the rules in .dependency-cruiser.cjs:
 * no module imports itself back, no manifest manager imports a sibling manager, and no folder of
 * src/ (a file directly in src/ counts as its own folder) depends on itself through others.
 */

/**
 * Imports that still close a cycle, each to be removed by the change that owns it. An entry that no
 * longer exists fails the test, so the list only shrinks.
 */
const KNOWN_CYCLE_IMPORTS: ReadonlyArray<{ from: string; to: string; why: string }> = [];

interface Graph {
  result: ICruiseResult;
  edges: Array<{ from: string; to: string }>;
}

let graph: Promise<Graph> | undefined;

function readGraph(): Promise<Graph> {
  graph ??= (async () => {
    const options = await extractDepcruiseOptions("./.dependency-cruiser.cjs");
    const { output } = await cruise(["src"], { ...options, validate: true, outputType: "json" });
    const result = (typeof output === "string" ? JSON.parse(output) : output) as ICruiseResult;
    const edges = result.modules.flatMap((m) =>
      m.dependencies.filter((d) => d.resolved.startsWith("src/")).map((d) => ({ from: m.source, to: d.resolved })),
    );
    return { result, edges };
  })();
  return graph;
}

const known = (from: string, to: string) => KNOWN_CYCLE_IMPORTS.some((k) => k.from === from && k.to === to);

/** The imports a cycle violation walks through, from its first module back to it. */
function cycleEdges(v: IViolation): Array<[string, string]> {
  const names = [v.from, ...(v.cycle ?? []).map((c) => c.name)];
  return names.slice(1).map((to, i) => [names[i]!, to]);
}

/** `src/detect` for `src/detect/manifests/cargo/extract.ts`; a file directly in src/ is its own unit. */
function folderOf(path: string): string {
  const m = /^src\/([^/]+)\//.exec(path);
  return m ? `src/${m[1]}` : path;
}

/** Strongly connected components with more than one member (Tarjan). */
function cycles(edges: ReadonlyArray<{ from: string; to: string }>): string[][] {
  const next = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    if (from === to) continue;
    if (!next.has(from)) next.set(from, new Set());
    next.get(from)!.add(to);
    if (!next.has(to)) next.set(to, new Set());
  }
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of next.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** Whether `to` can be reached from `from` along `edges`. */
function reaches(edges: ReadonlyArray<{ from: string; to: string }>, from: string, to: string): boolean {
  const seen = new Set([from]);
  const queue = [from];
  while (queue.length > 0) {
    const at = queue.shift()!;
    if (at === to) return true;
    for (const e of edges) {
      if (e.from === at && !seen.has(e.to)) {
        seen.add(e.to);
        queue.push(e.to);
      }
    }
  }
  return false;
}

describe("imports in src/", () => {
  it("form no cycle between modules", async () => {
    const { result } = await readGraph();
    const violations = (result.summary.violations ?? []).filter((v) => v.rule.name === "no-circular");
    const unexplained = violations
      .filter((v) => !cycleEdges(v).some(([from, to]) => known(from, to)))
      .map((v) => [v.from, ...(v.cycle ?? []).map((c) => c.name)].join(" -> "));
    expect(unexplained).toEqual([]);
  });

  it("form no cycle between folders", async () => {
    const { edges } = await readGraph();
    const folderEdges = edges
      .filter((e) => !known(e.from, e.to))
      .map((e) => ({ from: folderOf(e.from), to: folderOf(e.to), via: `${e.from} -> ${e.to}` }));
    const found = cycles(folderEdges).map((members) => {
      const inside = new Set(members);
      const via = folderEdges.filter((e) => inside.has(e.from) && inside.has(e.to) && e.from !== e.to).map((e) => e.via);
      return { folders: members, imports: [...new Set(via)].sort() };
    });
    expect(found).toEqual([]);
  });

  it("keep every manifest manager apart from its siblings", async () => {
    const { result } = await readGraph();
    const sibling = (result.summary.violations ?? [])
      .filter((v) => v.rule.name === "no-sibling-manager")
      .map((v) => `${v.from} -> ${v.to}`);
    expect(sibling).toEqual([]);
  });

  it("list only known imports that still exist and still close a cycle", async () => {
    const { edges } = await readGraph();
    const rest = edges.filter((e) => !known(e.from, e.to));
    const folderRest = rest.map((e) => ({ from: folderOf(e.from), to: folderOf(e.to) }));
    const stale = KNOWN_CYCLE_IMPORTS.filter(
      (k) =>
        !edges.some((e) => e.from === k.from && e.to === k.to) ||
        !(
          reaches(rest, k.to, k.from) ||
          (folderOf(k.to) !== folderOf(k.from) && reaches(folderRest, folderOf(k.to), folderOf(k.from)))
        ),
    );
    expect(stale).toEqual([]);
  });

  it("are read from every source file", async () => {
    const { result } = await readGraph();
    // A graph read from nothing would pass every check above.
    expect(result.modules.filter((m) => m.source.startsWith("src/")).length).toBeGreaterThan(100);
    expect(result.modules.find((m) => m.source === "src/app.ts")?.dependencies.length).toBeGreaterThan(5);
  });
});
