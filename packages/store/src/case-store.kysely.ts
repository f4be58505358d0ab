import {
  applyDecision,
  applyTransition,
  ErrorCodes,
  isActiveState,
  LifeguardError,
  type Actor,
  type CaseIntake,
  type CasePage,
  type CasePolicyConfig,
  type CaseQuery,
  type CaseRecord,
  type CaseSeverity,
  type CaseStats,
  type CaseState,
  type CaseStore,
  type CaseSummary,
  type CaseTransition,
  type DecisionPlan,
  type FoldIndex,
  type CaseIngestOutcome,
  type OutboxMessage,
  type ReviewDecision,
  type StoredCase,
  type StoredCaseItem,
  type StoredDecision,
  type StoredFeedback,
  type StoredSignal,
  type StoredView,
  type SweepResult,
  type ViewMode,
} from '@lifeguard/core';
import type BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely, type Selectable } from 'kysely';
import { appendAuditWithin, PG_AUDIT_LOCK } from './audit-log.kysely.js';
import { ingestOne, queueColumns } from './case-intake.kysely.js';
import { SqliteCaseIntake } from './case-intake.sqlite.js';
import {
  caseOf,
  decisionOf,
  itemOf,
  signalOf,
  viewOf,
  type CaseDb,
  type CasesTable,
} from './case-store.tables.js';
import type { Database } from './database.model.js';
import type { StoreDialect } from './migrations/migrations.js';
import { addOutboxWithin } from './webhook-outbox.kysely.js';
import { writeTransaction } from './write-transaction.util.js';

/**
 * PostgreSQL advisory lock serialising case writes across processes ("LGCASES" in ASCII):
 * folding must see every earlier fold, and a transition must not race an item joining. Taken
 * before {@link PG_AUDIT_LOCK}, always in that order.
 */
export const PG_CASES_LOCK = 0x4c474341534553n;

const ACTIVE: readonly CaseState[] = ['open', 'in_review', 'escalated'];
/** Rows the periodic check rescores / marks per run (bounded transactions). */
const SWEEP_BATCH = 2000;

function encodeCursor(priority: number, id: number): string {
  return Buffer.from(JSON.stringify([priority, id])).toString('base64url');
}

function decodeCursor(c: string): { priority: number; id: number } {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      typeof v[0] === 'number' &&
      Number.isFinite(v[0]) &&
      Number.isSafeInteger(v[1])
    ) {
      return { priority: v[0], id: v[1] as number };
    }
  } catch {
    // fall through
  }
  throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, 'invalid cursor');
}

function idNum(id: string): number {
  const n = Number(id);
  if (!/^[1-9][0-9]{0,15}$/.test(id) || !Number.isSafeInteger(n)) {
    throw new LifeguardError(ErrorCodes.NOT_FOUND, 'unknown case', { caseId: id.slice(0, 40) });
  }
  return n;
}

function recordOf(row: Selectable<CasesTable>): CaseRecord {
  return {
    id: String(row.id),
    state: row.state as CaseState,
    summary: JSON.parse(row.summary) as CaseSummary,
    linkedTo: JSON.parse(row.linked_to) as string[],
    transitions: [],
    closedAt: row.closed_at === null ? null : Number(row.closed_at),
  };
}

/**
 * Cases on SQLite or PostgreSQL (migration `0006_cases`). Writes run in one transaction each
 * with their audit record (and outbox messages); on PostgreSQL they are serialised by
 * {@link PG_CASES_LOCK}, on SQLite by `BEGIN IMMEDIATE`.
 */
export class KyselyCaseStore implements CaseStore {
  private readonly db: Kysely<CaseDb>;
  private fastIntake: SqliteCaseIntake | undefined;

  /**
   * @param db the store's Kysely instance (migrated)
   * @param dialect its dialect
   * @param policy severity, priority and SLA policy
   * @param sqlite SQLite only: the better-sqlite3 connection under `db` (the store's
   *   `sqlite`); with it, intake runs on prepared statements ({@link SqliteCaseIntake})
   */
  constructor(
    db: Kysely<Database>,
    private readonly dialect: StoreDialect,
    readonly policy: CasePolicyConfig,
    private readonly sqlite?: BetterSqlite3.Database,
  ) {
    this.db = db as unknown as Kysely<CaseDb>;
  }

  private write<T>(fn: (trx: Kysely<CaseDb>) => Promise<T>, audit = false): Promise<T> {
    return writeTransaction(
      this.db,
      this.dialect,
      fn,
      audit ? [PG_CASES_LOCK, PG_AUDIT_LOCK] : [PG_CASES_LOCK],
    );
  }

  /** {@inheritDoc CaseStore.ingest} */
  async ingest(
    intakes: readonly CaseIntake[],
    index: FoldIndex,
    now: number,
  ): Promise<CaseIngestOutcome[]> {
    if (intakes.length === 0) return [];
    if (this.dialect === 'sqlite' && this.sqlite !== undefined) {
      const raw = this.sqlite;
      // Holding Kysely's connection keeps every other query on it out while the batch's
      // synchronous transaction runs.
      return this.db.connection().execute(() => {
        this.fastIntake ??= new SqliteCaseIntake(raw, this.policy);
        return Promise.resolve(this.fastIntake.ingest(intakes, index, now));
      });
    }
    return this.write(async (trx) => {
      const out: CaseIngestOutcome[] = [];
      for (const intake of intakes) out.push(await ingestOne(trx, this.policy, intake, index, now));
      return out;
    });
  }

  /** {@inheritDoc CaseStore.get} */
  async get(id: string): Promise<StoredCase | undefined> {
    let n: number;
    try {
      n = idNum(id);
    } catch {
      return undefined;
    }
    const r = await this.db
      .selectFrom('lg_cases')
      .selectAll()
      .where('id', '=', n)
      .executeTakeFirst();
    return r === undefined ? undefined : caseOf(r);
  }

  /** {@inheritDoc CaseStore.queue} */
  async queue(query: CaseQuery): Promise<CasePage> {
    const limit = Math.max(1, Math.min(500, Math.floor(query.limit)));
    const states = query.states ?? ACTIVE;
    let q = this.db.selectFrom('lg_cases').selectAll();
    const onlyActive = states.length === ACTIVE.length && ACTIVE.every((s) => states.includes(s));
    q = onlyActive ? q.where('active', '=', 1) : q.where('state', 'in', [...states]);
    if (query.severities !== undefined) q = q.where('severity', 'in', [...query.severities]);
    if (query.breached === true) q = q.where('sla_breached_at', 'is not', null);
    if (query.cursor !== undefined) {
      const c = decodeCursor(query.cursor);
      // `priority <= p` keeps the range usable by the index; the OR breaks ties by id.
      q = q
        .where('priority', '<=', c.priority)
        .where((eb) => eb.or([eb('priority', '<', c.priority), eb('id', '>', c.id)]));
    }
    const rows = await q
      .orderBy('priority', 'desc')
      .orderBy('id', 'asc')
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit).map(caseOf);
    const last = page[page.length - 1];
    return {
      cases: page,
      next: rows.length > limit && last ? encodeCursor(last.priority, Number(last.id)) : null,
    };
  }

  /** {@inheritDoc CaseStore.items} */
  async items(caseId: string): Promise<StoredCaseItem[]> {
    const rows = await this.db
      .selectFrom('lg_case_items')
      .selectAll()
      .where('case_id', '=', idNum(caseId))
      .orderBy('id')
      .execute();
    return rows.map(itemOf);
  }

  /** {@inheritDoc CaseStore.item} */
  async item(caseId: string, itemId: string): Promise<StoredCaseItem | undefined> {
    let c: number;
    let i: number;
    try {
      c = idNum(caseId);
      i = idNum(itemId);
    } catch {
      return undefined;
    }
    const r = await this.db
      .selectFrom('lg_case_items')
      .selectAll()
      .where('case_id', '=', c)
      .where('id', '=', i)
      .executeTakeFirst();
    return r === undefined ? undefined : itemOf(r);
  }

  /** {@inheritDoc CaseStore.signals} */
  async signals(caseId: string, limit: number): Promise<StoredSignal[]> {
    const rows = await this.db
      .selectFrom('lg_case_signals')
      .selectAll()
      .where('case_id', '=', idNum(caseId))
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(signalOf);
  }

  /** {@inheritDoc CaseStore.transitions} */
  async transitions(caseId: string): Promise<CaseTransition[]> {
    const rows = await this.db
      .selectFrom('lg_case_transitions')
      .selectAll()
      .where('case_id', '=', idNum(caseId))
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      from: r.from_state as CaseState,
      to: r.to_state as CaseState,
      actor: r.actor,
      at: Number(r.at),
      reason: r.reason,
    }));
  }

  /** {@inheritDoc CaseStore.decisions} */
  async decisions(caseId: string): Promise<StoredDecision[]> {
    const rows = await this.db
      .selectFrom('lg_case_decisions')
      .selectAll()
      .where('case_id', '=', idNum(caseId))
      .orderBy('id')
      .execute();
    return rows.map(decisionOf);
  }

  /** {@inheritDoc CaseStore.views} */
  async views(caseId: string): Promise<StoredView[]> {
    const rows = await this.db
      .selectFrom('lg_case_views')
      .selectAll()
      .where('case_id', '=', idNum(caseId))
      .orderBy('id')
      .execute();
    return rows.map(viewOf);
  }

  /** {@inheritDoc CaseStore.feedback} */
  async feedback(caseId: string): Promise<StoredFeedback[]> {
    const rows = await this.db
      .selectFrom('lg_case_feedback')
      .selectAll()
      .where('case_id', '=', idNum(caseId))
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: String(r.id),
      caseId: String(r.case_id),
      bank: r.bank as 'local_block' | 'allow',
      signal: r.signal,
      value: r.value,
      appliedAt: r.applied_at === null ? null : Number(r.applied_at),
    }));
  }

  /** {@inheritDoc CaseStore.casesOfAccount} */
  async casesOfAccount(account: string, limit: number): Promise<StoredCase[]> {
    const rows = await this.db
      .selectFrom('lg_cases')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb('account', '=', account),
          eb(
            'id',
            'in',
            eb.selectFrom('lg_case_items').select('case_id').where('account', '=', account),
          ),
        ]),
      )
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(caseOf);
  }

  private async lockedCase(trx: Kysely<CaseDb>, caseId: string): Promise<Selectable<CasesTable>> {
    const row = await trx
      .selectFrom('lg_cases')
      .selectAll()
      .where('id', '=', idNum(caseId))
      .executeTakeFirst();
    if (row === undefined) {
      throw new LifeguardError(ErrorCodes.NOT_FOUND, 'unknown case', { caseId });
    }
    return row;
  }

  /** Write a moved case back: state, clocks, queue columns, assignee. */
  private async saveMoved(
    trx: Kysely<CaseDb>,
    row: Selectable<CasesTable>,
    record: CaseRecord,
    t: CaseTransition,
    now: number,
    extra: Partial<Pick<CasesTable, 'decided_at' | 'actioned_at'>> = {},
  ): Promise<StoredCase> {
    const active = isActiveState(record.state);
    const q = queueColumns(record.summary, this.policy, now, record.closedAt);
    const assignee =
      t.to === 'in_review' ? t.actor : t.to === 'open' || !active ? null : row.assignee;
    const updated = await trx
      .updateTable('lg_cases')
      .set({
        state: record.state,
        active: active ? 1 : 0,
        closed_at: record.closedAt,
        priority: q.priority,
        scored_at: q.scored_at,
        rescore_at: q.rescore_at,
        assignee,
        updated_at: now,
        version: row.version + 1,
        ...extra,
      })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('lg_case_transitions')
      .values({
        case_id: row.id,
        from_state: t.from,
        to_state: t.to,
        actor: t.actor,
        at: t.at,
        reason: t.reason,
      })
      .execute();
    return caseOf(updated);
  }

  /** {@inheritDoc CaseStore.transition} */
  async transition(
    caseId: string,
    to: CaseState,
    actor: Actor,
    reason: string,
    now: number,
  ): Promise<{ case: StoredCase; transition: CaseTransition }> {
    return this.write(async (trx) => {
      const row = await this.lockedCase(trx, caseId);
      const moved = applyTransition(recordOf(row), { to, actor, at: now, reason });
      const c = await this.saveMoved(trx, row, moved.record, moved.transition, now);
      await appendAuditWithin(
        trx,
        {
          actor: actor.id,
          action: 'case_transition',
          subject: `case:${c.id}`,
          details: { from: moved.transition.from, to, reason },
        },
        now,
      );
      return { case: c, transition: moved.transition };
    }, true);
  }

  /** {@inheritDoc CaseStore.decide} */
  async decide(
    caseId: string,
    decision: ReviewDecision,
    extra: { readonly classification: string | null; readonly note: string | null },
    actor: Actor,
    now: number,
    effects: (c: StoredCase, plan: DecisionPlan, decisionId: string) => readonly OutboxMessage[],
  ): Promise<{ case: StoredCase; decision: StoredDecision }> {
    return this.write(async (trx) => {
      const row = await this.lockedCase(trx, caseId);
      const signals = await trx
        .selectFrom('lg_case_signals')
        .selectAll()
        .where('case_id', '=', row.id)
        .orderBy('id')
        .execute();
      const items = signals.map((s) => signalOf(s).item);
      const r = applyDecision(recordOf(row), items, decision, actor, now);
      const c = await this.saveMoved(trx, row, r.record, r.transition, now, {
        decided_at: row.decided_at ?? now,
        actioned_at:
          row.actioned_at ?? (r.plan.to === 'actioned' && r.plan.actions.length > 0 ? now : null),
      });
      const d = await trx
        .insertInto('lg_case_decisions')
        .values({
          case_id: row.id,
          actor: actor.id,
          at: now,
          kind: decision.kind,
          decision: JSON.stringify(decision),
          classification: extra.classification,
          note: extra.note,
          plan: JSON.stringify(r.plan),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      if (r.plan.feedback.length > 0) {
        await trx
          .insertInto('lg_case_feedback')
          .values(
            r.plan.feedback.map((f) => ({
              case_id: row.id,
              decision_id: d.id,
              bank: f.bank,
              signal: f.signal,
              value: f.value,
              applied_at: null,
            })),
          )
          .execute();
      }
      const stored = decisionOf(d);
      await appendAuditWithin(
        trx,
        {
          actor: actor.id,
          action: 'decision',
          subject: `case:${c.id}`,
          details: {
            decision: decision.kind,
            category: decision.kind === 'confirm' ? decision.category : null,
            classification: extra.classification,
            to: r.plan.to,
            actions: r.plan.actions.length,
            feedback: r.plan.feedback.length,
            reportable: r.plan.reportable,
          },
        },
        now,
      );
      for (const m of effects(c, r.plan, stored.id)) {
        await addOutboxWithin(trx as unknown as Kysely<Database>, m.event, m.body, m.endpoints);
      }
      return { case: c, decision: stored };
    }, true);
  }

  /** {@inheritDoc CaseStore.recordView} */
  async recordView(
    view: Omit<StoredView, 'id'>,
    exposure: { readonly counts: boolean; readonly cap: number; readonly dayStart: number },
  ): Promise<{ view: StoredView; exposure: number }> {
    return this.write(async (trx) => {
      let used = await this.exposureIn(trx, view.actor, exposure.dayStart);
      if (exposure.counts) {
        if (used >= exposure.cap) {
          throw new LifeguardError(
            ErrorCodes.EXPOSURE_LIMIT,
            `daily exposure cap of ${exposure.cap} revealed views reached`,
            { cap: exposure.cap, used },
          );
        }
        used++;
      }
      const r = await trx
        .insertInto('lg_case_views')
        .values({
          case_id: idNum(view.caseId),
          item_id: idNum(view.itemId),
          actor: view.actor,
          mode: view.mode,
          at: view.at,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await appendAuditWithin(
        trx,
        {
          actor: view.actor,
          action: 'media_view',
          subject: `case:${view.caseId}`,
          details: { item: view.itemId, mode: view.mode },
        },
        view.at,
      );
      return { view: viewOf(r), exposure: used };
    }, true);
  }

  private async exposureIn(trx: Kysely<CaseDb>, actor: string, since: number): Promise<number> {
    const r = await trx
      .selectFrom('lg_case_views')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('actor', '=', actor)
      .where('at', '>=', since)
      .where('mode', '=', 'revealed' satisfies ViewMode)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** {@inheritDoc CaseStore.exposure} */
  async exposure(actor: string, since: number): Promise<number> {
    return this.exposureIn(this.db, actor, since);
  }

  /** {@inheritDoc CaseStore.pendingFeedback} */
  async pendingFeedback(limit: number): Promise<StoredFeedback[]> {
    const rows = await this.db
      .selectFrom('lg_case_feedback')
      .selectAll()
      .where('applied_at', 'is', null)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: String(r.id),
      caseId: String(r.case_id),
      bank: r.bank as 'local_block' | 'allow',
      signal: r.signal,
      value: r.value,
      appliedAt: null,
    }));
  }

  /** {@inheritDoc CaseStore.markFeedbackApplied} */
  async markFeedbackApplied(ids: readonly string[], at: number): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('lg_case_feedback')
      .set({ applied_at: at })
      .where('id', 'in', ids.map(Number))
      .execute();
  }

  /** {@inheritDoc CaseStore.sweep} */
  async sweep(
    now: number,
    onBreach: (c: StoredCase) => readonly OutboxMessage[],
  ): Promise<SweepResult> {
    return this.write(async (trx) => {
      const due = await trx
        .selectFrom('lg_cases')
        .selectAll()
        .where('rescore_at', '<=', now)
        .where('active', '=', 1)
        .limit(SWEEP_BATCH)
        .execute();
      for (const row of due) {
        const q = queueColumns(JSON.parse(row.summary) as CaseSummary, this.policy, now, null);
        await trx
          .updateTable('lg_cases')
          .set({ priority: q.priority, scored_at: q.scored_at, rescore_at: q.rescore_at })
          .where('id', '=', row.id)
          .execute();
      }
      const late = await trx
        .updateTable('lg_cases')
        .set({ sla_breached_at: now })
        .where('active', '=', 1)
        .where('sla_due_at', '<', now)
        .where('sla_breached_at', 'is', null)
        .returningAll()
        .execute();
      const breached = late.map(caseOf);
      for (const c of breached) {
        for (const m of onBreach(c)) {
          await addOutboxWithin(trx as unknown as Kysely<Database>, m.event, m.body, m.endpoints);
        }
      }
      return { rescored: due.length, breached };
    });
  }

  /** {@inheritDoc CaseStore.activePdqs} */
  async activePdqs(
    afterKey: number,
    limit: number,
  ): Promise<Array<{ key: number; caseId: string; pdq: string }>> {
    const rows = await this.db
      .selectFrom('lg_case_keys as k')
      .innerJoin('lg_cases as c', 'c.id', 'k.case_id')
      .select(['k.id', 'k.case_id', 'k.key'])
      .where('k.id', '>', afterKey)
      .where('c.active', '=', 1)
      .where('k.key', 'like', 'p:%')
      .orderBy('k.id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ key: Number(r.id), caseId: String(r.case_id), pdq: r.key.slice(2) }));
  }

  /** PDQs of one case (to re-index a reopened case). */
  async pdqsOf(caseId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('lg_case_keys')
      .select('key')
      .where('case_id', '=', idNum(caseId))
      .where('key', 'like', 'p:%')
      .execute();
    return rows.map((r) => r.key.slice(2));
  }

  /** {@inheritDoc CaseStore.stats} */
  async stats(since: number): Promise<CaseStats> {
    const bySev = <T>(rows: Array<{ severity: string; n: T }>, f: (n: T) => number) => {
      const out: Partial<Record<CaseSeverity, number>> = {};
      for (const r of rows) out[r.severity as CaseSeverity] = f(r.n);
      return out;
    };
    const count = sql<number | string>`count(*)`;
    const backlog = await this.db
      .selectFrom('lg_cases')
      .select(['severity', count.as('n')])
      .where('active', '=', 1)
      .groupBy('severity')
      .execute();
    const breached = await this.db
      .selectFrom('lg_cases')
      .select(['severity', count.as('n')])
      .where('active', '=', 1)
      .where('sla_breached_at', 'is not', null)
      .groupBy('severity')
      .execute();
    const durations = async (col: 'decided_at' | 'actioned_at') => {
      const rows = await this.db
        .selectFrom('lg_cases')
        .select(['severity', col, 'opened_at'])
        .where(col, '>=', since)
        .execute();
      const out: Partial<Record<CaseSeverity, number[]>> = {};
      for (const r of rows) {
        const list = (out[r.severity as CaseSeverity] ??= []);
        list.push(Math.max(0, Number(r[col]) - Number(r.opened_at)));
      }
      return out;
    };
    const decisions = await this.db
      .selectFrom('lg_case_decisions')
      .select(['actor', count.as('n')])
      .where('at', '>=', since)
      .groupBy('actor')
      .execute();
    const views = await this.db
      .selectFrom('lg_case_views')
      .select(['actor', 'mode', count.as('n')])
      .where('at', '>=', since)
      .groupBy(['actor', 'mode'])
      .execute();
    const viewsByReviewer: Record<string, Partial<Record<ViewMode, number>>> = {};
    for (const v of views) {
      (viewsByReviewer[v.actor] ??= {})[v.mode as ViewMode] = Number(v.n);
    }
    return {
      backlog: bySev(backlog, Number),
      breached: bySev(breached, Number),
      toDecisionMs: await durations('decided_at'),
      toActionMs: await durations('actioned_at'),
      decisionsByReviewer: Object.fromEntries(decisions.map((d) => [d.actor, Number(d.n)])),
      viewsByReviewer,
    };
  }
}
