import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, type LifeguardStore } from './create-store.factory.js';
import { KyselyJobQueue } from './job-queue.kysely.js';
import { createTestSchema, pgTestMode, pgTestUrl } from './testing/pg-test.helper.js';

/** The JobQueue contract, run on every dialect. */
function jobQueueContract(
  name: string,
  open: () => Promise<{ store: LifeguardStore; cleanup: () => Promise<void> }>,
): void {
  describe(`JobQueue contract: ${name}`, () => {
    let store: LifeguardStore;
    let cleanup: () => Promise<void>;
    let q: KyselyJobQueue;
    beforeAll(async () => {
      ({ store, cleanup } = await open());
      q = new KyselyJobQueue(store.kysely, store.dialect);
    });
    afterAll(async () => {
      await store.close();
      await cleanup();
    });

    it('stores jobs durably and de-duplicates by idempotency key', async () => {
      const a = await q.enqueue('scan', { n: 1 }, { idempotencyKey: 'k1' });
      const b = await q.enqueue('scan', { n: 2 }, { idempotencyKey: 'k1' });
      expect(b.id).toBe(a.id);
      expect(b.payload).toEqual({ n: 1 });
      expect((await q.get(a.id))?.state).toBe('queued');
      expect(await q.get('job_missing')).toBeUndefined();
    });

    it('gives each job to exactly one of many concurrent claimers', async () => {
      // Finish what earlier tests left.
      for (let j = await q.claim(60_000); j; j = await q.claim(60_000)) await q.complete(j.id, {});
      const ids = new Set<string>();
      for (let i = 0; i < 40; i++) ids.add((await q.enqueue('scan', { i })).id);
      const claimed: string[] = [];
      await Promise.all(
        Array.from({ length: 5 }, async () => {
          for (let j = await q.claim(60_000); j; j = await q.claim(60_000)) claimed.push(j.id);
        }),
      );
      expect(claimed.sort()).toEqual([...ids].sort());
      expect(await q.depth()).toEqual({ queued: 0, running: 40 });
      for (const id of claimed) await q.complete(id, { ok: true });
      expect(await q.depth()).toEqual({ queued: 0, running: 0 });
      expect((await q.get(claimed[0]!))?.result).toEqual({ ok: true });
    });

    it('delays retries, fails for good without retry, and re-claims expired leases', async () => {
      const j = await q.enqueue('scan', {});
      const c1 = await q.claim(60_000);
      expect(c1?.id).toBe(j.id);
      await q.fail(j.id, { code: 'LG_ERR_FETCH_FAILED', message: 'x' }, 200);
      expect(await q.claim(60_000)).toBeUndefined(); // not due yet
      await new Promise((r) => setTimeout(r, 250));
      const c2 = await q.claim(1); // a 1 ms lease: the worker "dies"
      expect(c2).toMatchObject({ id: j.id, attempts: 2, state: 'running' });
      await new Promise((r) => setTimeout(r, 10));
      const c3 = await q.claim(60_000); // lease expired: taken over
      expect(c3).toMatchObject({ id: j.id, attempts: 3 });
      // Only the current claim may renew its lease; a renewed lease is not taken over.
      expect(await q.renew(c2!, 60_000)).toBe(false);
      expect(await q.renew(c3!, 60_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 10));
      expect(await q.claim(60_000)).toBeUndefined();
      await q.fail(j.id, { code: 'LG_ERR_URL_REFUSED', message: 'no' });
      expect(await q.renew(c3!, 60_000)).toBe(false);
      const done = await q.get(j.id);
      expect(done).toMatchObject({
        state: 'failed',
        error: { code: 'LG_ERR_URL_REFUSED', message: 'no' },
      });
      expect(await q.claim(60_000)).toBeUndefined();
    });
  });
}

jobQueueContract('SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lg-jobs-'));
  return createStore({ dataDir: dir }).then((store) => ({
    store,
    cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  }));
});

const mode = await pgTestMode();
if (mode === 'run') {
  jobQueueContract('PostgreSQL', async () => {
    const s = await createTestSchema();
    const store = await createStore({ databaseUrl: s.url, pgSchema: s.schema, pgPoolSize: 6 });
    return { store, cleanup: () => s.drop() };
  });
} else {
  describe('JobQueue contract: PostgreSQL', () => {
    // In CI PostgreSQL is started by .ci/run, so an unreachable server fails the run.
    it.skipIf(mode === 'skip')('PostgreSQL is reachable', () => {
      throw new Error(`PostgreSQL is not reachable at ${pgTestUrl()} (CI is set)`);
    });
  });
}
