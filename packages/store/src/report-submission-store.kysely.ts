import { randomBytes } from 'node:crypto';
import {
  ErrorCodes,
  LifeguardError,
  type FileDetailsTemplate,
  type NewSubmission,
  type ReportSubmission,
  type ReportSubmissionStore,
  type SubmissionChange,
  type SubmissionFile,
  type SubmissionFileState,
  type SubmissionState,
  type SubmissionStepRecord,
} from '@lifeguard/core';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './database.model.js';

/** Row of `lg_report_submissions` (migration `0009_report_submissions`). */
export interface ReportSubmissionsTable {
  /** `rsub_<hex>`. */
  id: string;
  /** Case id. */
  case_id: string;
  /** Destination name. */
  destination: string;
  /** Destination environment. */
  environment: string;
  /** Submission state. */
  state: string;
  /** Destination report id. */
  report_id: string | null;
  /** The report document. */
  document: string;
  /** Who confirmed. */
  confirmed_by: string;
  /** `<case>|<destination>` while not failed/retracted (unique), else null. */
  active_key: string | null;
  /** JSON `{code, message}`. */
  error: string | null;
  /** Compare-and-set version. */
  version: number;
  /** ISO-8601. */
  created_at: string;
  /** ISO-8601. */
  updated_at: string;
  /** ISO-8601. */
  finished_at: string | null;
}

/** Row of `lg_report_submission_files`. */
export interface ReportSubmissionFilesTable {
  /** Submission. */
  submission_id: string;
  /** Upload order. */
  idx: number;
  /** Case item. */
  item_id: string;
  /** Blob key. */
  blob_key: string;
  /** Upload name. */
  file_name: string;
  /** JSON file details template. */
  details: string;
  /** File state. */
  state: string;
  /** Destination file id. */
  file_id: string | null;
  /** MD5 the destination reported. */
  md5: string | null;
}

/** Row of `lg_report_submission_steps`. */
export interface ReportSubmissionStepsTable {
  /** Submission. */
  submission_id: string;
  /** 1, 2, ... */
  seq: number;
  /** Step name. */
  step: string;
  /** File index, for file steps. */
  file_index: number | null;
  /** `begin`, `ok`, `error`. */
  phase: string;
  /** ISO-8601. */
  at: string;
  /** JSON details. */
  detail: string;
}

type Tables = {
  lg_report_submissions: ReportSubmissionsTable;
  lg_report_submission_files: ReportSubmissionFilesTable;
  lg_report_submission_steps: ReportSubmissionStepsTable;
};
type Db = Kysely<Database & Tables>;

const iso = (ms: number) => new Date(ms).toISOString();
const ms = (s: string | null) => (s === null ? null : Date.parse(s));
const activeKey = (caseId: string, destination: string) => `${caseId}|${destination}`;

function isUniqueViolation(e: unknown): boolean {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
  return code === '23505' || code.startsWith('SQLITE_CONSTRAINT');
}

/**
 * The {@link ReportSubmissionStore} on SQLite and PostgreSQL. Each change and its step record
 * are one transaction guarded by the row's `version`, so a stale writer gets
 * `LG_ERR_CONFLICT` instead of overwriting newer progress.
 */
export class KyselyReportSubmissionStore implements ReportSubmissionStore {
  private readonly db: Db;

  /** @param db the store's Kysely instance (migrated) */
  constructor(db: Kysely<Database>) {
    this.db = db.withTables<Tables>();
  }

  /** {@inheritDoc ReportSubmissionStore.create} */
  async create(input: NewSubmission): Promise<ReportSubmission> {
    const id = `rsub_${randomBytes(10).toString('hex')}`;
    const at = iso(input.now);
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('lg_report_submissions')
          .values({
            id,
            case_id: input.caseId,
            destination: input.destination,
            environment: input.environment,
            state: 'created',
            report_id: null,
            document: input.document,
            confirmed_by: input.confirmedBy,
            active_key: activeKey(input.caseId, input.destination),
            error: null,
            version: 1,
            created_at: at,
            updated_at: at,
            finished_at: null,
          })
          .execute();
        if (input.files.length > 0) {
          await trx
            .insertInto('lg_report_submission_files')
            .values(
              input.files.map((f, idx) => ({
                submission_id: id,
                idx,
                item_id: f.itemId,
                blob_key: f.blobKey,
                file_name: f.fileName,
                details: JSON.stringify(f.details),
                state: 'pending',
                file_id: null,
                md5: null,
              })),
            )
            .execute();
        }
        await trx
          .insertInto('lg_report_submission_steps')
          .values({
            submission_id: id,
            seq: 1,
            step: 'confirm',
            file_index: null,
            phase: 'ok',
            at,
            detail: JSON.stringify({ by: input.confirmedBy, files: input.files.length }),
          })
          .execute();
      });
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw new LifeguardError(
          ErrorCodes.CONFLICT,
          `case '${input.caseId}' already has a ${input.destination} submission that is not failed or retracted`,
          { caseId: input.caseId, destination: input.destination },
        );
      }
      throw e;
    }
    return (await this.get(id))!;
  }

  /** {@inheritDoc ReportSubmissionStore.get} */
  async get(id: string): Promise<ReportSubmission | undefined> {
    return this.load(this.db, id);
  }

  private async load(db: Db | Transaction<Database & Tables>, id: string) {
    const row = await db
      .selectFrom('lg_report_submissions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    const files = await db
      .selectFrom('lg_report_submission_files')
      .selectAll()
      .where('submission_id', '=', id)
      .orderBy('idx')
      .execute();
    return toSubmission(row, files);
  }

  /** {@inheritDoc ReportSubmissionStore.forCase} */
  async forCase(caseId: string): Promise<ReportSubmission[]> {
    const rows = await this.db
      .selectFrom('lg_report_submissions')
      .select('id')
      .where('case_id', '=', caseId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    const out: ReportSubmission[] = [];
    for (const r of rows) {
      const s = await this.get(r.id);
      if (s) out.push(s);
    }
    return out;
  }

  /** {@inheritDoc ReportSubmissionStore.update} */
  async update(
    id: string,
    expectedVersion: number,
    change: SubmissionChange,
  ): Promise<ReportSubmission> {
    return this.db.transaction().execute(async (trx) => {
      const cur = await trx
        .selectFrom('lg_report_submissions')
        .select(['version', 'case_id', 'destination'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!cur) throw new LifeguardError(ErrorCodes.NOT_FOUND, `submission '${id}' not found`);
      const at = iso(change.step.at);
      const state = change.state;
      const res = await trx
        .updateTable('lg_report_submissions')
        .set({
          version: expectedVersion + 1,
          updated_at: at,
          ...(state !== undefined ? { state } : {}),
          ...(state === 'failed' || state === 'retracted' ? { active_key: null } : {}),
          ...(change.reportId !== undefined ? { report_id: change.reportId } : {}),
          ...(change.error !== undefined
            ? { error: change.error === null ? null : JSON.stringify(change.error) }
            : {}),
          ...(change.finishedAt !== undefined ? { finished_at: iso(change.finishedAt) } : {}),
        })
        .where('id', '=', id)
        .where('version', '=', expectedVersion)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) {
        throw new LifeguardError(
          ErrorCodes.CONFLICT,
          `submission '${id}' was changed by another worker`,
          { id, expectedVersion, version: Number(cur.version), takenOver: true },
        );
      }
      if (change.file) {
        const f = change.file;
        const r = await trx
          .updateTable('lg_report_submission_files')
          .set({
            state: f.state,
            ...(f.fileId !== undefined ? { file_id: f.fileId } : {}),
            ...(f.md5 !== undefined ? { md5: f.md5 } : {}),
          })
          .where('submission_id', '=', id)
          .where('idx', '=', f.index)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) {
          throw new LifeguardError(
            ErrorCodes.NOT_FOUND,
            `submission '${id}' has no file ${f.index}`,
          );
        }
      }
      const last = await trx
        .selectFrom('lg_report_submission_steps')
        .select((eb) => eb.fn.max('seq').as('m'))
        .where('submission_id', '=', id)
        .executeTakeFirst();
      await trx
        .insertInto('lg_report_submission_steps')
        .values({
          submission_id: id,
          seq: Number(last?.m ?? 0) + 1,
          step: change.step.step,
          file_index: change.step.fileIndex,
          phase: change.step.phase,
          at,
          detail: JSON.stringify(change.step.detail),
        })
        .execute();
      return (await this.load(trx, id))!;
    });
  }

  /** {@inheritDoc ReportSubmissionStore.steps} */
  async steps(id: string): Promise<SubmissionStepRecord[]> {
    const rows = await this.db
      .selectFrom('lg_report_submission_steps')
      .selectAll()
      .where('submission_id', '=', id)
      .orderBy('seq')
      .execute();
    return rows.map((r) => ({
      seq: Number(r.seq),
      step: r.step,
      fileIndex: r.file_index === null ? null : Number(r.file_index),
      phase: r.phase as SubmissionStepRecord['phase'],
      at: Date.parse(r.at),
      detail: JSON.parse(r.detail) as SubmissionStepRecord['detail'],
    }));
  }
}

function toSubmission(
  r: ReportSubmissionsTable,
  files: readonly ReportSubmissionFilesTable[],
): ReportSubmission {
  return {
    id: r.id,
    caseId: r.case_id,
    destination: r.destination,
    environment: r.environment,
    state: r.state as SubmissionState,
    reportId: r.report_id,
    document: r.document,
    files: files.map((f): SubmissionFile => ({
      index: Number(f.idx),
      itemId: f.item_id,
      blobKey: f.blob_key,
      fileName: f.file_name,
      details: JSON.parse(f.details) as FileDetailsTemplate,
      state: f.state as SubmissionFileState,
      fileId: f.file_id,
      md5: f.md5,
    })),
    confirmedBy: r.confirmed_by,
    createdAt: Date.parse(r.created_at),
    updatedAt: Date.parse(r.updated_at),
    finishedAt: ms(r.finished_at),
    error: r.error === null ? null : (JSON.parse(r.error) as { code: string; message: string }),
    version: Number(r.version),
  };
}
