/**
 * Remembers recent event ids so a re-sent event is ignored (idempotent ingest). Bounded two
 * ways: ids older than `horizonMs` behind the newest event are forgotten, and at most `maxIds`
 * are kept. A duplicate that arrives later than that is processed again; producers that retry
 * within the horizon (the normal case) are safe.
 */
export class DedupWindow {
  private readonly ids = new Map<string, number>();
  private newest = 0;

  /**
   * @param horizonMs how long an id is remembered, in event time
   * @param maxIds hard cap on remembered ids
   */
  constructor(
    readonly horizonMs = 24 * 3_600_000,
    readonly maxIds = 1_000_000,
  ) {}

  /** True if `id` was seen within the horizon; otherwise records it and returns false. */
  seen(id: string, atMs: number): boolean {
    if (this.ids.has(id)) return true;
    this.ids.set(id, atMs);
    if (atMs > this.newest) this.newest = atMs;
    // Map iteration is insertion order, which is close to time order for a sorted stream;
    // stop at the first entry still inside the horizon.
    const cutoff = this.newest - this.horizonMs;
    for (const [k, t] of this.ids) {
      if (this.ids.size > this.maxIds || t < cutoff) this.ids.delete(k);
      else break;
    }
    return false;
  }

  /** Remembered ids with their event times, oldest first, and the newest time (snapshots). */
  exportEntries(): { readonly newest: number; readonly ids: Array<[string, number]> } {
    return { newest: this.newest, ids: [...this.ids] };
  }

  /** Replace the remembered ids by a snapshot's (see {@link exportEntries}). */
  importEntries(newest: number, ids: ReadonlyArray<readonly [string, number]>): void {
    this.ids.clear();
    for (const [k, t] of ids) this.ids.set(k, t);
    this.newest = newest;
  }

  /** Ids currently remembered. */
  get size(): number {
    return this.ids.size;
  }
}
