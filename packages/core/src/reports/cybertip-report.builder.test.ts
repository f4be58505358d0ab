import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseXml } from '../testing/xml-parse.helper.js';
import {
  planCyberTipReport,
  type ReporterProfile,
  type ReportFileInput,
  type ReportSubject,
} from './cybertip-report.builder.js';
import { buildFileDetailsDocument, validateReportElement } from './cybertip.document.js';
import {
  nextSubmissionStep,
  SUBMISSION_FILE_STATES,
  SUBMISSION_STATES,
} from './report-submission.machine.js';

const profile: ReporterProfile = {
  espService: 'Example Chat',
  reportingPerson: {
    firstName: 'Safety',
    lastName: 'Team',
    email: [{ value: 'safety@example.org' }],
  },
  legalURL: 'https://example.org/legal',
};

const NOW = Date.parse('2026-11-25T12:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

function file(
  itemId: string,
  views: ReportFileInput['views'],
  extra: Partial<ReportFileInput> = {},
): ReportFileInput {
  return {
    itemId,
    blobKey: `media/${itemId}`,
    md5: 'A'.repeat(32),
    sha256: 'b'.repeat(64),
    views,
    ...extra,
  };
}

const subject: ReportSubject = {
  caseId: '7',
  category: 'csam',
  classification: 'B2',
  incidentAt: NOW - 3_600_000,
  reportedAccount: { id: 'u_42', screenName: 'someone' },
  files: [
    file('1', [{ actor: 'r1', mode: 'revealed', at: NOW - 60_000 }]),
    file('2', [{ actor: 'r1', mode: 'blurred', at: NOW - 60_000 }]),
    file('3', [], { relevance: 'Supplemental Reported' }),
  ],
};

describe('planCyberTipReport', () => {
  it('builds a valid report and file details from a confirmed case', () => {
    const plan = planCyberTipReport(subject, profile, { now: NOW });
    expect(plan.issues).toEqual([]);
    const el = parseXml(plan.document.xml);
    expect(validateReportElement(el, NOW)).toEqual([]);
    expect(plan.report.incidentSummary.incidentType).toBe(
      'Child Pornography (possession, manufacture, and distribution)',
    );
    expect(plan.report.personOrUserReported).toEqual({
      espIdentifier: 'u_42',
      espService: 'Example Chat',
      screenName: 'someone',
    });
    expect(plan.files.map((f) => f.details.originalFileHash)).toEqual([
      [
        { value: 'a'.repeat(32), hashType: 'MD5' },
        { value: 'b'.repeat(64), hashType: 'SHA256' },
      ],
      [
        { value: 'a'.repeat(32), hashType: 'MD5' },
        { value: 'b'.repeat(64), hashType: 'SHA256' },
      ],
      [
        { value: 'a'.repeat(32), hashType: 'MD5' },
        { value: 'b'.repeat(64), hashType: 'SHA256' },
      ],
    ]);
  });

  it('claims a view only where a full view is recorded, never for a blurred look', () => {
    const plan = planCyberTipReport(subject, profile, { now: NOW });
    expect(plan.files.map((f) => [f.details.fileViewedByEsp, f.details.exifViewedByEsp])).toEqual([
      [true, false],
      [false, false],
      [false, false],
    ]);
    expect(plan.warnings.map((w) => `${w.code} ${w.path}`)).toEqual([
      'reporter_field_missing /report/reporter/companyTemplate',
      'file_not_viewed /files[2]',
    ]);
  });

  it('puts the classification on Reported files only', () => {
    const plan = planCyberTipReport(subject, profile, { now: NOW });
    expect(plan.files.map((f) => f.details.industryClassification)).toEqual([
      'B2',
      'B2',
      undefined,
    ]);
  });

  it('maps grooming and sextortion to enticement, sextortion annotated', () => {
    const s = planCyberTipReport({ ...subject, category: 'sextortion', files: [] }, profile, {
      now: NOW,
    });
    expect(s.report.incidentSummary.incidentType).toBe(
      'Online Enticement of Children for Sexual Acts',
    );
    expect(s.document.xml).toContain('<reportAnnotations><sextortion/></reportAnnotations>');
    const g = planCyberTipReport({ ...subject, category: 'grooming', files: [] }, profile, {
      now: NOW,
    });
    expect(g.document.xml).not.toContain('reportAnnotations');
    expect(g.issues).toEqual([]);
  });

  it('clamps a future incident time to now', () => {
    const plan = planCyberTipReport({ ...subject, incidentAt: NOW + 86_400_000 }, profile, {
      now: NOW,
    });
    expect(plan.report.incidentSummary.incidentDateTime).toBe(new Date(NOW).toISOString());
    expect(plan.issues).toEqual([]);
  });

  it('lists problems of files by file path and requires a reporter email', () => {
    const plan = planCyberTipReport(
      { ...subject, files: [file('9', [], { locationOfFile: 'x'.repeat(3000) })] },
      { ...profile, reportingPerson: { firstName: 'A' } },
      { now: NOW },
    );
    expect(plan.issues.map((i) => `${i.code} ${i.path}`)).toEqual([
      'required /report/reporter/reportingPerson/email',
      'too_long /files[1]/fileDetails/locationOfFile',
    ]);
  });

  it('reports upload IPs, times and devices as Upload capture events, in schema order', () => {
    const at = NOW - 7_200_000;
    const plan = planCyberTipReport(
      {
        ...subject,
        reportedAccount: {
          id: 'u_42',
          ips: [{ ipAddress: '2001:db8::7', eventName: 'Upload', dateTime: iso(at) }],
        },
        files: [
          file('1', [{ actor: 'r1', mode: 'revealed', at: NOW - 60_000 }], {
            uploadedAt: at,
            uploadIps: [
              { ip: '203.0.113.5', at, port: 50123, possibleProxy: false },
              { ip: '2001:db8::7', at: at + 1000 },
            ],
            devices: [{ idType: 'IMEI', idValue: '490154203237518', at }],
          }),
        ],
      },
      profile,
      { now: NOW },
    );
    expect(plan.issues).toEqual([]);
    expect(plan.document.xml).toContain(
      '<espIdentifier>u_42</espIdentifier><espService>Example Chat</espService>' +
        `<ipCaptureEvent><ipAddress>2001:db8::7</ipAddress><eventName>Upload</eventName><dateTime>${iso(at)}</dateTime></ipCaptureEvent>`,
    );
    const doc = buildFileDetailsDocument({
      reportId: 5,
      fileId: 'f'.repeat(32),
      ...plan.files[0]!.details,
    });
    expect(doc.issues).toEqual([]);
    expect(doc.xml).toContain(`<uploadedToEspTimestamp>${iso(at)}</uploadedToEspTimestamp>`);
    expect(doc.xml).toContain(
      '<ipCaptureEvent><ipAddress>203.0.113.5</ipAddress><eventName>Upload</eventName>' +
        `<dateTime>${iso(at)}</dateTime><possibleProxy>false</possibleProxy><port>50123</port></ipCaptureEvent>` +
        '<ipCaptureEvent><ipAddress>2001:db8::7</ipAddress><eventName>Upload</eventName>' +
        `<dateTime>${iso(at + 1000)}</dateTime></ipCaptureEvent>` +
        '<deviceId><idType>IMEI</idType><idValue>490154203237518</idValue><eventName>Upload</eventName>' +
        `<dateTime>${iso(at)}</dateTime></deviceId>`,
    );
    // The hashes come before the captures (xs:sequence order), whatever the object order.
    expect(doc.xml.indexOf('<originalFileHash')).toBeLessThan(doc.xml.indexOf('<ipCaptureEvent>'));
  });

  it('file details templates become valid documents once ids are known', () => {
    const plan = planCyberTipReport(subject, profile, { now: NOW });
    for (const f of plan.files) {
      const doc = buildFileDetailsDocument({ reportId: 99, fileId: 'f'.repeat(32), ...f.details });
      expect(doc.issues).toEqual([]);
    }
  });
});

describe('nextSubmissionStep', () => {
  const progress = fc.record({
    state: fc.constantFrom(...SUBMISSION_STATES),
    reportId: fc.constant('123'),
    files: fc.array(
      fc.record({
        state: fc.constantFrom(...SUBMISSION_FILE_STATES),
        fileId: fc.option(fc.constant('f'.repeat(32)), { nil: null }),
      }),
      { maxLength: 4 },
    ),
  });

  it('submits only from created, and finishes only when every file is described', () => {
    fc.assert(
      fc.property(progress, (p) => {
        const step = nextSubmissionStep(p);
        if (step.kind === 'submit') expect(p.state).toBe('created');
        if (p.state === 'created') expect(step.kind).toBe('submit');
        if (step.kind === 'finish' && p.state === 'submitted') {
          expect(p.files.every((f) => f.state === 'described')).toBe(true);
        }
        if (step.kind === 'describe') expect(p.files[step.index]?.fileId).not.toBeNull();
      }),
    );
  });

  it('stops in doubt after an unanswered submit, resumes finish and retract', () => {
    expect(nextSubmissionStep({ state: 'submitting', reportId: null, files: [] })).toEqual({
      kind: 'in_doubt',
    });
    expect(nextSubmissionStep({ state: 'finishing', reportId: '1', files: [] })).toEqual({
      kind: 'finish',
    });
    expect(nextSubmissionStep({ state: 'retracting', reportId: '1', files: [] })).toEqual({
      kind: 'retract',
    });
    expect(
      nextSubmissionStep({
        state: 'submitted',
        reportId: '1',
        files: [
          { state: 'described', fileId: 'a' },
          { state: 'uploading', fileId: null },
        ],
      }),
    ).toEqual({ kind: 'upload', index: 1 });
  });
});
