import type { EvidenceKind, EvidenceTrigger } from '../evidence/evidence.policy.js';

/** A preservation record: what was preserved, why, when, its SHA-256 and its hold. */
export interface EvidenceRecord {
  /** Record id (text; assigned by the store). */
  readonly id: string;
  /** The case it belongs to. */
  readonly caseId: string;
  /** `media`, `metadata` or `conversation`. */
  readonly kind: EvidenceKind;
  /** The case item it came from (media), or null. */
  readonly itemId: string | null;
  /** Key of the sealed object in the vault's BlobStore (`evidence/<case>/...`). */
  readonly blobKey: string;
  /** SHA-256 of the preserved bytes, lowercase hex (recorded at capture). */
  readonly sha256: string;
  /** Size in bytes. */
  readonly size: number;
  /** Media type. */
  readonly contentType: string;
  /** What caused the preservation. */
  readonly trigger: EvidenceTrigger;
  /** Who or what caused it (`user:…`, `key:…`, `system`). */
  readonly preservedBy: string;
  /** When (epoch ms). */
  readonly preservedAt: number;
  /** Not to be deleted before (epoch ms). */
  readonly holdUntil: number;
  /** Jurisdictions whose rules set the hold. */
  readonly jurisdictions: readonly string[];
  /** When the purge job deleted the bytes (epoch ms), or null while kept. */
  readonly purgedAt: number | null;
}

/** What {@link EvidenceStore.record} needs. */
export type NewEvidence = Omit<EvidenceRecord, 'id' | 'purgedAt'>;

/**
 * Preservation records of the evidence vault (issue 7). The bytes live in the `BlobStore`;
 * this store says what each object is, why it was kept and until when, so the purge job
 * deletes only expired material. Implemented in `@lifeguard/store` (SQLite and PostgreSQL).
 */
export interface EvidenceStore {
  /**
   * Record a preserved object. Idempotent on `blobKey`: recording the same object again
   * returns the existing record, with its hold extended to the later of the two.
   */
  record(e: NewEvidence): Promise<EvidenceRecord>;
  /** One record, or undefined. */
  get(id: string): Promise<EvidenceRecord | undefined>;
  /** Records of a case (purged ones included), oldest first. */
  listByCase(caseId: string): Promise<EvidenceRecord[]>;
  /** Unpurged records whose hold ended at or before `now`, oldest hold first, at most `limit`. */
  expired(now: number, limit: number): Promise<EvidenceRecord[]>;
  /** Mark a record purged (its bytes deleted). False when it was already purged. */
  markPurged(id: string, at: number): Promise<boolean>;
}
