import type { Kysely, Migration } from 'kysely';

/**
 * People who use the review console (issue 6): local users with roles, a scrypt password hash
 * (parameters stored with it), optional TOTP, and their sessions. A session row is keyed by the
 * SHA-256 of its 256-bit random id, so a copy of the database does not hand out live sessions.
 * Times are ISO-8601 text like the other tables; `totp_last_step` is the last accepted TOTP
 * time step (RFC 6238), so a code is never accepted twice.
 */
export function usersMigration(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('lg_users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('roles', 'text', (c) => c.notNull())
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('totp_secret', 'text')
        .addColumn('totp_pending', 'text')
        .addColumn('totp_last_step', dialect === 'sqlite' ? 'integer' : 'bigint')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('password_changed_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('lg_sessions')
        .addColumn('id_sha256', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) =>
          c.notNull().references('lg_users.id').onDelete('cascade'),
        )
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema
        .createIndex('lg_sessions_user_id_idx')
        .on('lg_sessions')
        .column('user_id')
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('lg_sessions').execute();
      await db.schema.dropTable('lg_users').execute();
    },
  };
}
