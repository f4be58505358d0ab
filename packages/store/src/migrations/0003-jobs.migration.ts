import type { Kysely, Migration } from 'kysely';

/**
 * The durable job queue (`JobQueue` port): one row per job. `run_after` orders and delays
 * retries; `lease_until` lets another worker take over a job whose worker died. Same DDL on
 * both dialects (times are ISO-8601 text, which sorts chronologically).
 */
export function jobsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('lg_jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('result', 'text')
        .addColumn('error', 'text')
        .addColumn('idempotency_key', 'text', (c) => c.unique())
        .addColumn('run_after', 'text', (c) => c.notNull())
        .addColumn('lease_until', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      // The claim query: runnable jobs by state and due time, oldest first.
      await db.schema
        .createIndex('lg_jobs_state_run_after_idx')
        .on('lg_jobs')
        .columns(['state', 'run_after'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('lg_jobs').execute();
    },
  };
}
