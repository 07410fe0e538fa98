import type { Minimatch } from "minimatch";
import { compileUserGlob, matchesAny } from "./glob.js";
import { UNREGISTERED_SYSTEM } from "./types.js";

/** System assignment: which registered AI system (`systems:` in the policy) a path belongs to. */

export interface SystemDefinition {
  id: string;
  name: string;
  paths: string[];
  risk: "minimal" | "limited" | "high" | "prohibited";
  owner?: string;
}

interface CompiledSystem {
  id: string;
  globs: Array<{ match: Minimatch[]; segments: number; length: number }>;
}

/** Literal part of a glob before its first wildcard: the more of it, the more specific the glob. */
function specificity(pattern: string): { segments: number; length: number } {
  const clean = pattern.replace(/^\.\//, "").replace(/^\/+/, "");
  const magic = clean.search(/[*?[{]|[!+@](?=\()/);
  const literal = magic < 0 ? clean : clean.slice(0, magic);
  const segments = literal.split("/").filter(Boolean).length - (magic >= 0 && !literal.endsWith("/") && literal ? 1 : 0);
  return { segments: Math.max(segments, 0), length: literal.length };
}

/**
 * The system a path belongs to: of the systems whose `paths` match it, the one with the most
 * specific glob (most literal folders, then the longest literal prefix); `unregistered` otherwise.
 */
export function compileSystems(definitions: readonly SystemDefinition[]): (path: string) => string {
  const systems: CompiledSystem[] = definitions.map((s, si) => ({
    id: s.id,
    globs: s.paths.map((p, pi) => ({ match: compileUserGlob(p, `systems[${si}].paths[${pi}]`), ...specificity(p) })),
  }));
  return (path) => {
    let best: { id: string; segments: number; length: number } | undefined;
    for (const s of systems) {
      for (const g of s.globs) {
        if (!matchesAny(g.match, path)) continue;
        const better =
          !best || g.segments > best.segments || (g.segments === best.segments && g.length > best.length);
        if (better) best = { id: s.id, segments: g.segments, length: g.length };
      }
    }
    return best?.id ?? UNREGISTERED_SYSTEM;
  };
}
