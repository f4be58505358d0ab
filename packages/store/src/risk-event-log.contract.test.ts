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
import { KyselyRiskSnapshotStore } from './risk-snapshot-store.kysely.js';
import { createTestSchema, pgTestMode, pgTestUrl } from './testing/pg-test.helper.js';

const body = (n: number): string => JSON.stringify({ type: 'account', user: `u${n}` });

function contract(
  name: string,
  open: () => Promise<{ store: LifeguardStore; cleanup: () => Promise<void> }>,
  fast = false,
): void {
  describe(`RiskEventLog contract: ${name}`, () => {
    let store: LifeguardStore;
    let cleanup: () => Promise<void>;
    let log: KyselyRiskEventLog;

    beforeAll(async () => {
      ({ store, cleanup } = await open());
      if (fast && store.sqlite === undefined) throw new Error('no better-sqlite3 connection');
      log = new KyselyRiskEventLog(store.kysely, fast ? store.sqlite : undefined);
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
      expect(a).toMatchObject({ inserted: [true, true, false, true], insertedCount: 3 });
      const b = await log.append([
        { id: 'b', atMs: 5, body: body(5) },
        { atMs: 6, body: body(6) },
      ]);
      expect(b).toMatchObject({ inserted: [false, true], insertedCount: 1 });
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
      expect(await log.append([])).toEqual({ inserted: [], insertedCount: 0, lastSeq: 0 });
    });

    it('stores nothing of a batch that fails part-way (one transaction)', async () => {
      const before = await log.count();
      const maxBefore = await log.maxSeq();
      const bad = [
        { id: 'atomic-1', atMs: 1, body: body(1) },
        { atMs: 2, body: body(2) },
        // NOT NULL violation on the third row: the first two must be rolled back.
        { id: 'atomic-3', atMs: 3, body: null as unknown as string },
      ];
      await expect(log.append(bad)).rejects.toThrow();
      expect(await log.count()).toBe(before);
      expect(await log.maxSeq()).toBe(maxBefore);
      // The rolled-back id was not kept: the retry stores it.
      const retry = await log.append([{ id: 'atomic-1', atMs: 1, body: body(1) }]);
      expect(retry).toMatchObject({ inserted: [true], insertedCount: 1 });
      expect(retry.lastSeq).toBeGreaterThan(maxBefore);
    });

    it('reports the last seq and prunes only covered events older than the cut-off', async () => {
      const r = await log.append([
        { id: 'old-1', atMs: 10, body: body(1) },
        { atMs: 20, body: body(2) },
        { atMs: 5_000, body: body(3) },
      ]);
      const max = await log.maxSeq();
      expect(r.lastSeq).toBe(max);
      const all = await log.page(0, 10_000);
      const covered = all[all.length - 2]!.seq; // a snapshot up to the event at 20 ms
      // Old events after the covered position stay, whatever their time.
      await log.append([{ atMs: 1, body: body(4) }]);
      const before = await log.count();
      const pruned = await log.prune(covered, 100);
      const left = await log.page(0, 10_000);
      expect(left.length).toBe(before - pruned);
      expect(pruned).toBeGreaterThanOrEqual(2);
      for (const row of left) {
        // Every remaining row is either after the covered position or not older than 100 ms.
        if (row.seq <= covered) expect(JSON.parse(row.body)).not.toEqual(JSON.parse(body(1)));
      }
      expect(left.map((x) => x.body)).toContain(body(3));
      expect(left.map((x) => x.body)).toContain(body(4));
      expect(left.map((x) => x.body)).not.toContain(body(2));
      expect(await log.prune(0, Number.MAX_SAFE_INTEGER)).toBe(0);
    });

    it('keeps only the newest snapshot, bytes intact', async () => {
      const snaps = new KyselyRiskSnapshotStore(store.kysely);
      expect(await snaps.latest()).toBeUndefined();
      const a = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) & 0xff);
      await snaps.save(5, 2, a);
      const b = Uint8Array.from({ length: 1000 }, (_, i) => 255 - (i & 0xff));
      await snaps.save(9, 3, b);
      const got = await snaps.latest();
      expect(got).toMatchObject({ seq: 9, accounts: 3 });
      expect(Buffer.from(got!.body).equals(Buffer.from(b))).toBe(true);
      const n = await store.kysely
        .withTables<{ lg_risk_snapshots: { id: number } }>()
        .selectFrom('lg_risk_snapshots')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(n.n)).toBe(1);
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

contract(
  "SQLite, prepared statements (the server's path)",
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifeguard-risk-log-'));
    return createStore({ dataDir: dir }).then((store) => ({
      store,
      cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    }));
  },
  true,
);

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
