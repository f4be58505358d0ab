import type { FileDetailsTemplate } from '../reports/cybertip-report.builder.js';
import type { SubmissionFileState, SubmissionState } from '../reports/report-submission.machine.js';

/** One file of a submission. */
export interface SubmissionFile {
  /** Position in upload order (0-based). */
  readonly index: number;
  /** The case item. */
  readonly itemId: string;
  /** Where the bytes are (blob store key). */
  readonly blobKey: string;
  /** Name used for the upload. */
  readonly fileName: string;
  /** The file's details without the ids the destination assigns. */
  readonly details: FileDetailsTemplate;
  /** Progress. */
  readonly state: SubmissionFileState;
  /** The destination's file id, once uploaded. */
  readonly fileId: string | null;
  /** MD5 the destination computed of the bytes it received, if it said. */
  readonly md5: string | null;
}

/** A recorded step: written before a call (`begin`) and after it (`ok` / `error`). */
export interface SubmissionStepRecord {
  /** 1, 2, ... within the submission. */
  readonly seq: number;
  /** `submit`, `upload`, `describe`, `finish`, `retract`, `resume`, `fail`. */
  readonly step: string;
  /** File index for file steps. */
  readonly fileIndex: number | null;
  /** `begin`, `ok` or `error`. */
  readonly phase: 'begin' | 'ok' | 'error';
  /** When (epoch ms). */
  readonly at: number;
  /** Log-safe details: request id, report/file id, error code and message. Never credentials. */
  readonly detail: Readonly<Record<string, string | number | boolean | null>>;
}

/** A hotline submission as stored. */
export interface ReportSubmission {
  /** `rsub_<hex>`. */
  readonly id: string;
  /** The case reported. */
  readonly caseId: string;
  /** Destination name (`cybertipline`). */
  readonly destination: string;
  /** Destination environment (`test`, `production`, custom). */
  readonly environment: string;
  /** Progress. */
  readonly state: SubmissionState;
  /** The destination's report id, once opened. */
  readonly reportId: string | null;
  /** The report document exactly as sent (or to be sent). */
  readonly document: string;
  /** Files in upload order. */
  readonly files: readonly SubmissionFile[];
  /** Who confirmed the sending. */
  readonly confirmedBy: string;
  /** Created (= confirmed) at, epoch ms. */
  readonly createdAt: number;
  /** Last change, epoch ms. */
  readonly updatedAt: number;
  /** When the destination confirmed the report was filed, or null. */
  readonly finishedAt: number | null;
  /** The error that stopped it (failed / retracted), or the last transient one. */
  readonly error: { readonly code: string; readonly message: string } | null;
  /** Incremented on every change (compare-and-set). */
  readonly version: number;
}

/** What a new submission starts with. */
export interface NewSubmission {
  /** The case. */
  readonly caseId: string;
  /** Destination name. */
  readonly destination: string;
  /** Destination environment. */
  readonly environment: string;
  /** The validated report document. */
  readonly document: string;
  /** Files in upload order (state `pending`). */
  readonly files: readonly Pick<SubmissionFile, 'itemId' | 'blobKey' | 'fileName' | 'details'>[];
  /** Who confirmed. */
  readonly confirmedBy: string;
  /** Now, epoch ms. */
  readonly now: number;
}

/** A change to a submission, applied with its step record in one transaction. */
export interface SubmissionChange {
  /** New state. */
  readonly state?: SubmissionState;
  /** Report id (once). */
  readonly reportId?: string;
  /** File progress. */
  readonly file?: {
    readonly index: number;
    readonly state: SubmissionFileState;
    readonly fileId?: string;
    readonly md5?: string | null;
  };
  /** Error to record (null clears it). */
  readonly error?: { readonly code: string; readonly message: string } | null;
  /** Finished at (epoch ms). */
  readonly finishedAt?: number;
  /** The step record written with the change. */
  readonly step: Omit<SubmissionStepRecord, 'seq'>;
}

/**
 * Persisted hotline submissions (migration `0009_report_submissions`). Every change is a
 * compare-and-set on `version`, so a worker that lost its job lease cannot overwrite the
 * progress of the one that took over. Implemented in `@lifeguard/store` on both dialects.
 */
export interface ReportSubmissionStore {
  /**
   * Store a new submission in state `created`. Refuses with `LG_ERR_CONFLICT` when the case
   * already has a submission to the same destination that is not `failed` or `retracted`
   * (one filed report per case and destination).
   */
  create(input: NewSubmission): Promise<ReportSubmission>;
  /** A submission, or undefined. */
  get(id: string): Promise<ReportSubmission | undefined>;
  /** Submissions of a case, newest first. */
  forCase(caseId: string): Promise<ReportSubmission[]>;
  /**
   * Apply `change` if the stored version is still `expectedVersion`; returns the new record.
   * `LG_ERR_CONFLICT` when another writer changed it first; `LG_ERR_NOT_FOUND` when missing.
   */
  update(id: string, expectedVersion: number, change: SubmissionChange): Promise<ReportSubmission>;
  /** Step records of a submission, oldest first. */
  steps(id: string): Promise<SubmissionStepRecord[]>;
}
