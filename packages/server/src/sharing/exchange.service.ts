import { randomBytes } from 'node:crypto';
import {
  applyExchangeBatch,
  coalesceExchangeBatches,
  EMPTY_EXCHANGE_STATS,
  ErrorCodes,
  isLifeguardError,
  LifeguardError,
  type BatchOutcome,
  type ExchangeStats,
  type SignalExchange,
} from '@lifeguard/core';
import { KyselyExchangeStore, type ExchangeRecord, type LifeguardStore } from '@lifeguard/store';
import { Registry } from 'prom-client';
import { connectorFor, type ConnectorOptions } from './connectors.js';
import { SharingMetrics } from './sharing.metrics.js';

/** Outcome of one sync of one exchange. */
export interface SyncReport {
  /** Exchange name. */
  readonly exchange: string;
  /** False when another process held the lease (nothing was done). */
  readonly ran: boolean;
  /** What this sync did. */
  readonly stats: ExchangeStats;
  /** Checkpoint after the sync. */
  readonly checkpoint: string | null;
  /** The error that ended the sync, if any (code and message, never credentials). */
  readonly error: string | null;
}

/** Options of {@link ExchangeService}. */
export interface ExchangeServiceOptions {
  /** Per-request timeout of connectors. */
  readonly requestTimeoutMs: number;
  /** Milliseconds between the poller's checks (default 1000). */
  readonly tickMs: number;
  /** Lease length, renewed after every page (default 60 s). */
  readonly leaseMs?: number;
  /** Warnings (never with secrets). */
  readonly warn: (line: string) => void;
  /** Called after a sync changed the local bank (apply it to this process's index now). */
  readonly onChanged?: () => Promise<void>;
  /**
   * Most updates merged from consecutive pages into one import (default
   * `IMPORT_TRANSACTION_ENTRIES`, 100k); see `coalesceExchangeBatches`.
   */
  readonly importBatchEntries?: number;
  /** Called after each applied batch of pages (CLI progress). */
  readonly onPage?: (exchange: string, outcome: BatchOutcome, checkpoint: string) => void;
  /** Connector factory (tests inject fakes); default {@link connectorFor}. */
  readonly connector?: (
    rec: ExchangeRecord,
    credentials: Record<string, string>,
    opts: ConnectorOptions,
  ) => SignalExchange;
}

function describe(e: unknown): string {
  if (isLifeguardError(e)) return `${e.code}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

/**
 * Runs exchange syncs: fetch since the persisted checkpoint, apply each batch to the local
 * bank, persist the checkpoint after it (so a crash re-applies at most one batch, which is
 * idempotent), skip and count corrupt pages, refuse pages whose signature does not verify
 * (counted; the checkpoint stays, the next poll retries). One process at a time per
 * exchange (a lease in the store). The background poller runs each due exchange in turn.
 */
export class ExchangeService {
  private readonly owner = `${process.pid}-${randomBytes(4).toString('hex')}`;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private stopped = false;

  /**
   * @param store the bank store (imports go through it, so the change log sees them)
   * @param exchanges exchange definitions, checkpoints and leases
   * @param metrics sharing metrics
   * @param opts settings
   */
  constructor(
    private readonly store: LifeguardStore,
    readonly exchanges: KyselyExchangeStore,
    private readonly metrics: SharingMetrics,
    private readonly opts: ExchangeServiceOptions,
  ) {}

  /** Sync one exchange now (whether due or not). */
  async sync(name: string): Promise<SyncReport> {
    const rec = await this.exchanges.get(name);
    if (!rec)
      throw new LifeguardError(ErrorCodes.NOT_FOUND, `exchange '${name}' not found`, { name });
    return this.syncRecord(rec.id, rec.name);
  }

  private async syncRecord(id: number, name: string): Promise<SyncReport> {
    const leaseMs = this.opts.leaseMs ?? 60_000;
    const rec = await this.exchanges.claim(id, this.owner, leaseMs, new Date());
    if (!rec) {
      return {
        exchange: name,
        ran: false,
        stats: EMPTY_EXCHANGE_STATS,
        checkpoint: null,
        error: null,
      };
    }
    let stats: ExchangeStats = EMPTY_EXCHANGE_STATS;
    let checkpoint = rec.checkpoint;
    let error: string | null = null;
    const add = (d: Partial<ExchangeStats>): void => {
      const out: Record<string, number> = { ...stats };
      for (const [k, v] of Object.entries(d)) out[k] = (out[k] ?? 0) + (v ?? 0);
      stats = out as unknown as ExchangeStats;
    };
    let changed = false;
    try {
      const bank = await this.store.getBank(rec.bankId);
      if (!bank)
        throw new LifeguardError(ErrorCodes.NOT_FOUND, `exchange ${name}: its bank was deleted`);
      const make = this.opts.connector ?? connectorFor;
      const exchange = make(rec, await this.exchanges.credentials(rec.id), {
        timeoutMs: this.opts.requestTimeoutMs,
      });
      // Consecutive pages are merged into large imports (one transaction each); the
      // checkpoint advances after each merged batch is applied.
      const batches = coalesceExchangeBatches(
        exchange.fetchSince(checkpoint, this.abort.signal),
        this.opts.importBatchEntries,
      );
      for await (const batch of batches) {
        const outcome = await applyExchangeBatch(this.store, bank, batch);
        if (batch.corrupt !== undefined) {
          this.metrics.corruptPages.inc({ exchange: name });
          this.opts.warn(
            `exchange ${name}: skipped a corrupt page after checkpoint ${checkpoint ?? 'start'}: ${batch.corrupt}`,
          );
        }
        this.metrics.exchangePages.inc({ exchange: name }, outcome.pages);
        this.metrics.exchangeEntries.inc({ exchange: name, op: 'added' }, outcome.added);
        this.metrics.exchangeEntries.inc({ exchange: name, op: 'removed' }, outcome.removed);
        if (outcome.added + outcome.removed > 0) changed = true;
        this.opts.onPage?.(name, outcome, batch.checkpoint);
        add(outcome);
        checkpoint = batch.checkpoint;
        const held = await this.exchanges.progress(rec.id, this.owner, {
          checkpoint,
          stats: outcome,
          leaseMs,
        });
        if (!held) throw new LifeguardError(ErrorCodes.CONFLICT, `exchange ${name}: lease lost`);
      }
    } catch (e) {
      error = describe(e);
      const badSig =
        isLifeguardError(e, ErrorCodes.INVALID_FEED) && e.details?.reason === 'bad_signature';
      if (badSig) this.metrics.signatureFailures.inc({ exchange: name });
      this.metrics.syncErrors.inc({ exchange: name });
      const d = { errors: 1, ...(badSig ? { signatureFailures: 1 } : {}) };
      add(d);
      await this.exchanges.progress(rec.id, this.owner, { stats: d, leaseMs }).catch(() => false);
      this.opts.warn(`exchange ${name}: sync failed: ${error}`);
    } finally {
      await this.exchanges.finish(rec.id, this.owner, error).catch(() => undefined);
      if (changed) await this.opts.onChanged?.().catch(() => undefined);
    }
    return { exchange: name, ran: true, stats, checkpoint, error };
  }

  /** Start the background poller. */
  start(): void {
    const tick = async (): Promise<void> => {
      try {
        const now = new Date();
        const all = await this.exchanges.list();
        const due = new Set(await this.exchanges.due(now));
        for (const x of all) {
          if (this.stopped) return;
          if (due.has(x.id)) await this.syncRecord(x.id, x.name);
        }
      } catch (e) {
        this.opts.warn(`exchange poller: ${describe(e)}`);
      }
    };
    const loop = (): void => {
      if (this.stopped) return;
      this.running = tick().finally(() => {
        if (!this.stopped) {
          this.timer = setTimeout(loop, this.opts.tickMs);
          this.timer.unref();
        }
      });
    };
    loop();
  }

  /** Stop the poller and abort a sync in progress (its checkpoint stays consistent). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort();
    await this.running?.catch(() => undefined);
  }
}

/**
 * An {@link ExchangeService} over a store, with its own metrics registry: for the CLI's
 * `lifeguard exchange sync`, which runs without a server.
 */
export function standaloneExchangeService(
  store: LifeguardStore,
  opts: Omit<ExchangeServiceOptions, 'tickMs'>,
): ExchangeService {
  return new ExchangeService(
    store,
    new KyselyExchangeStore(store.kysely),
    new SharingMetrics(new Registry()),
    { ...opts, tickMs: 1000 },
  );
}
