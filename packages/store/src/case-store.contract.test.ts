/**
 * Contract of {@link KyselyCaseStore} and {@link KyselyAuditLog} on SQLite and PostgreSQL (an
 * isolated schema; fails rather than skips under CI when PostgreSQL is down): folding on exact
 * keys and near PDQs, closed cases never absorbing, the queue order and cursor, transitions and
 * decisions with their audit records and outbox rows, the exposure cap, SLA breaches once,
 * the audit chain under concurrent appends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CasePdqIndex,
  DEFAULT_CASE_POLICY,
  ReportText,
  verifyChain,
  type Actor,
  type CaseItem,
  type CaseSource,
  type MatchHit,
} from '@lifeguard/core';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KyselyAuditLog, sha256Hex } from './audit-log.kysely.js';
import { KyselyCaseStore } from './case-store.kysely.js';
import { createStore, type LifeguardStore } from './create-store.factory.js';
import { createTestSchema, pgTestMode, pgTestUrl } from './testing/pg-test.helper.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);
const hexOf = (c: string, n: number) => c.repeat(n);
const csReviewer: Actor = { id: 'cs1', roles: ['child_safety_reviewer'] };
const reviewer: Actor = { id: 'r1', roles: ['reviewer'] };
const lead: Actor = { id: 'lead1', roles: ['lead'] };

function csamHit(value: string): MatchHit {
  return {
    bankId: 1,
    bankName: 'ncmec',
    kind: 'block',
    entryId: 1,
    signal: 'md5',
    value,
    distance: 0,
    threshold: 0,
    labels: ['csam'],
    classification: null,
    sourceId: null,
  };
}

function item(at: number, source: CaseSource, views = 0): { item: CaseItem } {
  return { item: { id: 'x', receivedAt: at, source, reach: { views } } };
}

const report = (sha: string, reporter = 'u1'): CaseSource => ({
  kind: 'user_report',
  reporter,
  reportedContent: { sha256: hexOf(sha, 64) },
  reason: 'harassment',
  text: new ReportText('placeholder words'),
});

function contract(
  name: string,
  open: () => Promise<{ store: LifeguardStore; cleanup: () => Promise<void> }>,
  preparedIntake = false,
): void {
  describe(`CaseStore contract: ${name}`, () => {
    let store: LifeguardStore;
    let cleanup: () => Promise<void>;
    let cases: KyselyCaseStore;
    let audit: KyselyAuditLog;
    const index = new CasePdqIndex();

    beforeAll(async () => {
      ({ store, cleanup } = await open());
      cases = new KyselyCaseStore(
        store.kysely,
        store.dialect,
        DEFAULT_CASE_POLICY,
        preparedIntake ? store.sqlite : undefined,
      );
      audit = new KyselyAuditLog(store.kysely, store.dialect, () => T0);
    });
    afterAll(async () => {
      await store?.close();
      await cleanup?.();
    });

    it('folds signals about the same media into one case and one item with a count', async () => {
      const out = await cases.ingest(
        [item(T0, report('a')), item(T0 + 1, report('a', 'u2')), item(T0 + 2, report('b'))],
        index,
        T0 + 2,
      );
      expect(out.map((o) => o.opened)).toEqual([true, false, true]);
      expect(out[1]!.caseId).toBe(out[0]!.caseId);
      expect(out[1]!.via).toBe('sha256');
      expect(out[1]!.itemId).toBe(out[0]!.itemId);
      expect(out[2]!.caseId).not.toBe(out[0]!.caseId);
      const c = (await cases.get(out[0]!.caseId))!;
      expect(c.summary.items).toBe(2);
      expect(c.summary.reports).toBe(2);
      const items = await cases.items(c.id);
      expect(items).toHaveLength(1);
      expect(items[0]!.count).toBe(2);
      // The report text is stored and comes back wrapped, never in the JSON.
      const sig = await cases.signals(c.id, 10);
      const src = sig[0]!.item.source;
      expect(src.kind === 'user_report' && src.text?.reveal()).toBe('placeholder words');
      expect(JSON.stringify(sig)).not.toContain('placeholder words');
    });

    it('folds near-duplicate PDQs through the fold index, as a second item', async () => {
      const p1 = 'f'.repeat(64);
      const p2 = '0' + 'f'.repeat(63); // 4 bits away
      const out = await cases.ingest(
        [
          item(T0, { kind: 'manual', createdBy: 'lead1', severity: 'other', media: { pdq: p1 } }),
          item(T0, { kind: 'manual', createdBy: 'lead1', severity: 'other', media: { pdq: p2 } }),
        ],
        index,
        T0,
      );
      expect(out[1]!.caseId).toBe(out[0]!.caseId);
      expect(out[1]!.via).toBe('pdq_near');
      expect(out[1]!.itemId).not.toBe(out[0]!.itemId);
      const pdqs = await cases.activePdqs(0, 100);
      expect(pdqs.filter((p) => p.caseId === out[0]!.caseId).map((p) => p.pdq)).toEqual([p1, p2]);
    });

    it('folds account signals on the account, not media signals about its uploads', async () => {
      const alert: CaseSource = {
        kind: 'risk_alert',
        account: 'acct-9',
        score: 0.9,
        reasons: [],
        minorsInContact: ['m1'],
        lastMinorContactAt: T0,
      };
      const out = await cases.ingest(
        [
          item(T0, alert),
          item(T0, {
            kind: 'user_report',
            reporter: 'u5',
            reportedAccount: 'acct-9',
            reason: 'grooming',
          }),
          item(T0, {
            kind: 'hash_match',
            media: { md5: hexOf('c', 32) },
            verdict: 'review',
            rule: 'default',
            matches: [],
            uploader: 'acct-9',
          }),
        ],
        index,
        T0,
      );
      expect(out[1]!.caseId).toBe(out[0]!.caseId);
      expect(out[1]!.via).toBe('account');
      expect(out[2]!.caseId).not.toBe(out[0]!.caseId);
      const c = (await cases.get(out[0]!.caseId))!;
      expect(c.severity).toBe('grooming_live_contact');
      const history = await cases.casesOfAccount('acct-9', 10);
      expect(history.map((h) => h.id).sort()).toEqual([out[0]!.caseId, out[2]!.caseId].sort());
    });

    it('moves cases by the state machine, records transitions and audit records', async () => {
      const [o] = await cases.ingest(
        [
          item(T0, {
            kind: 'hash_match',
            media: { md5: hexOf('d', 32), sha256: hexOf('d', 64) },
            verdict: 'block',
            rule: 'label:csam=block',
            matches: [csamHit(hexOf('d', 32))],
          }),
        ],
        index,
        T0,
      );
      const id = o!.caseId;
      expect(o!.case.severity).toBe('verified_csam');
      expect(o!.case.actionedAt).toBe(T0);
      expect(o!.case.slaDueAt).toBe(T0 + HOUR);
      await expect(
        cases.transition(id, 'in_review', reviewer, 'claim', T0 + 5),
      ).rejects.toMatchObject({
        code: 'LG_ERR_FORBIDDEN',
      });
      await expect(cases.transition(id, 'actioned', csReviewer, 'x', T0 + 5)).rejects.toMatchObject(
        {
          code: 'LG_ERR_CONFLICT',
        },
      );
      await expect(
        cases.transition('999999', 'in_review', csReviewer, 'x', T0),
      ).rejects.toMatchObject({ code: 'LG_ERR_NOT_FOUND' });
      const t = await cases.transition(id, 'in_review', csReviewer, 'claim', T0 + 10);
      expect(t.case.state).toBe('in_review');
      expect(t.case.assignee).toBe('cs1');
      const d = await cases.decide(
        id,
        { kind: 'confirm', category: 'csam', addToLocalBank: true },
        { classification: 'A1', note: null },
        csReviewer,
        T0 + 20,
        (c, plan, decisionId) => [
          {
            event: 'case.action',
            body: JSON.stringify({ caseId: c.id, decisionId, actions: plan.actions }),
            endpoints: [{ name: 'platform', url: 'http://127.0.0.1:9/hook' }],
          },
        ],
      );
      expect(d.case.state).toBe('actioned');
      expect(d.case.decidedAt).toBe(T0 + 20);
      expect(d.case.actionedAt).toBe(T0); // auto-actioned at intake
      expect(d.decision.classification).toBe('A1');
      expect(d.decision.plan.reportable).toBe(true);
      expect(d.decision.plan.actions.map((a) => a.type)).toContain('remove_content');
      // md5 was already in a block bank; sha256 goes to the local bank.
      const fb = await cases.feedback(id);
      expect(fb.map((f) => f.signal)).toEqual(['sha256']);
      expect((await cases.pendingFeedback(100)).some((f) => f.caseId === id)).toBe(true);
      await cases.markFeedbackApplied(
        fb.map((f) => f.id),
        T0 + 30,
      );
      expect((await cases.feedback(id))[0]!.appliedAt).toBe(T0 + 30);
      const outbox = await sql<{
        n: number | string;
      }>`select count(*) as n from lg_webhook_deliveries where event = 'case.action'`.execute(
        store.kysely,
      );
      expect(Number(outbox.rows[0]!.n)).toBe(1);
      expect((await cases.transitions(id)).map((x) => `${x.from}>${x.to}`)).toEqual([
        'open>in_review',
        'in_review>actioned',
      ]);
      expect((await cases.decisions(id)).length).toBe(1);
      // Reporting a CSAM case views its media: a lead without the child-safety role may not.
      await expect(cases.transition(id, 'reported', lead, 'report', T0 + 35)).rejects.toMatchObject(
        { code: 'LG_ERR_FORBIDDEN' },
      );
      // A closed case absorbs nothing: the same media opens a new case linked to it.
      const [again] = await cases.ingest([item(T0 + 40, report('d'))], index, T0 + 40);
      expect(again!.opened).toBe(true);
      expect(again!.linkedTo).toEqual([id]);
      const records = await audit.list({ afterSeq: 0, limit: 100, subject: `case:${id}` });
      expect(records.map((r) => r.type)).toEqual(['case_transition', 'decision']);
    });

    it('lists the queue by priority with a cursor, and filters', async () => {
      const all: string[] = [];
      let cursor: string | undefined;
      let prev = Number.POSITIVE_INFINITY;
      do {
        const page = await cases.queue({ limit: 2, ...(cursor ? { cursor } : {}) });
        for (const c of page.cases) {
          expect(c.priority).toBeLessThanOrEqual(prev);
          prev = c.priority;
          expect(['open', 'in_review', 'escalated']).toContain(c.state);
          all.push(c.id);
        }
        cursor = page.next ?? undefined;
      } while (cursor !== undefined);
      expect(new Set(all).size).toBe(all.length);
      const one = await cases.queue({ limit: 500 });
      expect(one.cases.map((c) => c.id)).toEqual(all);
      const grooming = await cases.queue({ limit: 50, severities: ['grooming_live_contact'] });
      expect(grooming.cases.every((c) => c.severity === 'grooming_live_contact')).toBe(true);
      expect(grooming.cases.length).toBeGreaterThan(0);
      const closed = await cases.queue({ limit: 50, states: ['actioned'] });
      expect(closed.cases.map((c) => c.state)).toEqual(['actioned']);
      await expect(cases.queue({ limit: 5, cursor: 'nope' })).rejects.toMatchObject({
        code: 'LG_ERR_INVALID_ARGUMENT',
      });
    });

    it('records views, refusing revealed views past the daily cap', async () => {
      const [o] = await cases.ingest([item(T0, report('e'))], index, T0);
      const v = { caseId: o!.caseId, itemId: o!.itemId, actor: 'r2', at: T0 };
      const cap = { counts: true, cap: 2, dayStart: T0 };
      expect((await cases.recordView({ ...v, mode: 'revealed' }, cap)).exposure).toBe(1);
      expect(
        (await cases.recordView({ ...v, mode: 'blurred' }, { ...cap, counts: false })).exposure,
      ).toBe(1);
      expect((await cases.recordView({ ...v, mode: 'revealed' }, cap)).exposure).toBe(2);
      await expect(cases.recordView({ ...v, mode: 'revealed' }, cap)).rejects.toMatchObject({
        code: 'LG_ERR_EXPOSURE_LIMIT',
      });
      expect(await cases.exposure('r2', T0)).toBe(2);
      expect((await cases.views(o!.caseId)).map((x) => x.mode)).toEqual([
        'revealed',
        'blurred',
        'revealed',
      ]);
      const stats = await cases.stats(T0);
      expect(stats.viewsByReviewer.r2).toEqual({ revealed: 2, blurred: 1 });
    });

    it('marks SLA breaches once and rescores', async () => {
      const first = await cases.sweep(T0 + 25 * HOUR, (c) => [
        {
          event: 'case.sla_breached',
          body: JSON.stringify({ caseId: c.id }),
          endpoints: [{ name: 'platform', url: 'http://127.0.0.1:9/hook' }],
        },
      ]);
      expect(first.breached.length).toBeGreaterThan(0);
      expect(first.rescored).toBeGreaterThan(0);
      expect(first.breached.every((c) => c.slaBreachedAt === T0 + 25 * HOUR)).toBe(true);
      const second = await cases.sweep(T0 + 26 * HOUR, () => []);
      expect(second.breached).toEqual([]);
      const stats = await cases.stats(T0);
      const breached = Object.values(stats.breached).reduce((a, b) => a + b, 0);
      expect(breached).toBe(first.breached.length);
      expect(stats.toDecisionMs.verified_csam).toEqual([20]);
      expect(stats.decisionsByReviewer).toEqual({ cs1: 1 });
    });

    it('chains audit records without gaps under concurrent appends', async () => {
      const before = (await audit.head())?.seq ?? 0;
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          audit.append({ actor: `u${i}`, action: 'login', subject: `user:u${i}`, details: { i } }),
        ),
      );
      const records = await audit.list({ afterSeq: 0, limit: 1000 });
      expect(records.length).toBe(before + 20);
      expect(verifyChain(records, sha256Hex).ok).toBe(true);
      expect((await audit.head())!.seq).toBe(before + 20);
      const logins = await audit.list({ limit: 5, action: 'login', actor: 'u3' });
      expect(logins.map((r) => r.data)).toEqual([{ i: 3 }]);
      await expect(
        audit.append({ actor: 'x', action: 'login', details: { bad: Number.NaN } }),
      ).rejects.toMatchObject({ code: 'LG_ERR_INVALID_ARGUMENT' });
    });
  });
}

const sqliteStore = () => {
  const dir = mkdtempSync(join(tmpdir(), 'lifeguard-cases-'));
  return createStore({ dataDir: dir }).then((store) => ({
    store,
    cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  }));
};
contract('SQLite, prepared intake', sqliteStore, true);
contract('SQLite, Kysely intake', sqliteStore, false);

const mode = await pgTestMode();
if (mode === 'run') {
  contract('PostgreSQL', async () => {
    const s = await createTestSchema();
    const store = await createStore({ databaseUrl: s.url, pgSchema: s.schema, pgPoolSize: 4 });
    return { store, cleanup: () => s.drop() };
  });
} else {
  describe('CaseStore contract: PostgreSQL', () => {
    it.skipIf(mode === 'skip')('PostgreSQL is reachable', () => {
      throw new Error(`PostgreSQL is not reachable at ${pgTestUrl()} (CI is set)`);
    });
  });
}
