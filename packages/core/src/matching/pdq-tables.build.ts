import { popcount32 } from '../hashing/hash256.codec.js';
import { CHUNK_VALUES } from './pdq-pigeonhole.scheme.js';

/**
 * Bulk construction and slot decoding of the CSR tables of a `PdqIndex`.
 *
 * A table keyed by chunk c has a 65537-entry bucket directory (`dir[k] .. dir[k+1]` are the
 * postings of key k) and one `Uint32` posting per hash: the companion chunk (the other half
 * of the same 32-bit word) in the high 16 bits, the slot's low 16 bits in the low 16. The
 * slot's high bits are stored Elias-Fano style (P. Elias, "Efficient storage and retrieval by
 * content and address of static files", JACM 1974; S. Vigna, "Quasi-succinct indices", WSDM
 * 2013): the counting sort is stable, so within a bucket the slots, and hence their high
 * parts, never decrease; entry j of bucket k with high part h sets bit `j + h` of a
 * per-bucket segment of `count_k + span` bits that starts at bit `dir[k] + k * span`, where
 * `span` is the number of distinct high parts. At 10M hashes that is about 2 bits per posting
 * (instead of a byte), and decoding (a select over ~10 words) runs only for the ~1% of
 * postings that pass the companion filter.
 *
 * @module
 */

/** One built table: postings and, when slots exceed 16 bits, the Elias-Fano upper bits. */
export interface BuiltTable {
  /** Postings sorted by key: companion chunk << 16 | slot & 0xffff. */
  readonly post: Uint32Array;
  /** Upper bits of the slots, or null when every slot fits in 16 bits. */
  readonly upper: Uint32Array | null;
}

/** Number of distinct `slot >>> 16` values among n slots (at least 1). */
export function hiSpanFor(n: number): number {
  return ((n - 1) >>> 16) + 1;
}

/**
 * Build the tables of pair p (chunk 2p = low half of word p, chunk 2p+1 = high half) over
 * slots [0, n) of `words` with one stable counting sort each; one pass over the hashes
 * serves both. `dirLo`/`dirHi` (65537 entries) are filled in place; `fillLo`/`fillHi`
 * (65536 entries) are scratch. Requires n + 65536 * span < 2^31 (the index caps n at 2^30).
 */
export function buildPairTables(
  words: Uint32Array,
  n: number,
  p: number,
  dirLo: Uint32Array,
  dirHi: Uint32Array,
  fillLo: Uint32Array,
  fillHi: Uint32Array,
  span: number,
): [BuiltTable, BuiltTable] {
  dirLo.fill(0);
  dirHi.fill(0);
  for (let s = 0, o = p; s < n; s++, o += 8) {
    const w = words[o]!;
    const lo = (w & 0xffff) + 1;
    const hi = (w >>> 16) + 1;
    dirLo[lo] = dirLo[lo]! + 1;
    dirHi[hi] = dirHi[hi]! + 1;
  }
  for (let k = 0; k < CHUNK_VALUES; k++) {
    dirLo[k + 1] = dirLo[k + 1]! + dirLo[k]!;
    dirHi[k + 1] = dirHi[k + 1]! + dirHi[k]!;
  }
  fillLo.set(dirLo.subarray(0, CHUNK_VALUES));
  fillHi.set(dirHi.subarray(0, CHUNK_VALUES));
  const postLo = new Uint32Array(n);
  const postHi = new Uint32Array(n);
  const bits = Math.ceil((n + CHUNK_VALUES * span) / 32);
  const upLo = span > 1 ? new Uint32Array(bits) : null;
  const upHi = span > 1 ? new Uint32Array(bits) : null;
  for (let s = 0, o = p; s < n; s++, o += 8) {
    const w = words[o]!;
    const kLo = w & 0xffff;
    const kHi = w >>> 16;
    const low = s & 0xffff;
    const pLo = fillLo[kLo]!;
    fillLo[kLo] = pLo + 1;
    const pHi = fillHi[kHi]!;
    fillHi[kHi] = pHi + 1;
    postLo[pLo] = ((kHi << 16) | low) >>> 0; // the low chunk's companion is the high one
    postHi[pHi] = ((kLo << 16) | low) >>> 0;
    if (upLo !== null && upHi !== null) {
      const h = s >>> 16;
      const bLo = pLo + kLo * span + h;
      const bHi = pHi + kHi * span + h;
      upLo[bLo >>> 5] = (upLo[bLo >>> 5]! | (1 << (bLo & 31))) >>> 0;
      upHi[bHi >>> 5] = (upHi[bHi >>> 5]! | (1 << (bHi & 31))) >>> 0;
    }
  }
  return [
    { post: postLo, upper: upLo },
    { post: postHi, upper: upHi },
  ];
}

/**
 * The slot of posting `pos` (value `v`) in bucket `k` whose postings start at `start`:
 * the low 16 bits come from the posting, the high part from a select over `upper`.
 */
export function decodeSlot(
  upper: Uint32Array | undefined,
  start: number,
  k: number,
  span: number,
  pos: number,
  v: number,
): number {
  if (upper === undefined) return v & 0xffff;
  const b0 = start + k * span;
  // select: position of the j-th set bit at or after b0
  let j = pos - start;
  let wi = b0 >>> 5;
  let word = (upper[wi]! & (0xffffffff << (b0 & 31))) >>> 0;
  for (;;) {
    const c = popcount32(word);
    if (j < c) break;
    j -= c;
    word = upper[++wi]!;
  }
  for (; j > 0; j--) word = (word & (word - 1)) >>> 0;
  const bit = wi * 32 + (31 - Math.clz32(word & -word));
  return (bit - b0 - (pos - start)) * CHUNK_VALUES + (v & 0xffff);
}
