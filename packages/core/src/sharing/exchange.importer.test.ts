import { describe, expect, it } from 'vitest';
import { coalesceExchangeBatches } from './exchange.importer.js';
import type { ExchangeBatch, ExchangeUpdate } from './exchange.model.js';

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

  it('yields nothing for an empty source', async () => {
    expect(await collect(coalesceExchangeBatches(source([]), 10))).toEqual([]);
  });
});
