import type { Kysely, Migration } from 'kysely';

/**
 * The append-only risk event log (issue 5, "Live"): every event `POST /v1/events`
 * acknowledged, in acceptance order. `seq` increases with every append and is the replay
 * order; `event_id` is the producer's optional id (unique, so a retried event is stored
 * once); `at_ms` is the event time; `body` is the event JSON as validated (it may carry
 * message text: never log it).
 */
export function riskEventsMigration(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('lg_risk_events')
        .addColumn('seq', dialect === 'sqlite' ? 'integer' : 'bigint', (c) =>
          dialect === 'sqlite'
            ? c.primaryKey().autoIncrement()
            : c.primaryKey().generatedByDefaultAsIdentity(),
        )
        .addColumn('event_id', 'text')
        .addColumn('at_ms', 'bigint', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .execute();
      // Unique where present: NULLs are distinct in both dialects, so id-less events never clash.
      await db.schema
        .createIndex('lg_risk_events_event_id_uq')
        .on('lg_risk_events')
        .column('event_id')
        .unique()
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('lg_risk_events').execute();
    },
  };
}
