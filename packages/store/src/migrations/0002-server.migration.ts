import type { Kysely, Migration } from 'kysely';

/**
 * Tables of the scanning service (`@lifeguard/server`): API keys and per-bank actions.
 * Part of the one migration history (listed in `migrations.ts` after `0001_banks`); the DDL
 * is the same on both dialects.
 */
export function serverMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // API keys are stored as the SHA-256 of the secret (see api-key-store.kysely.ts for
      // why a fast hash is right for 256-bit random keys). `key_id` is the public,
      // non-secret prefix shown in listings and logs.
      await db.schema
        .createTable('lg_api_keys')
        .addColumn('key_id', 'text', (c) => c.primaryKey())
        .addColumn('secret_sha256', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .addColumn('last_used_at', 'text')
        .execute();
      // The action a match on a bank leads to (block | review | allow). A bank without a row
      // falls back to label rules and then to `review` (see the server's verdict policy).
      await db.schema
        .createTable('lg_bank_actions')
        .addColumn('bank_id', 'integer', (c) =>
          c.primaryKey().references('lg_banks.id').onDelete('cascade'),
        )
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('lg_bank_actions').execute();
      await db.schema.dropTable('lg_api_keys').execute();
    },
  };
}
