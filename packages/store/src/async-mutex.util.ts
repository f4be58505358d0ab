/**
 * A FIFO promise mutex. Used to serialise SQLite write transactions of several store
 * instances on one file inside one process: better-sqlite3 is synchronous, so a second
 * connection waiting on SQLite's busy timeout would block the event loop that the lock
 * holder needs in order to commit — a deadlock until the timeout. Across processes SQLite's
 * own lock (with busy_timeout) does the job.
 */
export class AsyncMutex {
  private tail: Promise<unknown> = Promise.resolve();

  /** Run `fn` once every earlier caller has finished; resolves or rejects with `fn`. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

const byKey = new Map<string, AsyncMutex>();

/** The process-wide mutex for `key` (an absolute database path). */
export function sharedMutex(key: string): AsyncMutex {
  let m = byKey.get(key);
  if (!m) {
    m = new AsyncMutex();
    byKey.set(key, m);
  }
  return m;
}
