/**
 * The subscriber's bulk import path: ExchangeService merges consecutive feed pages into large
 * imports (one transaction each) and persists the checkpoint after each. These tests run it
 * over a real SQLite store against a scripted feed, and check that the result equals applying
 * the same pages one by one — also when the process "crashes" in the middle of a merged
 * import and a new service resumes from the persisted checkpoint.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  applyExchangeBatch,
  type ExchangeBatch,
  type ExchangeUpdate,
  type SignalExchange,
} from '@lifeguard/core';
import { createStore, KyselyExchangeStore, type LifeguardStore } from '@lifeguard/store';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { standaloneExchangeService } from './exchange.service.js';

const PAGE = 100;
const value = (n: number): string => n.toString(16).padStart(64, '0');

/**
 * A feed of 12 pages: mostly adds of new signals, with updates whose meaning depends on the
 * order of pages: a false-positive removal of a signal added on an earlier page (inside one
 * merged batch and across batches), a re-add of a removed signal, a repeated add, source
 * tombstones and a corrupt page.
 */
function feed(): ExchangeBatch[] {
  const pages: ExchangeBatch[] = [];
  let n = 0;
  for (let p = 0; p < 12; p++) {
    const updates: ExchangeUpdate[] = [];
    for (let i = 0; i < PAGE; i++, n++) {
      updates.push({ op: 'add', signalType: 'pdq', value: value(n), sourceId: `src-${n}` });
    }
    if (p === 1) updates.push({ op: 'remove', signalType: 'pdq', value: value(5) }); // same merged batch as its add
    if (p === 3) {
      updates.push({ op: 'add', signalType: 'pdq', value: value(10), opinion: 'false_positive' });
      updates.push({ op: 'add', signalType: 'pdq', value: value(150) }); // already added on page 1
    }
    if (p === 4) updates.push({ op: 'add', signalType: 'pdq', value: value(5) }); // back again
    if (p === 6) updates.push({ op: 'remove_source', sourceId: 'src-555' });
    pages.push({ updates, checkpoint: String(p + 1) });
    if (p === 8) pages.push({ updates: [], checkpoint: `${p + 1}c`, corrupt: 'line 7: bad hash' });
  }
  return pages;
}

/** A connector over `pages` that resumes after the page whose checkpoint it is given. */
function scripted(pages: readonly ExchangeBatch[], fetched: string[]): SignalExchange {
  return {
    kind: 'lifeguard',
    async *fetchSince(checkpoint) {
      const start =
        checkpoint === null ? 0 : pages.findIndex((b) => b.checkpoint === checkpoint) + 1;
      for (const b of pages.slice(start)) {
        fetched.push(b.checkpoint);
        await Promise.resolve();
        yield b;
      }
    },
  };
}

async function signals(store: LifeguardStore, bankId: number): Promise<string[]> {
  const out: string[] = [];
  for await (const page of store.streamEntries(bankId)) {
    for (const e of page) out.push(`${e.value}:${e.sourceId ?? ''}`);
  }
  return out.sort();
}

describe('ExchangeService bulk import', () => {
  let dir: string;
  let store: LifeguardStore;
  let reference: LifeguardStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lg-exchange-import-'));
    store = await createStore({ dataDir: join(dir, 'sub') });
    reference = await createStore({ dataDir: join(dir, 'ref') });
  });
  afterEach(async () => {
    await store.close();
    await reference.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The bank as applying `pages` one at a time leaves it. */
  async function pageByPage(pages: readonly ExchangeBatch[]): Promise<string[]> {
    const bank = await reference.createBank({ name: `ref-${pages.length}` });
    for (const b of pages) await applyExchangeBatch(reference, bank, b);
    return signals(reference, bank.id);
  }

  async function subscribe(): Promise<number> {
    const bank = await store.createBank({ name: 'from-feed', source: 'exchange' });
    await new KyselyExchangeStore(store.kysely).create({
      name: 'feed',
      kind: 'lifeguard',
      bankId: bank.id,
      config: {},
      credentials: {},
      intervalMs: 3_600_000,
    });
    return bank.id;
  }

  it('merges pages into large imports with the same result as applying them one by one', async () => {
    const pages = feed();
    const bankId = await subscribe();
    const fetched: string[] = [];
    const applied: string[] = [];
    const svc = standaloneExchangeService(store, {
      requestTimeoutMs: 1000,
      warn: () => undefined,
      importBatchEntries: 250,
      connector: () => scripted(pages, fetched),
      onPage: (_x, _o, checkpoint) => applied.push(checkpoint),
    });
    const report = await svc.sync('feed');
    expect(report.error).toBeNull();
    expect(report.checkpoint).toBe('12');
    // Two 100-entry pages per import; corrupt and source-tombstone pages on their own.
    expect(applied).toEqual(['2', '4', '6', '7', '9', '9c', '11', '12']);
    // Removed: value 10 (a false positive, added in an earlier import) and src-555; value 5's
    // removal on page 2 met its add in the same import, so nothing was written for it.
    expect(report.stats).toMatchObject({ pages: 12, corruptPages: 1, removed: 2 });
    const got = await signals(store, bankId);
    expect(got).toEqual(await pageByPage(pages));
    expect(got).toHaveLength(1200 - 2); // value 10 (false positive) and src-555 are gone
    expect(got).toContain(`${value(5)}:`); // removed on page 2, back on page 5
  });

  it('resumes after a crash in the middle of a merged import without duplicates or losses', async () => {
    const pages = feed();
    const bankId = await subscribe();
    // The process dies in its third import (pages 5-6), after that import's removals are
    // committed and before its adds are: nothing after the last checkpoint may count.
    let adds = 0;
    const crashing = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'addEntries') {
          return async (...args: Parameters<LifeguardStore['addEntries']>) => {
            if (++adds === 3) throw new Error('killed');
            return target.addEntries(...args);
          };
        }
        const v: unknown = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const fetched1: string[] = [];
    const first = await standaloneExchangeService(crashing, {
      requestTimeoutMs: 1000,
      warn: () => undefined,
      importBatchEntries: 250,
      connector: () => scripted(pages, fetched1),
    }).sync('feed');
    expect(first.error).toMatch(/killed/);
    expect(first.checkpoint).toBe('4');
    const exchanges = new KyselyExchangeStore(store.kysely);
    expect((await exchanges.get('feed'))?.checkpoint).toBe('4');
    expect(await signals(store, bankId)).toEqual(await pageByPage(pages.slice(0, 4)));

    // "Restart": a new service over the same database resumes from checkpoint 4.
    const fetched2: string[] = [];
    const second = await standaloneExchangeService(store, {
      requestTimeoutMs: 1000,
      warn: () => undefined,
      importBatchEntries: 250,
      connector: () => scripted(pages, fetched2),
    }).sync('feed');
    expect(second.error).toBeNull();
    expect(fetched2[0]).toBe('5');
    expect(second.checkpoint).toBe('12');
    expect(await signals(store, bankId)).toEqual(await pageByPage(pages));

    // No entry was written twice: one change-log upsert per entry id, and every entry id
    // that exists was logged once.
    const rows = await sql<{ kind: string; entry_id: number; n: number }>`
      select kind, entry_id, count(*) as n from lg_bank_changes
      where bank_id = ${bankId} and kind = 'entry_upsert' group by kind, entry_id
      having count(*) > 1`.execute(store.kysely);
    expect(rows.rows).toEqual([]);
    const unlogged = await sql<{ n: number }>`
      select count(*) as n from lg_bank_entries e where e.bank_id = ${bankId} and not exists
        (select 1 from lg_bank_changes c where c.kind = 'entry_upsert' and c.entry_id = e.id)`.execute(
      store.kysely,
    );
    expect(Number(unlogged.rows[0]?.n)).toBe(0);
    const stats = (await exchanges.get('feed'))!.stats;
    expect(stats.added).toBe((await store.countEntries(bankId)).total + stats.removed);
  });
});
