import type { BankKind, SignalType } from '../banks/bank.model.js';
import type { Hash256 } from '../hashing/hash256.codec.js';

/** What one lookup matches: any subset of the signals of one piece of content. */
export interface MatchQuery {
  /** PDQ hash of the content (8 words or 64 hex characters). */
  readonly pdq?: Hash256 | string;
  /**
   * PDQ quality (0..100) of `pdq`. Banks whose `qualityFloor` is above it are not consulted
   * for PDQ. When absent (a bare hash from the CLI, say) no floor applies.
   */
  readonly quality?: number;
  /** MD5 of the content bytes, 32 hex characters. */
  readonly md5?: string;
  /** SHA-256 of the content bytes, 64 hex characters. */
  readonly sha256?: string;
  /**
   * Stable key of the content for gradual roll-out (`Bank.enabledRatio`), such as the
   * SHA-256 or the platform's media id. Defaults to the SHA-256, then the PDQ hex, then the
   * MD5, so the same content always gets the same answer.
   */
  readonly contentKey?: string;
}

/** One matched bank entry, with everything needed to explain the match. */
export interface MatchHit {
  /** Bank id. */
  readonly bankId: number;
  /** Bank name. */
  readonly bankName: string;
  /** `block` or `allow`. */
  readonly kind: BankKind;
  /** Matched entry id (fetch its metadata from the bank store when needed). */
  readonly entryId: number;
  /** Which signal matched. */
  readonly signal: SignalType;
  /** The matched entry's value (lowercase hex). */
  readonly value: string;
  /** Hamming distance for PDQ; 0 for exact signals. */
  readonly distance: number;
  /** The bank's threshold that admitted the match (0 for exact signals). */
  readonly threshold: number;
  /** The bank's labels. */
  readonly labels: readonly string[];
  /** The entry's classification, when the matcher retains entry metadata; else null. */
  readonly classification: string | null;
  /** The entry's source id, when the matcher retains entry metadata; else null. */
  readonly sourceId: string | null;
}

/** Flood control report: a bank had more matches than its `maxMatchesPerLookup`. */
export interface TruncatedBank {
  /** Bank id. */
  readonly bankId: number;
  /** Bank name. */
  readonly bankName: string;
  /** Matches beyond the cap, not returned. */
  readonly omitted: number;
}

/** The answer to one lookup. */
export interface MatchResult {
  /** Matches, closest first (distance, then bank id, then entry id). */
  readonly matches: MatchHit[];
  /** Block-bank matches suppressed because an allow bank matched the same content. */
  readonly suppressed: MatchHit[];
  /** Banks whose matches were capped, with the count of the rest. */
  readonly truncated: TruncatedBank[];
}
