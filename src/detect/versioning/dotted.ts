import semver from "semver";
import { compareRelease, compareStrings, LEADING, naturalCompare, releaseBump } from "./order.js";
import { scheme, type Scheme } from "./types.js";

/** Dotted numeric versions with a qualifier: Maven and NuGet (a pre-release qualifier), image tags and action refs (a variant). */

const DOTTED = /^(\d+(?:\.\d+)*)(.*)$/;

function parseDotted(v: string): { release: string[]; qualifier: string } | undefined {
  const m = LEADING.exec(v);
  if (!m) return undefined;
  const d = DOTTED.exec(v.slice(m[0].length));
  if (!d) return undefined;
  // A range's upper bound (`[1.0,2.0)`) or a second alternative is not part of the version.
  const qualifier = (d[2] ?? "").split(/[\s,)\]]/)[0]!.replace(/^[-.]/, "");
  return { release: (d[1] ?? "").split("."), qualifier };
}

function dotted(qualifierIsPrerelease: boolean): Scheme {
  return scheme(parseDotted, (pa, pb) => {
    const release = compareRelease(pa.release, pb.release);
    if (release.order !== 0) return { order: release.order, bump: releaseBump(release.index) };
    if (pa.qualifier === pb.qualifier) return { order: 0 };
    if (qualifierIsPrerelease) {
      // Maven and NuGet: `1.0.0-M6` and `1.0.0-beta.2` come before `1.0.0`.
      if (pa.qualifier === "") return { order: 1, bump: "prerelease" };
      if (pb.qualifier === "") return { order: -1, bump: "prerelease" };
      return { order: compareIdentifiers(pa.qualifier, pb.qualifier), bump: "prerelease" };
    }
    // Image tags and action refs: `2.3.1-cuda12.1-runtime` vs `2.3.1-cpu` is a variant, not an order.
    return { order: naturalCompare(pa.qualifier, pb.qualifier), bump: "other" };
  });
}

export const QUALIFIED = dotted(true);

export const TAGGED = dotted(false);

function compareIdentifiers(a: string, b: string): number {
  const xa = a.split(/[.-]/);
  const xb = b.split(/[.-]/);
  for (let i = 0; i < Math.min(xa.length, xb.length); i++) {
    const order = semver.compareIdentifiers(xa[i]!, xb[i]!);
    if (order !== 0) return order;
  }
  return Math.sign(xa.length - xb.length) || compareStrings(a, b);
}
