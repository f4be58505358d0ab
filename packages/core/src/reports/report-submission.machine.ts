import { ErrorCodes, LifeguardError } from '../errors/lifeguard-error.js';

/**
 * States of a submission to a staged destination (the CyberTipline: submit -> upload each
 * file -> file info -> finish). The `...ing` states are written BEFORE the call they name
 * and left only once its result is stored, so a process that dies in between finds on
 * restart exactly which call may or may not have reached the destination.
 *
 * - `created`: confirmed by a reviewer, nothing sent.
 * - `submitting`: /submit may have been sent; no report id stored.
 * - `submitted`: the destination opened the report (report id stored); files follow.
 * - `finishing`: /finish may have been sent.
 * - `finished`: the report is filed (terminal).
 * - `retracting`: /retract may have been sent.
 * - `retracted`: the unfinished report was withdrawn after a failure (terminal).
 * - `failed`: stopped without a report at the destination, or in doubt (terminal; see error).
 */
export const SUBMISSION_STATES = [
  'created',
  'submitting',
  'submitted',
  'finishing',
  'finished',
  'retracting',
  'retracted',
  'failed',
] as const;

/** One of {@link SUBMISSION_STATES}. */
export type SubmissionState = (typeof SUBMISSION_STATES)[number];

/**
 * States of one file within a submitted report: `pending` -> `uploading` -> `uploaded`
 * (file id stored) -> `describing` -> `described`.
 */
export const SUBMISSION_FILE_STATES = [
  'pending',
  'uploading',
  'uploaded',
  'describing',
  'described',
] as const;

/** One of {@link SUBMISSION_FILE_STATES}. */
export type SubmissionFileState = (typeof SUBMISSION_FILE_STATES)[number];

/** True for states nothing moves out of. */
export function isTerminalSubmission(s: SubmissionState): boolean {
  return s === 'finished' || s === 'retracted' || s === 'failed';
}

/** The parts of a submission the next step depends on. */
export interface SubmissionProgress {
  /** Submission state. */
  readonly state: SubmissionState;
  /** Report id at the destination, once `submitted`. */
  readonly reportId: string | null;
  /** Each file's state, in upload order. */
  readonly files: readonly {
    readonly state: SubmissionFileState;
    readonly fileId: string | null;
  }[];
}

/** What to do next. */
export type SubmissionStep =
  /** Open the report (POST /submit). Only ever from `created`. */
  | { readonly kind: 'submit' }
  /** Upload file `index` (POST /upload). */
  | { readonly kind: 'upload'; readonly index: number }
  /** Send file `index`'s details (POST /fileinfo). */
  | { readonly kind: 'describe'; readonly index: number }
  /** File the report (POST /finish; repeating it is safe: "already finished" is success). */
  | { readonly kind: 'finish' }
  /** Withdraw the unfinished report (POST /retract). */
  | { readonly kind: 'retract' }
  /**
   * /submit was sent but its answer never stored: sending it again could open a second
   * report, so the submission stops for a person to look (see docs/reporting.md).
   */
  | { readonly kind: 'in_doubt' }
  /** Nothing left to do. */
  | { readonly kind: 'done' };

/**
 * The next step of a submission, from its persisted progress alone — so a restarted process
 * resumes where the dead one stopped. Never returns `submit` unless the state is `created`:
 * /submit is called at most once per submission.
 *
 * A file left `uploading` is uploaded again: NCMEC keeps both copies inside the same report
 * (an extra file with no details), which is recoverable; a second report is not.
 */
export function nextSubmissionStep(p: SubmissionProgress): SubmissionStep {
  switch (p.state) {
    case 'created':
      return { kind: 'submit' };
    case 'submitting':
      return { kind: 'in_doubt' };
    case 'submitted': {
      if (p.reportId === null) {
        throw new LifeguardError(ErrorCodes.INTERNAL, 'submitted submission without a report id');
      }
      for (let i = 0; i < p.files.length; i++) {
        const f = p.files[i]!;
        if (f.state === 'pending' || f.state === 'uploading') return { kind: 'upload', index: i };
        if (f.state === 'uploaded' || f.state === 'describing') {
          if (f.fileId === null) return { kind: 'upload', index: i };
          return { kind: 'describe', index: i };
        }
      }
      return { kind: 'finish' };
    }
    case 'finishing':
      return { kind: 'finish' };
    case 'retracting':
      return { kind: 'retract' };
    case 'finished':
    case 'retracted':
    case 'failed':
      return { kind: 'done' };
  }
}
