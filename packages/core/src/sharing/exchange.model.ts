import type { EntryOpinion, SignalType } from '../banks/bank.model.js';

/**
 * Hash exchanges: the feeds and programs a Lifeguard instance imports signals from
 * (another Lifeguard instance's signed feed, NCMEC Hash Sharing, StopNCII, Meta
 * ThreatExchange). Modelled on python-threatexchange's `SignalExchangeAPI`
 * (`exchanges/signal_exchange_api.py`): a connector fetches the changes since an opaque
 * checkpoint and yields them in batches, each with the checkpoint to resume from after it.
 */

/** Connector kinds. */
export const EXCHANGE_KINDS = ['lifeguard', 'ncmec', 'stopncii', 'threatexchange'] as const;
/** One of {@link EXCHANGE_KINDS}. */
export type ExchangeKind = (typeof EXCHANGE_KINDS)[number];

/**
 * A tombstone that names the source's entry instead of the hash (NCMEC's `deletedImage`
 * carries only its id): every local entry imported with that `sourceId` is removed.
 */
export interface SourceRemoval {
  /** Discriminator. */
  readonly op: 'remove_source';
  /** The source's entry id (stored as the local entry's `sourceId` on import). */
  readonly sourceId: string;
  /** The source's opinion, if it gave one. */
  readonly opinion?: EntryOpinion;
}

/** One change from an exchange: a signal added or removed, or a source entry removed. */
export type ExchangeUpdate = SignalUpdate | SourceRemoval;

/** One signal change from an exchange. */
export interface SignalUpdate {
  /** `add`: the source holds the signal; `remove`: it withdrew it (a tombstone). */
  readonly op: 'add' | 'remove';
  /** Signal type (mapped from the source's own names). */
  readonly signalType: SignalType;
  /** Canonical value (lowercase hex). */
  readonly value: string;
  /**
   * The source's opinion. An `add` with `false_positive` means "this signal is benign": it
   * is removed from a local block bank (added to a local allow bank).
   */
  readonly opinion?: EntryOpinion;
  /** Classification from the source (`A1`, `B2`, ...), if any. */
  readonly classification?: string;
  /** The source's id for the entry, if any. */
  readonly sourceId?: string;
}

/** One step of a fetch: updates, and where to resume after applying them. */
export interface ExchangeBatch {
  /** Changes, oldest first. */
  readonly updates: readonly ExchangeUpdate[];
  /** Opaque checkpoint to persist once `updates` are applied. */
  readonly checkpoint: string;
  /**
   * Set when the connector skipped a corrupt page (verified, but not parseable): why, in
   * words safe to log (no values, no credentials). `updates` is then empty.
   */
  readonly corrupt?: string;
  /** Signals of types Lifeguard does not hold (PhotoDNA, TMK, ...), skipped and counted. */
  readonly unsupported?: number;
  /**
   * How many of the source's pages this batch stands for (default 1): more than one when
   * consecutive pages were merged into one import (see `coalesceExchangeBatches`).
   */
  readonly pages?: number;
}

/** Running totals of one exchange (persisted with its checkpoint). */
export interface ExchangeStats {
  /** Batches (pages) applied. */
  readonly pages: number;
  /** Entries added to the local bank. */
  readonly added: number;
  /** Entries removed from the local bank (tombstones, false-positive opinions). */
  readonly removed: number;
  /** Adds already present locally. */
  readonly duplicates: number;
  /** Corrupt pages skipped. */
  readonly corruptPages: number;
  /** Pages refused because their signature did not verify. */
  readonly signatureFailures: number;
  /** Signals of unsupported types skipped. */
  readonly unsupported: number;
  /** Failed sync attempts (network, HTTP errors, refused pages). */
  readonly errors: number;
}

/** All-zero {@link ExchangeStats}. */
export const EMPTY_EXCHANGE_STATS: ExchangeStats = Object.freeze({
  pages: 0,
  added: 0,
  removed: 0,
  duplicates: 0,
  corruptPages: 0,
  signatureFailures: 0,
  unsupported: 0,
  errors: 0,
});

/** Field-wise sum of two {@link ExchangeStats}. */
export function addExchangeStats(a: ExchangeStats, b: Partial<ExchangeStats>): ExchangeStats {
  const out: Record<string, number> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + (v ?? 0);
  return out as unknown as ExchangeStats;
}
