import { RECONCILE_USAGE } from "../reconcile/usage.js";
import { closest } from "../util/closest.js";
import { UsageError } from "./audit.js";

/** What each command accepts, as printed by `aims --help` and `aims <command> --help`. */
export const COMMAND_USAGE: Record<string, string> = {
  check: `  check      Run aims-bot's detection and gates on local commits, before you push
             --base <ref>     the branch the PR will target (default: merge base with the default branch)
             --head <ref>     the commit to check (default: HEAD)
             --body <file>    the pull request description, for Impact-Assessment: links
             --format <f>     text (default), json or markdown`,
  validate: `  validate   Check a policy file and print every problem as file:line:column message
             [path]           default: .github/aims.yml (when it does not exist, the built-in defaults apply)`,
  init: `  init       Scan the working tree with the app's detectors and write a starter .github/aims.yml: one
             proposed system per service or folder where AI was found, risk tiers left to choose
             (never overwrites a policy)`,
  scan: `  scan       The AI inventory of a commit as an AI-BOM: what each registered system holds, and AI found
             outside every system
             --ref <ref>      the commit to scan (default: HEAD); its .github/aims.yml is the policy
             --format <f>     text (default), json, markdown or cyclonedx (CycloneDX 1.6)`,
  assess: `  assess init
             Write an impact assessment for one AI system from the template, pre-filled from
             systems: in .github/aims.yml, into the assessment directory (never overwrites)
             --system <id>    the system to assess
             --id <id>        the assessment id (default: AIA-<year>-<system>)`,
  reconcile: RECONCILE_USAGE,
  "deploy-check": `  deploy-check  The deployment gate's decision for a commit, without deploying (GITHUB_TOKEN;
             GITHUB_API_URL for GitHub Enterprise Server); exit 0 approve, 1 reject
             --repo <owner/name>  the repository deployed from (default: GITHUB_REPOSITORY)
             --environment <name> the environment, as named in deployments.environments
             --sha <sha>      the commit to deploy
             --app <slug>     the app whose evidence records count (default: APP_SLUG or aims-bot)`,
  export: `  export     Write an audit pack from the evidence repository's records (GITHUB_TOKEN; GITHUB_API_URL
             for GitHub Enterprise Server)
             --repo <owner/name>  the evidence repository
             --since, --until <YYYY-MM-DD>  records of pull requests closed in this period (inclusive)
             --format <f>     md, csv, json, cyclonedx (repeat or comma-separate; default: all)
             --out <dir>      where to write (default: aims-audit-pack)
             --config <file>  policy with controls.exclude (default: .github/aims.yml of --repo)
             --app <slug>     the app whose records count (default: APP_SLUG or aims-bot)
             --public-key <file>  the app's Ed25519 public key: checks signatures, ships in the pack`,
  verify: `  verify     Walk the hash chain and every record; report edited, deleted, out-of-chain, foreign,
             reopened or hidden and badly signed records with their issue links
             --repo <owner/name>, --since, --until, --app as for export
             --public-key <file>  the app's published Ed25519 public key (checks every signature)
             --since-pack <dir>   an earlier audit pack: the chain must only have grown since
             --pack <dir>     check an audit pack offline (manifest, records, chain), no GitHub
             --expected-head <sha256>  a head recorded elsewhere (detects deletion of the newest records)`,
};

const EXIT_CODES = `Exit codes: 0 both gates would pass (check), nothing found (verify) or the deployment would be
approved (deploy-check), 1 a gate would fail, verify found something or the deployment would be
rejected, 2 usage or configuration error.`;

export const USAGE = `Usage: aims <command> [options]
       aims <command> --help

Commands:
${Object.values(COMMAND_USAGE).join("\n")}

${EXIT_CODES}`;

export function commandUsage(command: string): string {
  return `Usage: aims ${command === "assess" ? "assess init" : command} [options]\n\n${COMMAND_USAGE[command]}\n\n${EXIT_CODES}`;
}

/** `--help` or `-h` anywhere before a `--` terminator. */
export function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf("--");
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === "--help" || a === "-h");
}

/** The long options a command's usage lists (`--format`, `--no-pulls`). */
export function optionsOf(command: string): string[] {
  return [...new Set(COMMAND_USAGE[command]?.match(/--[a-z][a-z-]*/g) ?? [])];
}

/**
 * Node's parseArgs errors in our words: an unknown option names the closest known one, and every
 * message ends with where the full list is.
 */
export function usageErrorFor(command: string, error: { code?: string; message: string }): UsageError {
  const more = `run aims ${command} --help for its options`;
  if (error.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const option = /Unknown option '([^']+)'/.exec(error.message)?.[1] ?? "";
    const name = option.split("=")[0]!;
    const suggestion = name.startsWith("--") ? closest(name, optionsOf(command)) : undefined;
    return new UsageError(`unknown option ${name}${suggestion ? `; did you mean ${suggestion}?` : ""} (${more})`);
  }
  if (error.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    const value = /Unexpected argument '([^']+)'/.exec(error.message)?.[1];
    return new UsageError(`aims ${command} takes no argument${value ? ` "${value}"` : ""} (${more})`);
  }
  if (error.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const option = /Option '(?:-\w, )?(--[a-z-]+)[^']*' argument missing/.exec(error.message)?.[1];
    return new UsageError(option ? `${option} needs a value (${more})` : `${error.message.replace(/\.$/, "")} (${more})`);
  }
  return new UsageError(`${error.message} (${more})`);
}
