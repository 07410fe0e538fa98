/**
 * A constant computed when first needed (packaged data files, the parser runtime): the value never
 * changes once made, so it is not state. A failure is not kept; the next call tries again.
 */
export function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}
