import type { Kysely, Migration } from 'kysely';

/**
 * Evidence preservation records (`EvidenceStore` port, issue 7): one row per object preserved
 * in the vault — what (kind, item, blob key, SHA-256, size), why (trigger, who), when, and the
 * hold. `blob_key` is unique (re-preserving an object extends its hold); the purge job scans
 * `(purged_at, hold_until)`. Times are epoch ms (bigint) so the purge compares numbers.
 */
export function evidenceMigration(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('lg_evidence')
        .addColumn('id', dialect === 'sqlite' ? 'integer' : 'bigint', (c) =>
          dialect === 'sqlite'
            ? c.primaryKey().autoIncrement()
            : c.primaryKey().generatedByDefaultAsIdentity(),
        )
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('item_id', 'text')
        .addColumn('blob_key', 'text', (c) => c.notNull().unique())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('preserved_by', 'text', (c) => c.notNull())
        .addColumn('preserved_at', 'bigint', (c) => c.notNull())
        .addColumn('hold_until', 'bigint', (c) => c.notNull())
        .addColumn('jurisdictions', 'text', (c) => c.notNull())
        .addColumn('purged_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('lg_evidence_case_idx')
        .on('lg_evidence')
        .columns(['case_id', 'id'])
        .execute();
      await db.schema
        .createIndex('lg_evidence_hold_idx')
        .on('lg_evidence')
        .columns(['purged_at', 'hold_until'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('lg_evidence').execute();
    },
  };
}
