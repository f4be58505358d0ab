import type { Kysely, Migration } from 'kysely';

/**
 * Hash sharing (issue 7, part 4).
 *
 * 1. Tombstones in the bank change log: an `entry_remove` row now records the removed
 *    signal (`signal_type`, `value`) and the reviewer's `opinion` (e.g. `false_positive`),
 *    because the entry row is gone and a bank's feed must still tell subscribers what to
 *    drop. An index on (bank_id, seq) serves one bank's feed without scanning the others.
 * 2. `lg_exchanges`: the feeds and programs this instance subscribes to. `checkpoint` is the
 *    connector's opaque resume point, written in the same step as the import it follows
 *    (at-least-once; imports are idempotent). `credentials` is JSON with secrets: it is
 *    never returned by the API nor logged. `lease_until` / `lease_owner` let exactly one
 *    process sync an exchange at a time when several share the database.
 */
export function exchangesMigration(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('lg_bank_changes').addColumn('signal_type', 'text').execute();
      await db.schema.alterTable('lg_bank_changes').addColumn('value', 'text').execute();
      await db.schema.alterTable('lg_bank_changes').addColumn('opinion', 'text').execute();
      await db.schema
        .createIndex('lg_bank_changes_bank_seq_idx')
        .on('lg_bank_changes')
        .columns(['bank_id', 'seq'])
        .execute();

      await db.schema
        .createTable('lg_exchanges')
        .addColumn('id', 'integer', (c) =>
          dialect === 'sqlite'
            ? c.primaryKey().autoIncrement()
            : c.primaryKey().generatedByDefaultAsIdentity(),
        )
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('bank_id', 'integer', (c) =>
          c.notNull().references('lg_banks.id').onDelete('cascade'),
        )
        .addColumn('config', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('credentials', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('interval_ms', 'integer', (c) => c.notNull())
        .addColumn('checkpoint', 'text')
        .addColumn('stats', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('last_attempt_at', 'text')
        .addColumn('last_success_at', 'text')
        .addColumn('last_error', 'text')
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('lg_exchanges').execute();
      await db.schema.dropIndex('lg_bank_changes_bank_seq_idx').execute();
      await db.schema.alterTable('lg_bank_changes').dropColumn('opinion').execute();
      await db.schema.alterTable('lg_bank_changes').dropColumn('value').execute();
      await db.schema.alterTable('lg_bank_changes').dropColumn('signal_type').execute();
    },
  };
}

/**
 * Tombstones of NCMEC Hash Sharing and ThreatExchange name the source's entry id, not the
 * hash (a `deletedImage` carries only its id): removal by source id needs this index.
 */
export function exchangeSourceIdsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createIndex('lg_bank_entries_bank_source_idx')
        .on('lg_bank_entries')
        .columns(['bank_id', 'source_id'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('lg_bank_entries_bank_source_idx').execute();
    },
  };
}
