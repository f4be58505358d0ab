import type BetterSqlite3 from 'better-sqlite3';
import type { Generated, Kysely } from 'kysely';
import type { Database } from './database.model.js';
import type { AppendResult, RiskEventLogRow } from './risk-event-log.model.js';
import { SqliteRiskEventAppend } from './risk-event-log.sqlite.js';

export type { AppendResult, RiskEventLogRow } from './risk-event-log.model.js';

/** Row of `lg_risk_events` (migration `0005_risk_events`). */
export interface RiskEventsTable {
  /** Append order; the replay order. */
  seq: Generated<number | string>;
  /** The producer's optional event id (unique when present). */
  event_id: string | null;
  /** Event time, ms since the epoch. */
  at_ms: number | string;
  /** The validated event as JSON (may carry message text: never log it). */
  body: string;
}

/** One stored event, as read back for replay. */
export interface StoredRiskEvent {
  /** Its sequence number. */
  readonly seq: number;
  /** The event as JSON. */
  readonly body: string;
}

/** Rows per INSERT statement (3 parameters each stays far below SQLite's 32766 limit). */
const ROWS_PER_STATEMENT = 1000;

type Db = Kysely<Database & { lg_risk_events: RiskEventsTable }>;

/**
 * The durable, append-only risk event log behind `POST /v1/events`. A batch is written in
 * ONE transaction (all or nothing) and the caller acknowledges only after it committed, so
 * an acknowledged event survives a crash of the process. An event whose id was stored
 * before (in this batch or any earlier one) is skipped, not an error: retries are safe.
 */
export class KyselyRiskEventLog {
  private readonly db: Db;
  private fastAppend: SqliteRiskEventAppend | undefined;

  /**
   * @param db the store's Kysely instance (migrated)
   * @param sqlite SQLite only: the better-sqlite3 connection under `db` (the store's `sqlite`);
   *   with it, {@link append} runs on a prepared statement ({@link SqliteRiskEventAppend})
   */
  constructor(
    db: Kysely<Database>,
    private readonly sqlite?: BetterSqlite3.Database,
  ) {
    this.db = db.withTables<{ lg_risk_events: RiskEventsTable }>();
  }

  /** Append a batch in one transaction; see {@link AppendResult}. */
  async append(rows: readonly RiskEventLogRow[]): Promise<AppendResult> {
    if (rows.length === 0) return { inserted: [], insertedCount: 0, lastSeq: 0 };
    if (this.sqlite !== undefined) {
      const raw = this.sqlite;
      // Holding Kysely's connection keeps every other query on it out while the batch's
      // synchronous transaction runs.
      return this.db.connection().execute(() => {
        this.fastAppend ??= new SqliteRiskEventAppend(raw);
        return Promise.resolve(this.fastAppend.append(rows));
      });
    }
    const storedIds = new Set<string>();
    let lastSeq = 0;
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
        const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
        const out = await trx
          .insertInto('lg_risk_events')
          .values(chunk.map((r) => ({ event_id: r.id ?? null, at_ms: r.atMs, body: r.body })))
          .onConflict((oc) => oc.column('event_id').doNothing())
          .returning(['seq', 'event_id'])
          .execute();
        for (const o of out) {
          if (o.event_id !== null) storedIds.add(o.event_id);
          if (Number(o.seq) > lastSeq) lastSeq = Number(o.seq);
        }
      }
    });
    // Rows come back without their batch position; an id stored now belongs to the first row
    // carrying it (later rows with the same id were skipped by the unique index).
    const inserted = rows.map((r) => {
      if (r.id === undefined) return true;
      return storedIds.delete(r.id);
    });
    let insertedCount = 0;
    for (const x of inserted) if (x) insertedCount++;
    return { inserted, insertedCount, lastSeq };
  }

  /** Up to `limit` events with `seq > afterSeq`, in sequence order (keyset pagination). */
  async page(afterSeq: number, limit: number): Promise<StoredRiskEvent[]> {
    const rows = await this.db
      .selectFrom('lg_risk_events')
      .select(['seq', 'body'])
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ seq: Number(r.seq), body: r.body }));
  }

  /** The highest stored `seq`, 0 for an empty log. */
  async maxSeq(): Promise<number> {
    const r = await this.db
      .selectFrom('lg_risk_events')
      .select((eb) => eb.fn.max('seq').as('m'))
      .executeTakeFirst();
    return r?.m === null || r?.m === undefined ? 0 : Number(r.m);
  }

  /**
   * Retention: delete events with `seq <= coveredSeq` (the position of a snapshot, so the
   * engine never needs them again) and event time before `beforeAtMs`. Events after the
   * snapshot are never deleted, whatever their time. Resolves to the number deleted.
   */
  async prune(coveredSeq: number, beforeAtMs: number): Promise<number> {
    const r = await this.db
      .deleteFrom('lg_risk_events')
      .where('seq', '<=', coveredSeq)
      .where('at_ms', '<', beforeAtMs)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Number of stored events. */
  async count(): Promise<number> {
    const r = await this.db
      .selectFrom('lg_risk_events')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
