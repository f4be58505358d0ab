import {
  CasePdqIndex,
  ErrorCodes,
  isActiveState,
  LifeguardError,
  ReportText,
  validateCaseItem,
  type Actor,
  type BankStore,
  type BlobStore,
  type CaseIngestOutcome,
  type CaseIntake,
  type CaseItem,
  type CaseSource,
  type CaseState,
  type DecisionPlan,
  type MatchHit,
  type OutboxMessage,
  type ReportReason,
  type ReviewDecision,
  type RiskEvent,
  type RiskEngine,
  type StoredCase,
  type StoredView,
  type UploadContext,
} from '@lifeguard/core';
import type { KyselyCaseStore } from '@lifeguard/store';
import type { CasesConfig } from '../config/cases.config.js';
import type { WebhookConfig } from '../config/server.config.js';
import type { CaseMetrics } from './case.metrics.js';

/** Event type of a decision's actions for the platform. */
export const CASE_ACTION_EVENT = 'case.action';
/** Event type of an SLA breach. */
export const CASE_SLA_EVENT = 'case.sla_breached';

/** PDQs read per page when the fold index is rebuilt or follows other processes. */
const PDQ_PAGE = 50_000;

/** Signals waiting to be folded: one caller's, stored together or not at all. */
interface Pending {
  readonly intakes: readonly CaseIntake[];
  readonly resolve: (o: CaseIngestOutcome[]) => void;
  readonly reject: (e: unknown) => void;
}

/** The parts of a scan result a case needs (structural: the scan service's `ScanResult`). */
export interface ScanOutcome {
  /** Verdict. */
  readonly verdict: 'block' | 'review' | 'allow';
  /** Rule that decided it. */
  readonly rule: string;
  /** Hashes of the scanned media. */
  readonly hashes: {
    readonly pdq?: string | undefined;
    readonly md5?: string | undefined;
    readonly sha256?: string | undefined;
  };
  /** The platform's content id. */
  readonly contentId?: string;
}

/** A user report as a platform forwards it (`POST /v1/reports`). */
export interface UserReportInput {
  /** Who reported (the platform's user id). */
  readonly reporter: string;
  /** The reported content: content id and/or hashes. */
  readonly reportedContent?: {
    readonly contentId?: string;
    readonly sha256?: string;
    readonly md5?: string;
    readonly pdq?: string;
  };
  /** The reported account. */
  readonly reportedAccount?: string;
  /** Why. */
  readonly reason: ReportReason;
  /** Free text (stored for reviewers, never logged). */
  readonly text?: string;
  /** Views and shares of the content. */
  readonly reach?: { readonly views?: number; readonly shares?: number };
}

function reportItem(input: UserReportInput): CaseItem {
  return {
    id: 'new',
    receivedAt: Date.now(),
    source: {
      kind: 'user_report',
      reporter: input.reporter,
      reason: input.reason,
      ...(input.reportedContent !== undefined ? { reportedContent: input.reportedContent } : {}),
      ...(input.reportedAccount !== undefined ? { reportedAccount: input.reportedAccount } : {}),
      ...(input.text !== undefined ? { text: new ReportText(input.text) } : {}),
    },
    ...(input.reach !== undefined ? { reach: input.reach } : {}),
  };
}

/** What the service needs from the process (passed in; no globals). */
export interface CaseServiceDeps {
  /** The case store. */
  readonly store: KyselyCaseStore;
  /** The bank store (feedback banks). */
  readonly banks: BankStore;
  /** Case settings. */
  readonly config: CasesConfig;
  /** Webhook receivers (case events go to those with `cases: true`). */
  readonly webhooks: WebhookConfig;
  /** Case metrics. */
  readonly metrics: CaseMetrics;
  /** Where background errors go (never with report text or media). */
  readonly log: (msg: string, err: unknown) => void;
}

/**
 * Cases in the server (issue 6): turns scans, risk alerts, reports and manual entries into
 * folded cases, moves them, records decisions and views, and runs the periodic SLA check.
 *
 * Folding is serialised per process: signals queue here and are folded in batches of up to
 * `intakeBatch`, each batch ONE transaction (group commit), and a caller's promise resolves
 * only after its batch committed (durable before acknowledged). Exact keys are looked up in
 * the store; PDQ near-duplicates in {@link CasePdqIndex}, rebuilt from the store at start and
 * following other processes' new PDQs every poll. Across processes, SQLite's write lock and
 * PostgreSQL's advisory lock serialise the transactions, so exact-key folding is exact
 * everywhere; a near-duplicate whose first copy another process folded less than one poll
 * ago can open a second case (listed in `alsoMatches` once both are known).
 */
export class CaseService {
  /** Near-duplicate PDQs of active cases. */
  readonly index: CasePdqIndex;
  /** Review copies of media (set when the blob store is wired). */
  blobs: BlobStore | undefined;
  /**
   * Called (not awaited) with the case a `block` verdict opened or joined, once it is durable:
   * the evidence vault's `block_verdict` trigger.
   */
  onBlockVerdict: ((caseId: string) => void) | undefined;
  private pending: Pending[] = [];
  private draining: Promise<void> | undefined;
  private followKey = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private followTimer: ReturnType<typeof setInterval> | undefined;
  private sweeping: Promise<void> | undefined;
  private readonly alerted = new Map<string, number>();

  /** @param deps store, banks, config, webhooks, metrics, log */
  constructor(private readonly deps: CaseServiceDeps) {
    this.index = new CasePdqIndex(deps.config.pdqThreshold);
  }

  /** The store. */
  get store(): KyselyCaseStore {
    return this.deps.store;
  }

  /** Load the fold index from the store. */
  async load(): Promise<number> {
    await this.follow();
    return this.index.size;
  }

  /**
   * Start the periodic work: SLA check and priority refresh every `slaCheckMs`, pending bank
   * feedback, and following other processes' PDQs every `pollMs`.
   */
  start(pollMs: number): void {
    this.timer = setInterval(() => void this.tick(), this.deps.config.slaCheckMs);
    this.timer.unref();
    this.followTimer = setInterval(() => {
      this.follow().catch((e: unknown) => this.deps.log('case index follow failed', e));
    }, pollMs);
    this.followTimer.unref();
  }

  /** Stop timers and wait for queued intake and a running check. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.followTimer) clearInterval(this.followTimer);
    await this.draining;
    await this.sweeping;
  }

  /** Read PDQs of active cases added since the last read (this or another process). */
  async follow(): Promise<void> {
    for (;;) {
      const page = await this.deps.store.activePdqs(this.followKey, PDQ_PAGE);
      if (page.length === 0) return;
      this.index.load(page);
      this.followKey = page[page.length - 1]!.key;
      if (page.length < PDQ_PAGE) return;
    }
  }

  /**
   * Fold one signal (validated first: `LG_ERR_INVALID_ARGUMENT` listing bad fields). Resolves
   * once it is stored.
   */
  async submit(intake: CaseIntake): Promise<CaseIngestOutcome> {
    return (await this.submitAll([intake]))[0]!;
  }

  /**
   * Fold several signals as one unit (all validated first): they go into the same
   * transaction, in order, so either all are stored or none is. Resolves once they are.
   */
  submitAll(intakes: readonly CaseIntake[]): Promise<CaseIngestOutcome[]> {
    for (const i of intakes) validateCaseItem(i.item);
    if (intakes.length === 0) return Promise.resolve([]);
    return new Promise<CaseIngestOutcome[]>((resolve, reject) => {
      this.pending.push({ intakes, resolve, reject });
      this.draining ??= this.drain().finally(() => {
        this.draining = undefined;
      });
    }).then((out) => {
      out.forEach((o, i) => this.deps.metrics.signal(intakes[i]!.item.source.kind, o.opened));
      return out;
    });
  }

  private async drain(): Promise<void> {
    // Let the callers of this tick enqueue first, so one transaction takes them all.
    await new Promise<void>((r) => setImmediate(r));
    while (this.pending.length > 0) {
      // Whole groups, up to intakeBatch signals (a larger group goes alone).
      let n = 0;
      let size = 0;
      while (n < this.pending.length) {
        const len = this.pending[n]!.intakes.length;
        if (n > 0 && size + len > this.deps.config.intakeBatch) break;
        size += len;
        n++;
      }
      const batch = this.pending.splice(0, n);
      try {
        const out = await this.deps.store.ingest(
          batch.flatMap((b) => b.intakes),
          this.index,
          Date.now(),
        );
        let at = 0;
        for (const b of batch) {
          b.resolve(out.slice(at, at + b.intakes.length));
          at += b.intakes.length;
        }
      } catch (e) {
        if (batch.length === 1) {
          batch[0]!.reject(e);
          continue;
        }
        // One bad group must not fail its neighbours: retry the groups one by one.
        for (const b of batch) {
          try {
            b.resolve(await this.deps.store.ingest(b.intakes, this.index, Date.now()));
          } catch (e1) {
            b.reject(e1);
          }
        }
      }
    }
  }

  /**
   * Open or join a `hash_match` case for a scan whose verdict is `block` or `review` with
   * matches (a block is auto-actioned: the content is already blocked, the case asks a human
   * to confirm). With the bytes, a review copy goes to the blob store as `media/<sha256>`.
   * Returns undefined when the scan makes no case.
   */
  async fromScan(
    result: ScanOutcome,
    hits: readonly MatchHit[],
    opts: {
      readonly bytes?: Uint8Array;
      readonly uploader?: string;
      readonly upload?: UploadContext;
      readonly contentType?: string;
    },
  ): Promise<CaseIngestOutcome | undefined> {
    if (result.verdict === 'allow' || hits.length === 0) return undefined;
    const h = result.hashes;
    const media = {
      ...(result.contentId !== undefined ? { contentId: result.contentId } : {}),
      ...(h.md5 !== undefined ? { md5: h.md5 } : {}),
      ...(h.sha256 !== undefined ? { sha256: h.sha256 } : {}),
      ...(h.pdq !== undefined ? { pdq: h.pdq } : {}),
    };
    let blobKey: string | undefined;
    if (
      opts.bytes !== undefined &&
      opts.bytes.byteLength > 0 &&
      h.sha256 !== undefined &&
      this.deps.config.keepMedia
    ) {
      const blobs = this.blobs;
      if (blobs !== undefined) {
        blobKey = `media/${h.sha256}`;
        await blobs.put(blobKey, opts.bytes, {
          ...(opts.contentType !== undefined ? { contentType: opts.contentType } : {}),
        });
      }
    }
    const source: CaseSource = {
      kind: 'hash_match',
      media,
      verdict: result.verdict,
      rule: result.rule,
      matches: hits,
      ...(opts.uploader !== undefined ? { uploader: opts.uploader } : {}),
      ...(opts.upload !== undefined ? { upload: opts.upload } : {}),
    };
    const out = await this.submit({
      item: { id: 'new', receivedAt: Date.now(), source },
      ...(blobKey !== undefined ? { blobKey } : {}),
    });
    if (result.verdict === 'block') this.onBlockVerdict?.(out.caseId);
    return out;
  }

  /**
   * Risk intake hook: after a batch of events is durable and applied, every account an event
   * scored that now sits at an alert level (default high or critical) and has not been
   * alerted at this level or above by this process opens or joins a `risk_alert` case.
   */
  async fromRiskEvents(
    events: readonly RiskEvent[],
    engine: RiskEngine,
  ): Promise<CaseIngestOutcome[]> {
    const scored = new Map<string, number>();
    for (const e of events) {
      const user =
        e.type === 'message' || e.type === 'contact_request'
          ? e.from
          : e.type === 'block' || e.type === 'report'
            ? e.to
            : undefined;
      if (user !== undefined) scored.set(user, Math.max(scored.get(user) ?? 0, e.atMs));
    }
    const levels = this.deps.config.riskAlertLevels;
    const rank = (l: string) => (l === 'critical' ? 2 : l === 'high' ? 1 : 0);
    const out: CaseIngestOutcome[] = [];
    for (const [user, atMs] of scored) {
      // The level alone first (one score, no reasons): most touched accounts need no case,
      // and building the explained result for each cost 14 % of the intake's CPU.
      if ((this.alerted.get(user) ?? 0) >= 2) continue; // alerted at critical already
      const level = engine.riskLevel(user);
      if (level === undefined || !(levels as readonly string[]).includes(level)) continue;
      if ((this.alerted.get(user) ?? 0) >= rank(level)) continue;
      const r = engine.accountRisk(user)!;
      this.alerted.set(user, rank(r.level));
      const minors = [...new Set(r.conversations.map((c) => c.partner))];
      const item: CaseItem = {
        id: 'new',
        receivedAt: Date.now(),
        source: {
          kind: 'risk_alert',
          account: user,
          score: r.score,
          reasons: r.reasons,
          minorsInContact: minors,
          ...(minors.length > 0 ? { lastMinorContactAt: atMs } : {}),
        },
      };
      out.push(await this.submit({ item }));
    }
    return out;
  }

  /** A user report (`POST /v1/reports`). The free text is stored, never logged. */
  report(input: UserReportInput): Promise<CaseIngestOutcome> {
    return this.submit({ item: reportItem(input) });
  }

  /**
   * Several user reports (`POST /v1/reports/batch`), stored together in one transaction or
   * not at all; outcomes in input order.
   */
  reports(inputs: readonly UserReportInput[]): Promise<CaseIngestOutcome[]> {
    return this.submitAll(inputs.map((input) => ({ item: reportItem(input) })));
  }

  /** A case opened by a staff member. */
  manual(
    actor: Actor,
    input: Omit<Extract<CaseSource, { kind: 'manual' }>, 'kind' | 'createdBy'>,
  ): Promise<CaseIngestOutcome> {
    if (input.media === undefined && input.account === undefined) {
      throw new LifeguardError(ErrorCodes.INVALID_REQUEST, 'a manual case needs media or account');
    }
    return this.submit({
      item: {
        id: 'new',
        receivedAt: Date.now(),
        source: { kind: 'manual', createdBy: actor.id, ...input },
      },
    });
  }

  /** Move a case; keeps the fold index in step (closed cases leave it, reopened rejoin). */
  async transition(
    caseId: string,
    to: CaseState,
    actor: Actor,
    reason: string,
  ): Promise<StoredCase> {
    const r = await this.deps.store.transition(caseId, to, actor, reason, Date.now());
    await this.afterMove(r.transition.from, r.case);
    return r.case;
  }

  /**
   * Record a decision: transition, decision, audit record and the `case.action` webhook in
   * one transaction; then bank feedback (retried by the periodic check if a bank write fails).
   */
  async decide(
    caseId: string,
    decision: ReviewDecision,
    extra: { readonly classification: string | null; readonly note: string | null },
    actor: Actor,
  ): Promise<{ case: StoredCase; decisionId: string; plan: DecisionPlan }> {
    const before = await this.deps.store.get(caseId);
    const r = await this.deps.store.decide(
      caseId,
      decision,
      extra,
      actor,
      Date.now(),
      (c, plan, id) => this.actionMessages(c, plan, id, decision, actor),
    );
    this.deps.metrics.decision(r.case, r.decision.actor, before);
    if (before !== undefined) await this.afterMove(before.state, r.case);
    if (r.decision.plan.feedback.length > 0) {
      await this.applyFeedback().catch((e: unknown) =>
        this.deps.log('bank feedback failed; will retry', e),
      );
    }
    return { case: r.case, decisionId: r.decision.id, plan: r.decision.plan };
  }

  /**
   * Record a view of an item (with its audit record); a `revealed` view past the reviewer's
   * daily cap is refused with `LG_ERR_EXPOSURE_LIMIT` and not recorded.
   */
  async recordView(view: Omit<StoredView, 'id'>, dayStart: number): Promise<number> {
    const r = await this.deps.store.recordView(view, {
      counts: view.mode === 'revealed',
      cap: this.deps.config.exposureCapPerDay,
      dayStart,
    });
    this.deps.metrics.view(view.actor, view.mode);
    return r.exposure;
  }

  private async afterMove(from: CaseState, c: StoredCase): Promise<void> {
    if (isActiveState(from) && !isActiveState(c.state)) this.index.removeCase(c.id);
    else if (!isActiveState(from) && isActiveState(c.state)) {
      for (const pdq of await this.deps.store.pdqsOf(c.id)) this.index.added(c.id, pdq);
    }
  }

  private endpoints(): { name: string; url: string }[] {
    return this.deps.webhooks.endpoints
      .filter((e) => e.cases)
      .map((e) => ({ name: e.name, url: e.url }));
  }

  private actionMessages(
    c: StoredCase,
    plan: DecisionPlan,
    decisionId: string,
    decision: ReviewDecision,
    actor: Actor,
  ): OutboxMessage[] {
    const endpoints = this.endpoints();
    if (endpoints.length === 0 || plan.actions.length === 0) return [];
    const body = JSON.stringify({
      id: `evt_case_${c.id}_decision_${decisionId}`,
      type: CASE_ACTION_EVENT,
      occurredAt: new Date().toISOString(),
      data: {
        caseId: c.id,
        decisionId,
        decision: decision.kind,
        category: decision.kind === 'confirm' ? decision.category : null,
        severity: c.severity,
        reviewer: actor.id,
        actions: plan.actions,
        reportable: plan.reportable,
      },
    });
    return [{ event: CASE_ACTION_EVENT, body, endpoints }];
  }

  /** Apply pending bank feedback: one `addEntries` per bank, creating the bank if missing. */
  async applyFeedback(): Promise<number> {
    const pending = await this.deps.store.pendingFeedback(1000);
    if (pending.length === 0) return 0;
    const byBank = new Map<'local_block' | 'allow', typeof pending>();
    for (const f of pending) byBank.set(f.bank, [...(byBank.get(f.bank) ?? []), f]);
    for (const [kind, list] of byBank) {
      const name = kind === 'allow' ? this.deps.config.allowBank : this.deps.config.localBank;
      let bank = await this.deps.banks.getBankByName(name);
      bank ??= await this.deps.banks.createBank({
        name,
        kind: kind === 'allow' ? 'allow' : 'block',
        source: 'local',
        description:
          kind === 'allow'
            ? 'False positives from case review (Lifeguard)'
            : 'Media confirmed in case review (Lifeguard)',
      });
      await this.deps.banks.addEntries(
        bank.id,
        list.map((f) => ({
          signalType: f.signal as 'pdq' | 'md5' | 'sha256',
          value: f.value,
          metadata: { caseId: f.caseId },
          note: `case ${f.caseId}`,
        })),
      );
      await this.deps.store.markFeedbackApplied(
        list.map((f) => f.id),
        Date.now(),
      );
    }
    return pending.length;
  }

  /** One periodic run: SLA breaches (webhook + metric), priority refresh, pending feedback. */
  async tick(): Promise<void> {
    if (this.sweeping) return this.sweeping;
    this.sweeping = (async () => {
      try {
        const r = await this.deps.store.sweep(Date.now(), (c) => {
          const endpoints = this.endpoints();
          if (endpoints.length === 0) return [];
          const body = JSON.stringify({
            id: `evt_case_${c.id}_sla`,
            type: CASE_SLA_EVENT,
            occurredAt: new Date().toISOString(),
            data: {
              caseId: c.id,
              severity: c.severity,
              state: c.state,
              slaDueAt: new Date(c.slaDueAt).toISOString(),
            },
          });
          return [{ event: CASE_SLA_EVENT, body, endpoints }];
        });
        for (const c of r.breached) this.deps.metrics.breach(c.severity);
        await this.applyFeedback();
      } catch (e) {
        this.deps.log('case SLA check failed', e);
      } finally {
        this.sweeping = undefined;
      }
    })();
    return this.sweeping;
  }
}
