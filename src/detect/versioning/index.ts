import type { Ecosystem } from "../manifests/types.js";
import { QUALIFIED, TAGGED } from "./dotted.js";
import { naturalCompare } from "./order.js";
import { PEP440_SCHEME } from "./pep440.js";
import { SEMVER } from "./semver.js";
import type { Scheme, VersionComparison } from "./types.js";

/** The versioning scheme of each ecosystem, and comparisons that work for any of them. */

export function schemeFor(ecosystem: Ecosystem): Scheme {
  switch (ecosystem) {
    case "pypi":
      return PEP440_SCHEME;
    case "npm":
    case "cargo":
    case "go":
      return SEMVER;
    case "maven":
    case "nuget":
      return QUALIFIED;
    case "docker":
    case "github-actions":
      return TAGGED;
  }
}

/**
 * Compare two versions or constraints as the ecosystem orders them: semver for npm, Cargo and Go;
 * PEP 440 for PyPI; dotted numbers with a qualifier for Maven, NuGet, image tags and action refs.
 * Versions that cannot be read as numbers (`latest`, a branch, a commit) still get a stable order,
 * so swapping the two sides always swaps the direction; their bump is `other`.
 */
export function compareVersions(ecosystem: Ecosystem, a: string, b: string): VersionComparison {
  if (a === b) return { order: 0 };
  return schemeFor(ecosystem).compare(a, b) ?? { order: rankVersions(ecosystem, a, b), bump: "other" };
}

/**
 * A total order: readable versions above unreadable ones (`latest`, `main`, a commit), readable
 * ones in version order, the rest by text. Used to pick the highest of several copies and to give
 * incomparable changes a direction; mixing the kinds in one comparison would not be transitive.
 */
export function rankVersions(ecosystem: Ecosystem, a: string, b: string): number {
  const s = schemeFor(ecosystem);
  const ra = s.parses(a);
  const rb = s.parses(b);
  if (ra !== rb) return ra ? 1 : -1;
  return (ra ? s.compare(a, b)?.order : undefined) || naturalCompare(a, b);
}
