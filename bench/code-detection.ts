/**
 * Cost of code detection for one large pull request, measured in this (fresh) process:
 * 3,000 changed files, 500 of them source files, 20 of those using AI SDKs. Prints one JSON line
 * with the file reads it asked for (each is one GitHub contents request), CPU, wall time and the
 * peak RSS above the process's size before detection. The first pull request of a process also
 * loads the rules, the catalogue and the grammars; the second shows the steady cost per event.
 * Runs the built code in lib/ (as the server does). Run by `npm run bench`; no timing asserted.
 */
import type { CodeInput } from "../src/detect/code/index.js";
import type { ChangedFile } from "../src/detect/types.js";

const { createCodeDetector } = (await import(new URL("../lib/detect/code/index.js", import.meta.url).href)) as typeof import("../src/detect/code/index.js");

const TOTAL_FILES = 3000;
const SOURCE_FILES = 500;
const AI_FILES = 20;

function ordinarySource(i: number, version: number): string {
  const lines = [`import { db } from "../db";`, `import express from "express";`, ""];
  for (let f = 0; f < 40; f++) {
    lines.push(`export async function handler${i}_${f}(req: Request, res: Response) {`, `  const rows = await db.query("select * from t${f} where id = $1", [req.params.id]);`, `  // version ${version}`, `  res.json({ rows, page: ${f} });`, `}`);
  }
  return `${lines.join("\n")}\n`;
}

function aiSource(i: number, model: string): string {
  return `import OpenAI from "openai";\nconst client = new OpenAI();\n${ordinarySource(i, 0)}\nexport async function ask${i}(q: string) {\n  return client.chat.completions.create({ model: "${model}", messages: [{ role: "system", content: "You help with orders." }, { role: "user", content: q }] });\n}\n`;
}

function scenario(aiFiles: number): { files: ChangedFile[]; texts: Map<string, { base: string; head: string }> } {
  const files: ChangedFile[] = [];
  const texts = new Map<string, { base: string; head: string }>();
  for (let i = 0; i < TOTAL_FILES; i++) {
    if (i >= SOURCE_FILES) {
      files.push({ filename: `assets/img-${i}.css`, status: "modified", additions: 1, deletions: 1, patch: "@@ -1 +1 @@\n-a{color:red}\n+a{color:blue}" });
      continue;
    }
    const ai = i < aiFiles;
    const filename = `src/services/service-${i}.ts`;
    const base = ai ? aiSource(i, "gpt-4o-mini") : ordinarySource(i, 1);
    const head = ai ? aiSource(i, "gpt-4.1") : ordinarySource(i, 2);
    const patch = ai ? `@@ -250 +250 @@\n-  return client.chat.completions.create({ model: "gpt-4o-mini",\n+  return client.chat.completions.create({ model: "gpt-4.1",` : "@@ -6 +6 @@\n-  // version 1\n+  // version 2";
    files.push({ filename, status: "modified", additions: 1, deletions: 1, patch });
    texts.set(filename, { base, head });
  }
  return { files, texts };
}

const rssAtStart = process.memoryUsage().rss;

async function measure(aiFiles: number) {
  const { files, texts } = scenario(aiFiles);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const detector = createCodeDetector({ systemFor: () => "shop", gated: true, today: "2026-12-01" });
  let reads = 0;
  const inputs: CodeInput[] = [];
  for (const file of files.filter((f) => detector.isCandidate(f))) {
    reads += 2; // merge base and head
    const t = texts.get(file.filename)!;
    inputs.push({ file, base: t.base, head: t.head });
  }
  const { changes, problems } = await detector.detect(inputs);
  const used = process.cpuUsage(cpu);
  return {
    files: files.length,
    sourceFiles: SOURCE_FILES,
    aiFiles,
    candidates: inputs.length,
    reads,
    changes: changes.length,
    problems: problems.length,
    cpuMs: (used.user + used.system) / 1000,
    wallMs: performance.now() - started,
    /** Peak RSS of the process so far above its size before any detection ran. */
    extraPeakRssMb: Math.max(0, process.resourceUsage().maxRSS * 1024 - rssAtStart) / 1024 / 1024,
  };
}

const first = await measure(AI_FILES);
const second = await measure(AI_FILES);
const noAi = await measure(0);
process.stdout.write(`${JSON.stringify({ first, second, noAi })}\n`);
