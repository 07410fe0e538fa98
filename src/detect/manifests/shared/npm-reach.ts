/**
 * Scope of lockfile entries from the dependency graph, for lockfiles that do not record
 * dev/optional flags (pnpm 9, bun). Shared by the npm-ecosystem lockfile managers.
 */

export interface Edges {
  required: Iterable<string>;
  optional: Iterable<string>;
}

/**
 * The strongest way each node gets installed: "prod" when required edges reach it from a prod
 * root, "optional" when it is reachable at all from the prod or optional roots. Nodes missing
 * from the map are only needed by dev dependencies. Iterative, so deep graphs cannot overflow.
 */
export function reachScopes(
  prodRoots: Iterable<string>,
  optionalRoots: Iterable<string>,
  edges: (node: string) => Edges,
): Map<string, "prod" | "optional"> {
  const scope = new Map<string, "prod" | "optional">();
  const optional: string[] = [...optionalRoots];
  const required: string[] = [...prodRoots];
  for (let node = required.pop(); node !== undefined; node = required.pop()) {
    if (scope.has(node)) continue;
    scope.set(node, "prod");
    const next = edges(node);
    for (const n of next.required) if (!scope.has(n)) required.push(n);
    for (const n of next.optional) optional.push(n);
  }
  for (let node = optional.pop(); node !== undefined; node = optional.pop()) {
    if (scope.has(node)) continue;
    scope.set(node, "optional");
    const next = edges(node);
    for (const n of next.required) if (!scope.has(n)) optional.push(n);
    for (const n of next.optional) if (!scope.has(n)) optional.push(n);
  }
  return scope;
}
