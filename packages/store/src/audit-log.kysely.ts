import { createHash } from 'node:crypto';
import {
  appendAuditRecord,
  canonicalJson,
  type AuditAppend,
  type AuditLog,
  type AuditQuery,
  type AuditRecord,
  type AuditRecordType,
  type AuditValue,
} from '@lifeguard/core';
import type { Kysely } from 'kysely';
import type { Database } from './database.model.js';
import type { StoreDialect } from './migrations/migrations.js';
import { writeTransaction } from './write-transaction.util.js';

/** Row of `lg_audit_log` (migration `0006_cases`). */
export interface AuditLogTable {
  /** Chain position, 1, 2, ... without gaps. */
  seq: number | string;
  /** Hash of the previous record. */
  prev_hash: string;
  /** SHA-256 of the canonical record body. */
  hash: string;
  /** Record type. */
  type: string;
  /** Actor. */
  actor: string;
  /** Epoch ms. */
  at: number | string;
  /** Subject or null. */
  subject: string | null;
  /** Canonical JSON of the details. */
  data: string;
}

/**
 * PostgreSQL advisory lock serialising audit appends across processes ("LGAUDIT" in ASCII).
 * SQLite needs none: `BEGIN IMMEDIATE` serialises writers.
 */
export const PG_AUDIT_LOCK = 0x4c4741554449n;

type Db = Kysely<Database & { lg_audit_log: AuditLogTable }>;

/** Node's SHA-256 as the chain's digest. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A stored row as a core {@link AuditRecord}. */
export function auditRecordOf(r: AuditLogTable): AuditRecord {
  return {
    seq: Number(r.seq),
    prevHash: r.prev_hash,
    hash: r.hash,
    type: r.type as AuditRecordType,
    actor: r.actor,
    at: Number(r.at),
    subject: r.subject,
    data: JSON.parse(r.data) as { [key: string]: AuditValue },
  };
}

/**
 * Append one record inside an open write transaction (callers hold the write lock: SQLite's
 * `BEGIN IMMEDIATE`, or {@link PG_AUDIT_LOCK} on PostgreSQL). Used by the case store so a
 * decision and its audit record commit together.
 */
export async function appendAuditWithin<DB>(
  trx: Kysely<DB>,
  entry: AuditAppend,
  now: number,
): Promise<AuditRecord> {
  const db = trx as unknown as Kysely<{ lg_audit_log: AuditLogTable }>;
  const head = await db
    .selectFrom('lg_audit_log')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  const prev =
    head === undefined ? null : ({ seq: Number(head.seq), hash: head.hash } as AuditRecord);
  const record = appendAuditRecord(
    prev,
    {
      type: entry.action,
      actor: entry.actor,
      at: entry.at ?? now,
      subject: entry.subject ?? null,
      data: entry.details ?? {},
    },
    sha256Hex,
  );
  await db
    .insertInto('lg_audit_log')
    .values({
      seq: record.seq,
      prev_hash: record.prevHash,
      hash: record.hash,
      type: record.type,
      actor: record.actor,
      at: record.at,
      subject: record.subject,
      data: canonicalJson(record.data),
    })
    .execute();
  return record;
}

/**
 * The audit log on SQLite or PostgreSQL. Appends are serialised by the write transaction (and
 * an advisory lock on PostgreSQL), so the chain has one head, no gaps and no forks even with
 * several processes; the primary key on `seq` refuses a fork outright should anything slip.
 */
export class KyselyAuditLog implements AuditLog {
  private readonly db: Db;

  /**
   * @param db the store's Kysely instance (migrated)
   * @param dialect its dialect
   * @param clock epoch-ms clock (tests pin it)
   */
  constructor(
    db: Kysely<Database>,
    private readonly dialect: StoreDialect,
    private readonly clock: () => number = Date.now,
  ) {
    this.db = db.withTables<{ lg_audit_log: AuditLogTable }>();
  }

  /** {@inheritDoc AuditLog.append} */
  async append(entry: AuditAppend): Promise<AuditRecord> {
    return writeTransaction(
      this.db as unknown as Kysely<Database>,
      this.dialect,
      (trx) => appendAuditWithin(trx, entry, this.clock()),
      [PG_AUDIT_LOCK],
    );
  }

  /** {@inheritDoc AuditLog.list} */
  async list(query: AuditQuery): Promise<AuditRecord[]> {
    let q = this.db
      .selectFrom('lg_audit_log')
      .selectAll()
      .where('seq', '>', query.afterSeq ?? 0);
    if (query.action !== undefined) q = q.where('type', '=', query.action);
    if (query.actor !== undefined) q = q.where('actor', '=', query.actor);
    if (query.subject !== undefined) q = q.where('subject', '=', query.subject);
    const rows = await q
      .orderBy('seq')
      .limit(Math.max(1, Math.min(query.limit, 1000)))
      .execute();
    return rows.map(auditRecordOf);
  }

  /** {@inheritDoc AuditLog.head} */
  async head(): Promise<{ seq: number; hash: string } | null> {
    const r = await this.db
      .selectFrom('lg_audit_log')
      .select(['seq', 'hash'])
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r === undefined ? null : { seq: Number(r.seq), hash: r.hash };
  }

  /** Number of stored records. */
  async count(): Promise<number> {
    const r = await this.db
      .selectFrom('lg_audit_log')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /**
   * Every stored record in `seq` order, a page at a time (for `lifeguard audit verify`). Rows
   * are returned as stored: a row whose data is not JSON surfaces as a parse failure there.
   */
  async *scan(pageSize = 5000): AsyncGenerator<AuditLogTable[]> {
    let after = 0;
    for (;;) {
      const rows = await this.db
        .selectFrom('lg_audit_log')
        .selectAll()
        .where('seq', '>', after)
        .orderBy('seq')
        .limit(pageSize)
        .execute();
      if (rows.length === 0) return;
      yield rows;
      after = Number(rows[rows.length - 1]!.seq);
      if (rows.length < pageSize) return;
    }
  }
}
