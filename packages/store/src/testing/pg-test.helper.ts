import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** PostgreSQL server used by tests: `LIFEGUARD_TEST_DATABASE_URL` or the local default. */
export function pgTestUrl(): string {
  return process.env.LIFEGUARD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

/** True when a PostgreSQL server answers at `url` within two seconds. */
export async function pgReachable(url = pgTestUrl()): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * How a PostgreSQL test suite should run: `run` when the server is reachable; `fail` when it
 * is not and `CI` is set (CI starts PostgreSQL, so an unreachable server is a failure, never
 * a silent skip); `skip` otherwise (a developer machine without PostgreSQL).
 */
export async function pgTestMode(): Promise<'run' | 'skip' | 'fail'> {
  if (await pgReachable()) return 'run';
  return process.env.CI ? 'fail' : 'skip';
}

/** A fresh, randomly named schema on the test server, and how to drop it. */
export interface TestSchema {
  /** Server URL. */
  readonly url: string;
  /** Schema name, `lg_test_<hex>`. */
  readonly schema: string;
  /** Drop the schema and everything in it. */
  drop(): Promise<void>;
}

/** Create an isolated schema so that test runs never see each other's rows. */
export async function createTestSchema(url = pgTestUrl()): Promise<TestSchema> {
  const schema = `lg_test_${randomBytes(6).toString('hex')}`;
  const admin = async (q: string): Promise<void> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(q);
    } finally {
      await client.end();
    }
  };
  await admin(`create schema ${schema}`);
  return { url, schema, drop: () => admin(`drop schema if exists ${schema} cascade`) };
}
