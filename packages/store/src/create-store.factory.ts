import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ErrorCodes, LifeguardError } from '@lifeguard/core';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { AsyncMutex, sharedMutex } from './async-mutex.util.js';
import { KyselyBankStore } from './bank-store.kysely.js';
import type { Database as Schema } from './database.model.js';
import { migrationProvider, type StoreDialect } from './migrations/migrations.js';
import { withStatementCache } from './sqlite-statement.cache.js';

/** Default data directory for the embedded SQLite database. */
export const DEFAULT_DATA_DIR = './.lifeguard';
/** File name of the SQLite database inside the data directory. */
export const SQLITE_FILE_NAME = 'lifeguard.db';

/** Where the store lives. */
export interface StoreOptions {
  /**
   * PostgreSQL connection string (`postgres://...`). When set, PostgreSQL is used and
   * `dataDir` is ignored.
   */
  readonly databaseUrl?: string | undefined;
  /** Directory of the SQLite database (created if missing); default `./.lifeguard`. */
  readonly dataDir?: string | undefined;
  /**
   * PostgreSQL only: schema to keep the tables in (must exist), via `search_path`. Lets
   * tests and multi-tenant installs share one database.
   */
  readonly pgSchema?: string | undefined;
  /** PostgreSQL pool size (default 10). */
  readonly pgPoolSize?: number | undefined;
  /** Milliseconds a SQLite writer waits for another process's write lock (default 10000). */
  readonly sqliteBusyTimeoutMs?: number | undefined;
}

/** A migrated store and the Kysely instance under it (for other adapters to share). */
export type LifeguardStore = KyselyBankStore;

function kyselyFor(opts: StoreOptions): {
  db: Kysely<Schema>;
  dialect: StoreDialect;
  mutex: AsyncMutex;
  sqliteRaw?: Database.Database;
} {
  if (opts.databaseUrl) {
    if (opts.pgSchema !== undefined && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(opts.pgSchema)) {
      throw new LifeguardError(
        ErrorCodes.INVALID_ARGUMENT,
        `invalid schema name '${opts.pgSchema}'`,
      );
    }
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.pgPoolSize ?? 10,
      ...(opts.pgSchema ? { options: `-c search_path=${opts.pgSchema}` } : {}),
    });
    // An idle client that loses its connection emits 'error' on the pool; without a handler
    // that would crash the process. The next query gets a fresh connection.
    pool.on('error', () => undefined);
    return {
      db: new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) }),
      dialect: 'postgres',
      // Each pool has its own connections; PostgreSQL's lock serialises writers, so a
      // per-instance mutex only keeps one instance from queueing on its own pool.
      mutex: new AsyncMutex(),
    };
  }
  const dir = resolve(opts.dataDir ?? DEFAULT_DATA_DIR);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, SQLITE_FILE_NAME);
  const sqlite = new Database(file);
  // WAL: readers never block the writer and vice versa, and several processes can share the
  // file (https://www.sqlite.org/wal.html). busy_timeout: a second process's writer waits for
  // the lock instead of failing with SQLITE_BUSY.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`busy_timeout = ${opts.sqliteBusyTimeoutMs ?? 10_000}`);
  sqlite.pragma('foreign_keys = ON');
  // 64 MiB page cache instead of the default 2 MiB: bank imports insert random keys into the
  // (bank, type, value) index, and once that index outgrows the cache every insert costs
  // page reads; the larger cache keeps imports into million-entry banks fast.
  sqlite.pragma('cache_size = -65536');
  // Statement journals (kept while a multi-row INSERT runs inside a transaction, so that
  // statement alone can be undone) and temporary sort b-trees in memory, not in temp files:
  // the statement journal of a bank import wrote a copy of every index page it touched to a
  // temp file (~10% of an import's CPU in the profile).
  sqlite.pragma('temp_store = MEMORY');
  return {
    db: new Kysely<Schema>({
      dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
    }),
    dialect: 'sqlite',
    mutex: sharedMutex(file),
    sqliteRaw: sqlite,
  };
}

function isBusy(e: unknown): boolean {
  return (
    typeof e === 'object' && e !== null && 'code' in e && String(e.code).startsWith('SQLITE_BUSY')
  );
}

/** Apply pending migrations. Retries when another process is migrating the same SQLite file. */
async function migrate(
  db: Kysely<Schema>,
  dialect: StoreDialect,
  pgSchema: string | undefined,
): Promise<void> {
  // With a schema, name it: Kysely decides whether its migration tables exist by looking
  // them up by name in every schema, so another schema's kysely_migration_lock (a parallel
  // test run, another tenant) would make it skip creating ours and then fail.
  const migrator = new Migrator({
    db,
    provider: migrationProvider(dialect),
    // Migration numbers are handed out to parallel work and may land out of order (0007
    // before 0006); each migration creates its own tables, so applying a late lower number
    // after a higher one is safe.
    allowUnorderedMigrations: true,
    ...(dialect === 'postgres' && pgSchema ? { migrationTableSchema: pgSchema } : {}),
  });
  for (let attempt = 0; ; attempt++) {
    const { error } = await migrator.migrateToLatest();
    if (!error) return;
    if (isBusy(error) && attempt < 20) {
      await new Promise((r) => setTimeout(r, 50 + attempt * 50));
      continue;
    }
    // The database's own message (a missing schema, a permission) is what an operator needs.
    const reason = error instanceof Error ? error.message : JSON.stringify(error);
    throw new LifeguardError(
      ErrorCodes.INTERNAL,
      `database migration failed: ${reason}`,
      {},
      { cause: error },
    );
  }
}

/**
 * Open (and migrate) the bank store: PostgreSQL when `databaseUrl` is given, otherwise the
 * embedded SQLite database `<dataDir>/lifeguard.db`. Close it with `close()`.
 */
export async function createStore(opts: StoreOptions = {}): Promise<LifeguardStore> {
  const { db, dialect, mutex, sqliteRaw } = kyselyFor(opts);
  try {
    // PostgreSQL: the schema the tables go to is the first on the search path (set by
    // pgSchema or by `options=-c search_path=...` in the URL); see migrate() for why Kysely
    // must be told.
    const schema =
      dialect === 'postgres'
        ? ((await sql<{ s: string | null }>`select current_schema() as s`.execute(db)).rows[0]?.s ??
          undefined)
        : undefined;
    await migrate(db, dialect, schema ?? undefined);
  } catch (e) {
    await db.destroy();
    throw e;
  }
  return new KyselyBankStore(db, dialect, mutex, sqliteRaw);
}
