import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLifeguardError } from '../errors/lifeguard-error.js';
import {
  emptyHash256,
  formatHash256,
  getBit,
  hammingDistance256,
  isHash256Hex,
  parseHash256,
  popcount32,
  setBit,
} from './hash256.codec.js';

const hexHash = fc.stringMatching(/^[0-9a-f]{64}$/);
const hashArb = fc.uint32Array({ minLength: 8, maxLength: 8 });

/** Per-bit reference distance, deliberately naive. */
function naiveDistance(a: Uint32Array, b: Uint32Array): number {
  let d = 0;
  for (let k = 0; k < 256; k++) if (getBit(a, k) !== getBit(b, k)) d++;
  return d;
}

describe('hash256 codec', () => {
  it('round-trips hex in both directions', () => {
    fc.assert(fc.property(hexHash, (hex) => formatHash256(parseHash256(hex)) === hex));
    fc.assert(
      fc.property(hashArb, (h) => hammingDistance256(parseHash256(formatHash256(h)), h) === 0),
    );
  });

  it('uses the reference bit order: bit 0 is the lowest bit of the last hex digit', () => {
    const h = emptyHash256();
    setBit(h, 0);
    expect(formatHash256(h)).toBe('0'.repeat(63) + '1');
    const g = emptyHash256();
    setBit(g, 255);
    expect(formatHash256(g)).toBe('8' + '0'.repeat(63));
    // Bit 16 is the lowest bit of 16-bit word w[1], i.e. of the 4-digit group second from the end.
    const w = emptyHash256();
    setBit(w, 16);
    expect(formatHash256(w)).toBe('0'.repeat(56) + '00010000');
  });

  it('accepts upper case and rejects malformed hex with LG_ERR_INVALID_HASH', () => {
    expect(formatHash256(parseHash256('A'.repeat(64)))).toBe('a'.repeat(64));
    for (const bad of ['', 'abc', 'g'.repeat(64), 'a'.repeat(63), 'a'.repeat(65), ' '.repeat(64)]) {
      expect(isHash256Hex(bad)).toBe(false);
      try {
        parseHash256(bad);
        expect.unreachable();
      } catch (e) {
        expect(isLifeguardError(e, 'LG_ERR_INVALID_HASH')).toBe(true);
      }
    }
  });

  it('popcount32 agrees with a bit loop', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (x) => {
        let n = 0;
        for (let i = 0; i < 32; i++) n += (x >>> i) & 1;
        return popcount32(x) === n;
      }),
    );
  });

  it('distance is a metric and equals the per-bit count', () => {
    fc.assert(
      fc.property(hashArb, hashArb, hashArb, (a, b, c) => {
        const ab = hammingDistance256(a, b);
        expect(ab).toBe(naiveDistance(a, b));
        expect(hammingDistance256(a, a)).toBe(0);
        expect(ab).toBe(hammingDistance256(b, a));
        if (ab === 0) expect(formatHash256(a)).toBe(formatHash256(b));
        expect(hammingDistance256(a, c)).toBeLessThanOrEqual(ab + hammingDistance256(b, c));
        expect(ab).toBeGreaterThanOrEqual(0);
        expect(ab).toBeLessThanOrEqual(256);
      }),
    );
  });
});
