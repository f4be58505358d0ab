import {
  EMPTY_EXCHANGE_STATS,
  ErrorCodes,
  LifeguardError,
  type ExchangeKind,
  type ExchangeStats,
} from '@lifeguard/core';
import type { Generated, Kysely, Selectable } from 'kysely';
import type { Database } from './database.model.js';

/** Row of `lg_exchanges` (migration `0010_exchanges`). */
export interface ExchangesTable {
  /** Exchange id. */
  id: Generated<number>;
  /** Unique name. */
  name: string;
  /** Connector kind. */
  kind: string;
  /** Local bank the signals go to. */
  bank_id: number;
  /** Connector settings, JSON (no secrets). */
  config: string;
  /** Connector credentials, JSON. Secret: never returned, never logged. */
  credentials: string;
  /** 1 polled, 0 paused. */
  enabled: number;
  /** Milliseconds between polls. */
  interval_ms: number;
  /** Connector checkpoint to resume from (null: from the beginning). */
  checkpoint: string | null;
  /** JSON {@link ExchangeStats}. */
  stats: string;
  /** When a sync last started, ISO-8601. */
  last_attempt_at: string | null;
  /** When a sync last completed without error, ISO-8601. */
  last_success_at: string | null;
  /** The last error (code and message, never credentials), cleared on success. */
  last_error: string | null;
  /** Process holding the sync lease. */
  lease_owner: string | null;
  /** Lease expiry, ISO-8601. */
  lease_until: string | null;
  /** ISO-8601 creation time. */
  created_at: string;
}

/** An exchange as the API and CLI show it (credentials left out). */
export interface ExchangeRecord {
  /** Id. */
  readonly id: number;
  /** Unique name `[A-Za-z0-9_.-]{1,100}`. */
  readonly name: string;
  /** Connector kind. */
  readonly kind: ExchangeKind;
  /** Local bank id. */
  readonly bankId: number;
  /** Connector settings (URL, feed name, publisher key, page size, ...). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Names of the credential fields that are set (never their values). */
  readonly credentialFields: readonly string[];
  /** Polled by the server's background poller. */
  readonly enabled: boolean;
  /** Milliseconds between polls. */
  readonly intervalMs: number;
  /** Checkpoint to resume from. */
  readonly checkpoint: string | null;
  /** Running totals. */
  readonly stats: ExchangeStats;
  /** Last sync start. */
  readonly lastAttemptAt: string | null;
  /** Last successful sync end. */
  readonly lastSuccessAt: string | null;
  /** Last error, if the last sync failed. */
  readonly lastError: string | null;
  /** Creation time. */
  readonly createdAt: string;
}

/** Fields of a new exchange. */
export interface NewExchange {
  /** Unique name. */
  readonly name: string;
  /** Connector kind. */
  readonly kind: ExchangeKind;
  /** Local bank id. */
  readonly bankId: number;
  /** Connector settings. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Connector credentials (secret). */
  readonly credentials: Readonly<Record<string, string>>;
  /** Default true. */
  readonly enabled?: boolean;
  /** Milliseconds between polls. */
  readonly intervalMs: number;
}

type Db = Kysely<Database & { lg_exchanges: ExchangesTable }>;

function toRecord(r: Selectable<ExchangesTable>): ExchangeRecord {
  return {
    id: Number(r.id),
    name: r.name,
    kind: r.kind as ExchangeKind,
    bankId: Number(r.bank_id),
    config: JSON.parse(r.config) as Record<string, unknown>,
    credentialFields: Object.keys(JSON.parse(r.credentials) as Record<string, unknown>).sort(),
    enabled: Number(r.enabled) === 1,
    intervalMs: Number(r.interval_ms),
    checkpoint: r.checkpoint,
    stats: { ...EMPTY_EXCHANGE_STATS, ...(JSON.parse(r.stats) as Partial<ExchangeStats>) },
    lastAttemptAt: r.last_attempt_at,
    lastSuccessAt: r.last_success_at,
    lastError: r.last_error,
    createdAt: r.created_at,
  };
}

/**
 * The exchanges this instance subscribes to, with their checkpoints and a lease so that
 * only one process syncs an exchange at a time. Shares the store's database (both dialects).
 */
export class KyselyExchangeStore {
  private readonly db: Db;

  /** @param db the store's Kysely instance (migrated) */
  constructor(db: Kysely<Database>) {
    this.db = db.withTables<{ lg_exchanges: ExchangesTable }>();
  }

  /** Create an exchange. Throws `LG_ERR_CONFLICT` if the name is taken. */
  async create(x: NewExchange): Promise<ExchangeRecord> {
    if (!/^[A-Za-z0-9_.-]{1,100}$/.test(x.name)) {
      throw new LifeguardError(
        ErrorCodes.INVALID_ARGUMENT,
        'exchange name must match [A-Za-z0-9_.-]{1,100}',
      );
    }
    if (await this.get(x.name)) {
      throw new LifeguardError(ErrorCodes.CONFLICT, `exchange '${x.name}' already exists`, {
        name: x.name,
      });
    }
    const row = await this.db
      .insertInto('lg_exchanges')
      .values({
        name: x.name,
        kind: x.kind,
        bank_id: x.bankId,
        config: JSON.stringify(x.config),
        credentials: JSON.stringify(x.credentials),
        enabled: x.enabled === false ? 0 : 1,
        interval_ms: x.intervalMs,
        checkpoint: null,
        stats: JSON.stringify(EMPTY_EXCHANGE_STATS),
        created_at: new Date().toISOString(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRecord(row);
  }

  /** All exchanges, by id. */
  async list(): Promise<ExchangeRecord[]> {
    const rows = await this.db.selectFrom('lg_exchanges').selectAll().orderBy('id').execute();
    return rows.map(toRecord);
  }

  /** One exchange by name, or undefined. */
  async get(name: string): Promise<ExchangeRecord | undefined> {
    const r = await this.db
      .selectFrom('lg_exchanges')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return r && toRecord(r);
  }

  /** The credentials of an exchange (for its connector only; never log them). */
  async credentials(id: number): Promise<Record<string, string>> {
    const r = await this.db
      .selectFrom('lg_exchanges')
      .select('credentials')
      .where('id', '=', id)
      .executeTakeFirst();
    return r ? (JSON.parse(r.credentials) as Record<string, string>) : {};
  }

  /** Change `enabled` or `intervalMs`, or reset the checkpoint (re-fetch everything). */
  async update(
    id: number,
    patch: { enabled?: boolean; intervalMs?: number; resetCheckpoint?: boolean },
  ): Promise<void> {
    const set: { enabled?: number; interval_ms?: number; checkpoint?: null } = {};
    if (patch.enabled !== undefined) set.enabled = patch.enabled ? 1 : 0;
    if (patch.intervalMs !== undefined) set.interval_ms = patch.intervalMs;
    if (patch.resetCheckpoint) set.checkpoint = null;
    if (Object.keys(set).length === 0) return;
    await this.db.updateTable('lg_exchanges').set(set).where('id', '=', id).execute();
  }

  /** Delete an exchange (its bank and entries stay). Returns false if it did not exist. */
  async remove(name: string): Promise<boolean> {
    const r = await this.db.deleteFrom('lg_exchanges').where('name', '=', name).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /**
   * Take the sync lease of exchange `id` for `owner` until `now + leaseMs` if it is free
   * (or expired), and record the attempt. Returns the record when taken, undefined when
   * another process holds it. Atomic across processes (one conditional UPDATE).
   */
  async claim(
    id: number,
    owner: string,
    leaseMs: number,
    now: Date,
  ): Promise<ExchangeRecord | undefined> {
    const nowIso = now.toISOString();
    const row = await this.db
      .updateTable('lg_exchanges')
      .set({
        lease_owner: owner,
        lease_until: new Date(now.getTime() + leaseMs).toISOString(),
        last_attempt_at: nowIso,
      })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', nowIso)]))
      .returningAll()
      .executeTakeFirst();
    return row && toRecord(row);
  }

  /** Ids of the enabled exchanges whose interval has passed since their last attempt. */
  async due(now: Date): Promise<number[]> {
    const rows = await this.db
      .selectFrom('lg_exchanges')
      .select(['id', 'interval_ms', 'last_attempt_at'])
      .where('enabled', '=', 1)
      .execute();
    return rows
      .filter(
        (r) =>
          r.last_attempt_at === null ||
          Date.parse(r.last_attempt_at) + Number(r.interval_ms) <= now.getTime(),
      )
      .map((r) => Number(r.id));
  }

  /**
   * Persist progress under the lease: the new checkpoint (when given), stats added to the
   * running totals, and the lease extended. Returns false if `owner` no longer holds the
   * lease (another process took it over after expiry): the caller must stop.
   */
  async progress(
    id: number,
    owner: string,
    step: { checkpoint?: string; stats: Partial<ExchangeStats>; leaseMs: number },
  ): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const r = await trx
        .selectFrom('lg_exchanges')
        .select(['stats', 'lease_owner'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!r || r.lease_owner !== owner) return false;
      const stats: Record<string, number> = JSON.parse(r.stats) as Record<string, number>;
      for (const [k, v] of Object.entries(step.stats)) stats[k] = (stats[k] ?? 0) + (v ?? 0);
      await trx
        .updateTable('lg_exchanges')
        .set({
          stats: JSON.stringify(stats),
          lease_until: new Date(Date.now() + step.leaseMs).toISOString(),
          ...(step.checkpoint !== undefined ? { checkpoint: step.checkpoint } : {}),
        })
        .where('id', '=', id)
        .execute();
      return true;
    });
  }

  /** End a sync: release the lease and record success (error null) or the error text. */
  async finish(id: number, owner: string, error: string | null): Promise<void> {
    await this.db
      .updateTable('lg_exchanges')
      .set({
        lease_owner: null,
        lease_until: null,
        last_error: error,
        ...(error === null ? { last_success_at: new Date().toISOString() } : {}),
      })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .execute();
  }
}
