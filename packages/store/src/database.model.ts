import type { Generated } from 'kysely';

/**
 * Row types of the Lifeguard tables as Kysely sees them. The same shapes serve SQLite and
 * PostgreSQL: booleans are stored as integers 0/1, timestamps as ISO-8601 text and JSON as
 * text, so both dialects share one migration history and one mapping layer. PostgreSQL
 * returns `bigint` columns as strings, hence `number | string` on the 64-bit ids.
 */
export interface BanksTable {
  /** Bank id. */
  id: Generated<number>;
  /** Unique bank name. */
  name: string;
  /** Free text. */
  description: string;
  /** `local`, `file` or `exchange`. */
  source: string;
  /** JSON array of label strings. */
  labels: string;
  /** `block` or `allow`. */
  kind: string;
  /** PDQ distance threshold. */
  pdq_threshold: number;
  /** PDQ quality floor. */
  quality_floor: number;
  /** 1 enabled, 0 disabled. */
  enabled: number;
  /** Roll-out fraction 0..1. */
  enabled_ratio: number;
  /** Flood-control cap per lookup. */
  max_matches_per_lookup: number;
  /** ISO-8601 creation time. */
  created_at: string;
}

/** One signal in a bank. Unique on (bank_id, signal_type, value). */
export interface BankEntriesTable {
  /** Entry id (64-bit on PostgreSQL). */
  id: Generated<number | string>;
  /** Owning bank. */
  bank_id: number;
  /** `pdq`, `md5` or `sha256`. */
  signal_type: string;
  /** Lowercase hex. */
  value: string;
  /** Id in the source program's list. */
  source_id: string | null;
  /** Source classification. */
  classification: string | null;
  /** JSON object. */
  metadata: string;
  /** Note for humans. */
  note: string | null;
  /** 1 enabled, 0 disabled. */
  enabled: number;
  /** ISO-8601 time added. */
  added_at: string;
}

/**
 * The change log. Rows reference what changed; readers join to the current state, so the
 * log stays small (no payload copies) and replaying it converges on the current state.
 */
export interface BankChangesTable {
  /** Monotonically increasing change sequence (64-bit on PostgreSQL). */
  seq: Generated<number | string>;
  /** `entry_upsert`, `entry_remove`, `bank_upsert` or `bank_remove`. */
  kind: string;
  /** Bank affected (always set). */
  bank_id: number;
  /** Entry affected, for entry changes. */
  entry_id: number | string | null;
  /** `entry_remove` since migration 0010: the removed signal's type (tombstone). */
  signal_type?: string | null;
  /** `entry_remove` since migration 0010: the removed signal's value (tombstone). */
  value?: string | null;
  /** `entry_remove` since migration 0010: the opinion behind the removal, if any. */
  opinion?: string | null;
}

/** All tables, keyed by name. */
export interface Database {
  /** Banks. */
  lg_banks: BanksTable;
  /** Bank entries. */
  lg_bank_entries: BankEntriesTable;
  /** Change log. */
  lg_bank_changes: BankChangesTable;
}
