import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.model.js';
import type { StoreDialect } from './migrations/migrations.js';

/** Row of `lg_webhook_deliveries` (migration `0004_webhooks`). */
export interface WebhookDeliveriesTable {
  /** `whd_<hex>`: also the receiver's idempotency key. */
  id: string;
  /** Endpoint name from the configuration. */
  endpoint: string;
  /** Target URL. */
  url: string;
  /** Event type (`scan.verdict`). */
  event: string;
  /** The exact JSON body that is signed and sent. */
  body: string;
  /** `pending`, `delivered` or `dead`. */
  state: string;
  /** Attempts so far. */
  attempts: number;
  /** ISO-8601: next attempt not before. */
  next_at: string;
  /** ISO-8601: a sender holds the delivery until then. */
  lease_until: string | null;
  /** HTTP status of the last attempt, if any. */
  last_status: number | null;
  /** Last error (network error or status). */
  last_error: string | null;
  /** ISO-8601. */
  created_at: string;
  /** ISO-8601. */
  updated_at: string;
}

/** A delivery as the API shows it. */
export interface WebhookDelivery {
  /** Delivery id. */
  readonly id: string;
  /** Endpoint name. */
  readonly endpoint: string;
  /** Target URL. */
  readonly url: string;
  /** Event type. */
  readonly event: string;
  /** The signed JSON body. */
  readonly body: string;
  /** `pending`, `delivered` or `dead`. */
  readonly state: 'pending' | 'delivered' | 'dead';
  /** Attempts so far. */
  readonly attempts: number;
  /** Next attempt (pending only). */
  readonly nextAt: string;
  /** Last HTTP status. */
  readonly lastStatus: number | null;
  /** Last error. */
  readonly lastError: string | null;
  /** Created. */
  readonly createdAt: string;
  /** Last change. */
  readonly updatedAt: string;
}

type Db = Kysely<Database & { lg_webhook_deliveries: WebhookDeliveriesTable }>;

function toDelivery(r: WebhookDeliveriesTable): WebhookDelivery {
  return {
    id: r.id,
    endpoint: r.endpoint,
    url: r.url,
    event: r.event,
    body: r.body,
    state: r.state as WebhookDelivery['state'],
    attempts: Number(r.attempts),
    nextAt: r.next_at,
    lastStatus: r.last_status,
    lastError: r.last_error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/**
 * Record deliveries of one event body to several endpoints inside a caller's transaction
 * (the case store writes a decision's action events in the decision's own transaction).
 */
export async function addOutboxWithin(
  trx: Kysely<Database>,
  event: string,
  body: string,
  endpoints: readonly { readonly name: string; readonly url: string }[],
): Promise<string[]> {
  if (endpoints.length === 0) return [];
  const now = new Date().toISOString();
  const rows: WebhookDeliveriesTable[] = endpoints.map((e) => ({
    id: `whd_${randomBytes(12).toString('hex')}`,
    endpoint: e.name,
    url: e.url,
    event,
    body,
    state: 'pending',
    attempts: 0,
    next_at: now,
    lease_until: null,
    last_status: null,
    last_error: null,
    created_at: now,
    updated_at: now,
  }));
  await trx
    .withTables<{ lg_webhook_deliveries: WebhookDeliveriesTable }>()
    .insertInto('lg_webhook_deliveries')
    .values(rows)
    .execute();
  return rows.map((r) => r.id);
}

/**
 * The durable webhook outbox (transactional-outbox pattern: the event is recorded before the
 * API answers, and a separate loop delivers it, so a crash between the two loses nothing).
 * Claims use the same single-statement `UPDATE ... RETURNING` as the job queue, with
 * `FOR UPDATE SKIP LOCKED` on PostgreSQL.
 */
export class KyselyWebhookOutbox {
  private readonly db: Db;

  /**
   * @param db the store's Kysely instance
   * @param dialect its SQL dialect
   */
  constructor(
    db: Kysely<Database>,
    private readonly dialect: StoreDialect,
  ) {
    this.db = db.withTables<{ lg_webhook_deliveries: WebhookDeliveriesTable }>();
  }

  /** Record deliveries of one event body to several endpoints. */
  async add(
    event: string,
    body: string,
    endpoints: readonly { readonly name: string; readonly url: string }[],
  ): Promise<string[]> {
    return addOutboxWithin(this.db as unknown as Kysely<Database>, event, body, endpoints);
  }

  /** Take the oldest due pending delivery and hold it for `leaseMs`. */
  async claim(leaseMs: number): Promise<WebhookDelivery | undefined> {
    const now = new Date();
    const nowIso = now.toISOString();
    const lease = new Date(now.getTime() + leaseMs).toISOString();
    const lock = this.dialect === 'postgres' ? sql`for update skip locked` : sql``;
    const r = await sql<WebhookDeliveriesTable>`
      update lg_webhook_deliveries
         set lease_until = ${lease}, attempts = attempts + 1, updated_at = ${nowIso}
       where id = (
         select id from lg_webhook_deliveries
          where state = 'pending' and next_at <= ${nowIso}
            and (lease_until is null or lease_until < ${nowIso})
          order by next_at, created_at
          limit 1
          ${lock})
      returning *`.execute(this.db);
    const row = r.rows[0];
    return row ? toDelivery(row) : undefined;
  }

  /** Record an attempt's outcome: delivered, retry at `retryAt`, or dead. */
  async settle(
    id: string,
    outcome:
      | { readonly state: 'delivered'; readonly status: number }
      | {
          readonly state: 'pending';
          readonly retryAt: Date;
          readonly status: number | null;
          readonly error: string;
        }
      | { readonly state: 'dead'; readonly status: number | null; readonly error: string },
  ): Promise<void> {
    await this.db
      .updateTable('lg_webhook_deliveries')
      .set({
        state: outcome.state,
        lease_until: null,
        last_status: outcome.status,
        last_error: outcome.state === 'delivered' ? null : outcome.error,
        ...(outcome.state === 'pending' ? { next_at: outcome.retryAt.toISOString() } : {}),
        updated_at: new Date().toISOString(),
      })
      .where('id', '=', id)
      .execute();
  }

  /** Deliveries, newest first, optionally by state. */
  async list(state?: string, limit = 100): Promise<WebhookDelivery[]> {
    let q = this.db.selectFrom('lg_webhook_deliveries').selectAll();
    if (state !== undefined) q = q.where('state', '=', state);
    const rows = await q.orderBy('created_at', 'desc').limit(limit).execute();
    return rows.map(toDelivery);
  }

  /** Put a dead delivery back in the queue (attempts start over). Returns false if none. */
  async retry(id: string): Promise<boolean> {
    const now = new Date().toISOString();
    const r = await this.db
      .updateTable('lg_webhook_deliveries')
      .set({ state: 'pending', attempts: 0, next_at: now, lease_until: null, updated_at: now })
      .where('id', '=', id)
      .where('state', '=', 'dead')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
