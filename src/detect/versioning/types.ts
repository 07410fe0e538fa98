import type { DependencyChange } from "../types.js";

/** A versioning scheme reads the versions of one ecosystem and orders them (Renovate's `versioning/` shape). */

export type Bump = NonNullable<DependencyChange["bump"]>;

/** How two versions of one package relate: order < 0 when the first is lower. */
export interface VersionComparison {
  order: number;
  bump?: Bump;
}

/** Reads versions of one ecosystem; `compare` answers only when both sides can be read. */
export interface Scheme {
  parses(v: string): boolean;
  compare(a: string, b: string): VersionComparison | undefined;
}

export function scheme<T>(parse: (v: string) => T | undefined, compare: (a: T, b: T) => VersionComparison): Scheme {
  return {
    parses: (v) => parse(v) !== undefined,
    compare: (a, b) => {
      const pa = parse(a);
      const pb = parse(b);
      return pa === undefined || pb === undefined ? undefined : compare(pa, pb);
    },
  };
}
