export interface ByteLimits {
  /** Entries kept at most. */
  maxEntries?: number;
  /** Bytes of all entries kept at most. */
  maxBytes: number;
  /** An entry above this is not kept. */
  maxEntryBytes: number;
}

/** Least recently used entries go first once the bytes (or entries) kept exceed their limits. */
export class ByteBoundedMap<V> {
  private readonly entries = new Map<string, V>();
  private total = 0;

  constructor(
    private readonly limits: ByteLimits,
    private readonly sizeOf: (value: V) => number,
  ) {}

  /** Whether an entry of `bytes` would be kept. */
  accepts(bytes: number): boolean {
    return bytes <= this.limits.maxEntryBytes && this.limits.maxBytes > 0;
  }

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  /** Keeps `value` (replacing what `key` held) when it fits; drops the least recently used to make room. */
  set(key: string, value: V): void {
    this.delete(key);
    const size = this.sizeOf(value);
    if (!this.accepts(size)) return;
    this.entries.set(key, value);
    this.total += size;
    for (const [oldest, old] of this.entries) {
      if (this.entries.size <= (this.limits.maxEntries ?? Number.POSITIVE_INFINITY) && this.total <= this.limits.maxBytes) break;
      this.entries.delete(oldest);
      this.total -= this.sizeOf(old);
    }
  }

  delete(key: string): void {
    const value = this.entries.get(key);
    if (value === undefined) return;
    this.entries.delete(key);
    this.total -= this.sizeOf(value);
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.total;
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }
}

/** Least recently used entries go first once more than `max` are kept. */
export class BoundedMap<V> extends ByteBoundedMap<V> {
  constructor(max: number) {
    super({ maxEntries: max, maxBytes: Number.POSITIVE_INFINITY, maxEntryBytes: Number.POSITIVE_INFINITY }, () => 0);
  }
}
