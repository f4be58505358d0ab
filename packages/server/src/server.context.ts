import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { BankMatcher, IndexSync, RiskEngine } from '@lifeguard/core';
import { HashPool } from '@lifeguard/media';
import {
  KyselyApiKeyStore,
  KyselyAuditLog,
  KyselyCaseStore,
  KyselyBankActionStore,
  KyselyExchangeStore,
  KyselyJobQueue,
  KyselyReportSubmissionStore,
  KyselyRiskEventLog,
  KyselyRiskSnapshotStore,
  KyselyUserStore,
  KyselyWebhookOutbox,
  type LifeguardStore,
  KyselyEvidenceStore,
  type VaultBlobStore,
} from '@lifeguard/store';
import { ApiKeyService } from './auth/api-key.service.js';
import { TokenBuckets } from './auth/token.bucket.js';
import { UserService } from './auth/user.service.js';
import { auditAuthEvents } from './auth/auth.audit.js';
import type { ServerConfig } from './config/server.config.js';
import { EvidenceVault } from './evidence/evidence-vault.service.js';
import { openVault } from './evidence/vault.factory.js';
import { CaseMetrics } from './cases/case.metrics.js';
import { CaseService } from './cases/case.service.js';
import { ServerMetrics } from './metrics/server.metrics.js';
import { ReportService } from './reports/report.service.js';
import { RiskIntake } from './risk/risk-intake.service.js';
import { registerRiskMetrics } from './risk/risk.metrics.js';
import { loadRiskRules } from './risk/risk-rules.loader.js';
import { WebhookSender } from './webhooks/webhook.sender.js';
import { ExchangeService } from './sharing/exchange.service.js';
import { loadOrCreateFeedKey, type FeedSigningKey } from './sharing/feed-key.js';
import { SharingMetrics } from './sharing/sharing.metrics.js';

/**
 * Everything a request handler needs, assembled once per process and passed in (no
 * globals). Owns the match index and keeps it current from the store's change feed.
 */
export class ServerContext {
  /** API keys. */
  readonly keys: ApiKeyService;
  /** Console users and sessions. */
  readonly users: UserService;
  /** Per-key rate limits. */
  readonly buckets: TokenBuckets;
  /** The in-memory match index. */
  readonly matcher = new BankMatcher();
  /** Keeps {@link matcher} current. */
  readonly sync: IndexSync;
  /** Image hashing off the event loop. */
  readonly pool: HashPool;
  /** Prometheus metrics. */
  readonly metrics: ServerMetrics;
  /** Per-bank actions. */
  readonly bankActionStore: KyselyBankActionStore;
  /** The durable job queue (asynchronous scans). */
  readonly jobs: KyselyJobQueue;
  /** The webhook outbox. */
  readonly outbox: KyselyWebhookOutbox;
  /** Records and delivers verdict webhooks. */
  readonly webhooks: WebhookSender;
  /** The live grooming-risk engine and its durable event log. */
  readonly risk: RiskIntake;
  /**
   * The hash-chained audit log: `ctx.audit.append({ actor, action, subject, details })` for
   * logins, views, decisions, exports and settings changes (details must be log-safe).
   */
  readonly audit: KyselyAuditLog;
  /** Persisted cases (issue 6). */
  readonly caseStore: KyselyCaseStore;
  /**
   * The evidence vault: encrypted (AES-256-GCM envelope), integrity-checked blob storage
   * for media review copies (`media/<sha256>`) and preserved evidence (`evidence/...`).
   */
  readonly blobs: VaultBlobStore;
  /** The feed signing key (roles with an HTTP API; generated on first start). */
  readonly feedKey: FeedSigningKey | undefined;
  /** Feed and exchange metrics. */
  readonly sharingMetrics: SharingMetrics;
  /** Exchange subscriptions and their poller. */
  readonly exchanges: ExchangeService;
  /** Hotline reports: preview, confirmation, the submission job (docs/reporting.md). */
  readonly reports: ReportService;
  /** Evidence preservation, access and purge over {@link blobs} (docs/evidence.md). */
  readonly evidence: EvidenceVault;
  /** Case intake, folding, decisions, views and the SLA check. */
  readonly cases: CaseService;
  /** HTTP requests being handled now (for draining on shutdown). */
  inFlight = 0;
  private actions: ReadonlyMap<number, string> = new Map();
  private actionsTimer: ReturnType<typeof setInterval> | undefined;

  /**
   * @param config the validated configuration
   * @param store the opened store
   * @param log where index-sync errors go
   * @param notice one-off operator notices (a generated vault key to back up)
   */
  constructor(
    readonly config: ServerConfig,
    readonly store: LifeguardStore,
    private readonly log: (msg: string, err: unknown) => void,
    notice: (line: string) => void = () => undefined,
  ) {
    this.blobs = openVault(config, notice);
    this.keys = new ApiKeyService(new KyselyApiKeyStore(store.kysely));
    this.users = new UserService(new KyselyUserStore(store.kysely), config.auth);
    this.bankActionStore = new KyselyBankActionStore(store.kysely);
    this.jobs = new KyselyJobQueue(store.kysely, store.dialect);
    this.outbox = new KyselyWebhookOutbox(store.kysely, store.dialect);
    this.risk = new RiskIntake(
      new KyselyRiskEventLog(store.kysely, store.sqlite),
      new RiskEngine({ rules: loadRiskRules(config.riskRules) }),
      {
        // One writer only: with several `api` processes each engine sees part of the stream.
        snapshots: config.role === 'all' ? new KyselyRiskSnapshotStore(store.kysely) : undefined,
        snapshotEvery: config.riskSnapshotEvery,
        retentionMs: config.riskRetentionDays * 86_400_000,
        notice,
        onError: log,
      },
    );
    this.audit = new KyselyAuditLog(store.kysely, store.dialect);
    // Logins, logouts, failed logins and user changes go to the audit log.
    this.users.events = auditAuthEvents(this.audit);
    this.caseStore = new KyselyCaseStore(
      store.kysely,
      store.dialect,
      config.cases.policy,
      store.sqlite,
    );
    this.reports = new ReportService({
      config: config.reports,
      submissions: new KyselyReportSubmissionStore(store.kysely),
      cases: this.caseStore,
      audit: this.audit,
      blobs: this.blobs,
      jobs: this.jobs,
      evidence: new KyselyEvidenceStore(store.kysely, store.dialect),
      leaseMs: config.jobLeaseMs,
    });
    this.evidence = new EvidenceVault({
      blobs: this.blobs,
      records: new KyselyEvidenceStore(store.kysely, store.dialect),
      cases: this.caseStore,
      audit: this.audit,
      policy: config.evidence,
      events: new KyselyRiskEventLog(store.kysely),
    });
    this.buckets = new TokenBuckets(config.limits.rateLimitPerSecond, config.limits.rateLimitBurst);
    this.sync = new IndexSync(store, this.matcher, {
      intervalMs: config.indexPollMs,
      onError: (e) => log('index sync failed', e),
    });
    const workers =
      config.limits.hashWorkers > 0 ? config.limits.hashWorkers : availableParallelism();
    this.pool = new HashPool(
      workers,
      {
        limits: {
          maxBytes: config.limits.maxFileBytes,
          maxInputPixels: config.limits.maxImagePixels,
          timeoutMs: config.limits.decodeTimeoutMs,
        },
      },
      config.limits.maxQueuedHashes,
    );
    this.metrics = new ServerMetrics({
      queueDepth: () => this.pool.queued,
      indexEntries: () => {
        const s = this.matcher.stats();
        return s.pdq.size + s.exactEntries;
      },
      indexLagSeq: () => this.sync.lag().seqBehind,
      indexLagMs: () => this.sync.lag().msSinceLastPoll ?? 0,
      jobDepth: () => this.jobs.depth(),
    });
    this.webhooks = new WebhookSender(this.outbox, config.webhooks, this.metrics);
    this.feedKey =
      config.role === 'worker'
        ? undefined
        : loadOrCreateFeedKey(
            config.sharing.feedKeyFile ?? join(config.dataDir, 'feed-signing-key.pem'),
          );
    this.sharingMetrics = new SharingMetrics(this.metrics.registry);
    registerRiskMetrics(this.metrics.registry, () => this.risk);
    this.exchanges = new ExchangeService(
      store,
      new KyselyExchangeStore(store.kysely),
      this.sharingMetrics,
      {
        requestTimeoutMs: config.sharing.requestTimeoutMs,
        tickMs: config.sharing.pollTickMs,
        warn: notice,
        onChanged: () => this.catchUp(),
      },
    );
    this.cases = new CaseService({
      store: this.caseStore,
      banks: store,
      config: config.cases,
      webhooks: config.webhooks,
      metrics: new CaseMetrics(this.metrics.registry, () => this.caseStore.stats(Date.now())),
      log,
    });
    this.cases.blobs = this.blobs;
    // A block verdict preserves the case's evidence at once (policy permitting); the scan
    // does not wait for it. Confirmations and reports arrive through the audit-log follower.
    this.cases.onBlockVerdict = (caseId) => {
      this.evidence
        .preserveCase(caseId, 'block_verdict', 'system')
        .catch((e: unknown) => log('evidence preservation failed', e));
    };
    // Risk alerts at the configured levels open cases once their events are durable.
    this.risk.onApplied = (events) =>
      this.cases.fromRiskEvents(events, this.risk.engine).then(() => undefined);
  }

  /**
   * Load the index, start following the change feed, load actions and (roles with an HTTP
   * API) rebuild the risk engine by replaying the event log.
   */
  async start(): Promise<void> {
    await Promise.all([
      this.sync.start(),
      this.config.role === 'worker' ? Promise.resolve(0) : this.risk.load(),
    ]);
    await this.refreshActions();
    await this.cases.load();
    this.cases.start(this.config.indexPollMs);
    // Actions can be changed by another process; re-read them with the index poll cadence.
    this.actionsTimer = setInterval(() => {
      this.refreshActions().catch(() => undefined);
    }, this.config.indexPollMs);
    this.actionsTimer.unref();
    if (this.config.role !== 'api' && this.config.sharing.pollExchanges) this.exchanges.start();
    // The API-only role leaves preserving and purging to `all` and `worker` processes.
    if (this.config.role !== 'api') {
      await this.evidence.startJobs(
        this.config.evidence.purgeIntervalMs,
        this.config.indexPollMs,
        this.log,
      );
    }
  }

  /** Per-bank actions by bank id (as last read). */
  bankActions(): ReadonlyMap<number, string> {
    return this.actions;
  }

  /** Re-read per-bank actions from the store. */
  async refreshActions(): Promise<void> {
    this.actions = await this.bankActionStore.all();
  }

  /**
   * Apply this process's own bank writes to the index now, so a client that added an entry
   * can match it on its next request (other processes catch up within one poll interval).
   */
  async catchUp(): Promise<void> {
    await this.sync.pollOnce();
  }

  /** Stop the index loop and the workers. The store is closed by its owner. */
  async stop(): Promise<void> {
    if (this.actionsTimer) clearInterval(this.actionsTimer);
    await this.exchanges.stop();
    await this.evidence.stopJobs();
    await this.evidence.stopPurgeJob();
    await this.cases.stop();
    await this.sync.stop();
    await this.pool.close();
    await this.risk
      .snapshotOnStop()
      .catch((e: unknown) => this.log('risk snapshot at stop failed', e));
  }
}
