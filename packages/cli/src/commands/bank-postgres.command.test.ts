import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { captureIo } from '../testing/capture-io.js';

// The data commands on PostgreSQL, chosen through the DATABASE_URL environment variable.
// The schema is isolated through the connection string's `options` (search_path).
const SERVER =
  process.env.LIFEGUARD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(q: string): Promise<void> {
  const c = new pg.Client({ connectionString: SERVER, connectionTimeoutMillis: 2000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.query(q);
  } finally {
    await c.end().catch(() => undefined);
  }
}

const reachable = await admin('select 1').then(
  () => true,
  () => false,
);
const schema = `lg_test_${randomBytes(6).toString('hex')}`;

// Off CI without a server the suite is skipped; in CI (where .ci/run starts PostgreSQL) it
// runs and fails.
describe.skipIf(!reachable && !process.env.CI)(
  'lifeguard bank/match on PostgreSQL (DATABASE_URL)',
  () => {
    const saved = process.env.DATABASE_URL;
    beforeAll(async () => {
      await admin(`create schema ${schema}`);
      const url = new URL(SERVER);
      url.searchParams.set('options', `-c search_path=${schema}`);
      process.env.DATABASE_URL = url.toString();
    });
    afterAll(async () => {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
      await admin(`drop schema if exists ${schema} cascade`);
    });

    const run = async (...args: string[]) => {
      const io = captureIo();
      const code = await main(args, io);
      return { code, out: io.out(), err: io.err() };
    };

    it('creates, imports, lists and matches', async () => {
      const pdq = randomBytes(32).toString('hex');
      const created = await run('bank', 'create', 'pgbank');
      expect(created.err).toBe('');
      expect(created.code).toBe(0);
      const dir = mkdtempSync(join(tmpdir(), 'lg-cli-pg-'));
      try {
        const file = join(dir, 'hashes.txt');
        writeFileSync(file, `pdq ${pdq}\nmd5 nothex\n`);
        const imp = await run('bank', 'import', 'pgbank', file);
        expect(imp.code).toBe(1);
        expect(imp.out).toMatch(/1 added, 0 duplicates, 1 invalid\n {2}line 2: /);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const list = await run('bank', 'list', '--json');
      expect(JSON.parse(list.out)).toMatchObject([
        { name: 'pgbank', entries: { total: 1, enabled: 1 } },
      ]);
      const m = await run('match', pdq);
      expect(m.out).toBe(`${pdq}\tmatch\tbank=pgbank entry=1 signal=pdq distance=0 threshold=31\n`);
    });
  },
);
