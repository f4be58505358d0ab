import { randomBytes } from 'node:crypto';
import type { Job, JobQueue, JobState } from '@lifeguard/core';
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.model.js';
import type { StoreDialect } from './migrations/migrations.js';

/** Row of `lg_jobs` (migration `0003_jobs`). */
export interface JobsTable {
  /** `job_<hex>`. */
  id: string;
  /** Job kind. */
  kind: string;
  /** JSON payload. */
  payload: string;
  /** {@link JobState}. */
  state: string;
  /** Claims so far. */
  attempts: number;
  /** JSON result. */
  result: string | null;
  /** JSON `{code, message}`. */
  error: string | null;
  /** Client idempotency key (unique). */
  idempotency_key: string | null;
  /** ISO-8601: not runnable before. */
  run_after: string;
  /** ISO-8601: the running worker's lease end. */
  lease_until: string | null;
  /** ISO-8601. */
  created_at: string;
  /** ISO-8601. */
  updated_at: string;
}

type Db = Kysely<Database & { lg_jobs: JobsTable }>;

function toJob(r: JobsTable): Job {
  return {
    id: r.id,
    kind: r.kind,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    state: r.state as JobState,
    attempts: Number(r.attempts),
    result: r.result === null ? null : (JSON.parse(r.result) as Record<string, unknown>),
    error: r.error === null ? null : (JSON.parse(r.error) as { code: string; message: string }),
    idempotencyKey: r.idempotency_key,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/**
 * The durable {@link JobQueue} in the Lifeguard database (SQLite or PostgreSQL). A claim is
 * one `UPDATE ... WHERE id = (SELECT ... LIMIT 1) RETURNING *` statement: atomic on SQLite
 * (one writer at a time) and, with `FOR UPDATE SKIP LOCKED` on PostgreSQL, safe with many
 * concurrent workers without them queueing on the same row (the pattern PostgreSQL's
 * documentation gives for queue-like tables: SELECT ... FOR UPDATE SKIP LOCKED).
 */
export class KyselyJobQueue implements JobQueue {
  private readonly db: Db;

  /**
   * @param db the store's Kysely instance (see `KyselyBankStore.kysely`)
   * @param dialect its SQL dialect
   */
  constructor(
    db: Kysely<Database>,
    private readonly dialect: StoreDialect,
  ) {
    this.db = db.withTables<{ lg_jobs: JobsTable }>();
  }

  /** {@inheritDoc JobQueue.enqueue} */
  async enqueue(
    kind: string,
    payload: Readonly<Record<string, unknown>>,
    opts: { readonly idempotencyKey?: string } = {},
  ): Promise<Job> {
    const key = opts.idempotencyKey ?? null;
    if (key !== null) {
      const existing = await this.byKey(key);
      if (existing) return existing;
    }
    const now = new Date().toISOString();
    const row: JobsTable = {
      id: `job_${randomBytes(12).toString('hex')}`,
      kind,
      payload: JSON.stringify(payload),
      state: 'queued',
      attempts: 0,
      result: null,
      error: null,
      idempotency_key: key,
      run_after: now,
      lease_until: null,
      created_at: now,
      updated_at: now,
    };
    try {
      await this.db.insertInto('lg_jobs').values(row).execute();
    } catch (e) {
      // A concurrent enqueue with the same key won the unique constraint: return its job.
      const existing = key === null ? undefined : await this.byKey(key);
      if (existing) return existing;
      throw e;
    }
    return toJob(row);
  }

  private async byKey(key: string): Promise<Job | undefined> {
    const r = await this.db
      .selectFrom('lg_jobs')
      .selectAll()
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
    return r ? toJob(r) : undefined;
  }

  /** {@inheritDoc JobQueue.claim} */
  async claim(leaseMs: number): Promise<Job | undefined> {
    const now = new Date();
    const nowIso = now.toISOString();
    const lease = new Date(now.getTime() + leaseMs).toISOString();
    const lock = this.dialect === 'postgres' ? sql`for update skip locked` : sql``;
    const r = await sql<JobsTable>`
      update lg_jobs
         set state = 'running', attempts = attempts + 1, lease_until = ${lease}, updated_at = ${nowIso}
       where id = (
         select id from lg_jobs
          where (state = 'queued' and run_after <= ${nowIso})
             or (state = 'running' and lease_until < ${nowIso})
          order by run_after, created_at
          limit 1
          ${lock})
      returning *`.execute(this.db);
    const row = r.rows[0];
    return row ? toJob(row) : undefined;
  }

  /** {@inheritDoc JobQueue.complete} */
  async complete(id: string, result: Readonly<Record<string, unknown>>): Promise<void> {
    await this.db
      .updateTable('lg_jobs')
      .set({
        state: 'succeeded',
        result: JSON.stringify(result),
        error: null,
        lease_until: null,
        updated_at: new Date().toISOString(),
      })
      .where('id', '=', id)
      .execute();
  }

  /** {@inheritDoc JobQueue.renew} */
  async renew(job: Pick<Job, 'id' | 'attempts'>, leaseMs: number): Promise<boolean> {
    const now = new Date();
    const r = await this.db
      .updateTable('lg_jobs')
      .set({
        lease_until: new Date(now.getTime() + leaseMs).toISOString(),
        updated_at: now.toISOString(),
      })
      .where('id', '=', job.id)
      .where('state', '=', 'running')
      .where('attempts', '=', job.attempts)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** {@inheritDoc JobQueue.fail} */
  async fail(
    id: string,
    error: { readonly code: string; readonly message: string },
    retryAfterMs?: number,
  ): Promise<void> {
    const now = new Date();
    await this.db
      .updateTable('lg_jobs')
      .set({
        state: retryAfterMs === undefined ? 'failed' : 'queued',
        error: JSON.stringify({ code: error.code, message: error.message }),
        lease_until: null,
        ...(retryAfterMs === undefined
          ? {}
          : { run_after: new Date(now.getTime() + retryAfterMs).toISOString() }),
        updated_at: now.toISOString(),
      })
      .where('id', '=', id)
      .execute();
  }

  /** {@inheritDoc JobQueue.get} */
  async get(id: string): Promise<Job | undefined> {
    const r = await this.db
      .selectFrom('lg_jobs')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return r ? toJob(r) : undefined;
  }

  /** {@inheritDoc JobQueue.depth} */
  async depth(): Promise<{ queued: number; running: number }> {
    const rows = await this.db
      .selectFrom('lg_jobs')
      .select(['state', (eb) => eb.fn.countAll().as('n')])
      .where('state', 'in', ['queued', 'running'])
      .groupBy('state')
      .execute();
    const n = (s: string): number => Number(rows.find((r) => r.state === s)?.n ?? 0);
    return { queued: n('queued'), running: n('running') };
  }
}
