import { describe, expect, it } from 'vitest';
import { CasePdqIndex } from './case-pdq.index.js';

const base = 'f'.repeat(64);
/** `base` with the first `bits` bits flipped. */
function flip(bits: number): string {
  const chars = base.split('');
  for (let b = 0; b < bits; b++) {
    const i = Math.floor(b / 4);
    chars[i] = (parseInt(chars[i]!, 16) ^ (1 << (3 - (b % 4)))).toString(16);
  }
  return chars.join('');
}

describe('CasePdqIndex', () => {
  it('finds cases within the threshold, once per case, at the smallest distance', () => {
    const ix = new CasePdqIndex(31);
    ix.added('1', base);
    ix.added('1', flip(10));
    ix.added('1', base); // same PDQ again: no second entry
    ix.added('2', flip(60));
    expect(ix.size).toBe(3);
    expect(ix.near(flip(5))).toEqual([{ caseId: '1', distance: 5 }]);
    expect(ix.near(flip(60)).map((n) => n.caseId)).toEqual(['2']);
    expect(ix.near('0'.repeat(64))).toEqual([]);
  });

  it('forgets a closed case and bulk-loads', () => {
    const ix = new CasePdqIndex();
    ix.load([
      { caseId: '7', pdq: base },
      { caseId: '8', pdq: flip(20) },
    ]);
    expect(
      ix
        .near(base)
        .map((n) => n.caseId)
        .sort(),
    ).toEqual(['7', '8']);
    expect(ix.removeCase('7')).toBe(true);
    expect(ix.removeCase('7')).toBe(false);
    expect(ix.near(base)).toEqual([{ caseId: '8', distance: 20 }]);
    expect(ix.caseCount).toBe(1);
  });

  it('refuses a bad threshold and a malformed PDQ', () => {
    expect(() => new CasePdqIndex(300)).toThrow(/pdqThreshold/);
    expect(() => new CasePdqIndex().added('1', 'zz')).toThrow();
  });
});
