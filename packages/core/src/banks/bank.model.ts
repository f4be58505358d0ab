/**
 * Hash banks: lists of known material (or known-benign material) that uploads are matched
 * against. Pure data types; persistence lives behind {@link BankStore} in `ports/`.
 */

/** Signal types a bank entry can hold. `vpdq` arrives with video support. */
export const SIGNAL_TYPES = ['pdq', 'md5', 'sha256'] as const;

/** One of {@link SIGNAL_TYPES}. */
export type SignalType = (typeof SIGNAL_TYPES)[number];

/**
 * `block`: known bad material. `allow`: known benign material (memes, recurring false
 * positives); a match on an allow bank suppresses block-bank matches for the same content.
 */
export type BankKind = 'block' | 'allow';

/** Where a bank's entries come from. */
export type BankSource = 'local' | 'file' | 'exchange';

/** Default PDQ Hamming-distance threshold (the PDQ paper's recommended match distance). */
export const DEFAULT_PDQ_THRESHOLD = 31;
/** Default minimum PDQ quality for a query hash to be matched against a bank. */
export const DEFAULT_QUALITY_FLOOR = 50;

/** A hash bank and its matching settings. */
export interface Bank {
  /** Store-assigned numeric id. */
  readonly id: number;
  /** Unique name, `[A-Za-z0-9_.-]{1,100}`. */
  readonly name: string;
  /** Free text for humans. */
  readonly description: string;
  /** Where the entries come from. */
  readonly source: BankSource;
  /** Category / label set applied to every match from this bank (e.g. `csam`, `verified`). */
  readonly labels: readonly string[];
  /** `block` or `allow`. */
  readonly kind: BankKind;
  /** Maximum PDQ distance counted as a match (0..256; default 31). */
  readonly pdqThreshold: number;
  /** Query hashes with lower PDQ quality are not matched against this bank (default 50). */
  readonly qualityFloor: number;
  /** Disabled banks are never matched. */
  readonly enabled: boolean;
  /**
   * Fraction (0..1) of lookups that consult this bank, for gradual roll-out. The decision is
   * deterministic per content (see matching), so the same upload always gets the same answer.
   */
  readonly enabledRatio: number;
  /** Per-lookup cap on matches returned from this bank (flood control); the rest are counted. */
  readonly maxMatchesPerLookup: number;
  /** Creation time, ISO-8601. */
  readonly createdAt: string;
}

/** Fields accepted when creating a bank; everything but `name` has a default. */
export type NewBank = Pick<Bank, 'name'> & Partial<Omit<Bank, 'id' | 'name' | 'createdAt'>>;

/** One signal in a bank, with its metadata. */
export interface BankEntry {
  /** Store-assigned numeric id, unique across banks. */
  readonly id: number;
  /** Owning bank id. */
  readonly bankId: number;
  /** Signal type. */
  readonly signalType: SignalType;
  /** Canonical value: lowercase hex (64 chars for pdq and sha256, 32 for md5). */
  readonly value: string;
  /** Identifier in the source program's list, if any. */
  readonly sourceId: string | null;
  /** Classification from the source (e.g. `A1`, `B2`), if any. */
  readonly classification: string | null;
  /** Free-form JSON metadata. */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Note for humans. */
  readonly note: string | null;
  /** Disabled entries are kept but never matched. */
  readonly enabled: boolean;
  /** When the entry was added, ISO-8601. */
  readonly addedAt: string;
}

/** Fields accepted when adding an entry. */
export type NewBankEntry = Pick<BankEntry, 'signalType' | 'value'> &
  Partial<Pick<BankEntry, 'sourceId' | 'classification' | 'metadata' | 'note'>>;

/**
 * A publisher's opinion of a signal, as shared in hash-sharing feeds (after
 * python-threatexchange's `SignalOpinionCategory`: POSITIVE_CLASS / NEGATIVE_CLASS).
 * `confirmed`: a human confirmed the material is what the bank holds. `false_positive`: a
 * human found it benign (a removal carrying it tells subscribers to drop the signal too).
 */
export type EntryOpinion = 'confirmed' | 'false_positive';

/** A signal without the rest of an entry: its type and canonical value. */
export interface Signal {
  /** Signal type. */
  readonly signalType: SignalType;
  /** Canonical value (lowercase hex). */
  readonly value: string;
}

/**
 * One row of the change feed: every write to banks or entries bumps a global, monotonically
 * increasing sequence so that each process can keep its in-memory index current by reading
 * the changes after the last sequence it has seen.
 */
export type BankChange =
  | { readonly seq: number; readonly kind: 'entry_upsert'; readonly entry: BankEntry }
  | {
      readonly seq: number;
      readonly kind: 'entry_remove';
      readonly entryId: number;
      readonly bankId: number;
      /**
       * The removed signal (a tombstone for hash-sharing feeds). Recorded for removals since
       * migration 0010; absent for older ones and for upserts of entries deleted since.
       */
      readonly signal?: Signal;
      /** Why it was removed, when a reviewer said so (`false_positive`). */
      readonly opinion?: EntryOpinion;
    }
  | { readonly seq: number; readonly kind: 'bank_upsert'; readonly bank: Bank }
  | { readonly seq: number; readonly kind: 'bank_remove'; readonly bankId: number };
