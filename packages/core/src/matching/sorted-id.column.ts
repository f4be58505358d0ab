/** log2 of the ids per block. */
const SHIFT = 6;
const BLOCK = 1 << SHIFT;

/**
 * Strictly ascending unsigned 32-bit ids in about 2 bytes each, with O(1) access by position
 * and O(log n) search by value: the index's built part keeps its slots in id order, so this
 * column replaces both a `Uint32Array` of ids (4 bytes each) and an id -> slot hash table
 * (~6.7 bytes each at 10M).
 *
 * Ids come in blocks of 64: a `Uint32` base (the block's first id) and a `Uint16` offset per id.
 * A block whose ids span more than 65535 (a gap in the id sequence, such as another bank's
 * entries) keeps its ids whole in a side array instead; store ids are dense enough that such
 * blocks are rare.
 */
export class SortedIdColumn {
  /** A column with no ids. */
  static readonly EMPTY = new SortedIdColumn(new Uint32Array(0), new Uint16Array(0), null, null, 0);

  private constructor(
    private readonly base: Uint32Array,
    private readonly low: Uint16Array,
    private readonly wideAt: Int32Array | null,
    private readonly wide: Uint32Array | null,
    /** Number of ids. */
    readonly length: number,
  ) {}

  /** Encode `ids[0 .. n)`, which must be strictly ascending. */
  static from(ids: Uint32Array, n: number): SortedIdColumn {
    if (n === 0) return SortedIdColumn.EMPTY;
    const blocks = ((n - 1) >>> SHIFT) + 1;
    const base = new Uint32Array(blocks);
    let wideBlocks = 0;
    for (let b = 0; b < blocks; b++) {
      base[b] = ids[b * BLOCK]!;
      const last = ids[Math.min(n, (b + 1) * BLOCK) - 1]!;
      if (last - base[b]! > 0xffff) wideBlocks++;
    }
    const low = new Uint16Array(n);
    const wideAt = wideBlocks > 0 ? new Int32Array(blocks).fill(-1) : null;
    const wide = wideBlocks > 0 ? new Uint32Array(wideBlocks * BLOCK) : null;
    let w = 0;
    for (let b = 0; b < blocks; b++) {
      const from = b * BLOCK;
      const to = Math.min(n, from + BLOCK);
      const b0 = base[b]!;
      if (ids[to - 1]! - b0 > 0xffff) {
        wideAt![b] = w;
        wide!.set(ids.subarray(from, to), w);
        w += BLOCK;
      } else {
        for (let i = from; i < to; i++) low[i] = ids[i]! - b0;
      }
    }
    return new SortedIdColumn(base, low, wideAt, wide, n);
  }

  /** The id at position i (0 <= i < length). */
  at(i: number): number {
    const b = i >>> SHIFT;
    if (this.wideAt !== null) {
      const w = this.wideAt[b]!;
      if (w >= 0) return this.wide![w + (i & (BLOCK - 1))]!;
    }
    return this.base[b]! + this.low[i]!;
  }

  /** The position of `id`, or -1. */
  find(id: number): number {
    const base = this.base;
    if (this.length === 0 || id < base[0]!) return -1;
    // last block whose first id <= id
    let lo = 0;
    let hi = base.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (base[mid]! <= id) lo = mid;
      else hi = mid - 1;
    }
    let from = lo * BLOCK;
    let to = Math.min(this.length, from + BLOCK) - 1;
    while (from <= to) {
      const mid = (from + to) >>> 1;
      const v = this.at(mid);
      if (v === id) return mid;
      if (v < id) from = mid + 1;
      else to = mid - 1;
    }
    return -1;
  }

  /** Bytes held. */
  get byteLength(): number {
    return (
      this.base.byteLength +
      this.low.byteLength +
      (this.wideAt?.byteLength ?? 0) +
      (this.wide?.byteLength ?? 0)
    );
  }
}
