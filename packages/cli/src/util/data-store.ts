import { createStore, DEFAULT_DATA_DIR, type LifeguardStore } from '@lifeguard/store';

/** parseArgs options every data command accepts. */
export const DATA_STORE_OPTIONS = {
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
} as const;

/** Usage lines for {@link DATA_STORE_OPTIONS}. */
export const DATA_STORE_USAGE = `  --data-dir DIR        SQLite data directory (default ${DEFAULT_DATA_DIR}); the database is
                        DIR/lifeguard.db
  --database-url URL    PostgreSQL connection string (default: env DATABASE_URL)
  Precedence: --database-url, then --data-dir, then DATABASE_URL, then ${DEFAULT_DATA_DIR}.`;

/**
 * Open the store a data command works on. An explicit `--data-dir` beats the DATABASE_URL
 * environment variable: what is typed on the command line is what the user means.
 */
export function openDataStore(values: {
  'data-dir'?: string | undefined;
  'database-url'?: string | undefined;
}): Promise<LifeguardStore> {
  const url =
    values['database-url'] ??
    (values['data-dir'] === undefined ? process.env.DATABASE_URL || undefined : undefined);
  return createStore(
    url ? { databaseUrl: url } : { dataDir: values['data-dir'] ?? DEFAULT_DATA_DIR },
  );
}

/** Write `text` to `stream`, waiting for the buffer to drain (constant memory on big output). */
export async function writeAll(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (!stream.write(text)) {
    await new Promise<void>((resolve, reject) => {
      const onDrain = (): void => {
        stream.off('error', onError);
        resolve();
      };
      const onError = (e: unknown): void => {
        stream.off('drain', onDrain);
        reject(e instanceof Error ? e : new Error(String(e)));
      };
      stream.once('drain', onDrain);
      stream.once('error', onError);
    });
  }
}
