/** Request-log metrics for `npm run bench`, from the fake GitHub's log (start and end of each request). */

export interface Timed {
  startedAt: number;
  endedAt: number;
}

/**
 * Sequential round trips: the longest chain of requests in which each starts only after the
 * previous one ended. Requests that overlap count once, however many there are.
 */
export function sequentialDepth(requests: readonly Timed[]): number {
  const sorted = [...requests].sort((a, b) => a.startedAt - b.startedAt);
  const depth: number[] = [];
  let best = 0;
  sorted.forEach((r, i) => {
    let d = 1;
    for (let j = 0; j < i; j++) if (sorted[j]!.endedAt <= r.startedAt) d = Math.max(d, depth[j]! + 1);
    depth.push(d);
    best = Math.max(best, d);
  });
  return best;
}

/** The most requests in flight at the same moment. */
export function maxInFlight(requests: readonly Timed[]): number {
  const edges = requests.flatMap((r) => [
    { t: r.startedAt, d: 1 },
    { t: r.endedAt, d: -1 },
  ]);
  // At equal times an end comes before a start: back-to-back requests do not overlap.
  edges.sort((a, b) => a.t - b.t || a.d - b.d);
  let current = 0;
  let max = 0;
  for (const e of edges) max = Math.max(max, (current += e.d));
  return max;
}
