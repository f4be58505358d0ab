import { ErrorCodes, isLifeguardError, type Job, type UploadContext } from '@lifeguard/core';
import { REPORT_JOB } from '../reports/report.service.js';
import type { ServerContext } from '../server.context.js';
import {
  hashBytes,
  matchHitsOf,
  reviewCopy,
  scanHashes,
  type ScanHashes,
} from '../scan/scan.service.js';
import { fetchUrl } from '../scan/url.fetcher.js';

/** Job kind of an asynchronous scan. */
export const SCAN_JOB = 'scan';

/** Payload of a {@link SCAN_JOB}: hashes or a URL (never media bytes). */
export interface ScanJobPayload {
  /** The key that queued it (only it, or an admin, may read the job). */
  readonly keyId: string;
  /** Client hashes. */
  readonly hashes?: ScanHashes;
  /** URL to fetch. */
  readonly url?: string;
  /** Client content id. */
  readonly contentId?: string;
  /** The uploading account (`userId`). */
  readonly userId?: string;
  /** How the upload reached the platform, already checked (`at` in epoch ms). */
  readonly upload?: UploadContext;
}

/** Errors worth another attempt: the network or the server was the problem, not the input. */
const TRANSIENT: readonly string[] = [
  ErrorCodes.FETCH_FAILED,
  ErrorCodes.UNAVAILABLE,
  ErrorCodes.INTERNAL,
];

/** Attempts before a job fails for good. */
export const MAX_ATTEMPTS = 4;

/**
 * Runs queued scans: claims jobs from the durable queue with a lease, runs up to
 * `concurrency` at a time, stores each result, and retries transient failures with
 * exponential backoff (1 s, 2 s, 4 s) before failing a job for good. A job whose worker dies
 * is claimed again when its lease ends, so every accepted job completes at least once; its
 * id identifies the result for de-duplication.
 */
export class ScanJobWorker {
  private running = false;
  private active = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  /**
   * @param ctx the server context (queue, matcher, pool)
   * @param isLoaded whether the match index has loaded (jobs wait until it has)
   * @param concurrency jobs run at once
   * @param pollMs idle poll interval
   * @param leaseMs how long a claimed job is ours before another worker may take it
   */
  constructor(
    private readonly ctx: ServerContext,
    private readonly isLoaded: () => boolean,
    private readonly concurrency = 4,
    private readonly pollMs = 200,
    private readonly leaseMs = 60_000,
  ) {}

  /** Start polling. */
  start(): void {
    this.running = true;
    this.schedule(0);
  }

  /**
   * Look for work now instead of at the next idle poll: called by this process after it
   * queued a job (a confirmed hotline report), so a one-process install starts it at once.
   */
  wake(): void {
    if (this.running && this.active < this.concurrency) this.schedule(0);
  }

  /** Stop claiming and wait for running jobs to finish. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    if (!this.running) return;
    if (!this.isLoaded()) return this.schedule(this.pollMs);
    let claimed = false;
    while (this.running && this.active < this.concurrency) {
      let job: Job | undefined;
      try {
        job = await this.ctx.jobs.claim(this.leaseMs);
      } catch {
        break; // store unreachable: try again at the next tick
      }
      if (!job) break;
      claimed = true;
      this.active++;
      const p = this.run(job).finally(() => {
        this.active--;
        this.inFlight.delete(p);
        this.schedule(0);
      });
      this.inFlight.add(p);
    }
    this.schedule(claimed ? this.pollMs / 4 : this.pollMs);
  }

  private async run(job: Job): Promise<void> {
    try {
      if (job.kind === REPORT_JOB) {
        // The report service completes or fails its own jobs (retry, backoff, give up).
        await this.ctx.reports.runJob(job);
        return;
      }
      if (job.kind !== SCAN_JOB) {
        await this.ctx.jobs.fail(job.id, {
          code: ErrorCodes.INVALID_ARGUMENT,
          message: `unknown job kind '${job.kind}'`,
        });
        return;
      }
      const p = job.payload as unknown as ScanJobPayload;
      let result;
      let bytes: Uint8Array | undefined;
      if (p.hashes) {
        result = scanHashes(this.ctx, 'hashes', p.hashes, null, p.contentId);
      } else {
        bytes = await fetchUrl(p.url ?? '', {
          ...this.ctx.config.urlFetch,
          maxBytes: this.ctx.config.limits.maxFileBytes,
        });
        const fetched = bytes;
        bytes = reviewCopy(this.ctx, fetched);
        const h = await hashBytes(this.ctx, fetched);
        result = scanHashes(this.ctx, 'url', h, h.quality, p.contentId);
      }
      // A re-run after a crash folds the same media into the same case again (count + 1).
      const c = await this.ctx.cases.fromScan(result, matchHitsOf(result), {
        ...(bytes !== undefined ? { bytes } : {}),
        ...(p.userId !== undefined ? { uploader: p.userId } : {}),
        ...(p.upload !== undefined ? { upload: p.upload } : {}),
      });
      if (c !== undefined) result = { ...result, caseId: c.caseId };
      // Event id = job id: a job re-run after a crash yields the same event id, so the
      // receiver can tell it has seen it.
      await this.ctx.webhooks.record(result.verdict, { ...result, jobId: job.id }, job.id);
      await this.ctx.jobs.complete(job.id, { ...result });
      this.ctx.metrics.jobs.inc({ outcome: 'succeeded' });
    } catch (e) {
      const code = isLifeguardError(e) ? e.code : ErrorCodes.INTERNAL;
      const message = isLifeguardError(e) ? e.message : 'internal error';
      const retry = TRANSIENT.includes(code) && job.attempts < MAX_ATTEMPTS;
      await this.ctx.jobs
        .fail(job.id, { code, message }, retry ? 1000 * 2 ** (job.attempts - 1) : undefined)
        .catch(() => undefined); // the lease will expire and the job will be retried
      this.ctx.metrics.jobs.inc({ outcome: retry ? 'retried' : 'failed' });
    }
  }
}
