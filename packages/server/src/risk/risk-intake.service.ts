import {
  ErrorCodes,
  LifeguardError,
  parseRiskEvent,
  RiskEngine,
  type ParseEventResult,
  type RiskEvent,
} from '@lifeguard/core';
import type { KyselyRiskEventLog } from '@lifeguard/store';

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
  /** The engine scored from the log. */
  readonly engine: RiskEngine;
  private readonly lock = new Lock();
  private loadedFlag = false;
  /**
   * Called with the events a live batch stored and applied (not on replay), before the
   * request is answered: the server opens risk-alert cases here.
   */
  onApplied: ((events: readonly RiskEvent[]) => Promise<void>) | undefined;

  /**
   * @param log the durable event log
   * @param engine the engine to feed (defaults to one with the default rules)
   */
  constructor(
    private readonly log: KyselyRiskEventLog,
    engine?: RiskEngine,
  ) {
    this.engine = engine ?? new RiskEngine();
  }

  /** True once {@link load} has replayed the log. */
  get loaded(): boolean {
    return this.loadedFlag;
  }

  /**
   * Rebuild the engine by replaying the whole log in `seq` order. Cost: linear in the log
   * (one JSON parse, validation and engine step per stored event; see docs/risk.md) — a
   * snapshot of account states can bound it later. Resolves to the number of events read.
   */
  async load(): Promise<number> {
    return this.lock.run(async () => {
      let after = 0;
      let n = 0;
      for (;;) {
        const page = await this.log.page(after, REPLAY_PAGE);
        for (const row of page) {
          const r = parseRiskEvent(JSON.parse(row.body) as unknown);
          if (r.ok) this.engine.ingest(r.event);
          n++;
        }
        const last = page[page.length - 1];
        if (last === undefined || page.length < REPLAY_PAGE) break;
        after = last.seq;
      }
      this.loadedFlag = true;
      return n;
    });
  }

  /**
   * Validate, store (one transaction) and apply a batch. Throws LG_ERR_INVALID_EVENT listing
   * the position and a log-safe reason of each bad event (nothing is stored then),
   * LG_ERR_INPUT_TOO_LARGE over {@link MAX_EVENTS_PER_BATCH}, LG_ERR_EMPTY_INPUT for none.
   */
  async accept(items: readonly BatchItem[], positionName: 'index' | 'line'): Promise<IntakeResult> {
    if (items.length === 0) {
      throw new LifeguardError(ErrorCodes.EMPTY_INPUT, 'the request carries no events');
    }
    if (items.length > MAX_EVENTS_PER_BATCH) {
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
      throw new LifeguardError(
        ErrorCodes.INVALID_EVENT,
        `${invalid} of ${items.length} events are invalid; nothing was stored`,
        { invalid, errors },
      );
    }
    // Replay parses the stored JSON with the same parser, so storing the line as received
    // or the parsed object gives the same event.
    const rows = events.map((e, i) => ({
      ...(e.id !== undefined ? { id: e.id } : {}),
      atMs: e.atMs,
      body: bodies[i]!,
    }));
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
      return { accepted: r.insertedCount, duplicates: events.length - r.insertedCount };
    });
    if (applied.length > 0 && this.onApplied !== undefined) await this.onApplied(applied);
    return result;
  }
}
