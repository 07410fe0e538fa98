import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { CONFIG_PATH } from "../config/policy.js";
import { parseArgs } from "node:util";
import { formatProblem, parseConfigText } from "../config/parse.js";
import { evaluatePullRequest, type Evaluation } from "../pipeline.js";
import { renderGates } from "../render/check.js";
import { assessInit, workingTreePolicy } from "./assess.js";
import { exportCommand, UsageError, verifyCommand } from "./audit.js";
import { createLocalContext, defaultBranch, ensureRepository, GitError } from "./local-git.js";
import { initCommand, scanCommand } from "./inventory-commands.js";
import { checkReport, formatText } from "./report.js";
import { closest } from "../util/closest.js";
import { asksForHelp, commandUsage, COMMAND_USAGE, USAGE, usageErrorFor } from "./usage.js";

export const EXIT_PASS = 0;
export const EXIT_GATE_FAILS = 1;
export const EXIT_USAGE = 2;
/** The process ran out of work before the command returned: its result is unknown, never a pass. */
export const EXIT_UNFINISHED = 3;

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  /** Environment for export, verify and reconcile (GITHUB_TOKEN, GITHUB_API_URL, the app's credentials); none when not given. */
  env?: NodeJS.ProcessEnv;
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (command && COMMAND_USAGE[command] && asksForHelp(rest)) {
    io.stdout(`${commandUsage(command)}\n`);
    return EXIT_PASS;
  }
  try {
    switch (command) {
      case "check":
        return await check(rest, io);
      case "validate":
        return validate(rest, io);
      case "init":
        return await initCommand(rest, io);
      case "scan":
        return await scanCommand(rest, io);
      case "assess":
        return await assess(rest, io);
      case "export":
        return await exportCommand(rest, io);
      case "verify":
        return await verifyCommand(rest, io);
      case "deploy-check":
        return await (await import("./deploy-check.js")).deployCheckCommand(rest, io);
      case "reconcile":
        // Loaded on demand: it brings Probot, which the local commands do not need.
        return await (await import("../reconcile/cli.js")).reconcileCommand(rest, io, io.env ?? {});
      case "help":
      case "--help":
      case "-h":
        io.stdout(`${USAGE}\n`);
        return EXIT_PASS;
      default: {
        const meant = command ? closest(command, Object.keys(COMMAND_USAGE)) : undefined;
        io.stderr(`${command ? `aims: unknown command "${command}"${meant ? `; did you mean "${meant}"?` : ""}\n\n` : ""}${USAGE}\n`);
        return EXIT_USAGE;
      }
    }
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      io.stderr(`aims: ${usageErrorFor(command!, error as Error & { code: string }).message}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof GitError || error instanceof UsageError) {
      io.stderr(`aims: ${(error as Error).message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
}

async function assess(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { system: { type: "string" }, id: { type: "string" } },
  });
  if (positionals[0] !== "init" || positionals.length !== 1) {
    io.stderr(`aims: usage: aims assess init --system <id> [--id <assessment id>]\n`);
    return EXIT_USAGE;
  }
  if (!values.system) {
    io.stderr(`aims: assess init needs --system <id> (an id from systems: in .github/aims.yml)\n`);
    return EXIT_USAGE;
  }
  const loaded = await workingTreePolicy(io.cwd);
  if (!loaded.ok) {
    io.stderr(`${loaded.message}\n`);
    return EXIT_USAGE;
  }
  const result = assessInit({ cwd: io.cwd, systemId: values.system, ...(values.id ? { id: values.id } : {}), policy: loaded.policy });
  if (!result.ok) {
    io.stderr(`aims: ${result.message}\n`);
    return EXIT_USAGE;
  }
  io.stdout(`wrote ${result.path} (${result.id})\n`);
  if (result.problems.length > 0) {
    io.stdout(`Fill in before it can pass (the assessment check reports the same):\n`);
    for (const p of result.problems) io.stdout(`${result.path}:${p.line ?? 1}:${p.column ?? 1} ${p.field ? `${p.field} ` : ""}${p.message}\n`);
  }
  io.stdout(`Then link it from the pull request description: Impact-Assessment: ${result.path}\n`);
  return EXIT_PASS;
}

function validate(args: string[], io: Io): number {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length > 1) throw new UsageError(`validate takes one policy file, not ${positionals.length} (run aims validate --help)`);
  const path = positionals[0] ?? CONFIG_PATH;
  const file = resolve(io.cwd, path);
  if (!existsSync(file)) {
    if (positionals[0] === undefined) {
      io.stdout(`no ${CONFIG_PATH}: the built-in defaults apply (policies/default.yml); aims init writes a starter policy\n`);
      return EXIT_PASS;
    }
    throw new UsageError(`${path} does not exist`);
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code === "EISDIR" ? "it is a folder" : (error as Error).message}`);
  }
  const result = parseConfigText(text, path);
  if (!result.ok) {
    for (const p of result.problems) io.stdout(`${formatProblem(p)}\n`);
    return EXIT_USAGE;
  }
  for (const w of result.warnings) io.stdout(`${formatProblem({ ...w, message: `warning: ${w.message}` })}\n`);
  io.stdout(`${path}: valid${result.warnings.length ? ` (${result.warnings.length} warning${result.warnings.length === 1 ? "" : "s"})` : ""}\n`);
  return EXIT_PASS;
}

async function check(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      base: { type: "string" },
      head: { type: "string", default: "HEAD" },
      body: { type: "string" },
      format: { type: "string", default: "text" },
    },
  });
  const format = values.format!;
  if (!["text", "json", "markdown"].includes(format)) {
    io.stderr(`aims: --format must be text, json or markdown\n`);
    return EXIT_USAGE;
  }
  let body = "";
  if (values.body) {
    try {
      body = readFileSync(new URL(values.body, `file://${io.cwd.replace(/\/?$/, "/")}`), "utf8");
    } catch (error) {
      io.stderr(`aims: cannot read --body ${values.body}: ${(error as Error).message}\n`);
      return EXIT_USAGE;
    }
  }
  await ensureRepository(io.cwd);
  const base = values.base ?? (await defaultBranch(io.cwd));
  const ctx = await createLocalContext({ cwd: io.cwd, base, head: values.head!, body });
  const evaluation: Evaluation = await evaluatePullRequest(ctx);
  const report = checkReport(ctx.pull, evaluation, ctx.githubOnly);

  if (format === "json") io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  else if (format === "markdown") {
    const outputs = renderGates(evaluation.gates, evaluation, { headSha: ctx.pull.headSha, baseRef: base, surface: "command-line" });
    for (const [i, gate] of evaluation.gates.entries()) {
      const out = outputs[i]!;
      const required = report.gates.find((g) => g.name === gate.name)?.required ?? [];
      const needs = required.length ? `**Required on GitHub:**\n${required.map((r) => `- ${r}`).join("\n")}\n\n` : "";
      io.stdout(`## ${gate.name}: ${gate.conclusion} — ${out.title}\n\n${out.summary}\n\n${needs}`);
    }
  } else io.stdout(formatText(report));

  if (!evaluation.policy.ok && evaluation.policy.reason === "invalid") return EXIT_USAGE;
  return evaluation.gates.every((g) => g.conclusion === "success") ? EXIT_PASS : EXIT_GATE_FAILS;
}
