import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLifeguardError } from '../errors/lifeguard-error.js';
import { formatHash256, hammingDistance256, parseHash256 } from '../hashing/hash256.codec.js';
import type { ItemSubject, MediaRef } from './case.model.js';
import { CaseFolder } from './case.folder.js';

/** Deterministic pseudo-random PDQ hex (xorshift32): distinct seeds give far-apart hashes. */
function pdqHex(seed: number): string {
  let x = (seed * 2654435761 + 1) >>> 0 || 1;
  const w = new Uint32Array(8);
  for (let i = 0; i < 8; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    w[i] = x;
  }
  return formatHash256(w);
}

/** `hex` with the given bit positions flipped. */
function flip(hex: string, bits: readonly number[]): string {
  const w = parseHash256(hex);
  for (const b of bits) w[b >>> 5]! ^= 1 << (b & 31);
  return formatHash256(w);
}

function media(i: number): MediaRef {
  const h = i.toString(16).padStart(8, '0');
  return { md5: h.repeat(4), sha256: h.repeat(8), pdq: pdqHex(i) };
}

function ids(): () => string {
  let n = 0;
  return () => `case-${++n}`;
}

describe('CaseFolder', () => {
  it('1000 reports of one image are one case; distinct images are distinct cases', () => {
    const f = new CaseFolder();
    const next = ids();
    const one = new Set<string>();
    for (let i = 0; i < 1000; i++) one.add(f.fold({ media: media(1) }, next).caseId);
    expect(one.size).toBe(1);
    const other = new Set<string>();
    for (let i = 2; i < 52; i++) other.add(f.fold({ media: media(i) }, next).caseId);
    expect(other.size).toBe(50);
    expect(other.has([...one][0]!)).toBe(false);
  });

  it('near-duplicates within the threshold fold, beyond it do not', () => {
    const base = pdqHex(7);
    const f = new CaseFolder({ pdqThreshold: 31 });
    const next = ids();
    const first = f.fold({ media: { pdq: base } }, next).caseId;
    // 50 re-encodes: each differs from the first by up to 31 bits.
    for (let k = 0; k < 50; k++) {
      const bits = Array.from({ length: 1 + (k % 31) }, (_, j) => (k * 37 + j * 8) % 256);
      const near = flip(base, [...new Set(bits)]);
      expect(hammingDistance256(parseHash256(near), parseHash256(base))).toBeLessThanOrEqual(31);
      const r = f.fold({ media: { pdq: near } }, next);
      expect(r.caseId).toBe(first);
    }
    const far = flip(
      base,
      Array.from({ length: 32 }, (_, j) => j * 8),
    );
    const fresh = new CaseFolder({ pdqThreshold: 31 });
    fresh.add('c1', { media: { pdq: base } });
    expect(fresh.decide({ media: { pdq: far } }).kind).toBe('open');
    // Within 31 of an item already in the case (not only of the first): it joins.
    fresh.add('c1', { media: { pdq: flip(base, [0, 8, 16]) } });
    expect(fresh.decide({ media: { pdq: far } })).toMatchObject({
      target: { caseId: 'c1', distance: 29 },
    });
  });

  it('finds near-duplicates through the PDQ index once it is built', () => {
    const f = new CaseFolder({ pdqIndex: { minIndexedSize: 0, minOverflow: 4 } });
    const next = ids();
    const cases = Array.from({ length: 200 }, (_, i) => f.fold({ media: media(i) }, next).caseId);
    for (let i = 0; i < 200; i += 17) {
      const near = flip(media(i).pdq!, [1, 50, 100, 200]);
      const d = f.decide({ media: { pdq: near } });
      expect(d).toMatchObject({
        kind: 'join',
        target: { caseId: cases[i], via: 'pdq_near', distance: 4 },
      });
    }
  });

  it('folds account-only items on the account, but not media items by their uploader', () => {
    const f = new CaseFolder();
    const next = ids();
    const a = f.fold({ account: 'u9' }, next).caseId;
    expect(f.fold({ account: 'u9' }, next).caseId).toBe(a);
    expect(f.fold({ account: 'u10' }, next).opened).toBe(true);
    const m1 = f.fold({ media: media(1), account: 'u9' }, next);
    const m2 = f.fold({ media: media(2), account: 'u9' }, next);
    expect(m1.opened && m2.opened).toBe(true);
    expect(m1.caseId).not.toBe(m2.caseId);
  });

  it('matches on content id alone, and hex case does not matter', () => {
    const f = new CaseFolder();
    const next = ids();
    const c = f.fold({ media: { contentId: 'post-1' } }, next).caseId;
    expect(f.fold({ media: { contentId: 'post-1', md5: 'AB'.repeat(16) } }, next).caseId).toBe(c);
    expect(f.decide({ media: { md5: 'ab'.repeat(16) } })).toMatchObject({
      target: { caseId: c, via: 'md5' },
    });
  });

  it('a closed case takes no item: a new case opens, linked to it; reopen restores', () => {
    const f = new CaseFolder();
    const next = ids();
    const old = f.fold({ media: media(3) }, next).caseId;
    f.close(old);
    const r = f.fold({ media: media(3) }, next);
    expect(r.opened).toBe(true);
    expect(r.decision).toMatchObject({ kind: 'open', linkedTo: [{ caseId: old, via: 'sha256' }] });
    expect(f.fold({ media: media(3) }, next).caseId).toBe(r.caseId);
    try {
      f.add(old, { media: media(3) });
      expect.unreachable();
    } catch (e) {
      expect(isLifeguardError(e, 'LG_ERR_CONFLICT')).toBe(true);
    }
    f.close(r.caseId);
    f.reopen(old);
    expect(f.decide({ media: media(3) })).toMatchObject({
      kind: 'join',
      target: { caseId: old },
      closedMatches: [{ caseId: r.caseId }],
    });
  });

  it('forget drops a case and its keys', () => {
    const f = new CaseFolder();
    const next = ids();
    const c = f.fold({ media: media(4) }, next).caseId;
    expect(f.forget(c)).toBe(true);
    expect(f.forget(c)).toBe(false);
    expect(f.decide({ media: media(4) })).toEqual({ kind: 'open', linkedTo: [] });
    expect(f.size).toBe(0);
  });

  it('rejects a malformed PDQ without changing anything', () => {
    const f = new CaseFolder();
    expect(() => f.add('c1', { media: { md5: 'a'.repeat(32), pdq: 'zz' } })).toThrow(/hash|hex/i);
    expect(f.size).toBe(0);
    expect(f.decide({ media: { md5: 'a'.repeat(32) } }).kind).toBe('open');
  });

  it('property: for exact duplicates, the set of cases formed does not depend on order', () => {
    const ms = Array.from({ length: 8 }, (_, i) => media(100 + i));
    for (let i = 0; i < ms.length; i++) {
      for (let j = 0; j < i; j++) {
        expect(
          hammingDistance256(parseHash256(ms[i]!.pdq!), parseHash256(ms[j]!.pdq!)),
        ).toBeGreaterThan(31);
      }
    }
    const partition = (order: number[]): string => {
      const f = new CaseFolder();
      const next = ids();
      const groups = new Map<string, number[]>();
      order.forEach((m, pos) => {
        const { caseId } = f.fold({ media: ms[m]! }, next);
        groups.set(caseId, [...(groups.get(caseId) ?? []), pos]);
      });
      // Describe each case by the media of its items (positions map back to media).
      return [...groups.values()]
        .map((ps) => [...new Set(ps.map((p) => order[p]!))].sort().join('+'))
        .sort()
        .join(' ');
    };
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: ms.length - 1 }), { minLength: 1, maxLength: 60 }),
        fc.integer(),
        (items, seed) => {
          const shuffled = [...items];
          let x = seed >>> 0 || 1;
          for (let i = shuffled.length - 1; i > 0; i--) {
            x = (Math.imul(x, 1103515245) + 12345) >>> 0;
            const j = x % (i + 1);
            [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
          }
          const p = partition(items);
          expect(partition(shuffled)).toBe(p);
          // One case per distinct media.
          expect(p.split(' ').length).toBe(new Set(items).size);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property: an item never joins a closed case', () => {
    type Op = { kind: 'item'; subject: ItemSubject } | { kind: 'close' | 'reopen'; pick: number };
    const subject = fc.oneof(
      fc.integer({ min: 0, max: 5 }).map((i): ItemSubject => ({ media: media(i) })),
      fc
        .tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 255 }))
        .map(([i, b]): ItemSubject => ({ media: { pdq: flip(media(i).pdq!, [b]) } })),
      fc.integer({ min: 0, max: 3 }).map((i): ItemSubject => ({ account: `acct-${i}` })),
    );
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: subject.map((s): Op => ({ kind: 'item', subject: s })) },
      { weight: 1, arbitrary: fc.nat().map((pick): Op => ({ kind: 'close', pick })) },
      { weight: 1, arbitrary: fc.nat().map((pick): Op => ({ kind: 'reopen', pick })) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const f = new CaseFolder();
        const next = ids();
        const closed = new Set<string>();
        const all: string[] = [];
        for (const o of ops) {
          if (o.kind === 'item') {
            const r = f.fold(o.subject, next);
            expect(closed.has(r.caseId)).toBe(false);
            expect(f.isActive(r.caseId)).toBe(true);
            if (r.opened) all.push(r.caseId);
            if (r.decision.kind === 'open') {
              for (const l of r.decision.linkedTo) expect(closed.has(l.caseId)).toBe(true);
            }
          } else if (all.length > 0) {
            const c = all[o.pick % all.length]!;
            if (o.kind === 'close') {
              f.close(c);
              closed.add(c);
            } else {
              f.reopen(c);
              closed.delete(c);
            }
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('an item bridging two active cases joins the first and names the other', () => {
    const f = new CaseFolder();
    f.add('a', { media: { md5: '11'.repeat(16) } });
    f.add('b', { media: { sha256: '22'.repeat(32) } });
    expect(f.decide({ media: { md5: '11'.repeat(16), sha256: '22'.repeat(32) } })).toEqual({
      kind: 'join',
      target: { caseId: 'a', via: 'md5', distance: 0 },
      alsoMatches: [{ caseId: 'b', via: 'sha256', distance: 0 }],
      closedMatches: [],
    });
  });

  it('property: well-separated near-duplicate clusters fold the same in any order', () => {
    // Variants within 15 bits of their centre are within 30 (< 31) of each other, and the
    // centres are > 100 apart, so every order must give one case per cluster.
    const centres = Array.from({ length: 5 }, (_, i) => pdqHex(500 + i));
    for (let i = 0; i < centres.length; i++) {
      for (let j = 0; j < i; j++) {
        expect(
          hammingDistance256(parseHash256(centres[i]!), parseHash256(centres[j]!)),
        ).toBeGreaterThan(100);
      }
    }
    const variant = fc
      .tuple(
        fc.integer({ min: 0, max: 4 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { maxLength: 15 }),
      )
      .map(([c, bits]) => ({ c, pdq: flip(centres[c]!, bits) }));
    fc.assert(
      fc.property(fc.array(variant, { minLength: 1, maxLength: 40 }), (vs) => {
        const run = (order: typeof vs) => {
          const f = new CaseFolder();
          const next = ids();
          const byCase = new Map<string, Set<number>>();
          for (const v of order) {
            const { caseId } = f.fold({ media: { pdq: v.pdq } }, next);
            byCase.set(caseId, (byCase.get(caseId) ?? new Set()).add(v.c));
          }
          return [...byCase.values()].map((s) => [...s].sort().join('+')).sort();
        };
        const forward = run(vs);
        expect(run([...vs].reverse())).toEqual(forward);
        expect(forward).toEqual([...new Set(vs.map((v) => v.c))].sort().map(String));
      }),
      { numRuns: 200 },
    );
  });
});
