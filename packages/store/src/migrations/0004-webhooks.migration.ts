import type { Kysely, Migration } from 'kysely';

/**
 * The webhook outbox: one row per delivery of one event to one endpoint, written in the same
 * request that produced the event and delivered by a background loop with retries. `state`
 * is `pending`, `delivered` or `dead` (dead-lettered after the maximum attempts).
 */
export function webhooksMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('lg_webhook_deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('endpoint', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_at', 'text', (c) => c.notNull())
        .addColumn('lease_until', 'text')
        .addColumn('last_status', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('lg_webhook_deliveries_state_next_idx')
        .on('lg_webhook_deliveries')
        .columns(['state', 'next_at'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('lg_webhook_deliveries').execute();
    },
  };
}
