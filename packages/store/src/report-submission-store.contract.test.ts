import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLifeguardError, type NewSubmission } from '@lifeguard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, type LifeguardStore } from './create-store.factory.js';
import { KyselyReportSubmissionStore } from './report-submission-store.kysely.js';
import { createTestSchema, pgTestMode, pgTestUrl } from './testing/pg-test.helper.js';

const T0 = Date.parse('2026-11-25T12:00:00Z');

function input(caseId: string): NewSubmission {
  return {
    caseId,
    destination: 'cybertipline',
    environment: 'test',
    document: '<?xml version="1.0" encoding="UTF-8"?><report/>',
    files: [
      {
        itemId: 'i1',
        blobKey: 'media/a',
        fileName: 'a.jpg',
        details: { fileViewedByEsp: true, fileRelevance: 'Reported' },
      },
      { itemId: 'i2', blobKey: 'media/b', fileName: 'b.jpg', details: { fileViewedByEsp: false } },
    ],
    confirmedBy: 'user:r1',
    now: T0,
  };
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return isLifeguardError(e) ? e.code : String(e);
  }
  return undefined;
}

/** The ReportSubmissionStore contract, run on every dialect. */
function contract(
  name: string,
  open: () => Promise<{ store: LifeguardStore; cleanup: () => Promise<void> }>,
): void {
  describe(`ReportSubmissionStore contract: ${name}`, () => {
    let store: LifeguardStore;
    let cleanup: () => Promise<void>;
    let s: KyselyReportSubmissionStore;
    beforeAll(async () => {
      ({ store, cleanup } = await open());
      s = new KyselyReportSubmissionStore(store.kysely);
    });
    afterAll(async () => {
      await store.close();
      await cleanup();
    });

    it('creates a submission with its files and a confirm step', async () => {
      const sub = await s.create(input('c1'));
      expect(sub).toMatchObject({
        caseId: 'c1',
        state: 'created',
        reportId: null,
        confirmedBy: 'user:r1',
        version: 1,
        createdAt: T0,
        finishedAt: null,
        error: null,
      });
      expect(sub.files.map((f) => [f.index, f.itemId, f.state, f.fileId])).toEqual([
        [0, 'i1', 'pending', null],
        [1, 'i2', 'pending', null],
      ]);
      expect(sub.files[0]?.details).toEqual({ fileViewedByEsp: true, fileRelevance: 'Reported' });
      expect((await s.steps(sub.id)).map((x) => [x.seq, x.step, x.phase])).toEqual([
        [1, 'confirm', 'ok'],
      ]);
    });

    it('allows one live submission per case and destination', async () => {
      const a = await s.create(input('c2'));
      expect(await codeOf(s.create(input('c2')))).toBe('LG_ERR_CONFLICT');
      // Concurrent creates: exactly one wins.
      const results = await Promise.allSettled([s.create(input('c3')), s.create(input('c3'))]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      // A failed submission frees the slot for a new one.
      await s.update(a.id, a.version, {
        state: 'failed',
        error: { code: 'LG_ERR_DESTINATION_FAILED', message: 'x' },
        step: { step: 'fail', fileIndex: null, phase: 'error', at: T0 + 1, detail: {} },
      });
      const b = await s.create(input('c2'));
      expect(b.id).not.toBe(a.id);
      expect((await s.forCase('c2')).map((x) => x.state).sort()).toEqual(['created', 'failed']);
    });

    it('applies changes with their step records, compare-and-set on version', async () => {
      const sub = await s.create(input('c4'));
      const opened = await s.update(sub.id, sub.version, {
        state: 'submitted',
        reportId: '123456',
        step: {
          step: 'submit',
          fileIndex: null,
          phase: 'ok',
          at: T0 + 10,
          detail: { reportId: '123456', requestId: 'req-1' },
        },
      });
      expect(opened).toMatchObject({ state: 'submitted', reportId: '123456', version: 2 });
      expect(
        await codeOf(
          s.update(sub.id, sub.version, {
            state: 'finishing',
            step: { step: 'finish', fileIndex: null, phase: 'begin', at: T0 + 11, detail: {} },
          }),
        ),
      ).toBe('LG_ERR_CONFLICT');
      const up = await s.update(sub.id, opened.version, {
        file: { index: 1, state: 'uploaded', fileId: 'f'.repeat(32), md5: 'a'.repeat(32) },
        step: { step: 'upload', fileIndex: 1, phase: 'ok', at: T0 + 12, detail: {} },
      });
      expect(up.files[1]).toMatchObject({
        state: 'uploaded',
        fileId: 'f'.repeat(32),
        md5: 'a'.repeat(32),
      });
      expect(up.files[0]?.state).toBe('pending');
      const done = await s.update(sub.id, up.version, {
        state: 'finished',
        finishedAt: T0 + 20,
        step: { step: 'finish', fileIndex: null, phase: 'ok', at: T0 + 20, detail: {} },
      });
      expect(done).toMatchObject({ state: 'finished', finishedAt: T0 + 20, updatedAt: T0 + 20 });
      expect(
        (await s.steps(sub.id)).map((x) => `${x.seq}:${x.step}:${x.phase}:${x.fileIndex}`),
      ).toEqual(['1:confirm:ok:null', '2:submit:ok:null', '3:upload:ok:1', '4:finish:ok:null']);
      expect((await s.steps(sub.id))[1]?.detail).toEqual({
        reportId: '123456',
        requestId: 'req-1',
      });
      // A finished submission still blocks a second one for the case.
      expect(await codeOf(s.create(input('c4')))).toBe('LG_ERR_CONFLICT');
      expect(
        await codeOf(
          s.update('rsub_missing', 1, {
            step: { step: 'x', fileIndex: null, phase: 'ok', at: T0, detail: {} },
          }),
        ),
      ).toBe('LG_ERR_NOT_FOUND');
      expect(await s.get('rsub_missing')).toBeUndefined();
    });
  });
}

contract('SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lg-rsub-'));
  return createStore({ dataDir: dir }).then((store) => ({
    store,
    cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  }));
});

const mode = await pgTestMode();
if (mode === 'run') {
  contract('PostgreSQL', async () => {
    const t = await createTestSchema();
    const store = await createStore({ databaseUrl: t.url, pgSchema: t.schema, pgPoolSize: 4 });
    return { store, cleanup: () => t.drop() };
  });
} else {
  describe('ReportSubmissionStore contract: PostgreSQL', () => {
    it.skipIf(mode === 'skip')('PostgreSQL is reachable', () => {
      throw new Error(`PostgreSQL is not reachable at ${pgTestUrl()} (CI is set)`);
    });
  });
}
