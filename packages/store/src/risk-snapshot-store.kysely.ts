import type { Generated, Kysely } from 'kysely';
import type { Database } from './database.model.js';

/** Row of `lg_risk_snapshots` (migration `0011_risk_snapshots`). */
export interface RiskSnapshotsTable {
  /** Write order. */
  id: Generated<number>;
  /** Last event-log `seq` the snapshot covers. */
  seq: number | string;
  /** When it was written (ISO 8601). */
  created_at: string;
  /** Accounts in it. */
  accounts: number;
  /** The encoded engine state. */
  body: Uint8Array;
}

/** A stored snapshot. */
export interface StoredRiskSnapshot {
  /** Last event-log `seq` it covers. */
  readonly seq: number;
  /** When it was written (ISO 8601). */
  readonly createdAt: string;
  /** Accounts in it. */
  readonly accounts: number;
  /** The encoded engine state (`decodeRiskSnapshot`). */
  readonly body: Uint8Array;
}

type Db = Kysely<Database & { lg_risk_snapshots: RiskSnapshotsTable }>;

/**
 * Where the risk engine's snapshots live. Only the newest one is kept: {@link save} inserts the
 * new snapshot and deletes the older ones in ONE transaction, so a crash (even `kill -9`) while
 * writing leaves the previous snapshot in place, and a committed one is complete.
 */
export class KyselyRiskSnapshotStore {
  private readonly db: Db;

  /** @param db the store's Kysely instance (migrated) */
  constructor(db: Kysely<Database>) {
    this.db = db.withTables<{ lg_risk_snapshots: RiskSnapshotsTable }>();
  }

  /** Store a snapshot covering the log up to `seq` and drop the older ones (atomically). */
  async save(seq: number, accounts: number, body: Uint8Array): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('lg_risk_snapshots')
        .values({ seq, created_at: new Date().toISOString(), accounts, body })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx.deleteFrom('lg_risk_snapshots').where('id', '<', row.id).execute();
    });
  }

  /** The newest snapshot, or undefined. */
  async latest(): Promise<StoredRiskSnapshot | undefined> {
    const r = await this.db
      .selectFrom('lg_risk_snapshots')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (r === undefined) return undefined;
    // Both drivers return a Buffer (a Uint8Array).
    return { seq: Number(r.seq), createdAt: r.created_at, accounts: r.accounts, body: r.body };
  }
}
