import { ErrorCodes, LifeguardError } from '../errors/lifeguard-error.js';

/**
 * A 256-bit PDQ hash packed into eight 32-bit words.
 *
 * Bit k (k = 16 * row + column of the 16x16 DCT output) lives in word `k >>> 5` at position
 * `k & 31`. This is the reference's layout (sixteen 16-bit words, bit k in word `k >> 4` at
 * `k & 15`, facebook/ThreatExchange pdq/cpp/common/pdqhashtypes.h) with pairs of words fused,
 * so chunk c of 16 bits is `(w[c >>> 1] >>> ((c & 1) * 16)) & 0xffff`.
 */
export type Hash256 = Uint32Array;

/** Number of 32-bit words in a {@link Hash256}. */
export const HASH256_WORDS = 8;

const HEX_RE = /^[0-9a-fA-F]{64}$/;

/** A new all-zero hash. */
export function emptyHash256(): Hash256 {
  return new Uint32Array(HASH256_WORDS);
}

/** True when `hex` is a well-formed 64-character PDQ hex string (either case). */
export function isHash256Hex(hex: string): boolean {
  return HEX_RE.test(hex);
}

/**
 * Parse the reference hex format: 64 hex digits, most significant 16-bit word first
 * (`w[15]` .. `w[0]`, four digits each). Throws `LG_ERR_INVALID_HASH` otherwise.
 */
export function parseHash256(hex: string): Hash256 {
  if (!HEX_RE.test(hex)) {
    throw new LifeguardError(
      ErrorCodes.INVALID_HASH,
      `invalid PDQ hash: expected 64 hex characters, got ${hex.length} characters${
        hex.length === 64 ? ' with non-hex characters' : ''
      }`,
      { length: hex.length },
    );
  }
  const out = new Uint32Array(HASH256_WORDS);
  for (let i = 0; i < HASH256_WORDS; i++) {
    out[HASH256_WORDS - 1 - i] = parseInt(hex.slice(i * 8, i * 8 + 8), 16);
  }
  return out;
}

/** Format as the reference's lowercase 64-character hex string. */
export function formatHash256(hash: Hash256): string {
  let s = '';
  for (let i = HASH256_WORDS - 1; i >= 0; i--) {
    s += (hash[i]! >>> 0).toString(16).padStart(8, '0');
  }
  return s;
}

/** Number of set bits in a 32-bit word (SWAR popcount; no per-bit loop). */
export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Hamming distance between two 256-bit hashes: the number of differing bits (0..256). */
export function hammingDistance256(a: Hash256, b: Hash256): number {
  return (
    popcount32(a[0]! ^ b[0]!) +
    popcount32(a[1]! ^ b[1]!) +
    popcount32(a[2]! ^ b[2]!) +
    popcount32(a[3]! ^ b[3]!) +
    popcount32(a[4]! ^ b[4]!) +
    popcount32(a[5]! ^ b[5]!) +
    popcount32(a[6]! ^ b[6]!) +
    popcount32(a[7]! ^ b[7]!)
  );
}

/**
 * Hamming distance between the hash stored at `aOffset` words into `a` and the one at
 * `bOffset` into `b`: the form the match index uses on its flat word arrays.
 */
export function hammingDistanceAt(
  a: Uint32Array,
  aOffset: number,
  b: Uint32Array,
  bOffset: number,
): number {
  let d = 0;
  for (let i = 0; i < HASH256_WORDS; i++) d += popcount32(a[aOffset + i]! ^ b[bOffset + i]!);
  return d;
}

/** Read bit k (0..255) of a hash. */
export function getBit(hash: Hash256, k: number): boolean {
  return ((hash[k >>> 5]! >>> (k & 31)) & 1) === 1;
}

/** Set bit k (0..255) of a hash in place. */
export function setBit(hash: Hash256, k: number): void {
  hash[k >>> 5] = (hash[k >>> 5]! | (1 << (k & 31))) >>> 0;
}
