import { compareDigits, compareRelease, compareStrings, naturalCompare, releaseBump } from "./order.js";
import { scheme, type VersionComparison } from "./types.js";

/** PEP 440 versions and requirement specifiers (PyPI), read leniently. */

// PEP 440, leniently: epoch, release, pre, post, dev and local segments.
const PEP440 =
  /^v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d*))?(?:-(\d+)|[-_.]?(?:post|rev|r)[-_.]?(\d*))?(?:[-_.]?dev[-_.]?(\d*))?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?(?:\.\*)?$/i;

interface Pep440 {
  epoch: string;
  release: string[];
  pre?: [number, string];
  post?: string;
  dev?: string;
  local?: string;
}

const PRE_PHASE: Record<string, number> = { a: 0, alpha: 0, b: 1, beta: 1, c: 2, rc: 2, pre: 2, preview: 2 };

/** The version a requirement pins or starts from: `==2.1`, `>=2.1,<3`, `~=2.1; python_version>"3.8"`. */
function pep440Of(spec: string): Pep440 | undefined {
  const clauses = (spec.split(";")[0] ?? "")
    .split(",")
    .map((c) => c.trim())
    .filter((c) => c.length > 0);
  // A constraint with only upper bounds or exclusions (`<1.100.0`) names no version it starts from.
  const lower = clauses.find((c) => !/^(<|!=)/.test(c));
  if (lower === undefined) return undefined;
  const m = PEP440.exec(lower.replace(/^(===|==|~=|>=|<=|!=|>|<)\s*/, ""));
  if (!m) return undefined;
  const out: Pep440 = { epoch: m[1] ?? "0", release: (m[2] ?? "0").split(".") };
  if (m[3] !== undefined) out.pre = [PRE_PHASE[m[3].toLowerCase()] ?? 2, m[4] || "0"];
  const post = m[5] ?? m[6];
  if (post !== undefined) out.post = post || "0";
  if (m[7] !== undefined) out.dev = m[7] || "0";
  if (m[8] !== undefined) out.local = m[8].toLowerCase();
  return out;
}

export const PEP440_SCHEME = scheme(pep440Of, (pa, pb): VersionComparison => {
  const epoch = compareDigits(pa.epoch, pb.epoch);
  if (epoch !== 0) return { order: epoch, bump: "other" };
  const release = compareRelease(pa.release, pb.release);
  if (release.order !== 0) return { order: release.order, bump: releaseBump(release.index) };
  const pre = comparePre(pa, pb);
  if (pre !== 0) return { order: pre, bump: "prerelease" };
  const post = compareOptional(pa.post, pb.post, -1);
  if (post !== 0) return { order: post, bump: "patch" };
  const dev = compareOptional(pa.dev, pb.dev, 1);
  if (dev !== 0) return { order: dev, bump: "prerelease" };
  // `2.3.1+cu121` and `2.3.1+cpu` are builds of one release for different hardware.
  const local = compareOptional(pa.local, pb.local, -1, naturalCompare);
  return local !== 0 ? { order: local, bump: "other" } : { order: 0 };
});

/** A dev release without a pre segment sorts before every pre-release of its release. */
function comparePre(a: Pep440, b: Pep440): number {
  const rank = (v: Pep440): [number, number, string] =>
    v.pre ? [1, v.pre[0], v.pre[1]] : v.dev !== undefined && v.post === undefined ? [0, 0, "0"] : [2, 0, "0"];
  const [x0, x1, x2] = rank(a);
  const [y0, y1, y2] = rank(b);
  return Math.sign(x0 - y0) || Math.sign(x1 - y1) || compareDigits(x2, y2);
}

/** Compare optional segments; `absent` says where a missing segment sorts (-1 first, 1 last). */
function compareOptional(
  a: string | undefined,
  b: string | undefined,
  absent: -1 | 1,
  compare: (x: string, y: string) => number = compareDigits,
): number {
  if (a === undefined && b === undefined) return 0;
  if (a === undefined) return absent;
  if (b === undefined) return -absent;
  return compare(a, b);
}

const PEP440_PIN = /^(?:===?)?\s*v?\d[^\s,;<>=!~*]*$/i;

export function isPep440Pin(spec: string): boolean {
  const v = spec.trim();
  return PEP440_PIN.test(v) && PEP440.test(v.replace(/^===?\s*/, ""));
}

/** Constraint clauses in a canonical spelling: `<3, >=2.0` and `>=2,<3` read alike. */
function pep440Clauses(spec: string | undefined): string[] {
  if (spec === undefined) return [];
  return (spec.split(";")[0] ?? "")
    .split(",")
    .map((c) => c.replace(/\s+/g, "").toLowerCase())
    .filter((c) => c !== "" && c !== "*")
    .map((c) => {
      const m = /^(===|==|~=|>=|<=|!=|>|<)?(.*)$/.exec(c)!;
      // `1.0` and `1.0.0` are one version; `2.0.*` keeps its zero.
      const version = (m[2] ?? "").replace(/^(\d+(?:\.\d+)*?)(?:\.0+)+(?=$|[^\d.])/, "$1");
      return `${m[1] === "===" || m[1] === undefined ? "==" : m[1]}${version}`;
    })
    .sort(compareStrings);
}

export function samePep440Constraint(a: string | undefined, b: string | undefined): boolean {
  const x = pep440Clauses(a);
  const y = pep440Clauses(b);
  return x.length === y.length && x.every((c, i) => c === y[i]);
}
