import {
  isLifeguardError,
  type AuditLog,
  type AuditRecord,
  type EvidenceTrigger,
} from '@lifeguard/core';

/** What the follower calls (the evidence vault's `preserveCase`). */
export interface CasePreserver {
  /** Preserve `caseId` because of `trigger`, answering audit record `auditSeq`. */
  preserveCase(
    caseId: string,
    trigger: EvidenceTrigger,
    by: string,
    auditSeq?: number,
  ): Promise<unknown>;
}

/** Audit records read per poll. */
const PAGE = 500;

/**
 * The trigger an audit record implies, if any: a reviewer's `confirm` decision
 * (`case_confirmed`) or a finished hotline submission (`case_reported`).
 */
export function triggerOf(r: AuditRecord): EvidenceTrigger | undefined {
  if (r.subject === null || !r.subject.startsWith('case:')) return undefined;
  if (r.type === 'decision' && r.data.decision === 'confirm') return 'case_confirmed';
  if (r.type === 'report_sent' && r.data.phase === 'finished') return 'case_reported';
  return undefined;
}

/**
 * Preserves evidence when the audit log says a case was confirmed or reported. Following the
 * hash-chained log (rather than hooking each code path) catches every way a case gets
 * there — API, console, CLI, another process — and survives crashes: each preservation
 * records the audit position it answers (`auditSeq`), and on start the follower resumes
 * after the last one. Preservation is idempotent, so a replayed record at worst adds one
 * metadata snapshot. Runs in `all` and `worker` processes.
 */
export class EvidenceFollower {
  private cursor = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<void> | undefined;

  /**
   * @param vault the evidence vault
   * @param audit the audit log
   * @param onError where failures go (a case that cannot be preserved is reported and skipped)
   */
  constructor(
    private readonly vault: CasePreserver,
    private readonly audit: AuditLog,
    private readonly onError: (msg: string, e: unknown) => void,
  ) {}

  /** The last audit position handled. */
  get position(): number {
    return this.cursor;
  }

  /** Find where the previous run stopped: the highest `auditSeq` of any preservation. */
  async resume(): Promise<number> {
    let after = 0;
    let best = 0;
    for (;;) {
      const page = await this.audit.list({
        afterSeq: after,
        limit: 1000,
        action: 'evidence_preserve',
      });
      if (page.length === 0) break;
      for (const r of page) {
        after = r.seq;
        const s = r.data.auditSeq;
        if (typeof s === 'number' && s > best) best = s;
      }
    }
    this.cursor = best;
    return best;
  }

  /** Handle every new audit record once; resolves when caught up. */
  async pollOnce(): Promise<number> {
    let handled = 0;
    for (;;) {
      const page = await this.audit.list({ afterSeq: this.cursor, limit: PAGE });
      if (page.length === 0) return handled;
      for (const r of page) {
        const trigger = triggerOf(r);
        if (trigger !== undefined) {
          const caseId = r.subject!.slice('case:'.length);
          try {
            await this.vault.preserveCase(caseId, trigger, r.actor, r.seq);
            handled++;
          } catch (e) {
            // A permanent problem with this case (gone, tampered review copy) is reported and
            // skipped; anything else (the database is down) stops here and is retried.
            if (
              !isLifeguardError(e, 'LG_ERR_NOT_FOUND') &&
              !isLifeguardError(e, 'LG_ERR_INTEGRITY')
            ) {
              throw e;
            }
            this.onError(`evidence for case ${caseId} could not be preserved`, e);
          }
        }
        this.cursor = r.seq;
      }
    }
  }

  /** Resume, then poll every `intervalMs`. */
  async start(intervalMs: number): Promise<void> {
    await this.resume();
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.pollOnce()
        .then(
          () => undefined,
          (e: unknown) => this.onError('evidence follower failed', e),
        )
        .finally(() => (this.running = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  /** Stop polling and wait for a poll in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
