import { describe, expect, it } from 'vitest';
import { coalesceExchangeBatches, lastUpdatesInKeyOrder } from './exchange.importer.js';
import type { ExchangeBatch, ExchangeUpdate, SignalUpdate } from './exchange.model.js';

const add = (c: string): ExchangeUpdate => ({ op: 'add', signalType: 'pdq', value: c.repeat(64) });

function page(checkpoint: string, updates: ExchangeUpdate[], extra: Partial<ExchangeBatch> = {}) {
  return { updates, checkpoint, ...extra } satisfies ExchangeBatch;
}

async function* source(pages: readonly ExchangeBatch[], failAfter?: number) {
  let n = 0;
  for (const p of pages) {
    if (failAfter !== undefined && n === failAfter) throw new Error('connection reset');
    n++;
    await Promise.resolve(); // a network source gives its pages asynchronously
    yield p;
  }
  if (failAfter !== undefined && n === failAfter) throw new Error('connection reset');
}

async function collect(it: AsyncIterable<ExchangeBatch>): Promise<ExchangeBatch[]> {
  const out: ExchangeBatch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

describe('coalesceExchangeBatches', () => {
  it('merges consecutive pages up to the limit, keeping order, the last checkpoint and the page count', async () => {
    const pages = [
      page('1', [add('a'), add('b')], { unsupported: 1 }),
      page('2', [add('c')]),
      page('3', [add('d'), add('e')], { unsupported: 2 }),
      page('4', [add('f')]),
    ];
    const out = await collect(coalesceExchangeBatches(source(pages), 3));
    expect(out).toEqual([
      { updates: [add('a'), add('b'), add('c')], checkpoint: '2', unsupported: 1, pages: 2 },
      { updates: [add('d'), add('e'), add('f')], checkpoint: '4', unsupported: 2, pages: 2 },
    ]);
  });

  it('passes a page larger than the limit through whole', async () => {
    const big = page('2', [add('b'), add('c'), add('d')]);
    const out = await collect(coalesceExchangeBatches(source([page('1', [add('a')]), big]), 2));
    expect(out.map((b) => [b.checkpoint, b.updates.length, b.pages ?? 1])).toEqual([
      ['1', 1, 1],
      ['2', 3, 1],
    ]);
    expect(out[1]).toBe(big);
  });

  it('never merges a corrupt page or a page with source tombstones, and flushes before them', async () => {
    const corrupt = page('3', [], { corrupt: 'line 2: bad hash' });
    const bySource = page('5', [{ op: 'remove_source', sourceId: 'img-1' }, add('x')]);
    const pages = [
      page('1', [add('a')]),
      page('2', [add('b')]),
      corrupt,
      page('4', [add('c')]),
      bySource,
      page('6', [add('d')]),
      page('7', [add('e')]),
    ];
    const out = await collect(coalesceExchangeBatches(source(pages), 100));
    expect(out.map((b) => b.checkpoint)).toEqual(['2', '3', '4', '5', '7']);
    expect(out[1]).toBe(corrupt);
    expect(out[3]).toBe(bySource);
    expect(out[4]).toMatchObject({ updates: [add('d'), add('e')], pages: 2 });
  });

  it('yields the pages fetched before a source error, then rethrows it', async () => {
    const pages = [page('1', [add('a')]), page('2', [add('b')]), page('3', [add('c')])];
    const seen: string[] = [];
    const err = await (async () => {
      for await (const b of coalesceExchangeBatches(source(pages, 2), 100)) seen.push(b.checkpoint);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['2']);
    expect((err as Error).message).toBe('connection reset');
  });

  it('holds pages no longer than maxHoldMs after the first of them arrived', async () => {
    let t = 0;
    async function* slow() {
      for (let i = 1; i <= 7; i++) {
        await Promise.resolve();
        t += 4000; // each page takes 4 s to arrive
        yield page(String(i), [add(String(i % 10))]);
      }
    }
    const out = await collect(
      coalesceExchangeBatches(slow(), 1000, { maxHoldMs: 10_000, now: () => t }),
    );
    // First pages at 4, 8, 12, 16 s: held 12 s >= 10 s at page 4; then 5-7 until the end.
    expect(out.map((b) => [b.checkpoint, b.pages ?? 1])).toEqual([
      ['4', 4],
      ['7', 3],
    ]);
  });

  it('yields nothing for an empty source', async () => {
    expect(await collect(coalesceExchangeBatches(source([]), 10))).toEqual([]);
  });
});

describe('lastUpdatesInKeyOrder', () => {
  /** The obvious version: a map keyed by signal (last write wins), sorted by type then value. */
  function reference(updates: readonly SignalUpdate[]): SignalUpdate[] {
    const last = new Map<string, SignalUpdate>();
    for (const u of updates) last.set(`${u.signalType} ${u.value}`, u);
    return [...last.values()].sort((a, b) =>
      a.signalType !== b.signalType
        ? a.signalType < b.signalType
          ? -1
          : 1
        : a.value < b.value
          ? -1
          : a.value > b.value
            ? 1
            : 0,
    );
  }

  // A small deterministic generator, so a failure reproduces.
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const hexOf = (len: number): string =>
    Array.from({ length: len }, () => '0123456789abcdef'[rnd(16)]).join('');

  it('keeps the last update of each signal, in (type, value) order, with shared prefixes and repeats', () => {
    for (let round = 0; round < 20; round++) {
      // Few distinct 7-digit prefixes, so many values collide on the sort key's prefix, and
      // a small pool of values, so many signals repeat with different ops and fields.
      const prefixes = Array.from({ length: 5 }, () => hexOf(7));
      const pool = Array.from({ length: 300 }, (_, i) => {
        const type = (['pdq', 'md5', 'sha256'] as const)[i % 3]!;
        const len = type === 'md5' ? 32 : 64;
        return { type, value: prefixes[rnd(5)]! + hexOf(len - 7) };
      });
      const updates: SignalUpdate[] = Array.from({ length: 1500 }, (_, i) => {
        const p = pool[rnd(pool.length)]!;
        return {
          op: rnd(4) === 0 ? 'remove' : 'add',
          signalType: p.type,
          value: p.value,
          sourceId: `s${i}`,
          ...(rnd(3) === 0 ? { opinion: 'false_positive' as const } : {}),
        };
      });
      expect(lastUpdatesInKeyOrder(updates)).toEqual(reference(updates));
    }
  });

  it('orders canonical values like the database index and handles odd values exactly', () => {
    const u = (value: string, sourceId: string): SignalUpdate => ({
      op: 'add',
      signalType: 'pdq',
      value,
      sourceId,
    });
    const updates = [
      u('f'.repeat(64), '1'),
      u('0'.repeat(64), '2'),
      u('abc', '3'), // not a canonical value: still deduplicated exactly
      u('0'.repeat(63) + '1', '4'),
      u('abc', '5'),
      u('xyz', '6'),
      u('0'.repeat(64), '7'),
    ];
    const out = lastUpdatesInKeyOrder(updates);
    // Exactly one (the last) update per value; canonical values in index order (values that
    // are not hex only need to be deduplicated, their place does not matter).
    expect(out.map((x) => x.sourceId).sort()).toEqual(['1', '4', '5', '6', '7']);
    expect(out.filter((x) => x.value.length === 64).map((x) => x.sourceId)).toEqual([
      '7',
      '4',
      '1',
    ]);
    expect(lastUpdatesInKeyOrder([])).toEqual([]);
  });
});
