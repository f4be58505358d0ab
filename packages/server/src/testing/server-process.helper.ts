/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-explicit-any --
   Test helper: JSON answers are returned untyped; the tests assert their shape. */
/**
 * Test helpers: run the real `lifeguard serve` binary as a child process on 127.0.0.1 with
 * port 0, and talk to it over HTTP. Test-only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const BIN = join(repoRoot, 'packages/cli/bin/lifeguard.js');

/** A server child process. */
export interface ServerProcess {
  /** Base URL. */
  readonly url: string;
  /** The admin key it was started with. */
  readonly adminKey: string;
  /** Everything it printed so far. */
  output(): string;
  /** SIGTERM and wait for exit; resolves to the exit code. */
  stop(): Promise<number | null>;
  /** Wait for the process to exit by itself; resolves to the exit code. */
  exited(): Promise<number | null>;
  /** The child. */
  readonly child: ChildProcess;
}

/** Start `lifeguard serve` with a JSON config; resolves once it listens and its index loaded. */
export async function startServerProcess(opts: {
  readonly config: Record<string, unknown>;
  readonly env?: Record<string, string>;
  readonly adminKey?: string;
  /** Reuse this directory (config and SQLite data) instead of a fresh one; kept on stop. */
  readonly dir?: string;
  /** Extra `serve` arguments (`--role api`). */
  readonly args?: readonly string[];
}): Promise<ServerProcess> {
  const keep = opts.dir !== undefined;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'lifeguard-e2e-'));
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify(opts.config));
  const adminKey = opts.adminKey ?? `test-admin-${randomBytes(24).toString('hex')}`;
  const env: Record<string, string | undefined> = {
    ...process.env,
    LIFEGUARD_ADMIN_KEY: adminKey,
    LIFEGUARD_LOG_LEVEL: 'warn',
    DATABASE_URL: undefined,
    // The vault lives in the test directory even when the data is in PostgreSQL.
    LIFEGUARD_VAULT_KEY_FILE: join(dir, 'vault.key'),
    LIFEGUARD_VAULT_DIR: join(dir, 'blobs'),
    ...opts.env,
  };
  const child = spawn(
    process.execPath,
    [
      BIN,
      'serve',
      '--port',
      '0',
      '--config',
      configFile,
      ...(opts.env?.DATABASE_URL ? [] : ['--data-dir', join(dir, 'data')]),
      ...(opts.args ?? []),
    ],
    { env: env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`server did not start:\n${out}`)), 20_000);
    const onData = (): void => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(m[1]!);
      }
    };
    child.stdout.on('data', onData);
    void exited.then(() => rej(new Error(`server exited:\n${out}`)));
  });
  for (let i = 0; i < 200; i++) {
    const r = await fetch(`${url}/readyz`);
    if (r.ok) break;
    await new Promise((r2) => setTimeout(r2, 50));
  }
  return {
    url,
    adminKey,
    child,
    output: () => out,
    exited: async () => {
      const code = await exited;
      if (!keep) rmSync(dir, { recursive: true, force: true });
      return code;
    },
    stop: async () => {
      child.kill('SIGTERM');
      const code = await exited;
      if (!keep) rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/** PostgreSQL server for tests: `LIFEGUARD_TEST_DATABASE_URL` or the local default. */
export function pgTestUrl(): string {
  return process.env.LIFEGUARD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

async function pgQuery(url: string, q: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(q);
  } finally {
    await client.end();
  }
}

/**
 * `run` when PostgreSQL answers; `fail` when it does not and `CI` is set (CI starts it, so
 * an unreachable server is a failure, not a skip); `skip` on a developer machine without it.
 */
export async function pgMode(): Promise<'run' | 'skip' | 'fail'> {
  try {
    await pgQuery(pgTestUrl(), 'select 1');
    return 'run';
  } catch (e) {
    console.warn(`PostgreSQL not reachable at ${pgTestUrl()}: ${String(e)}`);
    return process.env.CI ? 'fail' : 'skip';
  }
}

/** Create an isolated schema; returns its name and a drop function. */
export async function createPgSchema(): Promise<{ schema: string; drop: () => Promise<void> }> {
  const schema = `lg_srv_${randomBytes(6).toString('hex')}`;
  await pgQuery(pgTestUrl(), `create schema ${schema}`);
  return { schema, drop: () => pgQuery(pgTestUrl(), `drop schema if exists ${schema} cascade`) };
}

/** A tiny HTTP client for tests. */
export function api(base: string, key: string | undefined) {
  const headers = (extra: Record<string, string> = {}): Record<string, string> => ({
    ...(key ? { authorization: `Bearer ${key}` } : {}),
    ...extra,
  });
  return {
    /** JSON request. */
    async json(
      method: string,
      path: string,
      body?: unknown,
    ): Promise<{ status: number; type: string; body: any }> {
      const r = await fetch(`${base}${path}`, {
        method,
        headers: headers(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(body === undefined
          ? {}
          : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await r.text();
      return {
        status: r.status,
        type: r.headers.get('content-type') ?? '',
        body: text ? JSON.parse(text) : undefined,
      };
    },
    /** Multipart upload of one file. */
    async upload(
      path: string,
      bytes: Uint8Array,
      fields: Record<string, string> = {},
    ): Promise<{ status: number; type: string; body: any }> {
      const fd = new FormData();
      for (const [k, v] of Object.entries(fields)) fd.append(k, v);
      fd.append('file', new Blob([bytes]), 'upload.bin');
      const r = await fetch(`${base}${path}`, { method: 'POST', headers: headers(), body: fd });
      const text = await r.text();
      return {
        status: r.status,
        type: r.headers.get('content-type') ?? '',
        body: text ? JSON.parse(text) : undefined,
      };
    },
  };
}
