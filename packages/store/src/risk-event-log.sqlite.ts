import type BetterSqlite3 from 'better-sqlite3';
import type { AppendResult, RiskEventLogRow } from './risk-event-log.model.js';

/**
 * The SQLite fast path of {@link KyselyRiskEventLog.append}: one statement prepared once per
 * connection (`insert … on conflict (event_id) do nothing`, run once per row) inside ONE
 * `BEGIN IMMEDIATE … COMMIT`, run synchronously through better-sqlite3. Same rows, same
 * outcome and the same single commit per batch as the Kysely path, without building,
 * compiling and parsing a 1,500-parameter multi-row INSERT and its RETURNING rows per batch.
 * Each row's own result says whether it was stored (`changes`) and its `seq`
 * (`lastInsertRowid`), so no id bookkeeping is needed. The caller must hold the connection
 * (no other transaction open on it).
 */
export class SqliteRiskEventAppend {
  private readonly tx: (rows: readonly RiskEventLogRow[]) => AppendResult;

  /** @param db the better-sqlite3 connection under the store's Kysely instance (migrated) */
  constructor(db: BetterSqlite3.Database) {
    const insert = db.prepare<[string | null, number, string]>(
      'insert into lg_risk_events (event_id, at_ms, body) values (?, ?, ?) ' +
        'on conflict (event_id) do nothing',
    );
    const tx = db.transaction((rows: readonly RiskEventLogRow[]): AppendResult => {
      const inserted = new Array<boolean>(rows.length);
      let insertedCount = 0;
      let lastSeq = 0;
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]!;
        const out = insert.run(r.id ?? null, r.atMs, r.body);
        if (out.changes === 1) {
          inserted[i] = true;
          insertedCount++;
          lastSeq = Number(out.lastInsertRowid);
        } else inserted[i] = false;
      }
      return { inserted, insertedCount, lastSeq };
    });
    this.tx = (rows) => tx.immediate(rows);
  }

  /** Append `rows` in one transaction (all or nothing; an error rolls back and is thrown). */
  append(rows: readonly RiskEventLogRow[]): AppendResult {
    return this.tx(rows);
  }
}
