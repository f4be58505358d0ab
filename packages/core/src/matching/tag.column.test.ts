import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TagColumn } from './tag.column.js';

/** Tags in runs of random lengths: long runs give the run-length form, short ones the plain. */
const taggedRuns = fc
  .array(fc.record({ tag: fc.nat(4), len: fc.integer({ min: 1, max: 200 }) }), { maxLength: 40 })
  .map((runs) => runs.flatMap((r) => Array.from({ length: r.len }, () => r.tag)));

describe('TagColumn', () => {
  it('returns every tag by position and every range of a tag, in either form', () => {
    fc.assert(
      fc.property(taggedRuns, fc.nat(4), (tags, tag) => {
        const col = TagColumn.from(Uint16Array.from(tags), tags.length);
        tags.forEach((t, i) => expect(col.at(i)).toBe(t));
        const seen: number[] = [];
        col.forEachRange(tag, (from, to) => {
          expect(to).toBeGreaterThan(from);
          for (let i = from; i < to; i++) seen.push(i);
        });
        expect(seen).toEqual(tags.flatMap((t, i) => (t === tag ? [i] : [])));
      }),
      { numRuns: 300 },
    );
  });

  it('costs a few bytes for long runs and stays plain for interleaved tags', () => {
    const n = 60_000;
    const runs = Uint16Array.from({ length: n }, (_, i) => (i < 40_000 ? 3 : 7));
    expect(TagColumn.from(runs, n).byteLength).toBeLessThan(64);
    const mixed = Uint16Array.from({ length: n }, (_, i) => i % 2);
    expect(TagColumn.from(mixed, n).byteLength).toBe(n * 2);
  });
});
