import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hammingDistance256, type Hash256 } from '../hashing/hash256.codec.js';
import { PdqIndex, type PdqIndexOptions, type PdqSearchStrategy } from './pdq.index.js';
import { codeOf, rng } from '../testing/test-helpers.js';

/** Small limits so that tiny indexes use tables, chains, rebuilds and compactions. */
const TIGHT: PdqIndexOptions = {
  minIndexedSize: 0,
  minOverflow: 4,
  maxOverflowRatio: 0.25,
  minDead: 3,
  maxDeadRatio: 0.2,
};

/** Deterministic xorshift32 so failures reproduce from the fast-check seed. */

function randomHash(r: () => number): Hash256 {
  const h = new Uint32Array(8);
  for (let i = 0; i < 8; i++) h[i] = r();
  return h;
}

/** A copy of `h` with exactly `k` distinct bits flipped. */
function flip(h: Hash256, k: number, r: () => number): Hash256 {
  const out = h.slice();
  const bits = Array.from({ length: 256 }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + (r() % (256 - i));
    const b = bits[j]!;
    bits[j] = bits[i]!;
    bits[i] = b;
    out[b >>> 5] = (out[b >>> 5]! ^ (1 << (b & 31))) >>> 0;
  }
  return out;
}

type Brute = Map<number, { hash: Hash256; tag: number }>;

function bruteForce(entries: Brute, q: Hash256, d: number): string[] {
  const out: string[] = [];
  for (const [id, e] of entries) {
    const dist = hammingDistance256(e.hash, q);
    if (dist <= d) out.push(`${id}:${dist}:${e.tag}`);
  }
  return out.sort();
}

function viaIndex(index: PdqIndex, q: Hash256, d: number, strategy: PdqSearchStrategy): string[] {
  const out: string[] = [];
  index.forEachWithin(q, d, (id, dist, tag) => out.push(`${id}:${dist}:${tag}`), strategy);
  return out.sort();
}

const STRATEGIES: PdqSearchStrategy[] = ['index', 'linear', 'auto'];

describe('PdqIndex', () => {
  it('equals brute force under random adds, duplicates, removals and re-adds at d 0..63', () => {
    // Hashes are perturbations of a few centres, so queries have neighbours at every
    // distance 0..80 and the companion filter and canonical-owner rule are exercised.
    // Adds dominate and ids collide often, so bulk appends of one id pile up between the
    // operations that resolve them (remove, add, compact, commit).
    const op = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constant('add' as const),
          id: fc.nat(25),
          centre: fc.nat(3),
          flips: fc.nat(80),
          tag: fc.nat(5),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ kind: fc.constant('dup' as const), id: fc.nat(25), of: fc.nat(25) }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), id: fc.nat(25) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const) }) },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.array(op, { maxLength: 120 }),
        fc.array(fc.record({ centre: fc.nat(3), flips: fc.nat(70), d: fc.nat(63) }), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.boolean(),
        fc.constantFrom(1, 5, 12, 16),
        fc.constantFrom(1, 70_001, 165_191_049),
        (seed, ops, queries, bulk, companionBits, idScale) => {
          // idScale spreads ids so that id blocks span more than 16 bits (wide blocks)
          const r = rng(seed);
          const centres = [0, 1, 2, 3].map(() => randomHash(r));
          const index = new PdqIndex({ ...TIGHT, companionBits });
          const brute: Brute = new Map();
          for (const o of ops) {
            if (o.kind === 'add') {
              const hash = flip(centres[o.centre]!, o.flips, r);
              if (bulk) index.append(o.id * idScale, hash, o.tag);
              else index.add(o.id * idScale, hash, o.tag);
              brute.set(o.id * idScale, { hash, tag: o.tag });
            } else if (o.kind === 'dup') {
              const src = brute.get(o.of * idScale);
              if (src === undefined) continue;
              index.add(o.id * idScale, src.hash, src.tag);
              brute.set(o.id * idScale, { hash: src.hash.slice(), tag: src.tag });
            } else if (o.kind === 'remove') {
              expect(index.remove(o.id * idScale)).toBe(brute.delete(o.id * idScale));
            } else {
              index.compact();
            }
          }
          expect(index.size).toBe(brute.size);
          for (const qs of queries) {
            const q = flip(centres[qs.centre]!, qs.flips, r);
            const want = bruteForce(brute, q, qs.d);
            for (const s of STRATEGIES) expect(viaIndex(index, q, qs.d, s)).toEqual(want);
          }
          index.commit();
          for (const qs of queries) {
            const q = flip(centres[qs.centre]!, qs.flips, r);
            expect(viaIndex(index, q, qs.d, 'index')).toEqual(bruteForce(brute, q, qs.d));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('finds planted near-duplicates at every distance 0..63 for every threshold 0..63', () => {
    const r = rng(12345);
    const index = new PdqIndex({ minIndexedSize: 0 });
    const brute: Brute = new Map();
    const ids: number[] = [];
    const hashes: Hash256[] = [];
    for (let i = 0; i < 5000; i++) {
      ids.push(1000 + i);
      hashes.push(randomHash(r));
    }
    const query = randomHash(r);
    for (let k = 0; k <= 63; k++) {
      // two plants per distance, one a duplicate hash under another id
      const h = flip(query, k, r);
      ids.push(k, 100 + k);
      hashes.push(h, h.slice());
    }
    const flat = new Uint32Array(ids.length * 8);
    hashes.forEach((h, i) => flat.set(h, i * 8));
    index.loadArrays(ids, flat);
    ids.forEach((id, i) => brute.set(id, { hash: hashes[i]!, tag: 0 }));
    for (let d = 0; d <= 63; d++) {
      const got = viaIndex(index, query, d, 'index');
      expect(got).toEqual(bruteForce(brute, query, d));
      expect(got.length).toBe(2 * (d + 1));
    }
    // Larger distances stay exact (the plan degrades to wider probes or a linear scan).
    for (const d of [64, 100, 127, 200, 256]) {
      expect(viaIndex(index, query, d, 'index')).toEqual(bruteForce(brute, query, d));
      expect(viaIndex(index, query, d, 'auto')).toEqual(bruteForce(brute, query, d));
    }
  });

  it('stays exact across overflow chains, tombstones and automatic rebuilds at default limits', () => {
    const r = rng(777);
    const index = new PdqIndex();
    const brute: Brute = new Map();
    const n = 20_000;
    const flat = new Uint32Array(n * 8);
    const ids = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const h = randomHash(r);
      flat.set(h, i * 8);
      ids[i] = i;
      brute.set(i, { hash: h, tag: 0 });
    }
    index.loadArrays(ids, flat);
    expect(index.stats().built).toBe(n);
    const query = randomHash(r);
    for (let i = 0; i < 3000; i++) {
      const id = n + i;
      const h = flip(query, i % 40, r);
      index.add(id, h, 1);
      brute.set(id, { hash: h, tag: 1 });
      if (i % 3 === 0) {
        index.remove(i);
        brute.delete(i);
      }
    }
    const st = index.stats();
    expect(st.overflow).toBeGreaterThan(0);
    expect(st.dead).toBeGreaterThan(0);
    for (const d of [0, 5, 16, 31, 40, 63]) {
      expect(viaIndex(index, query, d, 'index')).toEqual(bruteForce(brute, query, d));
    }
    index.compact();
    expect(index.stats()).toMatchObject({ dead: 0, overflow: 0, built: brute.size });
    expect(viaIndex(index, query, 31, 'auto')).toEqual(bruteForce(brute, query, 31));
  });

  it('decodes slots above 65535 (Elias-Fano upper bits) in a 200k index', () => {
    const r = rng(4242);
    const n = 200_000;
    const flat = new Uint32Array(n * 8);
    for (let i = 0; i < flat.length; i++) flat[i] = r();
    const queries: Hash256[] = [];
    // plant near-duplicates of each query at slots spread over all 64k blocks
    for (let qi = 0; qi < 40; qi++) {
      const q = randomHash(r);
      queries.push(q);
      for (let j = 0; j < 5; j++) {
        const slot = (qi * 4999 + j * 40_013) % n;
        flat.set(flip(q, (qi + j * 7) % 40, r), slot * 8);
      }
    }
    const ids = Uint32Array.from({ length: n }, (_, i) => i);
    const wants = queries.map((q) => {
      const want: string[] = [];
      for (let s = 0; s < n; s++) {
        const d = hammingDistance256(flat.subarray(s * 8, s * 8 + 8), q);
        if (d <= 31) want.push(`${s}:${d}:0`);
      }
      expect(want.length).toBeGreaterThan(0);
      return want.sort();
    });
    // every packing of the posting: mids of 7, 12 and 16 bits, split across 16-bit units
    for (const companionBits of [7, 12, 16]) {
      const index = new PdqIndex({ companionBits });
      index.loadArrays(ids, flat);
      queries.forEach((q, i) => expect(viaIndex(index, q, 31, 'index')).toEqual(wants[i]));
    }
  });

  it('treats re-adding the same id as replace, and the same hash and tag as a no-op', () => {
    const r = rng(9);
    const index = new PdqIndex(TIGHT);
    const a = randomHash(r);
    const b = flip(a, 10, r);
    expect(index.add(7, a, 1)).toBe(true);
    expect(index.add(7, a, 1)).toBe(false);
    expect(index.add(7, b, 1)).toBe(true);
    expect(index.size).toBe(1);
    expect(index.search(a, 9)).toEqual([]);
    expect(index.search(a, 10)).toEqual([{ id: 7, distance: 10, tag: 1 }]);
    expect(index.add(7, b, 2)).toBe(true);
    expect(index.getTag(7)).toBe(2);
    expect(Array.from(index.getHash(7)!)).toEqual(Array.from(b));
    expect(index.remove(7)).toBe(true);
    expect(index.remove(7)).toBe(false);
    expect(index.has(7)).toBe(false);
    expect(index.add(7, a, 3)).toBe(true);
    expect(index.search(a, 0)).toEqual([{ id: 7, distance: 0, tag: 3 }]);
  });

  it('compacts down to empty and back without building empty tables', () => {
    const r = rng(3);
    const index = new PdqIndex(TIGHT);
    const h = randomHash(r);
    index.compact();
    expect(index.stats()).toMatchObject({ size: 0, built: 0 });
    index.add(1, h);
    index.remove(1);
    index.compact();
    expect(index.stats().bytes).toBeLessThan(1 << 20);
    index.add(2, h);
    expect(index.search(h, 0)).toEqual([{ id: 2, distance: 0, tag: 0 }]);
  });

  it('resolves duplicate ids among bulk appends in favour of the last one', () => {
    const r = rng(11);
    const a = randomHash(r);
    const b = flip(a, 20, r);
    for (const finish of ['compact', 'commit', 'search'] as const) {
      const index = new PdqIndex({ minIndexedSize: 0 });
      index.append(5, a, 1);
      index.append(6, a, 1);
      index.append(5, b, 2);
      if (finish === 'compact') index.compact();
      if (finish === 'commit') index.commit();
      expect(index.search(a, 63, 'index')).toEqual([
        { id: 6, distance: 0, tag: 1 },
        { id: 5, distance: 20, tag: 2 },
      ]);
      expect(index.size).toBe(2);
      index.compact();
      expect(index.stats()).toMatchObject({ size: 2, slots: 2, dead: 0 });
    }
  });

  it('removes by tag', () => {
    const r = rng(5);
    const index = new PdqIndex(TIGHT);
    const q = randomHash(r);
    for (let i = 0; i < 30; i++) index.add(i, flip(q, i, r), i % 3);
    expect(index.removeByTag(1)).toBe(10);
    const got = index.search(q, 63);
    expect(got.map((h) => h.id).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 3 !== 1),
    );
  });

  it('rejects bad ids, tags, hashes and distances with stable codes', () => {
    const index = new PdqIndex();
    const h = new Uint32Array(8);
    expect(codeOf(() => index.add(-1, h))).toBe('LG_ERR_INVALID_ARGUMENT');
    expect(codeOf(() => index.add(2 ** 32, h))).toBe('LG_ERR_INVALID_ARGUMENT');
    expect(codeOf(() => index.add(1.5, h))).toBe('LG_ERR_INVALID_ARGUMENT');
    expect(codeOf(() => index.add(1, h, 70000))).toBe('LG_ERR_INVALID_ARGUMENT');
    expect(codeOf(() => index.add(1, new Uint32Array(7)))).toBe('LG_ERR_INVALID_HASH');
    expect(codeOf(() => index.search(h, 257))).toBe('LG_ERR_INVALID_ARGUMENT');
    expect(codeOf(() => index.search(h, -1))).toBe('LG_ERR_INVALID_ARGUMENT');
    expect(codeOf(() => new PdqIndex({ companionBits: 0 }))).toBe('LG_ERR_INVALID_ARGUMENT');
    expect(codeOf(() => new PdqIndex({ companionBits: 17 }))).toBe('LG_ERR_INVALID_ARGUMENT');
    expect(index.size).toBe(0);
  });
});
