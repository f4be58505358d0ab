import { createHash } from 'node:crypto';
import {
  ErrorCodes,
  holdUntilOf,
  LifeguardError,
  mayAccessEvidence,
  preservesOn,
  type AuditLog,
  type BlobStore,
  type CaseStore,
  type EvidencePolicy,
  type EvidenceRecord,
  type EvidenceStore,
  type EvidenceTrigger,
  type Role,
} from '@lifeguard/core';
import type { KyselyRiskEventLog } from '@lifeguard/store';
import { EvidenceFollower } from './evidence.follower.js';

/**
 * Where evidence events are recorded and triggers read: the hash-chained audit log
 * (`ctx.audit`).
 */
export type EvidenceAudit = AuditLog;

/** Who asks to see evidence. */
export interface EvidenceAccessor {
  /** `user:<id>` or `key:<id>`. */
  readonly id: string;
  /** Roles (session users). */
  readonly roles: readonly Role[];
  /** API keys: whether the key holds the `evidence:read` scope itself (admin does not imply it). */
  readonly evidenceScope?: boolean;
  /** True for API keys. */
  readonly isKey: boolean;
}

/** What a purge run did. */
export interface PurgeResult {
  /** Objects deleted and marked purged. */
  readonly purged: number;
  /** Objects that could not be purged this run (retried next run). */
  readonly failed: number;
}

/** Messages scanned per page when collecting a conversation from the risk event log. */
const EVENT_PAGE = 5000;

function sha16(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

/**
 * The evidence vault service (issue 7): preserves a case's media and metadata (and, for
 * grooming cases, the conversation) as sealed, held objects with preservation records;
 * serves them only to allowed roles, auditing every access; purges expired material,
 * auditing every purge. See docs/evidence.md.
 */
export class EvidenceVault {
  private readonly now: () => number;
  private purgeTimer: ReturnType<typeof setInterval> | undefined;
  private follower: EvidenceFollower | undefined;
  private readonly perCase = new Map<string, Promise<EvidenceRecord[]>>();
  private purging: Promise<unknown> | undefined;

  /**
   * @param deps blob store, records, cases, audit log, policy, the risk event log (for
   *   conversations) and a clock
   */
  constructor(
    private readonly deps: {
      readonly blobs: BlobStore;
      readonly records: EvidenceStore;
      readonly cases: CaseStore;
      readonly audit: EvidenceAudit;
      readonly policy: EvidencePolicy;
      readonly events?: KyselyRiskEventLog | undefined;
      readonly now?: () => number;
    },
  ) {
    this.now = deps.now ?? Date.now;
  }

  /** The policy in force. */
  get policy(): EvidencePolicy {
    return this.deps.policy;
  }

  /**
   * Preserve case `caseId` because of `trigger` (a no-op returning [] when the policy does
   * not preserve on it). Copies each media item's review copy (integrity-checked) to
   * `evidence/<case>/media-<item>`, writes the case metadata and, for risk alerts, the
   * conversation, each with the policy's hold; records each object; audits the whole.
   * Idempotent: preserving again keeps the objects and records and may extend holds.
   * `auditSeq`: the audit record that caused it (kept so the follower can resume).
   */
  async preserveCase(
    caseId: string,
    trigger: EvidenceTrigger,
    by: string,
    auditSeq?: number,
  ): Promise<EvidenceRecord[]> {
    // One preservation per case at a time in this process: a burst of blocked re-uploads
    // folding into one case then preserves once, not once per upload.
    const prev = this.perCase.get(caseId) ?? Promise.resolve();
    const run = prev
      .catch(() => undefined)
      .then(() => this.preserveNow(caseId, trigger, by, auditSeq));
    this.perCase.set(caseId, run);
    try {
      return await run;
    } finally {
      if (this.perCase.get(caseId) === run) this.perCase.delete(caseId);
    }
  }

  private async preserveNow(
    caseId: string,
    trigger: EvidenceTrigger,
    by: string,
    auditSeq: number | undefined,
  ): Promise<EvidenceRecord[]> {
    const { blobs, records, cases, policy } = this.deps;
    if (!preservesOn(policy, trigger)) return [];
    const c = await cases.get(caseId);
    if (!c) throw new LifeguardError(ErrorCodes.NOT_FOUND, `no case ${caseId}`, { caseId });
    const at = this.now();
    const holdUntil = holdUntilOf(policy, at);
    const base = {
      caseId,
      trigger,
      preservedBy: by,
      preservedAt: at,
      holdUntil,
      jurisdictions: [...policy.jurisdictions],
    };
    const out: EvidenceRecord[] = [];
    const keep = async (
      kind: EvidenceRecord['kind'],
      itemId: string | null,
      key: string,
      bytes: Uint8Array,
      contentType: string,
    ): Promise<void> => {
      const info = await blobs.put(key, bytes, { contentType, holdUntil });
      out.push(
        await records.record({
          ...base,
          kind,
          itemId,
          blobKey: key,
          sha256: info.sha256,
          size: info.size,
          contentType,
        }),
      );
    };

    const items = await cases.items(caseId);
    if (trigger === 'block_verdict') {
      // Every blocked re-upload folds into the same case: preserve again only when it
      // brought media the vault does not hold yet (otherwise each scan would add a snapshot).
      const held = new Set(
        (await records.listByCase(caseId))
          .filter((r) => r.kind === 'media' && r.purgedAt === null)
          .map((r) => r.itemId),
      );
      const fresh = items.some((i) => i.kind === 'media' && i.blobKey !== null && !held.has(i.id));
      if (!fresh && held.size > 0) return [];
    }
    const withoutBytes: string[] = [];
    for (const item of items) {
      if (item.kind !== 'media') continue;
      const bytes = item.blobKey === null ? undefined : await blobs.get(item.blobKey);
      if (bytes === undefined) {
        // Scans by hash or URL keep no bytes: the metadata says so, rather than nothing.
        withoutBytes.push(item.id);
        continue;
      }
      const head = await blobs.head(item.blobKey!);
      await keep(
        'media',
        item.id,
        `evidence/${caseId}/media-${item.id}`,
        bytes,
        head?.contentType ?? 'application/octet-stream',
      );
    }

    const [signals, transitions, decisions, views] = await Promise.all([
      cases.signals(caseId, 1000),
      cases.transitions(caseId),
      cases.decisions(caseId),
      cases.views(caseId),
    ]);
    const metadata = Buffer.from(
      JSON.stringify({
        format: 'lifeguard-evidence-metadata/1',
        preservedAt: new Date(at).toISOString(),
        trigger,
        holdUntil: new Date(holdUntil).toISOString(),
        jurisdictions: policy.jurisdictions,
        case: c,
        items,
        mediaWithoutBytes: withoutBytes,
        // Signals carry accounts, times, verdicts, matches and risk reasons; user-report free
        // text stays redacted (ReportText serialises as a marker, never the words).
        signals,
        transitions,
        decisions,
        views,
      }),
    );
    await keep(
      'metadata',
      null,
      `evidence/${caseId}/metadata-${sha16(metadata)}.json`,
      metadata,
      'application/json',
    );

    const conversation = await this.conversationOf(signals);
    if (conversation !== undefined) {
      await keep(
        'conversation',
        null,
        `evidence/${caseId}/conversation-${sha16(conversation)}.ndjson`,
        conversation,
        'application/x-ndjson',
      );
    }

    await this.deps.audit.append({
      actor: by,
      action: 'evidence_preserve',
      subject: `case:${caseId}`,
      details: {
        trigger,
        objects: out.map((r) => r.id),
        holdUntil,
        mediaWithoutBytes: withoutBytes,
        ...(auditSeq !== undefined ? { auditSeq } : {}),
      },
    });
    return out;
  }

  /**
   * For risk-alert signals: the platform's message events between the alerted account and
   * the minors it is in contact with, as NDJSON in log order (the "complete communication"
   * of 18 U.S.C. 2258A(b)(5)); undefined when there is no such signal or no message.
   */
  private async conversationOf(
    signals: readonly { readonly item: { readonly source: unknown } }[],
  ): Promise<Buffer | undefined> {
    const events = this.deps.events;
    if (!events) return undefined;
    const pairs = new Set<string>();
    const accounts = new Set<string>();
    for (const s of signals) {
      const src = s.item.source as {
        kind?: string;
        account?: string;
        minorsInContact?: readonly string[];
      };
      if (src.kind !== 'risk_alert' || src.account === undefined) continue;
      accounts.add(src.account);
      for (const m of src.minorsInContact ?? []) pairs.add(`${src.account}\u0000${m}`);
    }
    if (accounts.size === 0) return undefined;
    const lines: string[] = [];
    for (let after = 0; ;) {
      const page = await events.page(after, EVENT_PAGE);
      if (page.length === 0) break;
      for (const e of page) {
        after = e.seq;
        const ev = JSON.parse(e.body) as { type?: string; from?: string; to?: string };
        if (ev.type !== 'message' || ev.from === undefined || ev.to === undefined) continue;
        if (pairs.has(`${ev.from}\u0000${ev.to}`) || pairs.has(`${ev.to}\u0000${ev.from}`)) {
          lines.push(e.body);
        }
      }
    }
    return lines.length === 0 ? undefined : Buffer.from(`${lines.join('\n')}\n`);
  }

  private async assertAccess(who: EvidenceAccessor, subject: string, op: string): Promise<void> {
    const allowed = who.isKey
      ? who.evidenceScope === true
      : mayAccessEvidence(this.deps.policy, who.roles);
    if (!allowed) {
      await this.deps.audit.append({
        actor: who.id,
        action: 'evidence_access',
        subject,
        details: { op, result: 'refused' },
      });
      throw new LifeguardError(
        ErrorCodes.FORBIDDEN,
        who.isKey
          ? "evidence needs an API key with the 'evidence:read' scope"
          : `evidence is only for the roles ${this.deps.policy.accessRoles.join(', ')}`,
        { roles: this.deps.policy.accessRoles },
      );
    }
  }

  /** The preservation records of a case, for an allowed accessor (audited). */
  async list(caseId: string, who: EvidenceAccessor): Promise<EvidenceRecord[]> {
    await this.assertAccess(who, `case:${caseId}`, 'list');
    const list = await this.deps.records.listByCase(caseId);
    await this.deps.audit.append({
      actor: who.id,
      action: 'evidence_access',
      subject: `case:${caseId}`,
      details: { op: 'list', result: 'granted', count: list.length },
    });
    return list;
  }

  /**
   * The bytes of one evidence object, integrity-checked (`LG_ERR_INTEGRITY` on tampering),
   * for an allowed accessor. The access is audited before the bytes are read, and a failed
   * check is audited too.
   */
  async read(
    id: string,
    who: EvidenceAccessor,
  ): Promise<{ record: EvidenceRecord; bytes: Uint8Array }> {
    await this.assertAccess(who, `evidence:${id}`, 'read');
    const record = await this.deps.records.get(id);
    if (!record || record.purgedAt !== null) {
      throw new LifeguardError(
        ErrorCodes.NOT_FOUND,
        record ? `evidence ${id} was purged` : `no evidence ${id}`,
        { id },
      );
    }
    const audit = (result: string): Promise<unknown> =>
      this.deps.audit.append({
        actor: who.id,
        action: 'evidence_access',
        subject: `evidence:${id}`,
        details: { op: 'read', result, caseId: record.caseId, sha256: record.sha256 },
      });
    await audit('granted');
    let bytes: Uint8Array | undefined;
    try {
      bytes = await this.deps.blobs.get(record.blobKey);
    } catch (e) {
      await audit(e instanceof LifeguardError ? e.code : 'error');
      throw e;
    }
    if (bytes === undefined) {
      await audit('missing');
      throw new LifeguardError(
        ErrorCodes.INTEGRITY,
        `evidence ${id} is recorded but its object is missing from the vault`,
        { id },
      );
    }
    return { record, bytes };
  }

  /**
   * Delete every object whose hold has ended (and only those), mark each record purged and
   * audit each purge. An object that fails is left for the next run.
   */
  async purge(): Promise<PurgeResult> {
    const now = this.now();
    let purged = 0;
    let failed = 0;
    const skip = new Set<string>();
    for (;;) {
      const batch = (await this.deps.records.expired(now, 100)).filter((r) => !skip.has(r.id));
      if (batch.length === 0) break;
      for (const r of batch) {
        try {
          // The record's hold is authoritative; `force` bypasses the blob header's copy,
          // which is never longer (holds are only extended through the record too).
          if (r.holdUntil > now) throw new Error('hold not over');
          await this.deps.blobs.delete(r.blobKey, { force: true });
          if (await this.deps.records.markPurged(r.id, now)) {
            purged++;
            await this.deps.audit.append({
              actor: 'system',
              action: 'evidence_purge',
              subject: `evidence:${r.id}`,
              details: {
                caseId: r.caseId,
                blobKey: r.blobKey,
                sha256: r.sha256,
                holdUntil: r.holdUntil,
                preservedAt: r.preservedAt,
              },
            });
          }
        } catch {
          failed++;
          skip.add(r.id);
        }
      }
    }
    return { purged, failed };
  }

  /**
   * Run {@link purge} every `intervalMs` (0: never). Runs never overlap; failures go to
   * `onError` and the next run retries.
   */
  startPurgeJob(intervalMs: number, onError: (e: unknown) => void): void {
    if (intervalMs <= 0 || this.purgeTimer) return;
    this.purgeTimer = setInterval(() => {
      if (this.purging) return;
      this.purging = this.purge()
        .then((r) => {
          if (r.failed > 0) onError(new Error(`${r.failed} evidence objects could not be purged`));
        }, onError)
        .finally(() => (this.purging = undefined));
    }, intervalMs);
    this.purgeTimer.unref();
  }

  /** Stop the purge job and wait for a run in progress. */
  async stopPurgeJob(): Promise<void> {
    if (this.purgeTimer) clearInterval(this.purgeTimer);
    this.purgeTimer = undefined;
    await this.purging;
  }

  /**
   * Start the background work of a processing role: the purge job and the follower that
   * preserves confirmed and reported cases from the audit log (see evidence.follower.ts).
   */
  async startJobs(
    purgeIntervalMs: number,
    followIntervalMs: number,
    onError: (msg: string, e: unknown) => void,
  ): Promise<void> {
    this.startPurgeJob(purgeIntervalMs, (e) => onError('evidence purge failed', e));
    this.follower ??= new EvidenceFollower(this, this.deps.audit, onError);
    await this.follower.start(followIntervalMs);
  }

  /** Stop {@link startJobs}' work. */
  async stopJobs(): Promise<void> {
    await this.follower?.stop();
    await this.stopPurgeJob();
  }
}
