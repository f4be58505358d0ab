/**
 * The 16-bit tags (bank indexes) of the index's built part, run-length coded when that is
 * smaller. Slots are in id order and a bank's entries are mostly added together, so tags come
 * in long runs: a few runs cost a few bytes in all instead of 2 bytes per hash. When runs are
 * short (banks filled in interleaved order) the column stays a plain `Uint16Array`.
 */
export class TagColumn {
  /** A column with no tags. */
  static readonly EMPTY = new TagColumn(new Uint16Array(0), null, null, 0);

  private constructor(
    private readonly plain: Uint16Array | null,
    /** First position of each run, ascending, starting with 0. */
    private readonly runStart: Uint32Array | null,
    private readonly runTag: Uint16Array | null,
    /** Number of tags. */
    readonly length: number,
  ) {}

  /** Encode `tags[0 .. n)`. */
  static from(tags: Uint16Array, n: number): TagColumn {
    if (n === 0) return TagColumn.EMPTY;
    let runs = 1;
    for (let i = 1; i < n; i++) if (tags[i] !== tags[i - 1]) runs++;
    // A run costs 6 bytes, a plain tag 2: keep runs only when they save at least two thirds.
    if (runs * 6 > (n * 2) / 3) return new TagColumn(tags.slice(0, n), null, null, n);
    const runStart = new Uint32Array(runs);
    const runTag = new Uint16Array(runs);
    runTag[0] = tags[0]!;
    for (let i = 1, r = 0; i < n; i++) {
      if (tags[i] !== tags[i - 1]) {
        runStart[++r] = i;
        runTag[r] = tags[i]!;
      }
    }
    return new TagColumn(null, runStart, runTag, n);
  }

  /** The tag at position i (0 <= i < length). */
  at(i: number): number {
    if (this.plain !== null) return this.plain[i]!;
    const starts = this.runStart!;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return this.runTag![lo]!;
  }

  /** Call `visit(from, to)` for every maximal range of positions holding `tag`, ascending. */
  forEachRange(tag: number, visit: (from: number, to: number) => void): void {
    if (this.plain !== null) {
      const p = this.plain;
      for (let i = 0; i < this.length;) {
        if (p[i] !== tag) {
          i++;
          continue;
        }
        const from = i;
        while (i < this.length && p[i] === tag) i++;
        visit(from, i);
      }
      return;
    }
    const starts = this.runStart!;
    const tags = this.runTag!;
    for (let r = 0; r < starts.length; r++) {
      if (tags[r] === tag) visit(starts[r]!, r + 1 < starts.length ? starts[r + 1]! : this.length);
    }
  }

  /** Bytes held. */
  get byteLength(): number {
    return (
      (this.plain?.byteLength ?? 0) +
      (this.runStart?.byteLength ?? 0) +
      (this.runTag?.byteLength ?? 0)
    );
  }
}
