import { braceExpand, Minimatch } from "minimatch";
import { manager as bunLock } from "./bun-lock/index.js";
import { manager as cargo } from "./cargo/index.js";
import { manager as cargoLock } from "./cargo-lock/index.js";
import { manager as condaEnvironment } from "./conda-environment/index.js";
import { manager as dockerfile } from "./dockerfile/index.js";
import { manager as githubActions } from "./github-actions/index.js";
import { manager as gomod } from "./gomod/index.js";
import { manager as gradle } from "./gradle/index.js";
import { manager as maven } from "./maven/index.js";
import { manager as npmPackageJson } from "./npm-package-json/index.js";
import { manager as npmPackageLock } from "./npm-package-lock/index.js";
import { manager as nuget } from "./nuget/index.js";
import { manager as pep621Pyproject } from "./pep621-pyproject/index.js";
import { manager as pipRequirements } from "./pip-requirements/index.js";
import { manager as pipenv } from "./pipenv/index.js";
import { manager as pipenvLock } from "./pipenv-lock/index.js";
import { manager as pnpmLock } from "./pnpm-lock/index.js";
import { manager as poetryLock } from "./poetry-lock/index.js";
import { manager as setupCfg } from "./setup-cfg/index.js";
import { manager as uvLock } from "./uv-lock/index.js";
import { manager as yarnLock } from "./yarn-lock/index.js";
import type { ManifestManager } from "./types.js";

/** Every ecosystem manager. Adding an ecosystem means adding its folder and one line here. */
export const MANAGERS: readonly ManifestManager[] = [
  npmPackageJson,
  npmPackageLock,
  yarnLock,
  pnpmLock,
  bunLock,
  pipRequirements,
  pep621Pyproject,
  poetryLock,
  uvLock,
  pipenv,
  pipenvLock,
  condaEnvironment,
  setupCfg,
  gomod,
  cargo,
  cargoLock,
  maven,
  gradle,
  nuget,
  dockerfile,
  githubActions,
];

/**
 * A cheap test on the file name that every path a pattern matches must pass: the last segment of
 * each brace expansion of the pattern, compiled alone. `undefined` when a last segment is `**`
 * (any name can match). npm's patterns expand to dozens of folder-depth prefixes (one per level outside node_modules), so
 * matching full paths first costs ~0.1 ms a path; the name test rejects almost every path at once.
 */
interface NameTest {
  /** Literal text every matching name ends with (after the last glob character); may be empty. */
  tail: string;
  glob: Minimatch;
}

function nameFilter(pattern: string): NameTest[] | undefined {
  const names = new Set<string>();
  for (const expanded of braceExpand(pattern)) {
    const last = expanded.slice(expanded.lastIndexOf("/") + 1);
    if (last.includes("**")) return undefined;
    names.add(last);
  }
  return [...names].map((n) => ({ tail: n.slice(Math.max(...[..."*?[]()!+@\\"].map((ch) => n.lastIndexOf(ch))) + 1), glob: new Minimatch(n, { dot: true }) }));
}

const nameMatches = (tests: NameTest[], name: string): boolean => tests.some((t) => name.endsWith(t.tail) && t.glob.match(name));

const compiled = MANAGERS.map((manager) => ({
  manager,
  patterns: manager.filePatterns.map((p) => ({ full: new Minimatch(p, { dot: true }), name: nameFilter(p) })),
}));

/** The manager that reads this path, if any; the first declared wins. */
export function managerFor(path: string): ManifestManager | undefined {
  const name = path.slice(path.lastIndexOf("/") + 1);
  return compiled.find((c) => c.patterns.some((m) => (m.name === undefined || nameMatches(m.name, name)) && m.full.match(path)))?.manager;
}
