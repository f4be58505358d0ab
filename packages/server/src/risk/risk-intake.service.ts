import {
  decodeRiskSnapshot,
  encodeRiskSnapshot,
  ErrorCodes,
  LifeguardError,
  parseRiskEvent,
  RiskEngine,
  type ParseEventResult,
  type RiskEvent,
} from '@lifeguard/core';
import type {
  KyselyRiskEventLog,
  KyselyRiskSnapshotStore,
  RiskEventLogRow,
} from '@lifeguard/store';

/** Most events accepted in one `POST /v1/events` request. */
export const MAX_EVENTS_PER_BATCH = 1000;

/** Most invalid events listed in one problem document (the count is always complete). */
const MAX_LISTED_ERRORS = 100;

/** Events read per page while replaying the log at start-up. */
const REPLAY_PAGE = 10_000;

/** One parsed item of a batch and where it was in the request. */
export interface BatchItem {
  /** Position: array index (JSON) or 1-based line number (NDJSON). */
  readonly position: number;
  /** The parse outcome (reasons never quote the input). */
  readonly result: ParseEventResult;
  /** The event's JSON as received (NDJSON line), stored as is instead of re-serialising. */
  readonly raw?: string;
}

/** Outcome of an accepted batch. */
export interface IntakeResult {
  /** Events stored and applied now. */
  readonly accepted: number;
  /** Events skipped because their id was stored before. */
  readonly duplicates: number;
}

/** Snapshots and retention of a {@link RiskIntake} (docs/risk.md, "Snapshots and retention"). */
export interface RiskIntakeOptions {
  /** Where snapshots are stored; none: every start replays the whole log. */
  readonly snapshots?: KyselyRiskSnapshotStore | undefined;
  /** Write a snapshot after this many applied events (0: never). Default 100,000. */
  readonly snapshotEvery?: number;
  /** Delete covered events older than this (ms of event time behind the newest; 0: never). */
  readonly retentionMs?: number;
  /** Operator notices (snapshot refused, written, pruned); never event content. */
  readonly notice?: (line: string) => void;
  /** Errors of background snapshot writes (the intake goes on without them). */
  readonly onError?: (msg: string, err: unknown) => void;
}

/** Counters of a {@link RiskIntake}, exported as metrics. */
export interface RiskIntakeCounters {
  /** Events stored and applied by `POST /v1/events`. */
  accepted: number;
  /** Events skipped because their id was stored before. */
  duplicates: number;
  /** Batches refused (invalid events, too large, empty). */
  rejectedBatches: number;
  /** Invalid events in refused batches. */
  invalidEvents: number;
  /** Events replayed from the log at start-up. */
  replayed: number;
  /** Stored events that failed to parse at start-up (skipped). */
  replayMalformed: number;
  /** Snapshots written. */
  snapshotsWritten: number;
  /** Events deleted by retention. */
  pruned: number;
}

/** A simple FIFO promise lock (one batch at a time: log order is engine order). */
class Lock {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const r = this.tail.then(fn, fn);
    this.tail = r.then(
      () => undefined,
      () => undefined,
    );
    return r;
  }
}

/**
 * Live risk intake (issue 5, "Live"): validates a batch with the core parser, appends it to
 * the durable event log in one transaction, and only then feeds the in-memory
 * {@link RiskEngine}, so an acknowledged event survives a crash. Batches are serialised in
 * this process, so the engine sees events in log (`seq`) order and a restart that replays
 * the log rebuilds exactly the same state. The engine is per process: with several `api`
 * processes each engine sees the log as of its start plus its own intake (following the log
 * like the match index does is future work).
 */
export class RiskIntake {
  /** The engine scored from the log (replaced by a fresh one if a snapshot fails to restore). */
  engine: RiskEngine;
  /** Counters (metrics). */
  readonly counters: RiskIntakeCounters = {
    accepted: 0,
    duplicates: 0,
    rejectedBatches: 0,
    invalidEvents: 0,
    replayed: 0,
    replayMalformed: 0,
    snapshotsWritten: 0,
    pruned: 0,
  };
  /** Log position of the last snapshot written or restored (0: none). */
  snapshotSeq = 0;
  /** Events applied since that snapshot (what a restart would replay). */
  sinceSnapshot = 0;
  /** How the last start-up went: `snapshot` (restored + tail) or `full` (whole log). */
  startMode: 'snapshot' | 'full' | undefined;
  private readonly lock = new Lock();
  private loadedFlag = false;
  private lastSeq = 0;
  private snapshotQueued = false;
  private readonly snapshots: KyselyRiskSnapshotStore | undefined;
  private readonly snapshotEvery: number;
  private readonly retentionMs: number;
  private readonly notice: (line: string) => void;
  private readonly onError: (msg: string, err: unknown) => void;
  /**
   * Called with the events a live batch stored and applied (not on replay), before the
   * request is answered: the server opens risk-alert cases here.
   */
  onApplied: ((events: readonly RiskEvent[]) => Promise<void>) | undefined;

  /**
   * @param log the durable event log
   * @param engine the engine to feed (defaults to one with the default rules); must be fresh
   * @param options snapshots and retention
   */
  constructor(
    private readonly log: KyselyRiskEventLog,
    engine?: RiskEngine,
    options: RiskIntakeOptions = {},
  ) {
    this.engine = engine ?? new RiskEngine();
    this.snapshots = options.snapshots;
    this.snapshotEvery = options.snapshotEvery ?? 100_000;
    this.retentionMs = options.retentionMs ?? 0;
    this.notice = options.notice ?? (() => undefined);
    this.onError = options.onError ?? (() => undefined);
  }

  /** True once {@link load} has replayed the log. */
  get loaded(): boolean {
    return this.loadedFlag;
  }

  /**
   * Rebuild the engine: restore the newest snapshot (if any, and if it was written by a build
   * with the same state layout and the same rules), then replay the log after its position
   * in `seq` order; without a usable snapshot, replay the whole log (the reason is noticed).
   * Cost: the snapshot's decode plus one JSON parse, validation and engine step per replayed
   * event. Resolves to the number of events replayed.
   */
  async load(): Promise<number> {
    return this.lock.run(async () => {
      let after = 0;
      this.startMode = 'full';
      const snap = this.snapshots === undefined ? undefined : await this.snapshots.latest();
      if (snap !== undefined) {
        let why: string | undefined;
        try {
          const r = decodeRiskSnapshot(this.engine, snap.body);
          if (r.ok) after = snap.seq;
          else why = r.reason;
        } catch (e) {
          why = `snapshot could not be restored (${e instanceof Error ? e.message : 'error'})`;
          // Possibly half restored: start over with a fresh engine of the same rules.
          this.engine = new RiskEngine({ rules: this.engine.rules });
        }
        if (why === undefined) {
          this.startMode = 'snapshot';
          this.snapshotSeq = snap.seq;
          this.notice(
            `risk: restored the snapshot at event ${snap.seq} (${snap.accounts} accounts); replaying later events`,
          );
        } else this.notice(`risk: snapshot not used: ${why}; replaying the whole event log`);
      }
      this.lastSeq = after;
      let n = 0;
      for (;;) {
        const page = await this.log.page(after, REPLAY_PAGE);
        for (const row of page) {
          let r: ParseEventResult;
          try {
            r = parseRiskEvent(JSON.parse(row.body) as unknown);
          } catch {
            r = { ok: false, reason: 'invalid JSON' };
          }
          if (r.ok) this.engine.ingest(r.event);
          else this.counters.replayMalformed++;
          n++;
        }
        const last = page[page.length - 1];
        if (last !== undefined) this.lastSeq = last.seq;
        if (last === undefined || page.length < REPLAY_PAGE) break;
        after = last.seq;
      }
      this.counters.replayed += n;
      this.sinceSnapshot = n;
      this.loadedFlag = true;
      // A long replay is worth a snapshot now, so the next start does not repeat it.
      this.maybeQueueSnapshot();
      return n;
    });
  }

  /**
   * Write a snapshot of the engine now (waits for the batch in progress) and apply retention.
   * Resolves to the log position it covers, or undefined without a snapshot store.
   */
  async snapshot(): Promise<number | undefined> {
    if (this.snapshots === undefined) return undefined;
    return this.lock.run(() => this.snapshotLocked());
  }

  /**
   * On a graceful stop: write a snapshot if events were applied since the last one (and
   * snapshots are on), so the next start restores it instead of replaying.
   */
  async snapshotOnStop(): Promise<void> {
    if (this.snapshots === undefined || this.snapshotEvery <= 0 || !this.loadedFlag) return;
    if (this.sinceSnapshot === 0) return;
    await this.snapshot();
  }

  private async snapshotLocked(): Promise<number | undefined> {
    const store = this.snapshots;
    if (store === undefined) return undefined;
    const seq = this.lastSeq;
    const bytes = encodeRiskSnapshot(this.engine, { seq });
    await store.save(seq, this.engine.store.size, bytes);
    this.counters.snapshotsWritten++;
    this.snapshotSeq = seq;
    this.sinceSnapshot = 0;
    if (this.retentionMs > 0 && this.engine.watermark > this.retentionMs) {
      // Only events the snapshot just written covers, and only older than the retention.
      const pruned = await this.log.prune(seq, this.engine.watermark - this.retentionMs);
      this.counters.pruned += pruned;
    }
    return seq;
  }

  private maybeQueueSnapshot(): void {
    if (
      this.snapshots === undefined ||
      this.snapshotEvery <= 0 ||
      this.sinceSnapshot < this.snapshotEvery ||
      this.snapshotQueued
    )
      return;
    this.snapshotQueued = true;
    // Queued behind the lock: the batches after it wait, the current request does not.
    void this.lock
      .run(() => this.snapshotLocked())
      .catch((e: unknown) => this.onError('risk snapshot failed', e))
      .finally(() => {
        this.snapshotQueued = false;
      });
  }

  /**
   * Validate, store (one transaction) and apply a batch. Throws LG_ERR_INVALID_EVENT listing
   * the position and a log-safe reason of each bad event (nothing is stored then),
   * LG_ERR_INPUT_TOO_LARGE over {@link MAX_EVENTS_PER_BATCH}, LG_ERR_EMPTY_INPUT for none.
   */
  async accept(items: readonly BatchItem[], positionName: 'index' | 'line'): Promise<IntakeResult> {
    if (items.length === 0) {
      this.counters.rejectedBatches++;
      throw new LifeguardError(ErrorCodes.EMPTY_INPUT, 'the request carries no events');
    }
    if (items.length > MAX_EVENTS_PER_BATCH) {
      this.counters.rejectedBatches++;
      throw new LifeguardError(
        ErrorCodes.INPUT_TOO_LARGE,
        `at most ${MAX_EVENTS_PER_BATCH} events per request`,
        { max: MAX_EVENTS_PER_BATCH, received: items.length },
      );
    }
    const events: RiskEvent[] = [];
    const bodies: string[] = [];
    const errors: Record<string, unknown>[] = [];
    let invalid = 0;
    for (const it of items) {
      if (it.result.ok) {
        events.push(it.result.event);
        if (invalid === 0) bodies.push(it.raw ?? JSON.stringify(it.result.event));
      } else {
        invalid++;
        if (errors.length < MAX_LISTED_ERRORS) {
          errors.push({ [positionName]: it.position, reason: it.result.reason });
        }
      }
    }
    if (invalid > 0) {
      this.counters.rejectedBatches++;
      this.counters.invalidEvents += invalid;
      throw new LifeguardError(
        ErrorCodes.INVALID_EVENT,
        `${invalid} of ${items.length} events are invalid; nothing was stored`,
        { invalid, errors },
      );
    }
    // Replay parses the stored JSON with the same parser, so storing the line as received
    // or the parsed object gives the same event.
    // (A plain object per row: a conditional spread here cost 3 % of the server's CPU.)
    const rows: RiskEventLogRow[] = new Array<RiskEventLogRow>(events.length);
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      rows[i] = { id: e.id, atMs: e.atMs, body: bodies[i]! };
    }
    const applied: RiskEvent[] = [];
    const result = await this.lock.run(async () => {
      const r = await this.log.append(rows);
      // Durable now; apply what was stored (a stored-before id was applied back then).
      for (let i = 0; i < events.length; i++) {
        if (r.inserted[i]) {
          this.engine.ingest(events[i]!);
          applied.push(events[i]!);
        }
      }
      if (r.lastSeq > this.lastSeq) this.lastSeq = r.lastSeq;
      this.sinceSnapshot += r.insertedCount;
      this.counters.accepted += r.insertedCount;
      this.counters.duplicates += events.length - r.insertedCount;
      return { accepted: r.insertedCount, duplicates: events.length - r.insertedCount };
    });
    this.maybeQueueSnapshot();
    if (applied.length > 0 && this.onApplied !== undefined) await this.onApplied(applied);
    return result;
  }
}
