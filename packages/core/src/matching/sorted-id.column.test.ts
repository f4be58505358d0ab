import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SortedIdColumn } from './sorted-id.column.js';

/** Strictly ascending ids from gaps: mostly small, sometimes beyond 16 bits. */
const ascendingIds = fc
  .array(
    fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: 1, max: 300 }) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 5_000_000 }) },
    ),
    { maxLength: 700 },
  )
  .chain((gaps) =>
    fc.nat(1000).map((first) => {
      const ids: number[] = [];
      let id = first;
      for (const g of gaps) {
        ids.push(id);
        id += g;
      }
      return ids;
    }),
  );

describe('SortedIdColumn', () => {
  it('returns every id by position and every position by id, and -1 for absent ids', () => {
    fc.assert(
      fc.property(ascendingIds, fc.array(fc.nat(6_000_000), { maxLength: 50 }), (ids, probes) => {
        const col = SortedIdColumn.from(Uint32Array.from(ids), ids.length);
        expect(col.length).toBe(ids.length);
        ids.forEach((id, i) => {
          expect(col.at(i)).toBe(id);
          expect(col.find(id)).toBe(i);
        });
        for (const p of probes) expect(col.find(p)).toBe(ids.indexOf(p));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps dense ids in about two bytes each and handles the largest id', () => {
    const n = 100_000;
    const ids = Uint32Array.from({ length: n }, (_, i) => 1000 + i * 3);
    const col = SortedIdColumn.from(ids, n);
    expect(col.byteLength).toBeLessThan(n * 2.1);
    expect(col.find(1000 + 3 * 54_321)).toBe(54_321);
    expect(col.find(1001)).toBe(-1);
    const top = SortedIdColumn.from(Uint32Array.from([0, 0xfffffffd, 0xfffffffe]), 3);
    expect(top.at(2)).toBe(0xfffffffe);
    expect(top.find(0xfffffffe)).toBe(2);
    expect(SortedIdColumn.EMPTY.find(0)).toBe(-1);
  });
});
