import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { formatProblem, parseConfigText } from "../config/parse.js";
import { evaluatePullRequest, type Evaluation } from "../pipeline.js";
import { renderGates } from "../render/check.js";
import { assessInit, workingTreePolicy } from "./assess.js";
import { exportCommand, UsageError, verifyCommand } from "./audit.js";
import { createLocalContext, defaultBranch, ensureRepository, GitError } from "./local-git.js";
import { checkReport, formatText } from "./report.js";
import { RECONCILE_USAGE } from "../reconcile/usage.js";

export const EXIT_PASS = 0;
export const EXIT_GATE_FAILS = 1;
export const EXIT_USAGE = 2;
/** The process ran out of work before the command returned: its result is unknown, never a pass. */
export const EXIT_UNFINISHED = 3;

const USAGE = `Usage: aims <command> [options]

Commands:
  check      Run aims-bot's detection and gates on local commits, before you push
             --base <ref>     the branch the PR will target (default: merge base with the default branch)
             --head <ref>     the commit to check (default: HEAD)
             --body <file>    the pull request description, for Impact-Assessment: links
             --format <f>     text (default), json or markdown
  validate   Check a policy file and print every problem as file:line:column message
             [path]           default: .github/aims.yml
  assess init
             Write an impact assessment for one AI system from the template, pre-filled from
             systems: in .github/aims.yml, into the assessment directory (never overwrites)
             --system <id>    the system to assess
             --id <id>        the assessment id (default: AIA-<year>-<system>)
${RECONCILE_USAGE}

  export     Write an audit pack from the evidence repository's records (GITHUB_TOKEN; GITHUB_API_URL
             for GitHub Enterprise Server)
             --repo <owner/name>  the evidence repository
             --since, --until <YYYY-MM-DD>  records of pull requests closed in this period (inclusive)
             --format <f>     md, csv, json, cyclonedx (repeat or comma-separate; default: all)
             --out <dir>      where to write (default: aims-audit-pack)
             --config <file>  policy with controls.exclude (default: .github/aims.yml of --repo)
             --app <slug>     the app whose records count (default: APP_SLUG or aims-bot)
             --public-key <file>  the app's Ed25519 public key: checks signatures, ships in the pack
  verify     Walk the hash chain and every record; report edited, deleted, out-of-chain, foreign,
             reopened or hidden and badly signed records with their issue links
             --repo <owner/name>, --since, --until, --app as for export
             --public-key <file>  the app's published Ed25519 public key (checks every signature)
             --since-pack <dir>   an earlier audit pack: the chain must only have grown since
             --pack <dir>     check an audit pack offline (manifest, records, chain), no GitHub
             --expected-head <sha256>  a head recorded elsewhere (detects deletion of the newest records)

Exit codes: 0 both gates would pass (check) or nothing found (verify), 1 a gate would fail or verify
found something, 2 usage or configuration error.`;

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  /** Environment for export and verify (GITHUB_TOKEN, GITHUB_API_URL); default process.env. */
  env?: NodeJS.ProcessEnv;
}

const processIo: Io = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  cwd: process.cwd(),
};

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "check":
        return await check(rest, io);
      case "validate":
        return validate(rest, io);
      case "assess":
        return await assess(rest, io);
      case "export":
        return await exportCommand(rest, io);
      case "verify":
        return await verifyCommand(rest, io);
      case "reconcile":
        // Loaded on demand: it brings Probot, which the local commands do not need.
        return await (await import("../reconcile/cli.js")).reconcileCommand(rest, io);
      case "help":
      case "--help":
      case "-h":
        io.stdout(`${USAGE}\n`);
        return EXIT_PASS;
      default:
        io.stderr(`${command ? `aims: unknown command "${command}"\n\n` : ""}${USAGE}\n`);
        return EXIT_USAGE;
    }
  } catch (error) {
    if (error instanceof GitError || error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
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
  const path = positionals[0] ?? ".github/aims.yml";
  let text: string;
  try {
    text = readFileSync(new URL(path, `file://${io.cwd.replace(/\/?$/, "/")}`), "utf8");
  } catch (error) {
    io.stderr(`aims: cannot read ${path}: ${(error as Error).message}\n`);
    return EXIT_USAGE;
  }
  const result = parseConfigText(text, path);
  if (result.ok) {
    io.stdout(`${path}: valid\n`);
    return EXIT_PASS;
  }
  for (const p of result.problems) io.stdout(`${formatProblem(p)}\n`);
  return EXIT_USAGE;
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
    const outputs = renderGates(evaluation.gates, evaluation, { headSha: ctx.pull.headSha, baseRef: base });
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
