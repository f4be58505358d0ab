/**
 * The pigeonhole arithmetic behind {@link PdqIndex}: which buckets a query must probe so that
 * no hash within distance `d` is missed, and what that costs compared with a linear scan.
 *
 * Layout: the 256 bits are 16 chunks of 16 bits (chunk c is the low or high half of word
 * `c >>> 1`), grouped into 8 pairs (chunks 2p and 2p+1 share word p). Each chunk has its own
 * table keyed by the chunk, and every posting also carries the other chunk of its pair (the
 * "companion").
 *
 * Exactness: if `dist(q, h) <= d` then, because the 8 pair distances sum to at most `d`, some
 * pair p has `dist_p <= R = floor(d / 8)` (pigeonhole; Norouzi, Punjani and Fleet, "Fast Exact
 * Search in Hamming Space with Multi-Index Hashing", IEEE TPAMI 2014, Prop. 1). Within that
 * pair the two chunk distances `a + b <= R`, so the smaller one is at most `r = floor(R / 2)`.
 * Searching the table of that chunk for keys at distance `e <= r` from the query chunk and
 * keeping postings whose companion is within `R - e` therefore finds `h`. At the PDQ default
 * `d = 31`: R = 3, r = 1, so each of the 16 tables probes 1 + 16 = 17 buckets, and the
 * 16-bit companion filter (distance <= 3 or <= 2) rejects about 99% of postings without
 * touching the hash array. The classic 16 x 16-bit scheme (radius floor(31/16) = 1 per chunk,
 * no companion) probes the same buckets but must fetch every posting's full hash from random
 * memory: about 40k cache misses per query at 10M hashes (see docs/decisions/0002-pdq-index.md).
 */

/** Number of 16-bit chunks (and tables). */
export const PDQ_CHUNKS = 16;
/** Number of 16-bit chunk values: the size of each table's bucket directory. */
export const CHUNK_VALUES = 65536;

/** `POPCOUNT16[x]` = number of set bits of the 16-bit value x; one load instead of SWAR. */
export const POPCOUNT16: Uint8Array = (() => {
  const t = new Uint8Array(CHUNK_VALUES);
  for (let i = 1; i < CHUNK_VALUES; i++) t[i] = (i & 1) + t[i >>> 1]!;
  return t;
})();

/**
 * All 16-bit masks ordered by weight (number of set bits): the masks of weight e are
 * `MASKS_BY_WEIGHT[BALL16[e-1] .. BALL16[e])` (with BALL16[-1] taken as 0), so the keys at
 * distance exactly e from k are `k ^ mask` for those masks.
 */
export const MASKS_BY_WEIGHT: Uint16Array = (() => {
  const out = new Uint16Array(CHUNK_VALUES);
  let n = 0;
  for (let w = 0; w <= 16; w++) {
    for (let m = 0; m < CHUNK_VALUES; m++) if (POPCOUNT16[m] === w) out[n++] = m;
  }
  return out;
})();

/** `BALL16[e]` = number of 16-bit values within distance e of a point (e clamped to 0..16). */
export const BALL16: readonly number[] = (() => {
  const out: number[] = [];
  let c = 1;
  let sum = 0;
  for (let e = 0; e <= 16; e++) {
    sum += c;
    out.push(sum);
    c = (c * (16 - e)) / (e + 1);
  }
  return out;
})();

/** Number of 16-bit values within distance e (0 for e < 0, 65536 for e >= 16). */
export function ball16(e: number): number {
  if (e < 0) return 0;
  return BALL16[Math.min(e, 16)]!;
}

/** Number of `bits`-bit values within distance e of a point (0 for e < 0). */
export function ballBits(bits: number, e: number): number {
  let sum = 0;
  let c = 1;
  for (let i = 0; i <= Math.min(e, bits); i++) {
    sum += c;
    c = (c * (bits - i)) / (i + 1);
  }
  return sum;
}

/** Probe parameters for one search distance. */
export interface PigeonholePlan {
  /** Budget every matching hash respects on at least one pair: floor(d / 8). */
  readonly pairRadius: number;
  /** Key radius probed in each table: floor(pairRadius / 2). */
  readonly keyRadius: number;
  /** Buckets probed per table: ball16(keyRadius). */
  readonly bucketsPerTable: number;
  /**
   * Expected fraction of a table's postings (for uniformly random hashes) that pass the bucket
   * and companion filters when postings keep `c` companion bits: sum over e <= keyRadius of
   * C(16,e) / 65536 * ball_c(R - e) / 2^c.
   */
  readonly passFraction: number;
}

/** The probe plan for distance `d` (0..256) over postings keeping `companionBits` (1..16). */
export function pigeonholePlan(d: number, companionBits = 16): PigeonholePlan {
  const pairRadius = Math.floor(d / 8);
  const keyRadius = Math.floor(pairRadius / 2);
  let pass = 0;
  for (let e = 0; e <= keyRadius && e <= 16; e++) {
    const exactlyE = ball16(e) - ball16(e - 1);
    pass += exactlyE * (ballBits(companionBits, pairRadius - e) / 2 ** companionBits);
  }
  return {
    pairRadius,
    keyRadius,
    bucketsPerTable: ball16(keyRadius),
    passFraction: pass / CHUNK_VALUES,
  };
}

/**
 * Relative costs (roughly nanoseconds on a 2020s x86 server core, measured with
 * bench/match.bench.mjs) used to choose between probing the tables and scanning linearly.
 * Only the ratio matters; both paths are exact, so a wrong guess costs time, never recall.
 */
const COST_BUCKET = 6;
const COST_POSTING = 1.5;
const COST_VERIFY = 60;
const COST_LINEAR = 5;

/** Estimated cost of probing tables holding `indexed` hashes, in {@link COST_LINEAR} units. */
export function indexCost(plan: PigeonholePlan, indexed: number): number {
  const perTable = indexed / CHUNK_VALUES;
  return (
    PDQ_CHUNKS *
    (plan.bucketsPerTable * (COST_BUCKET + perTable * COST_POSTING) +
      indexed * plan.passFraction * COST_VERIFY)
  );
}

/** Estimated cost of a linear scan over `slots` hashes. */
export function linearCost(slots: number): number {
  return slots * COST_LINEAR;
}
