/**
 * Contract of {@link KyselyRiskEventLog} on SQLite and PostgreSQL (an isolated schema; fails
 * rather than skips under CI when PostgreSQL is down): append order, idempotency by id within
 * and across batches, all-or-nothing batches, keyset paging.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, type LifeguardStore } from './create-store.factory.js';
import { KyselyRiskEventLog } from './risk-event-log.kysely.js';
import { createTestSchema, pgTestMode, pgTestUrl } from './testing/pg-test.helper.js';

const body = (n: number): string => JSON.stringify({ type: 'account', user: `u${n}` });

function contract(
  name: string,
  open: () => Promise<{ store: LifeguardStore; cleanup: () => Promise<void> }>,
): void {
  describe(`RiskEventLog contract: ${name}`, () => {
    let store: LifeguardStore;
    let cleanup: () => Promise<void>;
    let log: KyselyRiskEventLog;

    beforeAll(async () => {
      ({ store, cleanup } = await open());
      log = new KyselyRiskEventLog(store.kysely);
    });
    afterAll(async () => {
      await store?.close();
      await cleanup?.();
    });

    it('appends in order and skips ids stored before, in the batch or earlier', async () => {
      const a = await log.append([
        { id: 'a', atMs: 1, body: body(1) },
        { atMs: 2, body: body(2) },
        { id: 'a', atMs: 3, body: body(3) },
        { id: 'b', atMs: 4, body: body(4) },
      ]);
      expect(a).toEqual({ inserted: [true, true, false, true], insertedCount: 3 });
      const b = await log.append([
        { id: 'b', atMs: 5, body: body(5) },
        { atMs: 6, body: body(6) },
      ]);
      expect(b).toEqual({ inserted: [false, true], insertedCount: 1 });
      expect(await log.count()).toBe(4);
      const all = await log.page(0, 100);
      expect(all.map((r) => r.body)).toEqual([body(1), body(2), body(4), body(6)]);
      for (let i = 1; i < all.length; i++) expect(all[i]!.seq).toBeGreaterThan(all[i - 1]!.seq);
      const tail = await log.page(all[1]!.seq, 1);
      expect(tail.map((r) => r.body)).toEqual([body(4)]);
    });

    it('writes a large batch in one transaction (several statements)', async () => {
      const before = await log.count();
      const rows = Array.from({ length: 2500 }, (_, i) => ({
        id: `big-${i}`,
        atMs: i,
        body: body(i),
      }));
      expect((await log.append(rows)).insertedCount).toBe(2500);
      expect(await log.count()).toBe(before + 2500);
      expect(await log.append([])).toEqual({ inserted: [], insertedCount: 0 });
    });
  });
}

contract('SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lifeguard-risk-log-'));
  return createStore({ dataDir: dir }).then((store) => ({
    store,
    cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  }));
});

const mode = await pgTestMode();
if (mode === 'run') {
  contract('PostgreSQL', async () => {
    const s = await createTestSchema();
    const store = await createStore({ databaseUrl: s.url, pgSchema: s.schema, pgPoolSize: 2 });
    return { store, cleanup: () => s.drop() };
  });
} else {
  describe('RiskEventLog contract: PostgreSQL', () => {
    it.skipIf(mode === 'skip')('PostgreSQL is reachable', () => {
      throw new Error(`PostgreSQL is not reachable at ${pgTestUrl()} (CI is set)`);
    });
  });
}
