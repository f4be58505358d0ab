import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, KyselyAuditLog, type AuditLogTable } from '@lifeguard/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { captureIo } from '../testing/capture-io.js';

/**
 * `lifeguard audit verify` against a real SQLite store whose rows the test edits directly,
 * as an attacker with database access would: an edited, a deleted and a reordered record
 * are each caught, at the right place; a cut-off end is caught with --expect-head.
 */
describe('lifeguard audit verify', () => {
  let dir: string;
  const dataDir = () => join(dir, 'data');

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lg-cli-audit-'));
    const store = await createStore({ dataDir: dataDir() });
    const log = new KyselyAuditLog(store.kysely, store.dialect);
    for (let i = 1; i <= 8; i++) {
      await log.append({
        actor: `user:${i % 3}`,
        action: i % 2 === 0 ? 'media_view' : 'case_transition',
        subject: `case:${i}`,
        details:
          i % 2 === 0 ? { item: String(i), mode: 'blurred' } : { from: 'open', to: 'in_review' },
        at: 1_700_000_000_000 + i,
      });
    }
    await store.close();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const verify = async (...extra: string[]) => {
    const io = captureIo();
    const code = await main(['audit', 'verify', '--data-dir', dataDir(), ...extra], io);
    return { code, out: io.out(), err: io.err() };
  };

  /** Run `fn` on the audit table of the test database. */
  const tamper = async (
    fn: (db: ReturnType<typeof tableOf>) => Promise<unknown>,
  ): Promise<void> => {
    const store = await createStore({ dataDir: dataDir() });
    try {
      await fn(tableOf(store.kysely));
    } finally {
      await store.close();
    }
  };
  const tableOf = (k: Awaited<ReturnType<typeof createStore>>['kysely']) =>
    k.withTables<{ lg_audit_log: AuditLogTable }>();

  it('accepts an intact chain and prints its head', async () => {
    const r = await verify();
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ok: 8 records, head 8:[0-9a-f]{64}\n/);
    const json = await verify('--json');
    expect(JSON.parse(json.out)).toMatchObject({ ok: true, count: 8, head: { seq: 8 } });
  });

  it('catches an edited record (the view mode changed)', async () => {
    await tamper((db) =>
      db
        .updateTable('lg_audit_log')
        .set({ data: '{"item":"4","mode":"revealed"}' })
        .where('seq', '=', 4)
        .execute(),
    );
    const r = await verify();
    expect(r.code).toBe(1);
    expect(r.out).toBe('TAMPERED: hash at record 3 (seq 4): record 3 (seq 4) was altered\n');
  });

  it('catches a deleted record', async () => {
    await tamper((db) => db.deleteFrom('lg_audit_log').where('seq', '=', 5).execute());
    const r = await verify();
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^TAMPERED: seq at record 4 \(seq 6\): record 4 has seq 6, expected 5\n/);
  });

  it('catches reordered records (seq numbers swapped)', async () => {
    await tamper(async (db) => {
      await db.updateTable('lg_audit_log').set({ seq: -3 }).where('seq', '=', 3).execute();
      await db.updateTable('lg_audit_log').set({ seq: 3 }).where('seq', '=', 6).execute();
      await db.updateTable('lg_audit_log').set({ seq: 6 }).where('seq', '=', -3).execute();
    });
    const r = await verify();
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^TAMPERED: prev_hash at record 2 \(seq 3\)/);
  });

  it('catches records cut off the end only with --expect-head, and unreadable details', async () => {
    const head = /head (\d+:[0-9a-f]{64})/.exec((await verify()).out)![1]!;
    await tamper((db) => db.deleteFrom('lg_audit_log').where('seq', '>=', 7).execute());
    expect((await verify()).code).toBe(0);
    const r = await verify('--expect-head', head);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^TAMPERED: head .*records missing at the end/);
    await tamper((db) =>
      db.updateTable('lg_audit_log').set({ data: '{not json' }).where('seq', '=', 2).execute(),
    );
    const m = await verify();
    expect(m.out).toMatch(/^TAMPERED: malformed at record 1 \(seq 2\)/);
    expect((await verify('--expect-head', 'nonsense')).code).toBe(2);
  });
});
