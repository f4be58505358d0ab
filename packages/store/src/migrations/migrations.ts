import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { serverMigration } from './0002-server.migration.js';
import { jobsMigration } from './0003-jobs.migration.js';
import { webhooksMigration } from './0004-webhooks.migration.js';
import { riskEventsMigration } from './0005-risk-events.migration.js';
import { casesMigration } from './0006-cases.migration.js';
import { usersMigration } from './0007-users.migration.js';
import { evidenceMigration } from './0008-evidence.migration.js';
import { reportSubmissionsMigration } from './0009-report-submissions.migration.js';
import { exchangeSourceIdsMigration, exchangesMigration } from './0010-exchanges.migration.js';
import { riskSnapshotsMigration } from './0011-risk-snapshots.migration.js';

/** The SQL dialects Lifeguard stores run on. */
export type StoreDialect = 'sqlite' | 'postgres';

/**
 * The one migration history shared by every dialect. Migrations are code (not files) so the
 * compiled package carries them; names sort in application order and are never renamed.
 * Where the dialects differ (identity columns) a migration branches on `dialect`; the
 * resulting tables have the same names, columns and constraints everywhere.
 */
export function migrations(dialect: StoreDialect): Record<string, Migration> {
  return {
    '0001_banks': {
      async up(db: Kysely<unknown>): Promise<void> {
        // SQLite: AUTOINCREMENT so ids are never reused after a delete (an entry id is cited
        // in match results and evidence, and the change log refers to ids). PostgreSQL:
        // identity columns, 64-bit where the count can grow past 2^31.
        await db.schema
          .createTable('lg_banks')
          .addColumn('id', 'integer', (c) =>
            dialect === 'sqlite'
              ? c.primaryKey().autoIncrement()
              : c.primaryKey().generatedByDefaultAsIdentity(),
          )
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('labels', 'text', (c) => c.notNull().defaultTo('[]'))
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('pdq_threshold', 'integer', (c) => c.notNull())
          .addColumn('quality_floor', 'integer', (c) => c.notNull())
          .addColumn('enabled', 'integer', (c) => c.notNull())
          .addColumn('enabled_ratio', dialect === 'sqlite' ? 'real' : 'double precision', (c) =>
            c.notNull(),
          )
          .addColumn('max_matches_per_lookup', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('lg_bank_entries')
          .addColumn('id', dialect === 'sqlite' ? 'integer' : 'bigint', (c) =>
            dialect === 'sqlite'
              ? c.primaryKey().autoIncrement()
              : c.primaryKey().generatedByDefaultAsIdentity(),
          )
          .addColumn('bank_id', 'integer', (c) =>
            c.notNull().references('lg_banks.id').onDelete('cascade'),
          )
          .addColumn('signal_type', 'text', (c) => c.notNull())
          .addColumn('value', 'text', (c) => c.notNull())
          .addColumn('source_id', 'text')
          .addColumn('classification', 'text')
          .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
          .addColumn('note', 'text')
          .addColumn('enabled', 'integer', (c) => c.notNull())
          .addColumn('added_at', 'text', (c) => c.notNull())
          .addUniqueConstraint('lg_bank_entries_bank_signal_value_uq', [
            'bank_id',
            'signal_type',
            'value',
          ])
          .execute();
        // Per-bank keyset pagination (export) and per-bank counts.
        await db.schema
          .createIndex('lg_bank_entries_bank_id_idx')
          .on('lg_bank_entries')
          .columns(['bank_id', 'id'])
          .execute();

        await db.schema
          .createTable('lg_bank_changes')
          .addColumn('seq', dialect === 'sqlite' ? 'integer' : 'bigint', (c) =>
            dialect === 'sqlite'
              ? c.primaryKey().autoIncrement()
              : c.primaryKey().generatedByDefaultAsIdentity(),
          )
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('bank_id', 'integer', (c) => c.notNull())
          .addColumn('entry_id', dialect === 'sqlite' ? 'integer' : 'bigint')
          .execute();
      },
      async down(db: Kysely<unknown>): Promise<void> {
        await db.schema.dropTable('lg_bank_changes').execute();
        await db.schema.dropTable('lg_bank_entries').execute();
        await db.schema.dropTable('lg_banks').execute();
      },
    },
    '0002_server': serverMigration(),
    '0003_jobs': jobsMigration(),
    '0004_webhooks': webhooksMigration(),
    '0005_risk_events': riskEventsMigration(dialect),
    '0006_cases': casesMigration(dialect),
    '0007_users': usersMigration(dialect),
    '0008_evidence': evidenceMigration(dialect),
    '0009_report_submissions': reportSubmissionsMigration(),
    '0010_exchanges': exchangesMigration(dialect),
    '0010_exchanges_source_ids': exchangeSourceIdsMigration(),
    '0011_risk_snapshots': riskSnapshotsMigration(dialect),
  };
}

/** A Kysely {@link MigrationProvider} over {@link migrations}. */
export function migrationProvider(dialect: StoreDialect): MigrationProvider {
  return { getMigrations: () => Promise.resolve(migrations(dialect)) };
}
