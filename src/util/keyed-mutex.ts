/** One holder at a time per key: the one serialiser every part of the app uses (Services.locks). */
export interface Locks {
  run<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** True when a holder excludes every replica, not only this process (the Redis locks). */
  readonly shared?: boolean;
}

/**
 * One holder at a time per key, in arrival order, within this process. Keys are released when
 * nobody waits, so the map does not grow with every key ever used.
 */
export class KeyedMutex implements Locks {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys currently held or awaited (for tests). */
  get size(): number {
    return this.tails.size;
  }
}
