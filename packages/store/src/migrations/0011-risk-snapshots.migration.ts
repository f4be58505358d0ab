import type { Kysely, Migration } from 'kysely';

/**
 * Snapshots of the risk engine's state (issue 5, "Live"): `seq` is the last event-log row the
 * snapshot covers (a restart restores it and replays only `seq > seq`), `body` the encoded
 * engine state (`encodeRiskSnapshot`; bounded per account, never message text). A snapshot is
 * written in one transaction together with the deletion of older ones, so a crash while
 * writing leaves the previous snapshot in place.
 */
export function riskSnapshotsMigration(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('lg_risk_snapshots')
        .addColumn('id', 'integer', (c) =>
          dialect === 'sqlite'
            ? c.primaryKey().autoIncrement()
            : c.primaryKey().generatedByDefaultAsIdentity(),
        )
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('accounts', 'integer', (c) => c.notNull())
        .addColumn('body', dialect === 'sqlite' ? 'blob' : 'bytea', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('lg_risk_snapshots').execute();
    },
  };
}
