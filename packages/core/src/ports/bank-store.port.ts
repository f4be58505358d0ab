import type {
  Bank,
  BankChange,
  BankEntry,
  EntryOpinion,
  NewBank,
  NewBankEntry,
  Signal,
} from '../banks/bank.model.js';

/** Result of a bulk add: how many entries were new and how many were already present. */
export interface AddEntriesResult {
  /** Entries inserted. */
  readonly added: number;
  /** Entries skipped because the bank already had the same (signalType, value). */
  readonly duplicates: number;
}

/** Options of {@link BankStore.removeEntry} and {@link BankStore.removeSignals}. */
export interface RemoveOptions {
  /** The reviewer's opinion behind the removal, recorded in the tombstone. */
  readonly opinion?: EntryOpinion;
}

/**
 * The fields of an entry that an in-memory match index needs: what start-up reads for every
 * entry (see {@link BankStore.snapshotIndex}), leaving out metadata, note and time.
 */
export type IndexEntry = Pick<
  BankEntry,
  'id' | 'bankId' | 'signalType' | 'value' | 'enabled' | 'sourceId' | 'classification'
>;

/**
 * Persistence of banks and entries, with a change feed. Implemented in `@lifeguard/store`
 * for SQLite and PostgreSQL; every adapter runs the same contract test suite.
 */
export interface BankStore {
  /** Create a bank. Throws `LG_ERR_CONFLICT` if the name is taken, `LG_ERR_INVALID_ARGUMENT` on bad settings. */
  createBank(bank: NewBank): Promise<Bank>;
  /** Update a bank's settings (not its name or id). Throws `LG_ERR_NOT_FOUND`. */
  updateBank(id: number, patch: Partial<Omit<Bank, 'id' | 'name' | 'createdAt'>>): Promise<Bank>;
  /**
   * Delete a bank with all its entries and settings. Returns false if it did not exist.
   * Records a `bank_remove` change, so every matcher drops the bank on its next poll.
   */
  deleteBank(id: number): Promise<boolean>;
  /** A bank by name, or undefined. */
  getBankByName(name: string): Promise<Bank | undefined>;
  /** A bank by id, or undefined. */
  getBank(id: number): Promise<Bank | undefined>;
  /** All banks, ordered by id. */
  listBanks(): Promise<Bank[]>;
  /** Count of enabled and total entries per bank id. */
  countEntries(bankId: number): Promise<{ total: number; enabled: number }>;
  /**
   * Add entries to a bank idempotently: an entry whose (signalType, value) already exists in
   * the bank is skipped and counted as a duplicate. All-or-nothing per call.
   */
  addEntries(bankId: number, entries: readonly NewBankEntry[]): Promise<AddEntriesResult>;
  /** Enable or disable an entry without deleting it. Throws `LG_ERR_NOT_FOUND`. */
  setEntryEnabled(entryId: number, enabled: boolean): Promise<void>;
  /**
   * Delete an entry. Returns false if it did not exist. The change log keeps the removed
   * signal (and `opinion`, e.g. a reviewer's `false_positive`) as a tombstone for feeds.
   */
  removeEntry(entryId: number, options?: RemoveOptions): Promise<boolean>;
  /**
   * Delete the entries of bank `bankId` holding any of `signals` (values canonicalised like
   * {@link addEntries}), in one transaction, with a tombstone change per removed entry.
   * Signals the bank does not hold are ignored (idempotent). Returns how many were removed.
   * Throws `LG_ERR_NOT_FOUND` if the bank does not exist.
   */
  removeSignals(
    bankId: number,
    signals: readonly Signal[],
    options?: RemoveOptions,
  ): Promise<number>;
  /** An entry by id, or undefined. */
  getEntry(entryId: number): Promise<BankEntry | undefined>;
  /** Stream a bank's entries in id order, in pages, with constant memory. */
  streamEntries(bankId: number, pageSize?: number): AsyncIterable<BankEntry[]>;
  /**
   * Stream every enabled entry of every bank in pages (for building an index at start-up),
   * together with the change sequence the snapshot is consistent with.
   */
  snapshot(pageSize?: number): {
    readonly seq: Promise<number>;
    readonly pages: AsyncIterable<BankEntry[]>;
  };
  /**
   * Like {@link snapshot}, but each row carries only {@link IndexEntry} fields: fewer bytes
   * from the database and no metadata parsing, so that start-up at 10M entries stays well
   * under a minute. Same consistency rule as `snapshot`.
   */
  snapshotIndex(pageSize?: number): {
    readonly seq: Promise<number>;
    readonly pages: AsyncIterable<IndexEntry[]>;
  };
  /**
   * Delete the entries of bank `bankId` whose `sourceId` is one of `sourceIds` (a program's
   * tombstone names its entry, not the hash), like {@link removeSignals}. Returns how many.
   */
  removeBySourceIds(
    bankId: number,
    sourceIds: readonly string[],
    options?: RemoveOptions,
  ): Promise<number>;
  /**
   * Changes with sequence strictly greater than `afterSeq`, oldest first, at most `limit`.
   * With `bankId`, only that bank's changes (a bank's hash-sharing feed; indexed).
   */
  changesSince(afterSeq: number, limit?: number, bankId?: number): Promise<BankChange[]>;
  /** The latest change sequence (0 when nothing was ever written). */
  currentSeq(): Promise<number>;
  /** Release connections. */
  close(): Promise<void>;
}
