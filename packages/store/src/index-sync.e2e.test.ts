import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BankMatcher, IndexSync, type BankStore } from '@lifeguard/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { KyselyBankStore } from './bank-store.kysely.js';
import { randomHex } from './bank-store.contract.js';
import { createStore } from './create-store.factory.js';
import { createTestSchema, pgTestMode, type TestSchema } from './testing/pg-test.helper.js';

/** Flip `bits` distinct bits of a PDQ hex string. */
function nearby(hex: string, bits: number): string {
  const b = Buffer.from(hex, 'hex');
  for (let i = 0; i < bits; i++) b[i * 3]! ^= 1 << (i % 8);
  return b.toString('hex');
}

async function until(cond: () => boolean, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return performance.now() - t0;
}

const pgMode = await pgTestMode();

interface Pair {
  writer: KyselyBankStore;
  reader: KyselyBankStore;
  cleanup(): Promise<void>;
}

const dialects: [string, () => Promise<Pair>, boolean][] = [
  [
    'SQLite (two instances on one file)',
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'lg-sync-'));
      const writer = await createStore({ dataDir });
      const reader = await createStore({ dataDir });
      return {
        writer,
        reader,
        cleanup: async () => {
          await writer.close();
          await reader.close();
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
    false,
  ],
  [
    'PostgreSQL (two pools on one schema)',
    async () => {
      const s: TestSchema = await createTestSchema();
      const writer = await createStore({ databaseUrl: s.url, pgSchema: s.schema, pgPoolSize: 2 });
      const reader = await createStore({ databaseUrl: s.url, pgSchema: s.schema, pgPoolSize: 2 });
      return {
        writer,
        reader,
        cleanup: async () => {
          await writer.close();
          await reader.close();
          await s.drop();
        },
      };
    },
    // Skipped only off CI without a server; in CI (pgMode 'fail') the tests run and fail.
    pgMode === 'skip',
  ],
];

for (const [label, makePair, skip] of dialects) {
  describe.skipIf(skip)(`IndexSync end to end: ${label}`, () => {
    let pair: Pair | undefined;
    let sync: IndexSync | undefined;
    afterEach(async () => {
      await sync?.stop();
      await pair?.cleanup();
      pair = undefined;
      sync = undefined;
    });

    it('makes an entry written through one instance matchable through the other within 2 s', async () => {
      pair = await makePair();
      const { writer, reader } = pair;
      const bank = await writer.createBank({ name: 'known', pdqThreshold: 31 });
      const preloaded = randomHex(64);
      await writer.addEntries(bank.id, [
        { signalType: 'pdq', value: preloaded, classification: 'A1', sourceId: 's-1' },
      ]);

      const matcher = new BankMatcher({ retainEntryMetadata: true });
      const errors: unknown[] = [];
      sync = new IndexSync(reader, matcher, { intervalMs: 100, onError: (e) => errors.push(e) });
      const loaded = await sync.start();
      expect(loaded).toMatchObject({ banks: 1, entries: 1 });
      // The lean start-up snapshot still carries what a hit reports.
      expect(matcher.match({ pdq: nearby(preloaded, 5) }).matches).toMatchObject([
        { distance: 5, classification: 'A1', sourceId: 's-1' },
      ]);

      const fresh = randomHex(64);
      await writer.addEntries(bank.id, [{ signalType: 'pdq', value: fresh, sourceId: 'x' }]);
      const ms = await until(
        () => matcher.match({ pdq: nearby(fresh, 9) }).matches.length === 1,
        2000,
      );
      expect(ms).toBeLessThan(2000);
      const hit = matcher.match({ pdq: nearby(fresh, 9) }).matches[0]!;
      expect(hit).toMatchObject({
        bankName: 'known',
        signal: 'pdq',
        distance: 9,
        threshold: 31,
        sourceId: 'x',
      });

      // Disabling the entry, and then the bank, propagate the same way.
      await writer.setEntryEnabled(hit.entryId, false);
      await until(() => matcher.match({ pdq: fresh }).matches.length === 0, 2000);
      await writer.updateBank(bank.id, { enabled: false });
      await until(() => matcher.match({ pdq: preloaded }).matches.length === 0, 2000);
      await writer.updateBank(bank.id, { enabled: true });
      const md5 = randomHex(32);
      await writer.addEntries(bank.id, [{ signalType: 'md5', value: md5 }]);
      await until(() => matcher.match({ md5 }).matches.length === 1, 2000);
      expect(matcher.match({ pdq: preloaded }).matches).toHaveLength(1);
      expect(sync.lag()).toMatchObject({ seqBehind: 0, errors: 0 });
      expect(sync.lag().msSinceLastPoll).toBeLessThan(1000);
      expect(errors).toEqual([]);
    });

    it('keeps polling after store errors and reports them', async () => {
      pair = await makePair();
      const { writer, reader } = pair;
      const bank = await writer.createBank({ name: 'b' });
      let failures = 2;
      // A store whose change feed fails twice, as during a database restart.
      const flaky = new Proxy(reader, {
        get(target, prop, receiver): unknown {
          if (prop === 'changesSince' && failures > 0) {
            return () => {
              failures--;
              return Promise.reject(new Error('connection reset'));
            };
          }
          const v: unknown = Reflect.get(target, prop, receiver);
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      }) as BankStore;
      const matcher = new BankMatcher();
      const errors: string[] = [];
      sync = new IndexSync(flaky, matcher, {
        intervalMs: 50,
        onError: (e) => errors.push((e as Error).message),
      });
      await sync.start();
      const md5 = randomHex(32);
      await writer.addEntries(bank.id, [{ signalType: 'md5', value: md5 }]);
      await until(() => matcher.match({ md5 }).matches.length === 1, 2000);
      expect(errors).toEqual(['connection reset', 'connection reset']);
      expect(sync.lag().errors).toBe(2);
    });
  });
}
