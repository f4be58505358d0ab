import { ErrorCodes, LifeguardError } from '../errors/lifeguard-error.js';
import { IdSlotMap } from './id-slot.map.js';

/** Largest id a {@link DigestTable} accepts (ids are stored as unsigned 32-bit integers). */
const MAX_ID = 0xfffffffe;

/**
 * Exact-match table of fixed-size digests (MD5: 16 bytes, SHA-256: 32) for bank entries:
 * (entry id, digest, 16-bit tag) triples in typed arrays, no object or string per entry.
 *
 * Slots are dense (a removal moves the last slot into the hole), holding the digest words,
 * the id and the tag. Two open-addressing tables of `slot + 1` (0 = empty) over them: one
 * keyed by the digest (linear probing; equal digests of different entries, say in two banks,
 * are separate slots found in the same probe run) and an {@link IdSlotMap} keyed by id. Both
 * use backward-shift deletion (Knuth, TAOCP vol. 3, 6.4, Algorithm R), so removals leave no
 * tombstones. About 35 bytes per MD5 entry and 51 per SHA-256 entry, against ~220 for a
 * `Map` keyed by the hex string.
 */
export class DigestTable {
  private readonly dw: number;
  private words: Uint32Array = new Uint32Array(0);
  private ids: Uint32Array = new Uint32Array(0);
  private tags: Uint16Array = new Uint16Array(0);
  private count = 0;
  private table: Int32Array = new Int32Array(16);
  private mask = 15;
  private readonly byId: IdSlotMap;
  private readonly key: Uint32Array;

  /** @param digestBytes 16 for MD5, 32 for SHA-256 */
  constructor(readonly digestBytes: 16 | 32) {
    this.dw = digestBytes / 4;
    this.key = new Uint32Array(this.dw);
    this.byId = new IdSlotMap(this.ids);
  }

  /** Number of entries. */
  get size(): number {
    return this.count;
  }

  /** Bytes held in typed arrays. */
  get byteLength(): number {
    return (
      this.words.byteLength +
      this.ids.byteLength +
      this.tags.byteLength +
      this.table.byteLength +
      this.byId.byteLength
    );
  }

  /** True when an entry with this id is present. */
  has(id: number): boolean {
    return this.byId.get(id) >= 0;
  }

  /**
   * Insert or replace the entry `id` with the digest given as lowercase hex (validated by
   * the caller: exactly `2 * digestBytes` hex digits).
   */
  set(id: number, hex: string, tag: number): void {
    if (!Number.isInteger(id) || id < 0 || id > MAX_ID) {
      throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, `entry id must be 0..${MAX_ID}`, {
        id,
      });
    }
    this.parse(hex);
    this.remove(id);
    if (this.count === this.ids.length) this.grow();
    if ((this.count + 1) * 4 > this.table.length * 3) this.resize(this.table.length * 2);
    const s = this.count++;
    this.words.set(this.key, s * this.dw);
    this.ids[s] = id;
    this.tags[s] = tag;
    this.byId.set(id, s);
    const t = this.table;
    let i = this.home(this.words, s * this.dw);
    while (t[i] !== 0) i = (i + 1) & this.mask;
    t[i] = s + 1;
  }

  /** Remove the entry `id`; false when absent. */
  remove(id: number): boolean {
    const s = this.byId.delete(id);
    if (s < 0) return false;
    this.unlink(s);
    const last = this.count - 1;
    if (s !== last) {
      // Move the last slot into the hole and repoint both tables at it.
      const dw = this.dw;
      const at = this.find(last);
      this.words.copyWithin(s * dw, last * dw, last * dw + dw);
      const lastId = this.ids[last]!;
      this.ids[s] = lastId;
      this.tags[s] = this.tags[last]!;
      this.table[at] = s + 1;
      this.byId.set(lastId, s); // finds the old bucket through ids[last], still lastId
    }
    this.count--;
    return true;
  }

  /** Remove every entry with this tag; returns how many. */
  removeByTag(tag: number): number {
    let removed = 0;
    for (let s = this.count - 1; s >= 0; s--) {
      if (this.tags[s] === tag) {
        this.remove(this.ids[s]!);
        removed++;
      }
    }
    return removed;
  }

  /** Call `visit(id, tag)` for every entry whose digest is `hex` (lowercase, validated). */
  forEachMatch(hex: string, visit: (id: number, tag: number) => void): number {
    this.parse(hex);
    const key = this.key;
    const words = this.words;
    const dw = this.dw;
    const t = this.table;
    let n = 0;
    for (let i = this.home(key, 0); t[i] !== 0; i = (i + 1) & this.mask) {
      const s = t[i]! - 1;
      let same = true;
      for (let k = 0; same && k < dw; k++) same = words[s * dw + k] === key[k];
      if (same) {
        visit(this.ids[s]!, this.tags[s]!);
        n++;
      }
    }
    return n;
  }

  // ---------------------------------------------------------------------------------------

  /** Hex digits into `this.key`, 8 per word. */
  private parse(hex: string): void {
    if (hex.length !== this.dw * 8) {
      throw new LifeguardError(ErrorCodes.INVALID_HASH, 'digest has the wrong length', {
        length: hex.length,
      });
    }
    for (let k = 0; k < this.dw; k++) {
      const v = Number.parseInt(hex.slice(k * 8, k * 8 + 8), 16);
      if (!Number.isInteger(v)) {
        throw new LifeguardError(ErrorCodes.INVALID_HASH, 'digest is not hex', {});
      }
      this.key[k] = v;
    }
  }

  /**
   * Table position for the digest at `arr[o ..]`: every word mixed in, then the Murmur3
   * fmix32 finaliser, so structured digests (not only uniform ones) spread.
   */
  private home(arr: Uint32Array, o: number): number {
    let h = 0;
    for (let k = 0; k < this.dw; k++) h = Math.imul(h ^ arr[o + k]!, 0x9e3779b1);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h & this.mask;
  }

  /** Position in the digest table of the bucket pointing at slot s. */
  private find(s: number): number {
    const t = this.table;
    let i = this.home(this.words, s * this.dw);
    while (t[i] !== s + 1) i = (i + 1) & this.mask;
    return i;
  }

  /** Delete slot s's bucket from the digest table (backward shift). */
  private unlink(s: number): void {
    const t = this.table;
    const mask = this.mask;
    let hole = this.find(s);
    for (let j = (hole + 1) & mask; ; j = (j + 1) & mask) {
      const v = t[j]!;
      if (v === 0) break;
      const h = this.home(this.words, (v - 1) * this.dw);
      const inRange = hole <= j ? h > hole && h <= j : h > hole || h <= j;
      if (!inRange) {
        t[hole] = v;
        hole = j;
      }
    }
    t[hole] = 0;
  }

  private grow(): void {
    const cap = Math.max(1024, Math.floor(this.ids.length * 1.5));
    const words = new Uint32Array(cap * this.dw);
    words.set(this.words);
    const ids = new Uint32Array(cap);
    ids.set(this.ids);
    const tags = new Uint16Array(cap);
    tags.set(this.tags);
    this.words = words;
    this.ids = ids;
    this.tags = tags;
    this.byId.rebind(ids);
  }

  private resize(size: number): void {
    this.table = new Int32Array(size);
    this.mask = size - 1;
    const t = this.table;
    for (let s = 0; s < this.count; s++) {
      let i = this.home(this.words, s * this.dw);
      while (t[i] !== 0) i = (i + 1) & this.mask;
      t[i] = s + 1;
    }
  }
}
