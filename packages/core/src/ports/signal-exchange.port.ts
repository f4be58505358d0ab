import type { ExchangeBatch, ExchangeKind } from '../sharing/exchange.model.js';

/**
 * A source of shared signals with fetch-since-checkpoint semantics (after
 * python-threatexchange's `SignalExchangeAPI.fetch_iter`). Implemented in
 * `@lifeguard/server` for Lifeguard feeds, NCMEC Hash Sharing v2, StopNCII and Meta
 * ThreatExchange; a new program needs only this interface.
 */
export interface SignalExchange {
  /** Which connector this is. */
  readonly kind: ExchangeKind;
  /**
   * The changes after `checkpoint` (null: from the beginning), oldest first, as batches each
   * carrying the checkpoint to persist after applying it. The iteration ends when the
   * source has nothing newer. Errors that make resuming unsafe (network, HTTP status, a
   * signature that does not verify) are thrown as `LG_ERR_DESTINATION_FAILED` /
   * `LG_ERR_INVALID_FEED`; the caller keeps its last checkpoint and retries later. A page
   * that verifies but cannot be parsed is yielded as a batch with `corrupt` set, so the
   * caller skips it and continues.
   * @param signal aborts the fetch (shutdown)
   */
  fetchSince(checkpoint: string | null, signal?: AbortSignal): AsyncIterable<ExchangeBatch>;
}
