import semver from "semver";
import { LEADING } from "./order.js";
import { scheme, type Bump } from "./types.js";

/** Semantic versions (npm, Cargo, Go) and npm ranges. */

function coerceSemver(v: string): semver.SemVer | undefined {
  // Only a string that starts with a version: coerce would find digits anywhere in a branch name.
  const m = LEADING.exec(v);
  if (!m) return undefined;
  return semver.coerce(v.slice(m[0].length), { includePrerelease: true }) ?? undefined;
}

export const SEMVER = scheme(coerceSemver, (pa, pb) => {
  const order = semver.compare(pa, pb);
  if (order === 0) return { order };
  const bump: Bump =
    pa.major !== pb.major ? "major" : pa.minor !== pb.minor ? "minor" : pa.patch !== pb.patch ? "patch" : "prerelease";
  return { order, bump };
});

export function sameNpmRange(a: string, b: string): boolean {
  try {
    return new semver.Range(a, { loose: true }).range === new semver.Range(b, { loose: true }).range;
  } catch {
    return a.trim() === b.trim();
  }
}

export function satisfies(version: string, range: string): boolean {
  try {
    return semver.validRange(range, { loose: true }) !== null && semver.satisfies(version, range, { loose: true, includePrerelease: true });
  } catch {
    return false;
  }
}
