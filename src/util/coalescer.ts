/**
 * Keyed, debounced background work: every request for a key within the delay gives one run, and
 * a request arriving while that run is under way gives exactly one more run after it. Each request
 * carries a state; pending states are combined so nothing one request asked for is lost.
 */
export interface Coalescer {
  /** Resolves when the run that covers this request has finished; never rejects. */
  schedule<S>(key: string, delayMs: number, request: CoalescedRequest<S>): Promise<void>;
  /** Wait for every scheduled run (tests, and shutting down). */
  flush(): Promise<void>;
}

export interface CoalescedRequest<S> {
  state: S;
  /** The state of one run that serves both a pending request and a newer one. */
  combine(pending: S, newer: S): S;
  run(state: S): Promise<void>;
}

interface Pending {
  request: CoalescedRequest<unknown>;
  delayMs: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  running: boolean;
  again: boolean;
  done: Promise<void>;
  resolve: () => void;
}

export function createCoalescer(): Coalescer {
  const pending = new Map<string, Pending>();

  const arm = (key: string, p: Pending) => {
    p.timer = setTimeout(() => void fire(key, p), p.delayMs);
    // A waiting run does not keep a server from shutting down; without a delay (Actions,
    // serverless) it runs before the process may exit.
    if (p.delayMs > 0) p.timer.unref?.();
  };

  const fire = async (key: string, p: Pending) => {
    p.timer = undefined;
    p.running = true;
    try {
      await p.request.run(p.request.state);
    } catch {
      // The job logs its own failures; the next request retries.
    } finally {
      p.running = false;
    }
    if (p.again) {
      p.again = false;
      arm(key, p);
      return;
    }
    pending.delete(key);
    p.resolve();
  };

  return {
    schedule<S>(key: string, delayMs: number, request: CoalescedRequest<S>): Promise<void> {
      const existing = pending.get(key);
      if (existing) {
        const older = existing.request as CoalescedRequest<S>;
        // The newest request's job wins (an installation token from an older event may expire);
        // the states are combined.
        existing.request = { ...request, state: request.combine(older.state, request.state) } as CoalescedRequest<unknown>;
        if (existing.running) existing.again = true;
        return existing.done;
      }
      let resolve!: () => void;
      const done = new Promise<void>((r) => (resolve = r));
      const p: Pending = { request: request as CoalescedRequest<unknown>, delayMs, timer: undefined, running: false, again: false, done, resolve };
      pending.set(key, p);
      arm(key, p);
      return done;
    },
    async flush() {
      while (pending.size > 0) await Promise.all([...pending.values()].map((p) => p.done));
    },
  };
}
