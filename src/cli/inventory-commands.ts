import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { formatProblem } from "../config/parse.js";
import { builtInDefaults, CONFIG_PATH, loadPolicy, resolvePolicy } from "../config/policy.js";
import { AIMS_VERSION } from "../version.js";
import { UsageError } from "./audit.js";
import { proposeSystems, starterPolicy } from "./init.js";
import { ignoreMatcher, scanTree } from "../inventory.js";
import { gitTreeSource, workingTreeSource } from "./inventory.js";
import { ensureRepository, git, GitError, resolveCommit } from "./local-git.js";
import { describeSource } from "./report.js";
import { SCAN_FORMATS, scanCycloneDx, scanMarkdown, scanReport, scanText, type ScanFormat } from "./scan.js";

interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
}

/** `aims init`: write a starter .github/aims.yml from what the working tree holds; never overwrite one. */
export async function initCommand(args: string[], io: Io, now = new Date()): Promise<number> {
  parseArgs({ args, options: {} });
  const target = join(io.cwd, CONFIG_PATH);
  if (existsSync(target)) {
    throw new UsageError(`${CONFIG_PATH} exists: aims init never overwrites a policy; aims scan lists the AI it leaves outside every system`);
  }
  const policy = resolvePolicy(builtInDefaults(), [{ repository: "aims-bot", path: "policies/default.yml", builtIn: true }]);
  const source = workingTreeSource(io.cwd, ignoreMatcher(policy));
  const inventory = await scanTree(source, policy);
  const systems = proposeSystems(inventory.changes, await repositoryName(io.cwd));
  const text = starterPolicy(systems, { label: source.label, files: inventory.files, date: now.toISOString().slice(0, 10) });
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text, { flag: "wx" });
  const findings = systems.reduce((n, s) => n + s.findings.length, 0);
  io.stdout(`wrote ${CONFIG_PATH}: ${systems.length} proposed system${systems.length === 1 ? "" : "s"} for ${findings} AI finding${findings === 1 ? "" : "s"} in ${inventory.files} files\n`);
  for (const s of systems) io.stdout(`  ${s.id.padEnd(24)} ${s.paths.join(", ")} (${s.findings.length})\n`);
  for (const p of inventory.problems) io.stdout(`could not be read: ${p.path}: ${p.message}\n`);
  io.stdout(
    `Next: set each system's risk (aims validate lists the placeholders), then open a pull request with ${CONFIG_PATH}; ` +
      "a repository admin (or the governance owners of your organisation's policy) signs it off.\n",
  );
  return 0;
}

/** The repository's name: the origin remote's, else the folder's. */
async function repositoryName(cwd: string): Promise<string> {
  try {
    const url = (await git(cwd, ["config", "--get", "remote.origin.url"])).trim();
    const name = /([^/:]+?)(?:\.git)?$/.exec(url)?.[1];
    if (name) return name;
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
  }
  return basename(cwd);
}

/** `aims scan`: the AI inventory of a commit, registered and unregistered, under the policy at that commit. */
export async function scanCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { ref: { type: "string", default: "HEAD" }, format: { type: "string", default: "text" } } });
  const format = values.format as ScanFormat;
  if (!SCAN_FORMATS.includes(format)) throw new UsageError(`--format must be ${SCAN_FORMATS.join(", ")} (got ${values.format})`);
  await ensureRepository(io.cwd);
  const ref = values.ref!;
  const sha = await resolveCommit(io.cwd, ref);
  const source = gitTreeSource(io.cwd, ref, sha);
  const loaded = await loadPolicy(async (owner, repo, path) => (owner === "local" && repo === "repository" ? source.read(path) : undefined), {
    owner: "local",
    repo: "repository",
    baseRef: ref,
  });
  if (!loaded.ok) {
    io.stderr(`aims: the policy at ${ref} is invalid, so nothing was scanned:\n${loaded.problems.map(formatProblem).join("\n")}\n`);
    return 2;
  }
  const inventory = await scanTree(source, loaded.policy);
  const report = scanReport(inventory, loaded.policy, source.label, loaded.policy.sources.map(describeSource));
  if (format === "json") io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  else if (format === "markdown") io.stdout(scanMarkdown(report));
  else if (format === "cyclonedx") {
    io.stdout(`${JSON.stringify(scanCycloneDx(report, { serialNumber: `urn:uuid:${randomUUID()}`, timestamp: new Date().toISOString(), toolVersion: AIMS_VERSION }), null, 2)}\n`);
  } else io.stdout(scanText(report));
  return 0;
}
