import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  ErrorCodes,
  findTransition,
  isLifeguardError,
  LifeguardError,
  mayTransition,
  planCyberTipReport,
  serializeXml,
  type Actor,
  type AuditLog,
  type BlobStore,
  type CtIpCaptureEvent,
  type CaseStore,
  type EvidenceStore,
  type IndustryClassification,
  type Job,
  type JobQueue,
  type ReportDestination,
  type ReporterProfile,
  type ReportFileInput,
  type ReportedAccountInput,
  type UploadContext,
  type UploadIpCapture,
  uploadCaptureEvent,
  type ReportPlan,
  type ReportSubject,
  type ReportSubmission,
  type ReportSubmissionStore,
  type SubmissionStepRecord,
} from '@lifeguard/core';
import type { ReportsConfig } from '../config/reports.config.js';
import { CyberTiplineClient } from './cybertipline.client.js';
import { ReportSubmissionRunner } from './report-submission.runner.js';
import type { TarMember } from './tar.format.js';

/** Job kind of a hotline submission. */
export const REPORT_JOB = 'report_submission';

/** Payload of a {@link REPORT_JOB}. */
export interface ReportJobPayload {
  /** The submission. */
  readonly submissionId: string;
  /** Who confirmed it (the case moves to `reported` in their name once filed). */
  readonly actor: { readonly id: string; readonly roles: readonly string[] };
}

/** A report ready for a reviewer's confirmation. */
export interface ReportPreview {
  /** The case. */
  readonly caseId: string;
  /** Destination (`cybertipline`). */
  readonly destination: string;
  /** `test`, `production` or a custom host; null when reporting is not configured. */
  readonly environment: string | null;
  /** True when credentials and the reporter are configured (confirming can send). */
  readonly configured: boolean;
  /** The `<report>` document, indented for reading. */
  readonly document: string;
  /** SHA-256 of the compact document that would be sent (pass it to confirm). */
  readonly documentSha256: string;
  /** What the report says, for a reviewer to check before confirming. */
  readonly summary: {
    /** The reviewer's confirmed category. */
    readonly category: string;
    /** `incidentSummary/incidentType`. */
    readonly incidentType: string;
    /** `incidentSummary/incidentDateTime` (ISO-8601). */
    readonly incidentDateTime: string;
    /** The reviewer's industry classification, if any. */
    readonly classification: string | null;
    /** `personOrUserReported`, if the case names an account. */
    readonly reportedUser: {
      readonly espIdentifier: string;
      readonly espService: string;
      readonly ipCaptureEvents: readonly IpCaptureView[];
    } | null;
  };
  /** View modes that count as viewing a whole file (`reports.fullViewModes`). */
  readonly fullViewModes: readonly string[];
  /** Files in upload order with what their details will claim. */
  readonly files: readonly {
    readonly itemId: string;
    readonly fileName: string;
    readonly fileViewedByEsp: boolean;
    readonly exifViewedByEsp: boolean;
    readonly industryClassification: string | null;
    readonly fileRelevance: string;
    /** Every recorded view of the file (what `fileViewedByEsp` is derived from). */
    readonly views: readonly {
      readonly actor: string;
      readonly mode: string;
      readonly at: string;
      /** This view counts as viewing the whole file. */
      readonly full: boolean;
    }[];
    /** `uploadedToEspTimestamp`, when the platform sent the upload time. */
    readonly uploadedAt: string | null;
    /** The file's `ipCaptureEvent`s. */
    readonly ipCaptureEvents: readonly IpCaptureView[];
  }[];
  /** Blocking problems (paths and messages). */
  readonly problems: ReportPlan['issues'];
  /** Things to know before confirming. */
  readonly warnings: ReportPlan['warnings'];
}

/** An IP capture event as the preview shows it. */
export interface IpCaptureView {
  /** IPv4 or IPv6 address. */
  readonly ipAddress: string;
  /** `Upload`, `Login`, ... */
  readonly eventName: string | null;
  /** When (ISO-8601). */
  readonly dateTime: string | null;
  /** Source port. */
  readonly port: number | null;
}

function ipViews(list: readonly CtIpCaptureEvent[] | undefined): IpCaptureView[] {
  return (list ?? []).map((e) => ({
    ipAddress: e.ipAddress,
    eventName: e.eventName ?? null,
    dateTime: e.dateTime ?? null,
    port: e.port ?? null,
  }));
}

/** A submission with its recorded steps, as the API shows it. */
export interface SubmissionView {
  /** The submission. */
  readonly submission: ReportSubmission;
  /** Its steps, oldest first. */
  readonly steps: readonly SubmissionStepRecord[];
}

/** What the service needs from the server. */
export interface ReportServiceDeps {
  /** `reports` configuration. */
  readonly config: ReportsConfig;
  /** Persisted submissions. */
  readonly submissions: ReportSubmissionStore;
  /** Cases. */
  readonly cases: CaseStore;
  /** The audit log. */
  readonly audit: AuditLog;
  /** Evidence and review copies. */
  readonly blobs: BlobStore;
  /** The durable job queue. */
  readonly jobs: JobQueue;
  /** Clock. */
  readonly now?: () => number;
  /**
   * Preservation records: a file is uploaded from its preserved evidence copy when there is
   * one (SHA-256 recorded at capture), else from the case item's review copy.
   */
  readonly evidence?: Pick<EvidenceStore, 'listByCase'>;
  /** Lease of a claimed job in ms (renewed between submission steps). */
  readonly leaseMs: number;
  /** Destinations to use instead of those built from the configuration (tests). */
  readonly destinations?: ReadonlyMap<string, ReportDestination>;
}

const REPORTABLE = new Set(['csam', 'sextortion', 'grooming']);
/** Signals read to find upload IPs (a case folds at most this many into its report). */
const MAX_SIGNALS = 1000;
/** IP captures reported per file and per account. */
const MAX_CAPTURES = 50;

/** Distinct (ip, time, port) captures of some uploads, oldest first, at most {@link MAX_CAPTURES}. */
function distinctCaptures(uploads: readonly UploadContext[]): UploadIpCapture[] {
  const seen = new Set<string>();
  const out: UploadIpCapture[] = [];
  for (const u of uploads) {
    if (u.ip === undefined) continue;
    const key = `${u.ip}|${u.at ?? ''}|${u.port ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      ip: u.ip,
      ...(u.at !== undefined ? { at: u.at } : {}),
      ...(u.port !== undefined ? { port: u.port } : {}),
      ...(u.possibleProxy !== undefined ? { possibleProxy: u.possibleProxy } : {}),
    });
    if (out.length >= MAX_CAPTURES) break;
  }
  return out;
}

/** The reported account with the IPs it uploaded this case's media from. */
function reportedAccountOf(
  account: string,
  uploads: readonly { readonly uploader: string | undefined; readonly upload: UploadContext }[],
): ReportedAccountInput {
  const ips = distinctCaptures(uploads.filter((u) => u.uploader === account).map((u) => u.upload));
  return { id: account, ...(ips.length > 0 ? { ips: ips.map(uploadCaptureEvent) } : {}) };
}
const CLASSIFICATIONS = new Set(['A1', 'A2', 'B1', 'B2']);

function cyberTiplineFrom(config: ReportsConfig): ReportDestination | undefined {
  const t = config.cybertipline;
  let password = t.password;
  if (password === undefined && t.passwordFile !== undefined) {
    try {
      password = readFileSync(t.passwordFile, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw new LifeguardError(
        ErrorCodes.READ_FAILED,
        `cannot read reports.cybertipline.passwordFile`,
        {},
        { cause: e },
      );
    }
  }
  if (t.username === undefined || password === undefined || password === '') return undefined;
  return new CyberTiplineClient({
    environment: t.environment,
    ...(t.baseUrl !== undefined ? { baseUrl: t.baseUrl } : {}),
    username: t.username,
    password,
    timeoutMs: t.timeoutMs,
  });
}

function profileOf(config: ReportsConfig): ReporterProfile | undefined {
  const r = config.reporter;
  if (!r) return undefined;
  return {
    espService: r.espService,
    reportingPerson: {
      ...(r.firstName ? { firstName: r.firstName } : {}),
      ...(r.lastName ? { lastName: r.lastName } : {}),
      ...(r.phone ? { phone: [{ value: r.phone }] } : {}),
      email: [{ value: r.email }],
    },
    ...(r.companyTemplate ? { companyTemplate: r.companyTemplate } : {}),
    ...(r.termsOfService ? { termsOfService: r.termsOfService } : {}),
    ...(r.legalURL ? { legalURL: r.legalURL } : {}),
  };
}

/** A placeholder reporter so a preview can be built before the reporter is configured. */
const UNCONFIGURED_PROFILE: ReporterProfile = {
  espService: 'unconfigured',
  reportingPerson: {},
};

/**
 * Hotline reports of cases: preview (build + validate), reviewer confirmation (a persisted
 * submission and a job), the job that drives the submission, and status. The case moves to
 * `reported` (with the report id in the transition reason and the audit log) once the
 * destination has filed the report.
 */
export class ReportService {
  /** Destinations by name. */
  readonly destinations: ReadonlyMap<string, ReportDestination>;
  /** Called after a submission job was queued (the server wakes its local worker). */
  onEnqueued: (() => void) | undefined;
  /** Runs submissions (also used directly by tests and the benchmark). */
  readonly runner: ReportSubmissionRunner;
  private readonly now: () => number;
  private readonly profile: ReporterProfile | undefined;

  /** @param deps configuration, stores, audit, blobs, jobs */
  constructor(private readonly deps: ReportServiceDeps) {
    this.now = deps.now ?? Date.now;
    const ct = deps.destinations ? undefined : cyberTiplineFrom(deps.config);
    this.destinations = deps.destinations ?? new Map(ct ? [['cybertipline', ct]] : []);
    this.profile = profileOf(deps.config);
    this.runner = new ReportSubmissionRunner({
      store: deps.submissions,
      destinations: this.destinations,
      blobs: deps.blobs,
      now: this.now,
    });
  }

  /** Build the report subject of a case from its store records. */
  private async subjectOf(caseId: string): Promise<ReportSubject> {
    const c = await this.deps.cases.get(caseId);
    if (!c) throw new LifeguardError(ErrorCodes.NOT_FOUND, `case '${caseId}' not found`);
    const decisions = await this.deps.cases.decisions(caseId);
    const confirm = [...decisions].reverse().find((d) => d.decision.kind === 'confirm');
    const category = confirm?.decision.kind === 'confirm' ? confirm.decision.category : undefined;
    if (c.state !== 'actioned' && c.state !== 'reported') {
      throw new LifeguardError(
        ErrorCodes.CONFLICT,
        `case '${caseId}' is ${c.state}: only a confirmed (actioned) case can be reported`,
        { state: c.state },
      );
    }
    if (category === undefined || !REPORTABLE.has(category)) {
      throw new LifeguardError(
        ErrorCodes.CONFLICT,
        `case '${caseId}' was not confirmed as a reportable category (csam, sextortion, grooming)`,
        { category: category ?? null },
      );
    }
    const [items, views, preserved, signals] = await Promise.all([
      this.deps.cases.items(caseId),
      this.deps.cases.views(caseId),
      this.deps.evidence?.listByCase(caseId) ?? Promise.resolve([]),
      this.deps.cases.signals(caseId, MAX_SIGNALS),
    ]);
    // What the platform said about each upload (hash-match signals), oldest first.
    const uploads = signals
      .flatMap((sg) =>
        sg.item.source.kind === 'hash_match' && sg.item.source.upload
          ? [
              {
                itemId: sg.itemId,
                uploader: sg.item.source.uploader,
                upload: sg.item.source.upload,
                receivedAt: sg.item.receivedAt,
              },
            ]
          : [],
      )
      .sort((a, b) => (a.upload.at ?? a.receivedAt) - (b.upload.at ?? b.receivedAt));
    const files: ReportFileInput[] = [];
    for (const item of items) {
      if (item.kind !== 'media') continue;
      const kept = preserved.find(
        (e) => e.kind === 'media' && e.itemId === item.id && e.purgedAt === null,
      );
      const blobKey = kept?.blobKey ?? item.blobKey;
      if (!blobKey) continue;
      const m = item.media;
      const mine = uploads.filter((u) => u.itemId === item.id);
      const firstAt = mine.find((u) => u.upload.at !== undefined)?.upload.at;
      const ips = distinctCaptures(mine.map((u) => u.upload));
      const devices = mine
        .flatMap((u) =>
          (u.upload.devices ?? []).map((d) => ({
            ...d,
            ...(u.upload.at !== undefined ? { at: u.upload.at } : {}),
          })),
        )
        .slice(0, MAX_CAPTURES);
      files.push({
        itemId: item.id,
        blobKey,
        ...(firstAt !== undefined ? { uploadedAt: firstAt } : {}),
        ...(ips.length > 0 ? { uploadIps: ips } : {}),
        ...(devices.length > 0 ? { devices } : {}),
        ...(m?.md5 ? { md5: m.md5 } : {}),
        ...(m?.sha256 ? { sha256: m.sha256 } : {}),
        ...(m?.pdq ? { pdq: m.pdq } : {}),
        views: views
          .filter((v) => v.itemId === item.id)
          .map((v) => ({ actor: v.actor, mode: v.mode, at: v.at })),
      });
    }
    const account = c.account ?? items.find((i) => i.account)?.account ?? undefined;
    const classification =
      confirm?.classification && CLASSIFICATIONS.has(confirm.classification)
        ? (confirm.classification as IndustryClassification)
        : null;
    return {
      caseId,
      category: category as ReportSubject['category'],
      classification,
      // The earliest of: the case opening, its first signal, an upload time the platform sent.
      incidentAt: Math.min(
        c.openedAt,
        ...items.map((i) => i.firstAt),
        ...uploads.flatMap((u) => (u.upload.at !== undefined ? [u.upload.at] : [])),
      ),
      ...(account ? { reportedAccount: reportedAccountOf(account, uploads) } : {}),
      files,
    };
  }

  private plan(subject: ReportSubject): ReportPlan {
    return planCyberTipReport(subject, this.profile ?? UNCONFIGURED_PROFILE, {
      now: this.now(),
      fullViewModes: this.deps.config.fullViewModes,
    });
  }

  /** Build and validate the report of a case without sending anything. */
  async preview(caseId: string): Promise<ReportPreview> {
    const subject = await this.subjectOf(caseId);
    const plan = this.plan(subject);
    const full = new Set(this.deps.config.fullViewModes);
    const user = plan.report.personOrUserReported;
    const dest = this.destinations.get('cybertipline');
    const problems = [...plan.issues];
    if (!this.profile) {
      problems.unshift({
        path: '/config/reports/reporter',
        code: 'required',
        message: 'reports.reporter is not configured (docs/reporting.md)',
      });
    }
    return {
      caseId,
      destination: 'cybertipline',
      environment: dest?.environment ?? null,
      configured: dest !== undefined && this.profile !== undefined,
      document: plan.document.element ? serializeXml(plan.document.element, { indent: '  ' }) : '',
      documentSha256: createHash('sha256').update(plan.document.xml).digest('hex'),
      summary: {
        category: subject.category,
        incidentType: plan.report.incidentSummary.incidentType,
        incidentDateTime: plan.report.incidentSummary.incidentDateTime,
        classification: subject.classification ?? null,
        reportedUser: user?.espIdentifier
          ? {
              espIdentifier: user.espIdentifier,
              espService: user.espService ?? '',
              ipCaptureEvents: ipViews(user.ipCaptureEvent),
            }
          : null,
      },
      fullViewModes: [...full],
      files: plan.files.map((f, i) => ({
        itemId: f.itemId,
        fileName: f.fileName,
        fileViewedByEsp: f.details.fileViewedByEsp === true,
        exifViewedByEsp: f.details.exifViewedByEsp === true,
        industryClassification: f.details.industryClassification ?? null,
        fileRelevance: f.details.fileRelevance ?? 'Reported',
        views: (subject.files[i]?.views ?? []).map((v) => ({
          actor: v.actor,
          mode: v.mode,
          at: new Date(v.at).toISOString(),
          full: full.has(v.mode),
        })),
        uploadedAt: f.details.uploadedToEspTimestamp ?? null,
        ipCaptureEvents: ipViews(f.details.ipCaptureEvent),
      })),
      problems,
      warnings: plan.warnings,
    };
  }

  /**
   * A reviewer confirms sending the report of a case: the report is rebuilt and validated,
   * stored as a submission (one live submission per case), queued as a job and audited.
   * `documentSha256`, when given, must match the previewed document (what the reviewer saw
   * is what is sent).
   */
  async confirm(
    caseId: string,
    actor: Actor,
    opts: { readonly documentSha256?: string } = {},
  ): Promise<ReportSubmission> {
    const c = await this.deps.cases.get(caseId);
    if (!c) throw new LifeguardError(ErrorCodes.NOT_FOUND, `case '${caseId}' not found`);
    const rule = findTransition('actioned', 'reported')!;
    if (!mayTransition(rule, actor, c.severity)) {
      throw new LifeguardError(
        ErrorCodes.FORBIDDEN,
        'reporting this case needs the child_safety_reviewer role' +
          (c.severity === 'verified_csam' || c.severity === 'possible_csam'
            ? ''
            : ' (or lead, admin)'),
      );
    }
    const dest = this.destinations.get('cybertipline');
    if (!dest || !this.profile) {
      throw new LifeguardError(
        ErrorCodes.CONFLICT,
        'CyberTipline reporting is not configured: set reports.cybertipline credentials and reports.reporter',
      );
    }
    const plan = this.plan(await this.subjectOf(caseId));
    if (plan.issues.length > 0) {
      throw new LifeguardError(
        ErrorCodes.INVALID_REPORT,
        `the report of case '${caseId}' is not valid: ${plan.issues[0]!.path}: ${plan.issues[0]!.message}`,
        { issues: plan.issues.map((i) => ({ ...i })) },
      );
    }
    const sha = createHash('sha256').update(plan.document.xml).digest('hex');
    if (opts.documentSha256 !== undefined && opts.documentSha256 !== sha) {
      throw new LifeguardError(
        ErrorCodes.CONFLICT,
        'the report changed since it was previewed: preview it again before confirming',
      );
    }
    const sub = await this.deps.submissions.create({
      caseId,
      destination: dest.name,
      environment: dest.environment,
      document: plan.document.xml,
      files: plan.files,
      confirmedBy: actor.id,
      now: this.now(),
    });
    await this.deps.audit.append({
      actor: actor.id,
      action: 'report_sent',
      subject: `case:${caseId}`,
      details: {
        phase: 'confirmed',
        submission: sub.id,
        destination: dest.name,
        environment: dest.environment,
        files: sub.files.length,
        documentSha256: sha,
      },
    });
    const payload: ReportJobPayload = {
      submissionId: sub.id,
      actor: { id: actor.id, roles: [...actor.roles] },
    };
    await this.deps.jobs.enqueue(
      REPORT_JOB,
      { ...payload },
      { idempotencyKey: `report:${sub.id}` },
    );
    this.onEnqueued?.();
    return sub;
  }

  /**
   * The members of an export bundle for a case (destinations without an API): the report
   * document, each evidence file read from the blob store (integrity-checked), and
   * `files.json` with each file's hashes and the details its report would claim. The read is
   * audited as an `export`.
   */
  async bundleMembers(
    caseId: string,
    actor: string,
  ): Promise<{ members: TarMember[]; subject: Record<string, string | number | boolean | null> }> {
    const plan = this.plan(await this.subjectOf(caseId));
    if (plan.issues.length > 0) {
      throw new LifeguardError(
        ErrorCodes.INVALID_REPORT,
        `the report of case '${caseId}' is not valid: ${plan.issues[0]!.path}: ${plan.issues[0]!.message}`,
        { issues: plan.issues.map((i) => ({ ...i })) },
      );
    }
    const members: TarMember[] = [{ name: 'report.xml', bytes: Buffer.from(plan.document.xml) }];
    const files = [];
    for (const [i, f] of plan.files.entries()) {
      const bytes = await this.deps.blobs.get(f.blobKey);
      if (!bytes)
        throw new LifeguardError(ErrorCodes.NOT_FOUND, `evidence '${f.blobKey}' is missing`);
      const name = `files/${i + 1}-${f.fileName.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60)}`;
      members.push({ name, bytes });
      files.push({
        member: name,
        itemId: f.itemId,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        md5: createHash('md5').update(bytes).digest('hex'),
        details: f.details,
      });
    }
    members.push({ name: 'files.json', bytes: Buffer.from(JSON.stringify(files, null, 2)) });
    await this.deps.audit.append({
      actor,
      action: 'export',
      subject: `case:${caseId}`,
      details: { what: 'report_bundle', files: files.length },
    });
    return {
      members,
      subject: { caseId, document: 'cybertipline-report', files: files.length },
    };
  }

  /** Submissions of a case with their steps, newest first. */
  async status(caseId: string): Promise<SubmissionView[]> {
    const subs = await this.deps.submissions.forCase(caseId);
    return Promise.all(
      subs.map(async (s) => ({ submission: s, steps: await this.deps.submissions.steps(s.id) })),
    );
  }

  /**
   * Once filed: move the case to `reported` in the confirming reviewer's name (the report id
   * in the reason) and audit it. Idempotent: a case already `reported` is left alone.
   */
  async markReported(s: ReportSubmission, actor: Actor): Promise<void> {
    const c = await this.deps.cases.get(s.caseId);
    if (!c || c.state === 'reported') return;
    await this.deps.cases.transition(
      s.caseId,
      'reported',
      actor,
      `reported:${s.destination}:${s.reportId ?? ''}`,
      this.now(),
    );
    await this.deps.audit.append({
      actor: 'system',
      action: 'report_sent',
      subject: `case:${s.caseId}`,
      details: {
        phase: 'finished',
        submission: s.id,
        destination: s.destination,
        environment: s.environment,
        reportId: s.reportId,
        files: s.files.length,
      },
    });
  }

  /**
   * Run a claimed {@link REPORT_JOB}: drive the submission, then mark the case reported.
   * Transient failures go back to the queue with exponential backoff; the last attempt gives
   * up (retracting an opened report).
   */
  async runJob(job: Job): Promise<void> {
    const p = job.payload as unknown as ReportJobPayload;
    const actor: Actor = { id: p.actor.id, roles: p.actor.roles as Actor['roles'] };
    const giveUp = job.attempts >= this.deps.config.maxAttempts;
    try {
      const s = await this.runner.run(p.submissionId, {
        giveUp,
        heartbeat: () => this.deps.jobs.renew(job, this.deps.leaseMs),
      });
      if (s.state === 'finished') await this.markReported(s, actor);
      await this.deps.jobs.complete(job.id, {
        submissionId: s.id,
        state: s.state,
        reportId: s.reportId,
      });
    } catch (e) {
      // Another worker holds the job now (our lease lapsed): leave it to them.
      if (isLifeguardError(e, ErrorCodes.CONFLICT) && e.details?.takenOver === true) return;
      const code = isLifeguardError(e) ? e.code : ErrorCodes.INTERNAL;
      const message = isLifeguardError(e) ? e.message : 'internal error';
      const retry = giveUp
        ? undefined
        : Math.min(3_600_000, this.deps.config.retryBaseMs * 2 ** Math.max(0, job.attempts - 1));
      await this.deps.jobs.fail(job.id, { code, message }, retry);
    }
  }
}
