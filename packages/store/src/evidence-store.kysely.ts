import {
  ErrorCodes,
  LifeguardError,
  type EvidenceKind,
  type EvidenceRecord,
  type EvidenceStore,
  type EvidenceTrigger,
  type NewEvidence,
} from '@lifeguard/core';
import { sql, type Generated, type Kysely, type Selectable } from 'kysely';
import type { Database } from './database.model.js';
import type { StoreDialect } from './migrations/migrations.js';

/** `lg_evidence` (migration 0008_evidence). */
export interface EvidenceTable {
  /** Record id (64-bit on PostgreSQL). */
  id: Generated<number | string>;
  /** Case id. */
  case_id: string;
  /** `media`, `metadata`, `conversation`. */
  kind: string;
  /** Case item, for media. */
  item_id: string | null;
  /** Vault key (unique). */
  blob_key: string;
  /** SHA-256 hex. */
  sha256: string;
  /** Bytes. */
  size: number | string;
  /** Media type. */
  content_type: string;
  /** Trigger. */
  trigger: string;
  /** Actor. */
  preserved_by: string;
  /** Epoch ms. */
  preserved_at: number | string;
  /** Epoch ms. */
  hold_until: number | string;
  /** JSON array of jurisdiction codes. */
  jurisdictions: string;
  /** Epoch ms, or null. */
  purged_at: number | string | null;
}

type Db = Kysely<Database & { lg_evidence: EvidenceTable }>;

function toRecord(r: Selectable<EvidenceTable>): EvidenceRecord {
  return {
    id: String(r.id),
    caseId: r.case_id,
    kind: r.kind as EvidenceKind,
    itemId: r.item_id,
    blobKey: r.blob_key,
    sha256: r.sha256,
    size: Number(r.size),
    contentType: r.content_type,
    trigger: r.trigger as EvidenceTrigger,
    preservedBy: r.preserved_by,
    preservedAt: Number(r.preserved_at),
    holdUntil: Number(r.hold_until),
    jurisdictions: JSON.parse(r.jurisdictions) as string[],
    purgedAt: r.purged_at === null ? null : Number(r.purged_at),
  };
}

/** The {@link EvidenceStore} on SQLite and PostgreSQL. */
export class KyselyEvidenceStore implements EvidenceStore {
  private readonly db: Db;

  /**
   * @param db the store's Kysely instance (migrated)
   * @param dialect which SQL dialect (the upsert's max function differs)
   */
  constructor(
    db: Kysely<Database>,
    private readonly dialect: StoreDialect,
  ) {
    this.db = db.withTables<{ lg_evidence: EvidenceTable }>();
  }

  async record(e: NewEvidence): Promise<EvidenceRecord> {
    // Re-preserving an object keeps the first record and only ever lengthens its hold (a
    // purged record is not revived: its bytes are gone; the caller re-puts under a new key).
    const later =
      this.dialect === 'sqlite'
        ? sql<number>`max(lg_evidence.hold_until, excluded.hold_until)`
        : sql<number>`greatest(lg_evidence.hold_until, excluded.hold_until)`;
    await this.db
      .insertInto('lg_evidence')
      .values({
        case_id: e.caseId,
        kind: e.kind,
        item_id: e.itemId,
        blob_key: e.blobKey,
        sha256: e.sha256,
        size: e.size,
        content_type: e.contentType,
        trigger: e.trigger,
        preserved_by: e.preservedBy,
        preserved_at: e.preservedAt,
        hold_until: e.holdUntil,
        jurisdictions: JSON.stringify(e.jurisdictions),
        purged_at: null,
      })
      .onConflict((oc) => oc.column('blob_key').doUpdateSet({ hold_until: later }))
      .execute();
    const row = await this.db
      .selectFrom('lg_evidence')
      .selectAll()
      .where('blob_key', '=', e.blobKey)
      .executeTakeFirstOrThrow();
    if (row.sha256 !== e.sha256 || row.case_id !== e.caseId) {
      throw new LifeguardError(
        ErrorCodes.CONFLICT,
        `evidence object ${e.blobKey} is already recorded with other content`,
        { blobKey: e.blobKey },
      );
    }
    return toRecord(row);
  }

  async get(id: string): Promise<EvidenceRecord | undefined> {
    if (!/^[0-9]{1,18}$/.test(id)) return undefined;
    const row = await this.db
      .selectFrom('lg_evidence')
      .selectAll()
      .where('id', '=', Number(id))
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async listByCase(caseId: string): Promise<EvidenceRecord[]> {
    const rows = await this.db
      .selectFrom('lg_evidence')
      .selectAll()
      .where('case_id', '=', caseId)
      .orderBy('id')
      .execute();
    return rows.map(toRecord);
  }

  async expired(now: number, limit: number): Promise<EvidenceRecord[]> {
    const rows = await this.db
      .selectFrom('lg_evidence')
      .selectAll()
      .where('purged_at', 'is', null)
      .where('hold_until', '<=', now)
      .orderBy('hold_until')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }

  async markPurged(id: string, at: number): Promise<boolean> {
    const r = await this.db
      .updateTable('lg_evidence')
      .set({ purged_at: at })
      .where('id', '=', Number(id))
      .where('purged_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}
