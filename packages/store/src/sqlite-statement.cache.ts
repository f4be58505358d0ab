import type Database from 'better-sqlite3';

/** Most distinct SQL texts kept prepared per connection (least recently used go first). */
const MAX_CACHED = 1000;

/**
 * better-sqlite3 behind Kysely with a prepared-statement cache. Kysely's SQLite driver calls
 * `prepare` for every query, and preparing (parsing and planning the SQL) cost more CPU than
 * running the statement in the case intake profile; the same SQL text is prepared once here
 * and reused. A statement still busy (an open iterator of a streamed query) is never handed
 * out twice: a fresh one is prepared instead.
 */
export function withStatementCache(db: Database.Database): {
  prepare(sql: string): Database.Statement;
  close(): void;
} {
  const cache = new Map<string, Database.Statement>();
  return {
    prepare(sql: string): Database.Statement {
      const hit = cache.get(sql);
      if (hit !== undefined && !hit.busy) {
        // Re-insert: Map order is the LRU order.
        cache.delete(sql);
        cache.set(sql, hit);
        return hit;
      }
      const stmt = db.prepare(sql);
      if (hit === undefined) {
        cache.set(sql, stmt);
        if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
      }
      return stmt;
    },
    close(): void {
      cache.clear();
      db.close();
    },
  };
}
