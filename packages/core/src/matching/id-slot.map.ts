/**
 * A map from entry id (unsigned 32-bit integer) to index slot, stored in one `Int32Array`.
 *
 * Why not a `Map<number, number>`: at 10M entries a JS Map costs tens of bytes per key
 * (hash-table buckets plus boxed entries), while this table costs 4 bytes per bucket at a load
 * factor of at most 3/4, about 5.3-10.7 bytes per entry. The keys are not stored here: a bucket holds
 * `slot + 1` (0 = empty) and the key is read back from the caller's `ids` array, which the
 * index keeps anyway.
 *
 * Open addressing with linear probing and backward-shift deletion (Knuth, TAOCP vol. 3,
 * 6.4, Algorithm R), so deletions leave no tombstones and probe sequences stay short.
 */
export class IdSlotMap {
  private table: Int32Array;
  private mask: number;
  private count = 0;

  /**
   * @param ids the caller's slot -> id array; read on every probe, so the caller must pass
   *   the current array again through {@link IdSlotMap.rebind} whenever it reallocates it
   * @param expected number of entries to size the table for
   */
  constructor(
    private ids: Uint32Array,
    expected = 0,
  ) {
    const cap = IdSlotMap.capacityFor(expected);
    this.table = new Int32Array(cap);
    this.mask = cap - 1;
  }

  /**
   * Smallest power of two that keeps the load factor at or below 3/4: linear probing then
   * averages 2.5 probes per successful lookup (Knuth, TAOCP vol. 3, 6.4, Algorithm L analysis).
   */
  private static capacityFor(n: number): number {
    let cap = 16;
    while (cap * 3 < n * 4) cap *= 2;
    return cap;
  }

  /** Point the map at a reallocated `ids` array (same contents for mapped slots). */
  rebind(ids: Uint32Array): void {
    this.ids = ids;
  }

  /** Number of mapped ids. */
  get size(): number {
    return this.count;
  }

  /** Bytes held by the table. */
  get byteLength(): number {
    return this.table.byteLength;
  }

  private home(id: number): number {
    // Murmur3 fmix32 finaliser: store ids are sequential, so spread them before masking.
    let h = id ^ (id >>> 16);
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h & this.mask;
  }

  /** The slot holding `id`, or -1. */
  get(id: number): number {
    const t = this.table;
    const ids = this.ids;
    for (let i = this.home(id); ; i = (i + 1) & this.mask) {
      const v = t[i]!;
      if (v === 0) return -1;
      if (ids[v - 1] === id) return v - 1;
    }
  }

  /** Map `id` (already written at `ids[slot]`) to `slot`, replacing any previous mapping. */
  set(id: number, slot: number): void {
    if ((this.count + 1) * 4 > this.table.length * 3) this.grow();
    const t = this.table;
    const ids = this.ids;
    for (let i = this.home(id); ; i = (i + 1) & this.mask) {
      const v = t[i]!;
      if (v === 0) {
        t[i] = slot + 1;
        this.count++;
        return;
      }
      if (ids[v - 1] === id) {
        t[i] = slot + 1;
        return;
      }
    }
  }

  /** Remove `id`; returns its slot, or -1 when it was not mapped. */
  delete(id: number): number {
    const t = this.table;
    const ids = this.ids;
    const mask = this.mask;
    let i = this.home(id);
    for (; ; i = (i + 1) & mask) {
      const v = t[i]!;
      if (v === 0) return -1;
      if (ids[v - 1] === id) break;
    }
    const slot = t[i]! - 1;
    // Backward-shift: move later members of the probe run into the hole when their home
    // position does not lie cyclically in (hole, j].
    let hole = i;
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const v = t[j]!;
      if (v === 0) break;
      const h = this.home(ids[v - 1]!);
      const inRange = hole <= j ? h > hole && h <= j : h > hole || h <= j;
      if (!inRange) {
        t[hole] = v;
        hole = j;
      }
    }
    t[hole] = 0;
    this.count--;
    return slot;
  }

  /** Forget everything and size the table for `expected` entries. */
  clear(expected = 0): void {
    const cap = IdSlotMap.capacityFor(expected);
    this.table = new Int32Array(cap);
    this.mask = cap - 1;
    this.count = 0;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2);
    this.mask = this.table.length - 1;
    this.count = 0;
    for (let i = 0; i < old.length; i++) {
      const v = old[i]!;
      if (v !== 0) this.set(this.ids[v - 1]!, v - 1);
    }
  }
}
