import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLifeguardError, type NewEvidence } from '@lifeguard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, type LifeguardStore } from './create-store.factory.js';
import { KyselyEvidenceStore } from './evidence-store.kysely.js';
import { createTestSchema, pgTestMode, pgTestUrl } from './testing/pg-test.helper.js';

const T0 = Date.parse('2026-11-25T12:00:00Z');
const DAY = 86_400_000;

function ev(caseId: string, key: string, holdUntil: number, sha = 'a'.repeat(64)): NewEvidence {
  return {
    caseId,
    kind: 'media',
    itemId: '7',
    blobKey: key,
    sha256: sha,
    size: 1234,
    contentType: 'image/jpeg',
    trigger: 'case_confirmed',
    preservedBy: 'user:r1',
    preservedAt: T0,
    holdUntil,
    jurisdictions: ['US'],
  };
}

function contract(
  name: string,
  open: () => Promise<{ store: LifeguardStore; cleanup: () => Promise<void> }>,
): void {
  describe(`EvidenceStore contract: ${name}`, () => {
    let store: LifeguardStore;
    let cleanup: () => Promise<void>;
    let s: KyselyEvidenceStore;
    beforeAll(async () => {
      ({ store, cleanup } = await open());
      s = new KyselyEvidenceStore(store.kysely, store.dialect);
    });
    afterAll(async () => {
      await store.close();
      await cleanup();
    });

    it('records, reads back, lists by case', async () => {
      const r = await s.record(ev('c1', 'evidence/c1/media-7', T0 + 365 * DAY));
      expect(r).toMatchObject({
        caseId: 'c1',
        kind: 'media',
        itemId: '7',
        size: 1234,
        holdUntil: T0 + 365 * DAY,
        preservedAt: T0,
        jurisdictions: ['US'],
        purgedAt: null,
      });
      expect(await s.get(r.id)).toEqual(r);
      await s.record({
        ...ev('c1', 'evidence/c1/metadata', T0 + 365 * DAY),
        kind: 'metadata',
        itemId: null,
      });
      await s.record(ev('c2', 'evidence/c2/media-9', T0 + 365 * DAY));
      expect((await s.listByCase('c1')).map((x) => x.blobKey)).toEqual([
        'evidence/c1/media-7',
        'evidence/c1/metadata',
      ]);
      expect(await s.get('999999')).toBeUndefined();
      expect(await s.get('not-a-number')).toBeUndefined();
    });

    it('is idempotent on the blob key and only lengthens holds; other content conflicts', async () => {
      const key = 'evidence/c3/media-1';
      const a = await s.record(ev('c3', key, T0 + 365 * DAY));
      const b = await s.record(ev('c3', key, T0 + 500 * DAY));
      expect(b.id).toBe(a.id);
      expect(b.holdUntil).toBe(T0 + 500 * DAY);
      const c = await s.record(ev('c3', key, T0 + 10 * DAY));
      expect(c.holdUntil).toBe(T0 + 500 * DAY);
      const e = await s.record(ev('c3', key, T0, 'b'.repeat(64))).catch((x: unknown) => x);
      expect(isLifeguardError(e, 'LG_ERR_CONFLICT')).toBe(true);
      const both = await Promise.all([
        s.record(ev('c4', 'evidence/c4/x', T0 + DAY)),
        s.record(ev('c4', 'evidence/c4/x', T0 + 2 * DAY)),
      ]);
      expect(both[0].id).toBe(both[1].id);
      expect((await s.listByCase('c4'))[0]!.holdUntil).toBe(T0 + 2 * DAY);
    });

    it('lists only expired, unpurged records; purging is once', async () => {
      const now = T0 + 400 * DAY;
      const expired = await s.expired(now, 100);
      // c1 and c2 (365 days) and c4 (2 days) are expired; c3 (500 days) is not.
      expect(expired.map((x) => x.caseId).sort()).toEqual(['c1', 'c1', 'c2', 'c4']);
      expect(expired.every((x) => x.holdUntil <= now)).toBe(true);
      expect(await s.expired(now, 1)).toHaveLength(1);
      const first = expired[0]!;
      expect(await s.markPurged(first.id, now)).toBe(true);
      expect(await s.markPurged(first.id, now + 1)).toBe(false);
      expect((await s.get(first.id))!.purgedAt).toBe(now);
      expect((await s.expired(now, 100)).map((x) => x.id)).not.toContain(first.id);
      expect(await s.expired(T0, 100)).toEqual([]);
    });
  });
}

contract('SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lg-evidence-'));
  return createStore({ dataDir: dir }).then((store) => ({
    store,
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  }));
});

const mode = await pgTestMode();
if (mode === 'fail') throw new Error('PostgreSQL is required in CI but not reachable');
(mode === 'run' ? contract : (n: string) => describe.skip(n, () => undefined))(
  'PostgreSQL',
  async () => {
    const schema = await createTestSchema(pgTestUrl());
    const store = await createStore({ databaseUrl: schema.url, pgSchema: schema.schema });
    return { store, cleanup: () => schema.drop() };
  },
);
