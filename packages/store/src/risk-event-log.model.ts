/** Rows of the durable risk event log, shared by its Kysely and SQLite write paths. */

/** One event to append. */
export interface RiskEventLogRow {
  /** The producer's event id, if it sent one (idempotency key). */
  readonly id?: string;
  /** Event time, ms since the epoch. */
  readonly atMs: number;
  /** The event as JSON. */
  readonly body: string;
}

/** What {@link KyselyRiskEventLog.append} did with each row of a batch. */
export interface AppendResult {
  /** Per row of the batch: true if stored now, false if its id was stored before. */
  readonly inserted: readonly boolean[];
  /** Rows stored now. */
  readonly insertedCount: number;
  /** The highest `seq` stored by this batch, 0 if none. */
  readonly lastSeq: number;
}
