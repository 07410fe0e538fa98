/**
 * One interface for every package ecosystem (Renovate's managers are the model):
 * a manager says which files it reads and turns one file's text into dependencies.
 * Managers are pure: no I/O, no global state.
 */

export type Ecosystem =
  | "npm"
  | "pypi"
  | "go"
  | "cargo"
  | "maven"
  | "nuget"
  | "docker"
  | "github-actions";

export const ECOSYSTEMS: readonly Ecosystem[] = [
  "npm",
  "pypi",
  "go",
  "cargo",
  "maven",
  "nuget",
  "docker",
  "github-actions",
];

export type DependencyScope = "prod" | "dev" | "optional";

export interface Dependency {
  /** Package name as the ecosystem spells it (npm `@scope/name`, Maven `group:artifact`, Go module path, image name). */
  name: string;
  /** Exact resolved version (lockfiles, pins) or the declared range/constraint (manifests). Absent when none is declared. */
  version?: string;
  scope: DependencyScope;
  /** true when declared in a manifest; false for entries only a lockfile resolves (transitive). */
  direct: boolean;
  /** Where the package comes from when it is not the default registry: git URL, path, custom index, image registry. */
  source?: string;
  /**
   * The named group a manifest declares it in, when the format has several of one scope:
   * an extra (`[project.optional-dependencies] hub`), a PEP 735 / Poetry / PDM group, a Pipfile
   * category. One package may be declared differently in each, so the diff compares group with group.
   */
  group?: string;
  /**
   * Lockfiles that record the ranges an entry resolves (yarn's `name@npm:^1.2.0` descriptors):
   * those ranges as package.json writes them (`^1.2.0`), so the diff can find the copy a
   * manifest's range installs among several copies of one package.
   */
  ranges?: string[];
}

export interface ManifestManager {
  /** Stable id, also the folder name: `npm-package-json`, `pip-requirements`, ... */
  id: string;
  ecosystem: Ecosystem;
  /** Human name shown in check summaries. */
  displayName: string;
  /** Lockfiles resolve the full tree; manifests declare direct dependencies. */
  kind: "manifest" | "lockfile";
  /** minimatch globs (matched with `{ dot: true, matchBase: false }`) against the repository-relative path. */
  filePatterns: string[];
  /**
   * Parse one file. Throws ManifestParseError when the text cannot be read as this format,
   * so a broken file is reported instead of silently hiding a dependency.
   */
  extract(text: string, path: string): ExtractResult;
}

export interface ExtractResult {
  dependencies: Dependency[];
  /** Other files this one pulls in (`-r base.txt`, `-c constraints.txt`), repository-relative, reported as-is. */
  includes?: string[];
}

export class ManifestParseError extends Error {
  constructor(
    message: string,
    /** 1-based line of the problem, where the parser knows it. */
    public readonly line?: number,
    public readonly column?: number,
  ) {
    super(message);
    this.name = "ManifestParseError";
  }
}
