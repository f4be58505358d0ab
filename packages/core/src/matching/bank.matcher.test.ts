import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Bank, BankEntry } from '../banks/bank.model.js';
import { formatHash256, hammingDistance256, type Hash256 } from '../hashing/hash256.codec.js';
import { BankMatcher } from './bank.matcher.js';
import type { MatchHit } from './match.model.js';
import { isRolledOut, rolloutBucket } from './rollout.policy.js';
import { codeOf, rng } from '../testing/test-helpers.js';

const r = rng(2024);

function randomHash(next = r): Hash256 {
  const h = new Uint32Array(8);
  for (let i = 0; i < 8; i++) h[i] = next();
  return h;
}

/** A copy of `h` with its first `k` bits flipped (exact distance k). */
function flipFirst(h: Hash256, k: number): Hash256 {
  const out = h.slice();
  for (let b = 0; b < k; b++) out[b >>> 5] = (out[b >>> 5]! ^ (1 << (b & 31))) >>> 0;
  return out;
}

function bank(id: number, over: Partial<Bank> = {}): Bank {
  return {
    id,
    name: `bank-${id}`,
    description: '',
    source: 'local',
    labels: [`label-${id}`],
    kind: 'block',
    pdqThreshold: 31,
    qualityFloor: 50,
    enabled: true,
    enabledRatio: 1,
    maxMatchesPerLookup: 100,
    createdAt: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

let nextEntryId = 1;
function entry(bankId: number, value: string | Hash256, over: Partial<BankEntry> = {}): BankEntry {
  const isHash = typeof value !== 'string';
  return {
    id: nextEntryId++,
    bankId,
    signalType: isHash ? 'pdq' : value.length === 32 ? 'md5' : 'sha256',
    value: isHash ? formatHash256(value) : value,
    sourceId: null,
    classification: null,
    metadata: {},
    note: null,
    enabled: true,
    addedAt: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

const ids = (hits: MatchHit[]) => hits.map((h) => h.entryId);
const MD5 = '0123456789abcdef0123456789abcdef';
const SHA = 'ab'.repeat(32);

describe('BankMatcher', () => {
  it('applies each bank its own PDQ threshold over one shared search', () => {
    const m = new BankMatcher();
    m.upsertBank(bank(1, { pdqThreshold: 10 }));
    m.upsertBank(bank(2, { pdqThreshold: 31 }));
    const q = randomHash();
    const byDist = new Map<string, number>();
    for (const b of [1, 2]) {
      for (const d of [0, 10, 11, 31, 32]) {
        const e = entry(b, flipFirst(q, d));
        m.upsertEntry(e);
        byDist.set(`${b}:${d}`, e.id);
      }
    }
    const res = m.match({ pdq: q, quality: 100 });
    expect(ids(res.matches)).toEqual(
      ['1:0', '2:0', '1:10', '2:10', '2:11', '2:31'].map((k) => byDist.get(k)),
    );
    const hit = res.matches.find((h) => h.bankId === 1 && h.distance === 10)!;
    expect(hit).toMatchObject({
      bankName: 'bank-1',
      kind: 'block',
      signal: 'pdq',
      threshold: 10,
      labels: ['label-1'],
      value: formatHash256(flipFirst(q, 10)),
      classification: null,
      sourceId: null,
    });
    expect(res.suppressed).toEqual([]);
    expect(res.truncated).toEqual([]);
    // hex queries are accepted in either case
    expect(ids(m.match({ pdq: formatHash256(q).toUpperCase() }).matches)).toEqual(ids(res.matches));
  });

  it('skips banks whose quality floor is above the query quality, for PDQ only', () => {
    const m = new BankMatcher();
    m.upsertBank(bank(1, { qualityFloor: 50 }));
    m.upsertBank(bank(2, { qualityFloor: 80 }));
    const q = randomHash();
    const a = entry(1, q);
    const b = entry(2, q);
    const c = entry(2, MD5);
    m.bulkLoad([a, b, c]);
    expect(ids(m.match({ pdq: q, quality: 70, md5: MD5 }).matches)).toEqual([a.id, c.id]);
    expect(ids(m.match({ pdq: q, quality: 80 }).matches)).toEqual([a.id, b.id]);
    expect(ids(m.match({ pdq: q, quality: 49 }).matches)).toEqual([]);
    expect(ids(m.match({ pdq: q }).matches)).toEqual([a.id, b.id]);
  });

  it('suppresses block-bank matches when an allow bank matches the same content', () => {
    const m = new BankMatcher();
    m.upsertBank(bank(1));
    m.upsertBank(bank(2, { kind: 'allow', pdqThreshold: 5 }));
    const q = randomHash();
    const block = entry(1, flipFirst(q, 3));
    const allow = entry(2, flipFirst(q, 4));
    m.bulkLoad([block, allow]);
    let res = m.match({ pdq: q });
    expect(ids(res.matches)).toEqual([allow.id]);
    expect(res.matches[0]!.kind).toBe('allow');
    expect(ids(res.suppressed)).toEqual([block.id]);
    // the allow entry is outside its bank's threshold for this query: no suppression
    res = m.match({ pdq: flipFirst(q, 10) });
    expect(ids(res.matches)).toEqual([block.id]);
    expect(res.suppressed).toEqual([]);
    // a disabled allow bank suppresses nothing
    m.upsertBank(bank(2, { kind: 'allow', pdqThreshold: 5, enabled: false }));
    res = m.match({ pdq: q });
    expect(ids(res.matches)).toEqual([block.id]);
    expect(res.suppressed).toEqual([]);
  });

  it('caps matches per bank and counts the rest (flood control)', () => {
    const m = new BankMatcher();
    m.upsertBank(bank(1, { maxMatchesPerLookup: 3 }));
    m.upsertBank(bank(2, { maxMatchesPerLookup: 100 }));
    const q = randomHash();
    const e1 = Array.from({ length: 10 }, (_, i) => entry(1, flipFirst(q, 20 - i)));
    const e2 = Array.from({ length: 4 }, (_, i) => entry(2, flipFirst(q, i)));
    m.bulkLoad([...e1, ...e2]);
    const res = m.match({ pdq: q });
    const fromBank1 = res.matches.filter((h) => h.bankId === 1);
    expect(fromBank1.map((h) => h.distance)).toEqual([11, 12, 13]);
    expect(res.matches.filter((h) => h.bankId === 2)).toHaveLength(4);
    expect(res.truncated).toEqual([{ bankId: 1, bankName: 'bank-1', omitted: 7 }]);
    // sorted by distance, then bank
    const dists = res.matches.map((h) => h.distance);
    expect(dists).toEqual([...dists].sort((a, b) => a - b));
  });

  it('handles disabled entries, disabled banks and entries that arrive before their bank', () => {
    const m = new BankMatcher();
    const q = randomHash();
    const early = entry(7, q);
    m.upsertEntry(early);
    expect(m.match({ pdq: q }).matches).toEqual([]);
    m.upsertBank(bank(7));
    expect(ids(m.match({ pdq: q }).matches)).toEqual([early.id]);
    m.upsertBank(bank(7, { enabled: false }));
    expect(m.match({ pdq: q }).matches).toEqual([]);
    m.upsertBank(bank(7));
    m.upsertEntry({ ...early, enabled: false });
    expect(m.match({ pdq: q }).matches).toEqual([]);
    m.upsertEntry(early);
    expect(ids(m.match({ pdq: q }).matches)).toEqual([early.id]);
    const off = entry(7, MD5, { enabled: false });
    const summary = m.bulkLoad([off]);
    expect(summary.disabled).toBe(1);
    expect(m.match({ md5: MD5 }).matches).toEqual([]);
  });

  it('decides gradual roll-out deterministically per content and bank', () => {
    const m = new BankMatcher();
    m.upsertBank(bank(1, { enabledRatio: 0.3 }));
    const q = randomHash();
    m.upsertEntry(entry(1, q));
    let on = 0;
    for (let i = 0; i < 2000; i++) {
      const key = `media-${i}`;
      const first = m.match({ pdq: q, contentKey: key }).matches.length;
      expect(m.match({ pdq: q, contentKey: key }).matches.length).toBe(first);
      expect(first).toBe(isRolledOut(1, 0.3, key) ? 1 : 0);
      on += first;
    }
    expect(on / 2000).toBeGreaterThan(0.25);
    expect(on / 2000).toBeLessThan(0.35);
    // without a content key the query's own hash decides, again deterministically
    const once = m.match({ pdq: q }).matches.length;
    for (let i = 0; i < 5; i++) expect(m.match({ pdq: q }).matches.length).toBe(once);
    m.upsertBank(bank(1, { enabledRatio: 0 }));
    expect(m.match({ pdq: q, contentKey: 'media-1' }).matches).toEqual([]);
  });

  it('roll-out only adds contents as the ratio grows', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.nat(1000),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (key, bankId, a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const x = rolloutBucket(bankId, key);
          expect(x).toBeGreaterThanOrEqual(0);
          expect(x).toBeLessThan(1);
          if (isRolledOut(bankId, lo, key)) expect(isRolledOut(bankId, hi, key)).toBe(true);
          expect(isRolledOut(bankId, 1, key)).toBe(true);
          expect(isRolledOut(bankId, 0, key)).toBe(false);
        },
      ),
    );
  });

  it('matches MD5 and SHA-256 exactly, case-insensitively, across banks', () => {
    const m = new BankMatcher();
    m.upsertBank(bank(1));
    m.upsertBank(bank(2));
    const a = entry(1, MD5);
    const b = entry(2, MD5.toUpperCase());
    const c = entry(1, SHA);
    m.bulkLoad([a, b, c]);
    let res = m.match({ md5: MD5.toUpperCase(), sha256: SHA });
    expect(ids(res.matches)).toEqual([a.id, c.id, b.id]);
    expect(res.matches.map((h) => [h.signal, h.distance, h.threshold, h.value])).toEqual([
      ['md5', 0, 0, MD5],
      ['sha256', 0, 0, SHA],
      ['md5', 0, 0, MD5],
    ]);
    m.removeEntry(a.id);
    res = m.match({ md5: MD5 });
    expect(ids(res.matches)).toEqual([b.id]);
    expect(m.match({ md5: 'f'.repeat(32) }).matches).toEqual([]);
  });

  it('applies every change kind in sequence order and ignores stale changes', () => {
    const m = new BankMatcher();
    const q = randomHash();
    const e = entry(3, q);
    m.bulkLoad([], { atSeq: 10 });
    expect(m.applyChange({ seq: 5, kind: 'bank_upsert', bank: bank(3) })).toBe(false);
    expect(m.applyChange({ seq: 11, kind: 'bank_upsert', bank: bank(3) })).toBe(true);
    expect(m.applyChange({ seq: 12, kind: 'entry_upsert', entry: e })).toBe(true);
    expect(ids(m.match({ pdq: q }).matches)).toEqual([e.id]);
    const moved = { ...e, value: formatHash256(flipFirst(q, 40)) };
    expect(m.applyChange({ seq: 13, kind: 'entry_upsert', entry: moved })).toBe(true);
    expect(m.match({ pdq: q }).matches).toEqual([]);
    expect(ids(m.match({ pdq: flipFirst(q, 40) }).matches)).toEqual([e.id]);
    expect(m.applyChange({ seq: 14, kind: 'entry_remove', entryId: e.id, bankId: 3 })).toBe(true);
    expect(m.match({ pdq: flipFirst(q, 40) }).matches).toEqual([]);
    expect(m.applyChange({ seq: 14, kind: 'entry_upsert', entry: moved })).toBe(false);
    expect(m.lastSeq).toBe(14);
    // a malformed entry is rejected without blocking the feed
    expect(
      codeOf(() => m.applyChange({ seq: 15, kind: 'entry_upsert', entry: { ...e, value: 'x' } })),
    ).toBe('LG_ERR_INVALID_HASH');
    expect(m.lastSeq).toBe(15);
    expect(m.match({ pdq: flipFirst(q, 40) }).matches).toEqual([]);
    // an entry that changes signal type leaves no trace of the old one
    m.upsertEntry(e);
    m.upsertEntry({ ...e, signalType: 'md5', value: MD5 });
    expect(m.match({ pdq: q }).matches).toEqual([]);
    expect(ids(m.match({ md5: MD5 }).matches)).toEqual([e.id]);
  });

  it('removes a bank with its entries', () => {
    const m = new BankMatcher();
    m.upsertBank(bank(1));
    m.upsertBank(bank(2));
    const q = randomHash();
    const a = entry(1, q);
    const b = entry(2, q);
    const c = entry(1, SHA);
    m.bulkLoad([a, b, c]);
    expect(m.removeBank(1)).toBe(2);
    expect(ids(m.match({ pdq: q, sha256: SHA }).matches)).toEqual([b.id]);
    m.upsertBank(bank(1));
    expect(ids(m.match({ pdq: q }).matches)).toEqual([b.id]);
  });

  it('carries entry metadata only when asked to retain it', () => {
    const m = new BankMatcher({ retainEntryMetadata: true });
    m.upsertBank(bank(1));
    const q = randomHash();
    const e = entry(1, q, { sourceId: 'src-1', classification: 'A1' });
    m.upsertEntry(e);
    expect(m.match({ pdq: q }).matches[0]).toMatchObject({
      sourceId: 'src-1',
      classification: 'A1',
    });
  });

  it('rejects malformed input with stable codes and no partial change', () => {
    const m = new BankMatcher();
    m.upsertBank(bank(1));
    const q = randomHash();
    const good = entry(1, q);
    m.upsertEntry(good);
    expect(codeOf(() => m.upsertEntry({ ...good, value: 'zz' }))).toBe('LG_ERR_INVALID_HASH');
    expect(ids(m.match({ pdq: q }).matches)).toEqual([good.id]);
    expect(codeOf(() => m.match({ pdq: 'abc' }))).toBe('LG_ERR_INVALID_HASH');
    expect(codeOf(() => m.match({ md5: 'g'.repeat(32) }))).toBe('LG_ERR_INVALID_HASH');
    expect(codeOf(() => m.match({ sha256: MD5 }))).toBe('LG_ERR_INVALID_HASH');
    expect(codeOf(() => m.match({ pdq: q, quality: Number.NaN }))).toBe('LG_ERR_INVALID_ARGUMENT');
    const s = m.bulkLoad([
      entry(1, 'x'.repeat(64)),
      entry(1, `${'0'.repeat(63)}`),
      entry(1, randomHash()),
    ]);
    expect(s).toMatchObject({ pdq: 1, invalid: 2 });
    expect(s.invalidEntryIds).toHaveLength(2);
  });

  it('equals a brute-force model over random banks, entries and queries', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.array(
          fc.record({
            threshold: fc.nat(70),
            floor: fc.nat(100),
            enabled: fc.boolean(),
            known: fc.boolean(),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.array(fc.record({ bank: fc.nat(3), flips: fc.nat(80), enabled: fc.boolean() }), {
          maxLength: 60,
        }),
        fc.array(
          fc.record({ flips: fc.nat(40), quality: fc.option(fc.nat(100), { nil: undefined }) }),
          { minLength: 1, maxLength: 4 },
        ),
        (seed, banks, entries, queries) => {
          const next = rng(seed);
          const centre = randomHash(next);
          const m = new BankMatcher({ index: { minIndexedSize: 0, minOverflow: 8 } });
          const settings = banks.map((b, i) =>
            bank(i + 1, { pdqThreshold: b.threshold, qualityFloor: b.floor, enabled: b.enabled }),
          );
          settings.forEach((s, i) => banks[i]!.known && m.upsertBank(s));
          const model: { id: number; bankIdx: number; hash: Hash256 }[] = [];
          for (const e of entries) {
            const bankIdx = e.bank % banks.length;
            const hash = centre.slice();
            for (let k = 0; k < e.flips; k++) {
              const b = next() & 255;
              hash[b >>> 5] = (hash[b >>> 5]! ^ (1 << (b & 31))) >>> 0;
            }
            const be = entry(bankIdx + 1, hash, { enabled: e.enabled });
            m.upsertEntry(be);
            if (e.enabled) model.push({ id: be.id, bankIdx, hash });
          }
          for (const qs of queries) {
            const q = flipFirst(centre, qs.flips);
            const want = model
              .filter(({ bankIdx, hash }) => {
                const b = banks[bankIdx]!;
                if (!b.known || !b.enabled) return false;
                if (qs.quality !== undefined && qs.quality < b.floor) return false;
                return hammingDistance256(q, hash) <= b.threshold;
              })
              .map((x) => x.id)
              .sort((a, b) => a - b);
            const got = ids(m.match({ pdq: q, quality: qs.quality }).matches).sort((a, b) => a - b);
            expect(got).toEqual(want);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
