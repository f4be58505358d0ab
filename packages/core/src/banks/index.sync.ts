import type { BankStore, IndexEntry } from '../ports/bank-store.port.js';
import type { Bank, BankChange } from './bank.model.js';

/**
 * What {@link IndexSync} keeps current: the in-memory match index (`BankMatcher` satisfies
 * this structurally). Every method must be idempotent: a change may be applied twice (the
 * snapshot can already contain changes after its sequence).
 */
export interface IndexSyncTarget {
  /** Add or replace a bank's settings. */
  upsertBank(bank: Bank): unknown;
  /**
   * Add entries in bulk at start-up: called with `deferBuild: true` once per snapshot page,
   * then once with no entries and `atSeq` (the snapshot's sequence) to build the index.
   */
  bulkLoad(
    entries: Iterable<IndexEntry>,
    options?: { readonly atSeq?: number; readonly deferBuild?: boolean },
  ): unknown;
  /** Apply one change from the feed (upsert of a disabled entry removes it). */
  applyChange(change: BankChange): unknown;
}

/** Options of {@link IndexSync}. */
export interface IndexSyncOptions {
  /** Milliseconds between polls of the change feed; default 500. */
  readonly intervalMs?: number;
  /** Changes read per query; default 10000. */
  readonly pageSize?: number;
  /** Entries per snapshot page at start-up; default the store's. */
  readonly snapshotPageSize?: number;
  /**
   * Called with every error (a failed poll, a change the target rejected). The loop never
   * stops on an error: a failed poll is retried at the next tick.
   */
  readonly onError?: (error: unknown, context: { readonly seq?: number }) => void;
  /** Clock in milliseconds (injectable for tests); default `Date.now`. */
  readonly now?: () => number;
}

/** How far behind the store an index is. */
export interface IndexSyncLag {
  /** Last change sequence applied. */
  readonly appliedSeq: number;
  /** Latest sequence seen in the store at the last successful poll. */
  readonly storeSeq: number;
  /** `storeSeq - appliedSeq` (0 when caught up). */
  readonly seqBehind: number;
  /** Milliseconds since the last successful poll ended, or undefined before the first. */
  readonly msSinceLastPoll: number | undefined;
  /** Errors reported so far. */
  readonly errors: number;
}

/** Result of the start-up load. */
export interface IndexLoadReport {
  /** Banks loaded. */
  readonly banks: number;
  /** Entries loaded. */
  readonly entries: number;
  /** Change sequence the load is consistent with. */
  readonly seq: number;
  /** Milliseconds taken. */
  readonly ms: number;
}

/**
 * Keeps an in-memory index current with a {@link BankStore}: bulk-loads the store's snapshot
 * once, then polls `changesSince(lastSeq)` every `intervalMs` and applies each change, so an
 * entry written by any process is matchable here within about one interval — no full
 * rebuild and no index files. One poll drains every pending page, so a large import catches
 * up in one tick. The loop survives every error (reported through `onError`).
 */
export class IndexSync {
  private appliedSeq = 0;
  private storeSeq = 0;
  private lastPollEnd: number | undefined;
  private errors = 0;
  private loaded = false;
  private running = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: Promise<unknown> | undefined;
  private readonly intervalMs: number;
  private readonly pageSize: number;
  private readonly now: () => number;

  /**
   * @param store where banks live
   * @param target the index to keep current
   * @param opts polling and error options
   */
  constructor(
    private readonly store: BankStore,
    private readonly target: IndexSyncTarget,
    private readonly opts: IndexSyncOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 500;
    this.pageSize = opts.pageSize ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Load every bank and every enabled entry into the target. Called by {@link start};
   * call it alone for a one-shot index (the CLI's `match`).
   */
  async load(): Promise<IndexLoadReport> {
    const t0 = this.now();
    // The lean snapshot: the index needs neither metadata nor notes, and reading them for
    // 10M entries would dominate start-up.
    const snap = this.store.snapshotIndex(this.opts.snapshotPageSize);
    const seq = await snap.seq;
    // Banks after the sequence is read: a bank changed since is re-applied by the feed.
    const banks = await this.store.listBanks();
    for (const b of banks) this.target.upsertBank(b);
    let entries = 0;
    for await (const page of snap.pages) {
      // Defer the index build to the end: building after every page costs O(n) per page.
      this.target.bulkLoad(page, { deferBuild: true });
      entries += page.length;
    }
    this.target.bulkLoad([], { atSeq: seq });
    this.appliedSeq = seq;
    this.storeSeq = Math.max(this.storeSeq, seq);
    this.loaded = true;
    this.lastPollEnd = this.now();
    return { banks: banks.length, entries, seq, ms: this.now() - t0 };
  }

  /** Load (if not loaded yet) and start polling. Resolves once the index is loaded. */
  async start(): Promise<IndexLoadReport | undefined> {
    if (this.running) return undefined;
    const report = this.loaded ? undefined : await this.load();
    this.running = true;
    this.schedule();
    return report;
  }

  /** Stop polling; resolves after an in-flight poll has finished. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /**
   * Apply every change after the last applied sequence, page by page, until caught up.
   * Resolves to the number of changes applied. Store errors reject (the loop reports them);
   * a change the target rejects is reported and skipped, because retrying a deterministic
   * failure would stall the feed for every later change.
   */
  async pollOnce(): Promise<number> {
    const latest = await this.store.currentSeq();
    let applied = 0;
    for (;;) {
      const page = await this.store.changesSince(this.appliedSeq, this.pageSize);
      for (const change of page) {
        try {
          this.target.applyChange(change);
        } catch (e) {
          this.report(e, change.seq);
        }
        this.appliedSeq = change.seq;
        applied++;
      }
      if (page.length < this.pageSize) break;
    }
    this.storeSeq = Math.max(latest, this.appliedSeq);
    this.lastPollEnd = this.now();
    return applied;
  }

  /** Current lag behind the store. */
  lag(): IndexSyncLag {
    return {
      appliedSeq: this.appliedSeq,
      storeSeq: this.storeSeq,
      seqBehind: Math.max(0, this.storeSeq - this.appliedSeq),
      msSinceLastPoll: this.lastPollEnd === undefined ? undefined : this.now() - this.lastPollEnd,
      errors: this.errors,
    };
  }

  private report(e: unknown, seq?: number): void {
    this.errors++;
    try {
      this.opts.onError?.(e, seq === undefined ? {} : { seq });
    } catch {
      // An error handler that throws must not kill the loop either.
    }
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      const p = this.pollOnce().then(
        () => undefined,
        (e: unknown) => this.report(e),
      );
      this.inFlight = p;
      void p.finally(() => this.schedule());
    }, this.intervalMs);
    // A background refresher must not keep a process alive on its own.
    this.timer.unref?.();
  }
}
