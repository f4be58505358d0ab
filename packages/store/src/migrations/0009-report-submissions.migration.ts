import type { Kysely, Migration } from 'kysely';

/**
 * Hotline submissions (`ReportSubmissionStore` port): one row per submission, one per file and
 * one per recorded step. `active_key` (`<case>|<destination>`) is set while a submission is
 * not `failed` or `retracted` and is unique, so two processes can never both open a report
 * for the same case and destination (NULLs do not collide on either dialect). Times are
 * ISO-8601 text, as elsewhere.
 */
export function reportSubmissionsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('lg_report_submissions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('destination', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('report_id', 'text')
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('confirmed_by', 'text', (c) => c.notNull())
        .addColumn('active_key', 'text', (c) => c.unique())
        .addColumn('error', 'text')
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .execute();
      await db.schema
        .createIndex('lg_report_submissions_case_idx')
        .on('lg_report_submissions')
        .columns(['case_id', 'created_at'])
        .execute();
      await db.schema
        .createTable('lg_report_submission_files')
        .addColumn('submission_id', 'text', (c) =>
          c.notNull().references('lg_report_submissions.id').onDelete('cascade'),
        )
        .addColumn('idx', 'integer', (c) => c.notNull())
        .addColumn('item_id', 'text', (c) => c.notNull())
        .addColumn('blob_key', 'text', (c) => c.notNull())
        .addColumn('file_name', 'text', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('file_id', 'text')
        .addColumn('md5', 'text')
        .addPrimaryKeyConstraint('lg_report_submission_files_pk', ['submission_id', 'idx'])
        .execute();
      await db.schema
        .createTable('lg_report_submission_steps')
        .addColumn('submission_id', 'text', (c) =>
          c.notNull().references('lg_report_submissions.id').onDelete('cascade'),
        )
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('step', 'text', (c) => c.notNull())
        .addColumn('file_index', 'integer')
        .addColumn('phase', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('lg_report_submission_steps_pk', ['submission_id', 'seq'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('lg_report_submission_steps').execute();
      await db.schema.dropTable('lg_report_submission_files').execute();
      await db.schema.dropTable('lg_report_submissions').execute();
    },
  };
}
