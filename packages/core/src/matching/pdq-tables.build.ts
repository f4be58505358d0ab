import { CHUNK_VALUES, POPCOUNT16 } from './pdq-pigeonhole.scheme.js';

/**
 * Bulk construction and slot decoding of the tables of a `PdqIndex`.
 *
 * A table keyed by chunk k is one `Uint16Array` (the blob) and a 65537-entry directory: bucket
 * k occupies the 16-bit units `dir[k] .. dir[k+1]` of the blob, and holds its `cnt` postings,
 * sorted by slot, as three consecutive parts:
 *
 * 1. `cnt` heads, one unit each: the top `c` bits of the companion chunk (the other half of the
 *    same 32-bit word) over the low `16 - c` bits of the slot. Queries scan only these.
 * 2. `cnt` mids of `c` bits each, bit-packed: slot bits `16 - c .. 15`.
 * 3. `cnt + span` bits coding the slots' high parts (`slot >>> 16`) Elias-Fano style (P. Elias,
 *    "Efficient storage and retrieval by content and address of static files", JACM 1974;
 *    S. Vigna, "Quasi-succinct indices", WSDM 2013): the counting sort is stable, so within a
 *    bucket the high parts never decrease, and posting j with high part h sets bit `j + h`.
 *    `span` is the number of distinct high parts: about 2 bits per posting in all.
 *
 * Parts 2 and 3 are read only for the few postings that pass the companion filter, and lie
 * right after the heads just scanned, so decoding a slot seldom misses the cache. A posting
 * costs 16 + c + ~2 bits: 30 at the default c = 12. The filter compares only `c` companion
 * bits: weaker (it passes a few times more postings to the full check) but never wrong, since
 * a companion within distance x of the query's is within x on any subset of its bits. The
 * bucket size is implied by its length in units (see {@link bucketCount}), so one directory
 * serves. See docs/decisions/0002-pdq-index.md.
 *
 * @module
 */

/** One built table. */
export interface BuiltTable {
  /** Bucket k is `blob[dir[k] .. dir[k+1])`. */
  readonly dir: Uint32Array;
  /** Heads, mids and high-part bits of every bucket, bucket after bucket. */
  readonly blob: Uint16Array;
}

/** Companion bits kept per posting unless configured otherwise. */
export const DEFAULT_COMPANION_BITS = 12;

/** Number of distinct `slot >>> 16` values among n slots (at least 1). */
export function hiSpanFor(n: number): number {
  return ((n - 1) >>> 16) + 1;
}

/** Mask of the companion bits kept in a posting head (`c` top bits of 16). */
export function companionMask(c: number): number {
  return (0xffff << (16 - c)) & 0xffff;
}

/** 16-bit units taken by a bucket of `cnt` postings. */
function bucketUnits(cnt: number, span: number, c: number): number {
  return Math.ceil((cnt * (17 + c) + span) / 16);
}

/**
 * Postings in a bucket of `units` 16-bit units: the inverse of {@link bucketUnits}, which
 * grows by more than one unit per posting, so exactly one count fits.
 */
export function bucketCount(units: number, span: number, c: number): number {
  return units === 0 ? 0 : Math.floor((units * 16 - span) / (17 + c));
}

/** OR the `c`-bit value v into bit offset `off` of a blob (c + 15 <= 31 bits touched). */
function orBits(blob: Uint16Array, off: number, v: number): void {
  const w = Math.floor(off / 16);
  const x = v << (off - w * 16);
  blob[w] = blob[w]! | (x & 0xffff);
  blob[w + 1] = blob[w + 1]! | (x >>> 16);
}

/** The `c`-bit value at bit offset `off` of a blob. */
function readBits(blob: Uint16Array, off: number, c: number): number {
  const w = Math.floor(off / 16);
  return ((blob[w]! | (blob[w + 1]! << 16)) >>> (off - w * 16)) & ((1 << c) - 1);
}

/**
 * Build the tables of pair p (chunk 2p = low half of word p, chunk 2p+1 = high half) over
 * slots [0, n) of `words` with one stable counting sort each; one pass over the hashes
 * serves both. `dirLo`/`dirHi` (65537 entries) are filled in place; `cntLo`/`cntHi` and
 * `fillLo`/`fillHi` (65536 entries) are scratch. The index caps n at 2^30, so the unit
 * offsets fit the directory's 32 bits.
 */
export function buildPairTables(
  words: Uint32Array,
  n: number,
  p: number,
  dirLo: Uint32Array,
  dirHi: Uint32Array,
  scratch: readonly [Uint32Array, Uint32Array, Uint32Array, Uint32Array],
  span: number,
  c: number,
): [BuiltTable, BuiltTable] {
  const [cntLo, cntHi, fillLo, fillHi] = scratch;
  cntLo.fill(0);
  cntHi.fill(0);
  for (let s = 0, o = p; s < n; s++, o += 8) {
    const w = words[o]!;
    const lo = w & 0xffff;
    const hi = w >>> 16;
    cntLo[lo] = cntLo[lo]! + 1;
    cntHi[hi] = cntHi[hi]! + 1;
  }
  dirLo[0] = 0;
  dirHi[0] = 0;
  for (let k = 0; k < CHUNK_VALUES; k++) {
    const a = cntLo[k]!;
    const b = cntHi[k]!;
    dirLo[k + 1] = dirLo[k]! + (a === 0 ? 0 : bucketUnits(a, span, c));
    dirHi[k + 1] = dirHi[k]! + (b === 0 ? 0 : bucketUnits(b, span, c));
  }
  fillLo.fill(0);
  fillHi.fill(0);
  // Two spare units: reads and ORs touch the unit after the one addressed.
  const blobLo = new Uint16Array(dirLo[CHUNK_VALUES]! + 2);
  const blobHi = new Uint16Array(dirHi[CHUNK_VALUES]! + 2);
  const cm = companionMask(c);
  const lowBits = 16 - c;
  const lowMask = (1 << lowBits) - 1;
  const midMask = (1 << c) - 1;
  for (let s = 0, o = p; s < n; s++, o += 8) {
    const w = words[o]!;
    const kLo = w & 0xffff;
    const kHi = w >>> 16;
    const low = s & lowMask;
    const mid = (s >>> lowBits) & midMask;
    const h = s >>> 16;
    // the low chunk's companion is the high one, and vice versa
    put(blobLo, dirLo[kLo]!, cntLo[kLo]!, fillLo[kLo]!, (kHi & cm) | low, mid, h, c);
    fillLo[kLo] = fillLo[kLo]! + 1;
    put(blobHi, dirHi[kHi]!, cntHi[kHi]!, fillHi[kHi]!, (kLo & cm) | low, mid, h, c);
    fillHi[kHi] = fillHi[kHi]! + 1;
  }
  return [
    { dir: dirLo, blob: blobLo },
    { dir: dirHi, blob: blobHi },
  ];
}

/** Write posting j of the bucket at unit u0 holding cnt postings. */
function put(
  blob: Uint16Array,
  u0: number,
  cnt: number,
  j: number,
  head: number,
  mid: number,
  h: number,
  c: number,
): void {
  blob[u0 + j] = head;
  const midBase = (u0 + cnt) * 16;
  orBits(blob, midBase + j * c, mid);
  const bit = midBase + cnt * c + j + h;
  const w = Math.floor(bit / 16);
  blob[w] = blob[w]! | (1 << (bit - w * 16));
}

/**
 * The slot of posting `pos` (head value `head`) of the bucket at unit `u0` holding `cnt`
 * postings: the low `16 - c` bits come from the head, the next `c` from the mid, the high
 * part from a select over the bucket's high-part bits.
 */
export function decodeSlot(
  blob: Uint16Array,
  u0: number,
  cnt: number,
  c: number,
  pos: number,
  head: number,
): number {
  const j = pos - u0;
  const midBase = (u0 + cnt) * 16;
  const low16 = (readBits(blob, midBase + j * c, c) << (16 - c)) | (head & ((1 << (16 - c)) - 1));
  // select: position of the j-th set bit at or after b0
  const b0 = midBase + cnt * c;
  let wi = Math.floor(b0 / 16);
  let word = blob[wi]! & (0xffff << (b0 - wi * 16));
  let k = j;
  for (;;) {
    const pc = POPCOUNT16[word]!;
    if (k < pc) break;
    k -= pc;
    word = blob[++wi]!;
  }
  for (; k > 0; k--) word &= word - 1;
  const bit = wi * 16 + (31 - Math.clz32(word & -word));
  return (bit - b0 - j) * CHUNK_VALUES + low16;
}
