import { createHash } from 'node:crypto';
import {
  assertNoIssues,
  buildFileDetailsDocument,
  ErrorCodes,
  isLifeguardError,
  LifeguardError,
  nextSubmissionStep,
  type BlobStore,
  type ReportDestination,
  type ReportSubmission,
  type ReportSubmissionStore,
  type SubmissionChange,
  type SubmissionStepRecord,
} from '@lifeguard/core';

/** What the runner needs. */
export interface ReportRunnerDeps {
  /** Persisted submissions. */
  readonly store: ReportSubmissionStore;
  /** Destinations by name (`cybertipline`). */
  readonly destinations: ReadonlyMap<string, ReportDestination>;
  /** Where evidence bytes are read from (integrity-checked by the store). */
  readonly blobs: Pick<BlobStore, 'get' | 'head'>;
  /** Clock (epoch ms). */
  readonly now?: () => number;
  /**
   * Called once the destination has filed the report, and again on every later run of a
   * finished submission until it resolves: must be idempotent (store the report id on the
   * case, move the case to `reported`, audit).
   */
  readonly onFinished?: (s: ReportSubmission) => Promise<void>;
}

type Detail = SubmissionStepRecord['detail'];

/** Details of a destination error that are safe to record (no credentials, no documents). */
function errorDetail(e: unknown): Detail {
  if (!isLifeguardError(e)) return { code: ErrorCodes.INTERNAL, message: 'internal error' };
  const d = e.details ?? {};
  const pick = (k: string) => {
    const v = d[k];
    return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : null;
  };
  return {
    code: e.code,
    message: e.message.slice(0, 500),
    permanent: pick('permanent'),
    httpStatus: pick('httpStatus'),
    responseCode: pick('responseCode'),
    requestId: pick('requestId'),
  };
}

/** True when retrying the same call cannot succeed. */
function isPermanent(e: unknown): boolean {
  if (!isLifeguardError(e)) return false;
  if (e.code === ErrorCodes.DESTINATION_FAILED) return e.details?.permanent === true;
  // Our own checks (invalid document, missing or tampered evidence) do not heal by retrying.
  return (
    e.code === ErrorCodes.INVALID_REPORT ||
    e.code === ErrorCodes.INTEGRITY ||
    e.code === ErrorCodes.NOT_FOUND
  );
}

/**
 * Drives one submission through the destination's staged protocol as a persisted state
 * machine (`nextSubmissionStep`): each call is recorded as begun before it is made and as
 * done (with the report or file id) after, so a process killed at any point resumes from the
 * last stored step and never opens a second report. A permanent failure after the report was
 * opened retracts it; a transient one is recorded and rethrown for the job queue to retry
 * (`giveUp` on the last attempt retracts instead).
 */
export class ReportSubmissionRunner {
  private readonly now: () => number;

  /** @param deps store, destinations, blobs, clock, finish hook */
  constructor(private readonly deps: ReportRunnerDeps) {
    this.now = deps.now ?? Date.now;
  }

  private async change(
    s: ReportSubmission,
    c: Omit<SubmissionChange, 'step'> & {
      step: string;
      fileIndex?: number;
      phase: 'begin' | 'ok' | 'error';
      detail?: Detail;
    },
  ): Promise<ReportSubmission> {
    const { step, fileIndex, phase, detail, ...rest } = c;
    return this.deps.store.update(s.id, s.version, {
      ...rest,
      step: { step, fileIndex: fileIndex ?? null, phase, at: this.now(), detail: detail ?? {} },
    });
  }

  /**
   * Run submission `id` as far as it goes. Resolves with the submission in a terminal state;
   * rejects (after recording the error) when a transient failure should be retried later.
   */
  async run(
    id: string,
    opts: {
      readonly giveUp?: boolean;
      /** Called before each step: renews the job's lease; false stops the run (taken over). */
      readonly heartbeat?: () => Promise<boolean>;
    } = {},
  ): Promise<ReportSubmission> {
    let s = await this.deps.store.get(id);
    if (!s) throw new LifeguardError(ErrorCodes.NOT_FOUND, `submission '${id}' not found`);
    const dest = this.deps.destinations.get(s.destination);
    if (!dest) {
      throw new LifeguardError(
        ErrorCodes.INVALID_ARGUMENT,
        `no report destination '${s.destination}' is configured`,
      );
    }
    for (;;) {
      if (opts.heartbeat && !(await opts.heartbeat())) {
        throw new LifeguardError(
          ErrorCodes.CONFLICT,
          `submission '${id}' was taken over by another worker (lease lost)`,
          { takenOver: true },
        );
      }
      const step = nextSubmissionStep(s);
      if (step.kind === 'done') {
        if (s.state === 'finished') await this.deps.onFinished?.(s);
        return s;
      }
      if (step.kind === 'in_doubt') {
        s = await this.change(s, {
          state: 'failed',
          error: {
            code: ErrorCodes.DESTINATION_FAILED,
            message:
              'the answer to /submit was lost (the process stopped while it was in flight); ' +
              'it is not sent twice. If NCMEC opened a report it deletes it unfinished within ' +
              '24 hours; confirm the report again to file it',
          },
          step: 'in_doubt',
          phase: 'error',
        });
        continue;
      }
      // `box` follows the record through the step, so an error is recorded against the
      // version the step's own `begin` write left (compare-and-set).
      const box = { s };
      try {
        s = await this.perform(box, dest, step);
      } catch (e) {
        s = box.s;
        if (isLifeguardError(e, ErrorCodes.CONFLICT) && e.details?.takenOver === true) {
          throw e; // someone else holds it now; their progress wins
        }
        s = await this.onError(s, step, e, opts.giveUp === true);
        // Retract or stop now; anything else is retried by the job queue later.
        if (s.state === 'retracting' || s.state === 'failed') continue;
        throw e;
      }
    }
  }

  private async perform(
    box: { s: ReportSubmission },
    dest: ReportDestination,
    step: ReturnType<typeof nextSubmissionStep>,
  ): Promise<ReportSubmission> {
    const change: typeof this.change = async (cur, c) => (box.s = await this.change(cur, c));
    let s = box.s;
    switch (step.kind) {
      case 'submit': {
        s = await change(s, { state: 'submitting', step: 'submit', phase: 'begin' });
        const r = await dest.open(s.document);
        return change(s, {
          state: 'submitted',
          reportId: r.reportId,
          error: null,
          step: 'submit',
          phase: 'ok',
          detail: { reportId: r.reportId, requestId: r.requestId ?? null },
        });
      }
      case 'upload': {
        const f = s.files[step.index]!;
        const bytes = await this.deps.blobs.get(f.blobKey);
        if (!bytes) {
          throw new LifeguardError(ErrorCodes.NOT_FOUND, `evidence '${f.blobKey}' is missing`);
        }
        const head = await this.deps.blobs.head(f.blobKey);
        s = await change(s, {
          file: { index: f.index, state: 'uploading' },
          step: 'upload',
          fileIndex: f.index,
          phase: 'begin',
          detail: { bytes: bytes.length },
        });
        const r = await dest.upload(s.reportId!, {
          name: f.fileName,
          bytes,
          ...(head?.contentType ? { contentType: head.contentType } : {}),
        });
        const md5 = createHash('md5').update(bytes).digest('hex');
        if (r.md5 !== undefined && r.md5 !== md5) {
          throw new LifeguardError(
            ErrorCodes.DESTINATION_FAILED,
            `the destination received different bytes for file ${f.index} (MD5 mismatch)`,
            { step: 'upload', permanent: false, fileIndex: f.index },
          );
        }
        return change(s, {
          file: { index: f.index, state: 'uploaded', fileId: r.fileId, md5: r.md5 ?? null },
          error: null,
          step: 'upload',
          fileIndex: f.index,
          phase: 'ok',
          detail: { fileId: r.fileId, requestId: r.requestId ?? null },
        });
      }
      case 'describe': {
        const f = s.files[step.index]!;
        const doc = buildFileDetailsDocument({
          reportId: Number(s.reportId),
          fileId: f.fileId!,
          ...f.details,
        });
        assertNoIssues(`fileDetails of file ${f.index}`, doc.issues);
        s = await change(s, {
          file: { index: f.index, state: 'describing' },
          step: 'describe',
          fileIndex: f.index,
          phase: 'begin',
        });
        const r = await dest.describe(s.reportId!, doc.xml);
        return change(s, {
          file: { index: f.index, state: 'described' },
          error: null,
          step: 'describe',
          fileIndex: f.index,
          phase: 'ok',
          detail: { requestId: r.requestId ?? null },
        });
      }
      case 'finish': {
        if (s.state !== 'finishing') {
          s = await change(s, { state: 'finishing', step: 'finish', phase: 'begin' });
        }
        const r = await dest.finish(s.reportId!);
        return change(s, {
          state: 'finished',
          finishedAt: this.now(),
          error: null,
          step: 'finish',
          phase: 'ok',
          detail: {
            reportId: s.reportId,
            files: r.fileIds.length,
            requestId: r.requestId ?? null,
          },
        });
      }
      case 'retract': {
        const r = await dest.retract(s.reportId!);
        return change(s, {
          state: 'retracted',
          step: 'retract',
          phase: 'ok',
          detail: { reportId: s.reportId, requestId: r.requestId ?? null },
        });
      }
      case 'in_doubt':
      case 'done':
        throw new LifeguardError(ErrorCodes.INTERNAL, `unexpected step ${step.kind}`);
    }
  }

  /**
   * Record a failed step and decide what follows: retract an opened report after a permanent
   * failure (or when giving up), fail a submission that never opened one, or leave it for a
   * retry. A refused /submit (an answer came back) returns to `created`: nothing was opened.
   */
  private async onError(
    s: ReportSubmission,
    step: ReturnType<typeof nextSubmissionStep>,
    e: unknown,
    giveUp: boolean,
  ): Promise<ReportSubmission> {
    const detail = errorDetail(e);
    const error = { code: String(detail.code), message: String(detail.message) };
    const fileIndex = 'index' in step ? step.index : undefined;
    const stop = giveUp || isPermanent(e);
    const answered =
      isLifeguardError(e) && (e.details?.sent === false || e.details?.httpStatus !== undefined);
    if (step.kind === 'submit') {
      // Answered with an error, or never sent: no report exists, so /submit may be sent again.
      // Otherwise (a timeout after sending) the state stays `submitting`: in doubt.
      const state = answered ? (stop ? 'failed' : 'created') : stop ? 'failed' : undefined;
      return this.change(s, {
        ...(state ? { state } : {}),
        error,
        step: 'submit',
        phase: 'error',
        detail,
      });
    }
    if (step.kind === 'retract') {
      return this.change(s, {
        ...(stop ? { state: 'failed' as const } : {}),
        error,
        step: 'retract',
        phase: 'error',
        detail,
      });
    }
    return this.change(s, {
      ...(stop ? { state: 'retracting' as const } : {}),
      error,
      step: step.kind,
      ...(fileIndex !== undefined ? { fileIndex } : {}),
      phase: 'error',
      detail,
    });
  }
}
