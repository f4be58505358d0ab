/**
 * The hotline report as the console sees it (`POST /v1/cases/{id}/report` preview and
 * `GET /v1/cases/{id}/report` submissions), and the plain-language explanations the report
 * screen shows beside what will be sent. Pure: tested in report.model.test.ts.
 */

/** An IP capture event of the report. */
export interface IpCapture {
  readonly ipAddress: string;
  readonly eventName: string | null;
  readonly dateTime: string | null;
  readonly port: number | null;
}

/** A recorded view of a file. */
export interface FileViewRecord {
  readonly actor: string;
  readonly mode: string;
  readonly at: string;
  /** Counts as viewing the whole file. */
  readonly full: boolean;
}

/** One file of the preview. */
export interface PreviewFile {
  readonly itemId: string;
  readonly fileName: string;
  readonly fileViewedByEsp: boolean;
  readonly exifViewedByEsp: boolean;
  readonly industryClassification: string | null;
  readonly fileRelevance: string;
  readonly views: readonly FileViewRecord[];
  readonly uploadedAt: string | null;
  readonly ipCaptureEvents: readonly IpCapture[];
}

/** A problem or warning of the preview. */
export interface ReportIssue {
  readonly path: string;
  readonly code: string;
  readonly message: string;
}

/** The preview answer. */
export interface ReportPreview {
  readonly caseId: string;
  readonly destination: string;
  readonly environment: string | null;
  readonly configured: boolean;
  readonly document: string;
  readonly documentSha256: string;
  readonly summary: {
    readonly category: string;
    readonly incidentType: string;
    readonly incidentDateTime: string;
    readonly classification: string | null;
    readonly reportedUser: {
      readonly espIdentifier: string;
      readonly espService: string;
      readonly ipCaptureEvents: readonly IpCapture[];
    } | null;
  };
  readonly fullViewModes: readonly string[];
  readonly files: readonly PreviewFile[];
  readonly problems: readonly ReportIssue[];
  readonly warnings: readonly ReportIssue[];
}

/** Submission states (docs/reporting.md, the submission state machine). */
export type SubmissionState =
  | 'created'
  | 'submitting'
  | 'submitted'
  | 'finishing'
  | 'finished'
  | 'retracting'
  | 'retracted'
  | 'failed';

/** One submission with its steps. */
export interface Submission {
  readonly id: string;
  readonly destination: string;
  readonly environment: string;
  readonly state: SubmissionState;
  readonly reportId: string | null;
  readonly confirmedBy: string;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly files: readonly {
    readonly index: number;
    readonly itemId: string;
    readonly state: string;
    readonly fileId: string | null;
  }[];
  readonly steps: readonly {
    readonly seq: number;
    readonly step: string;
    readonly fileIndex: number | null;
    readonly phase: 'begin' | 'ok' | 'error';
    readonly at: string;
  }[];
}

/** A preserved evidence record (`GET /v1/cases/{id}/evidence`). */
export interface EvidenceRecordView {
  readonly id: string;
  readonly kind: 'media' | 'metadata' | 'conversation';
  readonly itemId: string | null;
  readonly sha256: string;
  readonly size: number;
  readonly trigger: string;
  readonly preservedAt: string;
  readonly holdUntil: string;
  readonly purgedAt: string | null;
}

/** States after which nothing more happens without a person. */
export function isTerminal(state: SubmissionState): boolean {
  return state === 'finished' || state === 'retracted' || state === 'failed';
}

/** A submission that blocks confirming again (the server allows one live one per case). */
export function isLive(state: SubmissionState): boolean {
  return state !== 'retracted' && state !== 'failed';
}

/** What each submission state means, for the progress list. */
export const STATE_TEXT: Readonly<Record<SubmissionState, string>> = {
  created: 'Confirmed and queued: nothing sent yet',
  submitting: 'Opening the report at NCMEC',
  submitted: 'Report opened; uploading files and their details',
  finishing: 'Asking NCMEC to file the report',
  finished: 'Filed with NCMEC',
  retracting: 'Withdrawing the unfinished report after an error',
  retracted: 'Withdrawn: NCMEC discarded the unfinished report; nothing was filed',
  failed: 'Stopped: needs a person to look (see the error)',
};

/** Tech Coalition industry classification, in words. */
export const CLASSIFICATION_TEXT: Readonly<Record<string, string>> = {
  A1: 'A1: prepubescent minor, sex act',
  A2: 'A2: prepubescent minor, lascivious exhibition',
  B1: 'B1: pubescent minor, sex act',
  B2: 'B2: pubescent minor, lascivious exhibition',
};

function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

/**
 * Why the report says a file was or was not viewed by the platform (`fileViewedByEsp`),
 * from the recorded views only: the first full view that justifies `true`, or what was (not)
 * recorded and what `false` means for law enforcement.
 */
export function explainViewed(f: PreviewFile, fullViewModes: readonly string[]): string {
  const full = f.views.find((v) => v.full);
  if (f.fileViewedByEsp && full) {
    return `Yes: ${full.actor} viewed the whole file (${full.mode}) at ${when(full.at)}.`;
  }
  const modes = fullViewModes.join(' or ');
  const base =
    f.views.length === 0
      ? 'No: nobody is recorded as having viewed this file.'
      : `No: only ${[...new Set(f.views.map((v) => v.mode))].join(', ')} view(s) are recorded, ` +
        `and only a ${modes} view counts as viewing the whole file.`;
  return `${base} NCMEC is told it was not viewed; law enforcement may need a warrant to open it.`;
}

/** Why `exifViewedByEsp` is what it is. */
export function explainExif(f: PreviewFile): string {
  return f.exifViewedByEsp
    ? 'Yes: an EXIF view is recorded.'
    : 'No: no EXIF view is recorded (the console has no EXIF viewer).';
}

/** The report id a `reported` case carries in its transition reason, if any. */
export function reportIdOf(
  transitions: readonly { readonly to: string; readonly reason: string }[],
): { readonly destination: string; readonly reportId: string } | null {
  for (let i = transitions.length - 1; i >= 0; i--) {
    const t = transitions[i]!;
    const m = /^reported:([^:]+):(.+)$/.exec(t.reason);
    if (t.to === 'reported' && m) return { destination: m[1]!, reportId: m[2]! };
  }
  return null;
}

/** Categories a hotline report can be filed for (the server's rule, docs/reporting.md). */
const REPORTABLE_CATEGORIES: ReadonlySet<string> = new Set(['csam', 'grooming', 'sextortion']);

/** True when the latest confirmation of a case is in a reportable category. */
export function confirmedReportable(
  decisions: readonly {
    readonly decision: { readonly kind: string; readonly category?: string };
  }[],
): boolean {
  for (let i = decisions.length - 1; i >= 0; i--) {
    const d = decisions[i]!.decision;
    if (d.kind === 'confirm') return REPORTABLE_CATEGORIES.has(d.category ?? '');
  }
  return false;
}
