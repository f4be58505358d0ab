import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from './migrations/migrations.js';

/**
 * Run `fn` in one write transaction on a single connection. SQLite: `BEGIN IMMEDIATE` takes
 * the write lock up front, so a transaction that reads then writes cannot fail half-way with
 * SQLITE_BUSY and writers of other processes wait (busy_timeout). PostgreSQL: a plain
 * transaction; `pgLocks` are taken first as transaction-scoped advisory locks, in the order
 * given (always the same order everywhere, so two writers cannot deadlock on them).
 */
export async function writeTransaction<DB, T>(
  db: Kysely<DB>,
  dialect: StoreDialect,
  fn: (trx: Kysely<DB>) => Promise<T>,
  pgLocks: readonly bigint[] = [],
): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql.raw(dialect === 'sqlite' ? 'begin immediate' : 'begin').execute(conn);
    try {
      if (dialect === 'postgres') {
        for (const k of pgLocks) await sql`select pg_advisory_xact_lock(${k})`.execute(conn);
      }
      const result = await fn(conn);
      await sql.raw('commit').execute(conn);
      return result;
    } catch (e) {
      try {
        await sql.raw('rollback').execute(conn);
      } catch {
        // The original error matters more; a failed rollback ends with the connection.
      }
      throw e;
    }
  });
}
