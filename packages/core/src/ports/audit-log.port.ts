import type { AuditRecord, AuditRecordType, AuditValue } from '../cases/audit.chain.js';

/**
 * What a caller records in the audit log. `details` must be log-safe: ids, modes, codes,
 * counts — never media, report free text, message text, passwords, tokens or API keys.
 */
export interface AuditAppend {
  /** Who acted: a user id, `key:<keyId>` for an API key, or `system`. */
  readonly actor: string;
  /** What happened (`login`, `media_view`, `decision`, `export`, `settings_change`, ...). */
  readonly action: AuditRecordType;
  /** What it concerns (`case:42`, `item:7`, `user:alice`, `setting:retention`), or null. */
  readonly subject?: string | null;
  /** Log-safe details, e.g. `{ mode: 'revealed' }` for a view. */
  readonly details?: { readonly [key: string]: AuditValue };
  /** When (epoch ms, UTC); default: now. */
  readonly at?: number;
}

/** A page query over the audit log. */
export interface AuditQuery {
  /** Only records with `seq` greater than this (keyset pagination, oldest first). */
  readonly afterSeq?: number;
  /** Most records returned (1..1000). */
  readonly limit: number;
  /** Only this action. */
  readonly action?: AuditRecordType;
  /** Only this actor. */
  readonly actor?: string;
  /** Only this subject. */
  readonly subject?: string;
}

/**
 * The append-only, hash-chained audit log (issue 6): logins, media views, decisions,
 * exports, settings changes. Every record carries the hash of the previous one
 * (`core/cases/audit.chain`), so `lifeguard audit verify` detects an edited, deleted or
 * reordered record. Appends are serialised (one chain, no gaps, across processes);
 * nothing updates or deletes a record. Implemented in `@lifeguard/store`.
 */
export interface AuditLog {
  /** Append one record, chained to the current head; resolves once it is durable. */
  append(entry: AuditAppend): Promise<AuditRecord>;
  /** Records in `seq` order matching the query. */
  list(query: AuditQuery): Promise<AuditRecord[]>;
  /** Seq and hash of the last record, or null for an empty log. */
  head(): Promise<{ readonly seq: number; readonly hash: string } | null>;
}
