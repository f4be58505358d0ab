import type {
  CtContactPerson,
  CtInternetDetails,
  CtIpCaptureEvent,
  CtPerson,
  CtPersonOrUserReported,
  CtVictim,
  CyberTipFileDetails,
  CyberTipReport,
  FileAnnotation,
  FileRelevance,
  IncidentType,
  IndustryClassification,
} from './cybertip-report.model.js';
import {
  buildFileDetailsDocument,
  buildReportDocument,
  type CyberTipDocument,
} from './cybertip.document.js';
import type { ReportIssue, ReportWarning } from './report-issue.model.js';

/** A recorded look at a file (from the case store's view records). */
export interface FileView {
  /** Who looked. */
  readonly actor: string;
  /** How: `blurred`, `revealed`, `text`, ... (the case store's view modes). */
  readonly mode: string;
  /** When (epoch ms). */
  readonly at: number;
}

/** One file of a case to report. */
export interface ReportFileInput {
  /** The case item it comes from. */
  readonly itemId: string;
  /** Where its bytes are (a blob/evidence key). */
  readonly blobKey: string;
  /** Name to give NCMEC (`originalFileName`), when the platform sent one. */
  readonly fileName?: string;
  /** MD5 of the original bytes (hex). */
  readonly md5?: string;
  /** SHA-256 of the original bytes (hex). */
  readonly sha256?: string;
  /** PDQ of the image (hex). */
  readonly pdq?: string;
  /** When the file reached the platform (epoch ms). */
  readonly uploadedAt?: number;
  /** The file's URL at the platform. */
  readonly locationOfFile?: string;
  /** Whether it was publicly available. */
  readonly publiclyAvailable?: boolean;
  /** `Reported` (default) or `Supplemental Reported` (context). */
  readonly relevance?: FileRelevance;
  /** File annotation flags chosen by the reviewer. */
  readonly annotations?: readonly FileAnnotation[];
  /** Every recorded view of this file. */
  readonly views: readonly FileView[];
  /** IPs the file was uploaded from, when the platform sent them (each an `Upload` capture). */
  readonly uploadIps?: readonly UploadIpCapture[];
  /** Device ids captured with the uploads, when the platform sent them. */
  readonly devices?: readonly UploadDeviceCapture[];
}

/** One upload's IP as the platform captured it. */
export interface UploadIpCapture {
  /** IPv4 or IPv6 address. */
  readonly ip: string;
  /** When (epoch ms). */
  readonly at?: number;
  /** Source port. */
  readonly port?: number;
  /** The platform suspects a proxy or VPN. */
  readonly possibleProxy?: boolean;
}

/** One device id captured with an upload. */
export interface UploadDeviceCapture {
  /** Kind of id (IMEI, ...). */
  readonly idType: string;
  /** The id. */
  readonly idValue: string;
  /** When (epoch ms). */
  readonly at?: number;
}

/** An upload IP as a CyberTipline `<ipCaptureEvent>` (event `Upload`). */
export function uploadCaptureEvent(c: UploadIpCapture): CtIpCaptureEvent {
  return {
    ipAddress: c.ip,
    eventName: 'Upload',
    ...(c.at !== undefined ? { dateTime: iso(c.at) } : {}),
    ...(c.possibleProxy !== undefined ? { possibleProxy: c.possibleProxy } : {}),
    ...(c.port !== undefined ? { port: c.port } : {}),
  };
}

/** The reported account (the suspect), as far as the platform knows it. */
export interface ReportedAccountInput {
  /** The platform's user id. */
  readonly id: string;
  /** Screen name. */
  readonly screenName?: string;
  /** Display names. */
  readonly displayNames?: readonly string[];
  /** Profile URLs. */
  readonly profileUrls?: readonly string[];
  /** Email addresses. */
  readonly emails?: readonly string[];
  /** IP captures. */
  readonly ips?: readonly CtIpCaptureEvent[];
}

/** What a confirmed case says, ready to be reported. */
export interface ReportSubject {
  /** The case. */
  readonly caseId: string;
  /** The reviewer's confirmed category (only these are reportable). */
  readonly category: 'csam' | 'sextortion' | 'grooming';
  /** The reviewer's industry classification, for `Reported` files. */
  readonly classification?: IndustryClassification | null;
  /** When the incident happened, or the earliest signal (epoch ms). */
  readonly incidentAt: number;
  /** Reason to escalate (a child in imminent danger), if any. */
  readonly escalate?: string;
  /** The reported account. */
  readonly reportedAccount?: ReportedAccountInput;
  /** Known victims' accounts (platform ids). */
  readonly victims?: readonly { readonly id: string; readonly age?: number }[];
  /** URLs where the content was. */
  readonly urls?: readonly string[];
  /** Files to upload. */
  readonly files: readonly ReportFileInput[];
  /** Log-safe note for NCMEC (≤ 3000). Never a user's report text. */
  readonly additionalInfo?: string;
}

/** The reporting company, from configuration. */
export interface ReporterProfile {
  /** The platform's service name (`espService`, `platform`). */
  readonly espService: string;
  /** The person filing (NCMEC sends its receipt to their email). */
  readonly reportingPerson: CtPerson;
  /** Law-enforcement-facing contact. */
  readonly contactPerson?: CtContactPerson;
  /** Company boilerplate (legal-process service, retention, 24 h phone). */
  readonly companyTemplate?: string;
  /** Terms of service text or URL. */
  readonly termsOfService?: string;
  /** URL of the legal page. */
  readonly legalURL?: string;
}

/** Options of {@link planCyberTipReport}. */
export interface ReportPlanOptions {
  /** Now (epoch ms): the incident time is clamped to it. */
  readonly now: number;
  /**
   * View modes that count as a person viewing the whole file (`fileViewedByEsp`). Default
   * `['revealed']`: a blurred or greyscale look may not count as viewing for private-search
   * purposes (docs/reporting.md), so it is never claimed as one.
   */
  readonly fullViewModes?: readonly string[];
  /** View modes that count as viewing the file's EXIF (`exifViewedByEsp`). Default `['exif']`. */
  readonly exifViewModes?: readonly string[];
}

/** The `<fileDetails>` of one file, without the ids NCMEC assigns during the submission. */
export type FileDetailsTemplate = Omit<CyberTipFileDetails, 'reportId' | 'fileId'>;

/** One file to upload and describe. */
export interface PlannedFile {
  /** The case item. */
  readonly itemId: string;
  /** Where its bytes are. */
  readonly blobKey: string;
  /** Name used for the upload. */
  readonly fileName: string;
  /** The file's `<fileDetails>` without ids. */
  readonly details: FileDetailsTemplate;
}

/** A report ready for a reviewer to confirm: the document, the files, problems and warnings. */
export interface ReportPlan {
  /** The `<report>` model. */
  readonly report: CyberTipReport;
  /** The built and validated `<report>` document. */
  readonly document: CyberTipDocument;
  /** Files in upload order. */
  readonly files: readonly PlannedFile[];
  /** Blocking problems (report and every file); sending is refused while any exist. */
  readonly issues: readonly ReportIssue[];
  /** Things the reviewer should know before confirming. */
  readonly warnings: readonly ReportWarning[];
}

/** The CyberTipline incident type of each reportable category (18 U.S.C. 2258A(a)(2)(A)). */
export const INCIDENT_TYPE_OF: Readonly<Record<ReportSubject['category'], IncidentType>> = {
  csam: 'Child Pornography (possession, manufacture, and distribution)',
  sextortion: 'Online Enticement of Children for Sexual Acts',
  grooming: 'Online Enticement of Children for Sexual Acts',
};

/** Placeholder ids to validate a file's details before NCMEC has assigned the real ones. */
const PLACEHOLDER_IDS = { reportId: 1, fileId: '0'.repeat(32) } as const;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function hashesOf(f: ReportFileInput): { value: string; hashType: string }[] {
  const out: { value: string; hashType: string }[] = [];
  if (f.md5) out.push({ value: f.md5.toLowerCase(), hashType: 'MD5' });
  if (f.sha256) out.push({ value: f.sha256.toLowerCase(), hashType: 'SHA256' });
  if (f.pdq) out.push({ value: f.pdq.toLowerCase(), hashType: 'PDQ' });
  return out;
}

function reportedUser(a: ReportedAccountInput, espService: string): CtPersonOrUserReported {
  return {
    espIdentifier: a.id,
    espService,
    ...(a.screenName ? { screenName: a.screenName } : {}),
    ...(a.displayNames?.length ? { displayName: a.displayNames } : {}),
    ...(a.profileUrls?.length ? { profileUrl: a.profileUrls } : {}),
    ...(a.ips?.length ? { ipCaptureEvent: a.ips } : {}),
    ...(a.emails?.length
      ? { personOrUserReportedPerson: { email: a.emails.map((value) => ({ value })) } }
      : {}),
  };
}

function fileDetails(
  f: ReportFileInput,
  subject: ReportSubject,
  full: ReadonlySet<string>,
  exif: ReadonlySet<string>,
): FileDetailsTemplate {
  const relevance = f.relevance ?? 'Reported';
  const annotations = Object.fromEntries((f.annotations ?? []).map((a) => [a, true as const]));
  const hashes = hashesOf(f);
  return {
    ...(f.fileName ? { originalFileName: f.fileName } : {}),
    ...(f.uploadedAt !== undefined ? { uploadedToEspTimestamp: iso(f.uploadedAt) } : {}),
    ...(f.locationOfFile ? { locationOfFile: f.locationOfFile } : {}),
    // Never claim a view that is not recorded: both flags come from the view records only.
    fileViewedByEsp: f.views.some((v) => full.has(v.mode)),
    exifViewedByEsp: f.views.some((v) => exif.has(v.mode)),
    ...(f.publiclyAvailable !== undefined ? { publiclyAvailable: f.publiclyAvailable } : {}),
    fileRelevance: relevance,
    ...(Object.keys(annotations).length > 0 ? { fileAnnotations: annotations } : {}),
    ...(relevance === 'Reported' && subject.classification
      ? { industryClassification: subject.classification }
      : {}),
    ...(hashes.length > 0 ? { originalFileHash: hashes } : {}),
    ...(f.uploadIps?.length ? { ipCaptureEvent: f.uploadIps.map(uploadCaptureEvent) } : {}),
    ...(f.devices?.length
      ? {
          deviceId: f.devices.map((d) => ({
            idType: d.idType,
            idValue: d.idValue,
            eventName: 'Upload' as const,
            ...(d.at !== undefined ? { dateTime: iso(d.at) } : {}),
          })),
        }
      : {}),
  };
}

/**
 * Turn a confirmed case into a CyberTipline report plan: the `<report>` document (incident
 * summary with type and time; reporter; reported user; victims; internet details; additional
 * info) and one `<fileDetails>` template per file, all validated. `fileViewedByEsp` and
 * `exifViewedByEsp` are derived from the recorded views of each file and nothing else (US v.
 * Wilson, 9th Cir. 2021: what a person at the platform actually viewed matters). Pure.
 */
export function planCyberTipReport(
  subject: ReportSubject,
  profile: ReporterProfile,
  opts: ReportPlanOptions,
): ReportPlan {
  const full = new Set(opts.fullViewModes ?? ['revealed']);
  const exif = new Set(opts.exifViewModes ?? ['exif']);
  const internet: CtInternetDetails[] = [];
  if (subject.urls?.length) internet.push({ webPageIncident: { url: subject.urls } });
  const victims: CtVictim[] = (subject.victims ?? []).map((v) => ({
    victimPerson: v.age !== undefined ? { age: v.age } : {},
    espIdentifier: v.id,
    espService: profile.espService,
  }));
  const report: CyberTipReport = {
    incidentSummary: {
      incidentType: INCIDENT_TYPE_OF[subject.category],
      platform: profile.espService,
      ...(subject.escalate ? { escalateToHighPriority: subject.escalate } : {}),
      ...(subject.category === 'sextortion' ? { reportAnnotations: { sextortion: true } } : {}),
      // NCMEC refuses a time in the future; a skewed platform clock must not block a report.
      incidentDateTime: iso(Math.min(subject.incidentAt, opts.now)),
    },
    ...(internet.length > 0 ? { internetDetails: internet } : {}),
    reporter: {
      reportingPerson: profile.reportingPerson,
      ...(profile.contactPerson ? { contactPerson: profile.contactPerson } : {}),
      ...(profile.companyTemplate ? { companyTemplate: profile.companyTemplate } : {}),
      ...(profile.termsOfService ? { termsOfService: profile.termsOfService } : {}),
      ...(profile.legalURL ? { legalURL: profile.legalURL } : {}),
    },
    ...(subject.reportedAccount
      ? { personOrUserReported: reportedUser(subject.reportedAccount, profile.espService) }
      : {}),
    ...(victims.length > 0 ? { victim: victims } : {}),
    ...(subject.additionalInfo ? { additionalInfo: subject.additionalInfo } : {}),
  };
  const document = buildReportDocument(report, opts.now);
  const issues: ReportIssue[] = [...document.issues];
  const warnings: ReportWarning[] = [];
  if (!profile.reportingPerson.email?.length) {
    issues.push({
      path: '/report/reporter/reportingPerson/email',
      code: 'required',
      message: 'the reporting person needs an email (NCMEC sends its receipt there)',
    });
  }
  // Coop's field-coverage tests treat these two as required by the XSD (NCMEC's documentation
  // says only the incident type and time are): warn rather than block (docs/reporting.md).
  for (const field of ['companyTemplate', 'legalURL'] as const) {
    if (!profile[field]) {
      warnings.push({
        path: `/report/reporter/${field}`,
        code: 'reporter_field_missing',
        message: `reports.reporter.${field} is not configured: ROOST Coop always sends it and NCMEC may refuse the report without it`,
      });
    }
  }
  const files: PlannedFile[] = subject.files.map((f, i) => {
    const details = fileDetails(f, subject, full, exif);
    const at = `/files[${i + 1}]`;
    for (const issue of buildFileDetailsDocument({ ...PLACEHOLDER_IDS, ...details }).issues) {
      issues.push({ ...issue, path: `${at}${issue.path}` });
    }
    const reported = details.fileRelevance === 'Reported';
    if (reported && !details.fileViewedByEsp) {
      warnings.push({
        path: at,
        code: 'file_not_viewed',
        message:
          'no one is recorded as viewing this file in full: it is reported with ' +
          'fileViewedByEsp=false, and law enforcement may need a warrant to open it',
      });
    }
    if (reported && !details.industryClassification) {
      warnings.push({
        path: at,
        code: 'no_classification',
        message: 'no industry classification (A1/A2/B1/B2) was chosen',
      });
    }
    if (!details.originalFileHash) {
      warnings.push({ path: at, code: 'no_hash', message: 'no original file hash is known' });
    }
    return {
      itemId: f.itemId,
      blobKey: f.blobKey,
      fileName: f.fileName ?? `item-${f.itemId}`,
      details,
    };
  });
  if (subject.category === 'csam' && files.length === 0) {
    warnings.push({
      path: '/files',
      code: 'no_files',
      message: 'a CSAM report without files: no evidence copy was kept for this case',
    });
  }
  return { report, document, files, issues, warnings };
}
