import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import { parse } from "yaml";
import { createCodeDetector } from "../../src/detect/code/index.js";
import type { AiChange, ChangedFile } from "../../src/detect/types.js";

/**
 * Accuracy over excerpts of real public repositories (test/fixtures/real/<case>/): each case holds
 * a file at base and head as committed upstream (case.yml names the repository and commits) and
 * the AI-use changes a reviewer expects. Recall and precision are counted per kind.
 */

const ROOT = new URL("../fixtures/real/", import.meta.url).pathname;

interface Expected {
  kind: string;
  change: string;
  model?: string;
  from?: string;
}
interface Case {
  id: string;
  repository: string;
  commit: string;
  path: string;
  previousPath?: string;
  expect: Expected[];
  base?: string;
  head?: string;
  /** The file's patch as the pull request shows it (serving set-ups are read from it). */
  patch?: string;
}

function loadCases(): Case[] {
  return readdirSync(ROOT, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => {
      const dir = join(ROOT, d.name);
      const meta = parse(readFileSync(join(dir, "case.yml"), "utf8")) as Omit<Case, "id">;
      const side = (name: string) => {
        const file = readdirSync(dir).find((f) => f.startsWith(`${name}.`));
        return file && existsSync(join(dir, file)) ? readFileSync(join(dir, file), "utf8") : undefined;
      };
      const base = side("base");
      const head = side("head");
      const patch = side("patch");
      return { ...meta, id: d.name, expect: meta.expect ?? [], ...(base !== undefined ? { base } : {}), ...(head !== undefined ? { head } : {}), ...(patch ? { patch } : {}) };
    });
}

function matches(e: Expected, c: AiChange): boolean {
  const f = c.code!;
  return f.kind === e.kind && f.change === e.change && (e.model === undefined || f.model === e.model) && (e.from === undefined || f.fromModel === e.from);
}

describe("code detection accuracy over real repositories", () => {
  const cases = loadCases();
  const detector = createCodeDetector({ systemFor: () => "unregistered", gated: true, today: "2026-12-01" });

  it("has a corpus of at least 40 cases from 15 repositories with 12 negatives", () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(new Set(cases.map((c) => c.repository)).size).toBeGreaterThanOrEqual(15);
    expect(cases.filter((c) => c.expect.length === 0).length).toBeGreaterThanOrEqual(12);
  });

  it("finds at least 95% of the expected changes per kind, and at least 95% of what it reports is expected", async () => {
    const stats = new Map<string, { tp: number; fn: number; fp: number }>();
    const stat = (kind: string) => stats.get(kind) ?? (stats.set(kind, { tp: 0, fn: 0, fp: 0 }), stats.get(kind)!);
    const misses: string[] = [];
    for (const c of cases) {
      const status = c.base === undefined ? "added" : c.head === undefined ? "removed" : c.previousPath ? "renamed" : "modified";
      const file: ChangedFile = {
        filename: c.path,
        status,
        additions: 1,
        deletions: 1,
        ...(c.previousPath ? { previousFilename: c.previousPath } : {}),
        ...(c.patch ? { patch: c.patch } : {}),
      };
      const { changes, problems } = await detector.detect([{ file, ...(c.base !== undefined ? { base: c.base } : {}), ...(c.head !== undefined ? { head: c.head } : {}) }]);
      expect(problems).toEqual([]);
      const found = [...changes, ...detector.serving([file])];
      for (const e of c.expect) {
        const at = found.findIndex((f) => matches(e, f));
        if (at >= 0) {
          stat(e.kind).tp++;
          found.splice(at, 1);
        } else {
          stat(e.kind).fn++;
          misses.push(`${c.id}: missed ${JSON.stringify(e)}`);
        }
      }
      for (const f of found) {
        stat(f.code!.kind).fp++;
        misses.push(`${c.id}: unexpected ${f.reason}`);
      }
    }
    const rows = [...stats].map(([kind, s]) => {
      const recall = s.tp + s.fn ? s.tp / (s.tp + s.fn) : 1;
      const precision = s.tp + s.fp ? s.tp / (s.tp + s.fp) : 1;
      return `${kind.padEnd(14)} expected ${String(s.tp + s.fn).padStart(3)}  recall ${(recall * 100).toFixed(1)}%  precision ${(precision * 100).toFixed(1)}%`;
    });
    const total = [...stats.values()].reduce((a, s) => ({ tp: a.tp + s.tp, fn: a.fn + s.fn, fp: a.fp + s.fp }), { tp: 0, fn: 0, fp: 0 });
    const recall = total.tp / (total.tp + total.fn);
    const precision = total.tp / (total.tp + total.fp);
    console.log(
      [`code detection over ${cases.length} real cases:`, ...rows, `all kinds      recall ${(recall * 100).toFixed(1)}%  precision ${(precision * 100).toFixed(1)}%`, ...misses].join("\n"),
    );
    expect(recall).toBeGreaterThanOrEqual(0.95);
    expect(precision).toBeGreaterThanOrEqual(0.95);
  });
});
