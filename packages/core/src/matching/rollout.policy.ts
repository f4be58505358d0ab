/**
 * Deterministic gradual roll-out: a bank with `enabledRatio` r is consulted for a fraction r
 * of contents, always the same contents for the same bank (so a re-upload gets the same
 * answer), and raising r only adds contents (the bucket is fixed, the bar moves).
 */

/** FNV-1a (32-bit) over UTF-16 code units, then the Murmur3 fmix32 finaliser for spread. */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The content's roll-out bucket for a bank, uniform in [0, 1). Mixing in the bank id gives
 * each bank its own independent sample of contents.
 */
export function rolloutBucket(bankId: number, contentKey: string): number {
  return hash32(`${bankId}\u0000${contentKey}`) / 4294967296;
}

/** True when a bank with this `enabledRatio` is consulted for this content. */
export function isRolledOut(bankId: number, enabledRatio: number, contentKey: string): boolean {
  if (enabledRatio >= 1) return true;
  if (!(enabledRatio > 0)) return false;
  return rolloutBucket(bankId, contentKey) < enabledRatio;
}
