import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DigestTable } from './digest.table.js';
import { codeOf } from '../testing/test-helpers.js';

/** A few distinct digests so that several entries share one (same content in two banks). */
function digests(bytes: 16 | 32): string[] {
  return Array.from({ length: 6 }, (_, i) =>
    Array.from({ length: bytes }, (_, j) =>
      ((i * 37 + j * 11) & 0xff).toString(16).padStart(2, '0'),
    ).join(''),
  );
}

describe('DigestTable', () => {
  it('equals a Map model under sets, replaces, removals and bank removals', () => {
    const op = fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record({
          kind: fc.constant('set' as const),
          id: fc.nat(40),
          d: fc.nat(5),
          tag: fc.nat(3),
        }),
      },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), id: fc.nat(40) }) },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('removeTag' as const), tag: fc.nat(3) }),
      },
    );
    fc.assert(
      fc.property(
        fc.constantFrom(16 as const, 32 as const),
        fc.array(op, { maxLength: 300 }),
        (bytes, ops) => {
          const ds = digests(bytes);
          const table = new DigestTable(bytes);
          const model = new Map<number, { d: number; tag: number }>();
          for (const o of ops) {
            if (o.kind === 'set') {
              table.set(o.id, ds[o.d]!, o.tag);
              model.set(o.id, { d: o.d, tag: o.tag });
            } else if (o.kind === 'remove') {
              expect(table.remove(o.id)).toBe(model.delete(o.id));
            } else {
              let n = 0;
              for (const [id, e] of model) if (e.tag === o.tag && model.delete(id)) n++;
              expect(table.removeByTag(o.tag)).toBe(n);
            }
          }
          expect(table.size).toBe(model.size);
          ds.forEach((hex, d) => {
            const got: string[] = [];
            table.forEachMatch(hex, (id, tag) => got.push(`${id}:${tag}`));
            const want = [...model].filter(([, e]) => e.d === d).map(([id, e]) => `${id}:${e.tag}`);
            expect(got.sort()).toEqual(want.sort());
          });
          for (let id = 0; id <= 40; id++) expect(table.has(id)).toBe(model.has(id));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('holds 200k MD5 entries in under 60 bytes each, and structured digests spread', () => {
    const table = new DigestTable(16);
    const n = 200_000;
    const md5 = (i: number): string => createHash('md5').update(`entry ${i}`).digest('hex');
    for (let i = 0; i < n; i++) table.set(i, md5(i), 0);
    expect(table.size).toBe(n);
    expect(table.byteLength / n).toBeLessThan(60);
    let hits = 0;
    table.forEachMatch(md5(12345), (id) => {
      expect(id).toBe(12345);
      hits++;
    });
    expect(hits).toBe(1);
    // digests sharing all but their last word (a quadratic pile-up if only a prefix hashed)
    const structured = new DigestTable(32);
    for (let i = 0; i < 50_000; i++) structured.set(i, i.toString(16).padStart(64, '0'), 0);
    expect(structured.forEachMatch((49_999).toString(16).padStart(64, '0'), () => {})).toBe(1);
  });

  it('rejects malformed digests and ids with stable codes', () => {
    const table = new DigestTable(16);
    expect(codeOf(() => table.set(1, 'ab', 0))).toBe('LG_ERR_INVALID_HASH');
    expect(codeOf(() => table.set(-1, '0'.repeat(32), 0))).toBe('LG_ERR_INVALID_ARGUMENT');
    expect(table.size).toBe(0);
  });
});
