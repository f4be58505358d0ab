import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLifeguardError } from '../errors/lifeguard-error.js';
import { parseXml } from '../testing/xml-parse.helper.js';
import type { CyberTipFileDetails, CyberTipReport } from './cybertip-report.model.js';
import { REPORT_SCHEMA } from './cybertip-schema.data.js';
import {
  buildFileDetailsDocument,
  buildReportDocument,
  validateFileDetailsElement,
  validateReportElement,
} from './cybertip.document.js';
import { assertNoIssues } from './report-issue.model.js';
import type { XmlElement } from './xml.model.js';

const golden = (name: string) =>
  readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

// The minimal valid-shaped example of the research notes (shared/research, section 1.8),
// written as the model with its keys deliberately in a different order than the schema's.
const minimal: CyberTipReport = {
  personOrUserReported: {
    ipCaptureEvent: [
      { dateTime: '2025-01-16T09:14:00Z', eventName: 'Upload', ipAddress: '192.0.2.1' },
    ],
    screenName: 'someuser',
    espService: 'Example',
    espIdentifier: 'u_42',
  },
  reporter: {
    legalURL: 'https://example.org/legal',
    companyTemplate: 'Example Ltd',
    reportingPerson: { email: [{ value: 'safety@example.org' }] },
  },
  internetDetails: [{ webPageIncident: { url: ['https://example.org/post/123'] } }],
  incidentSummary: {
    incidentDateTime: '2025-01-16T09:15:00Z',
    incidentType: 'Child Pornography (possession, manufacture, and distribution)',
  },
};

const minimalFile: CyberTipFileDetails = {
  originalFileHash: [{ hashType: 'MD5', value: '0123456789abcdef0123456789abcdef' }],
  industryClassification: 'B2',
  fileRelevance: 'Reported',
  publiclyAvailable: false,
  exifViewedByEsp: false,
  fileViewedByEsp: true,
  originalFileName: 'img.jpg',
  fileId: '3a1d4fd4106b82499b7c93442aa7dca4',
  reportId: 123456,
};

function withChildren(el: XmlElement, children: XmlElement[]): XmlElement {
  return { ...el, children };
}

function paths(issues: readonly { path: string; code: string }[]): string[] {
  return issues.map((i) => `${i.code} ${i.path}`);
}

describe('CyberTipline documents', () => {
  it('emits the minimal report in schema order, byte for byte the golden document', () => {
    const doc = buildReportDocument(minimal, Date.parse('2026-01-01T00:00:00Z'));
    expect(doc.issues).toEqual([]);
    expect(doc.xml).toBe(golden('minimal-report.golden.xml'));
  });

  it('emits the minimal fileDetails byte for byte the golden document', () => {
    const doc = buildFileDetailsDocument(minimalFile);
    expect(doc.issues).toEqual([]);
    expect(doc.xml).toBe(golden('minimal-file-details.golden.xml'));
  });

  it('validates what an independent parser reads back', () => {
    const el = parseXml(golden('minimal-report.golden.xml'));
    expect(validateReportElement(el)).toEqual([]);
    expect(validateFileDetailsElement(parseXml(golden('minimal-file-details.golden.xml')))).toEqual(
      [],
    );
  });

  it('names a missing required element by path', () => {
    const { incidentType: _dropped, ...summary } = minimal.incidentSummary;
    const doc = buildReportDocument({
      ...minimal,
      incidentSummary: summary as CyberTipReport['incidentSummary'],
    });
    expect(paths(doc.issues)).toEqual(['required /report/incidentSummary/incidentType']);
  });

  it('refuses values outside enumerations, lengths, types and XML characters', () => {
    const doc = buildReportDocument({
      ...minimal,
      incidentSummary: {
        incidentType: 'Online Enticement of Children for Sexual Act' as never,
        incidentDateTime: '2025-01-16 09:15',
      },
      personOrUserReported: {
        screenName: 'x'.repeat(257),
        ipCaptureEvent: [{ ipAddress: '192.0.2.1', port: 70000 }],
      },
      additionalInfo: 'bad \u0001 char',
    });
    expect(paths(doc.issues)).toEqual([
      'enum /report/incidentSummary/incidentType',
      'type /report/incidentSummary/incidentDateTime',
      'too_long /report/personOrUserReported/screenName',
      'type /report/personOrUserReported/ipCaptureEvent[1]/port',
      'invalid_char /report/additionalInfo',
    ]);
  });

  it('counts length in characters, not UTF-16 units', () => {
    const emoji = '\u{1F600}'.repeat(256); // 512 UTF-16 units, 256 characters
    const doc = buildReportDocument({
      ...minimal,
      personOrUserReported: { screenName: emoji },
    });
    expect(doc.issues).toEqual([]);
  });

  it('reports unknown model fields instead of dropping them', () => {
    const doc = buildReportDocument({
      ...minimal,
      reporter: { ...minimal.reporter, legalUrl: 'https://example.org' } as never,
    });
    expect(paths(doc.issues)).toEqual(['unknown /report/reporter/legalUrl']);
  });

  it('rejects a zoneless or future incident time', () => {
    const now = Date.parse('2025-01-16T09:00:00Z');
    expect(paths(buildReportDocument(minimal, now).issues)).toEqual([
      'rule /report/incidentSummary/incidentDateTime',
    ]);
    const zoneless = buildReportDocument({
      ...minimal,
      incidentSummary: { ...minimal.incidentSummary, incidentDateTime: '2025-01-16T09:15:00' },
    });
    expect(paths(zoneless.issues)).toEqual(['type /report/incidentSummary/incidentDateTime']);
  });

  it('writes presence flags as empty elements', () => {
    const doc = buildReportDocument({
      ...minimal,
      incidentSummary: {
        ...minimal.incidentSummary,
        reportAnnotations: { informational: true, sextortion: true },
      },
    });
    expect(doc.issues).toEqual([]);
    expect(doc.xml).toContain(
      '<reportAnnotations><sextortion/><informational/></reportAnnotations>',
    );
  });

  it('refuses a classification or potentialMeme on a supplemental file', () => {
    const doc = buildFileDetailsDocument({
      ...minimalFile,
      fileRelevance: 'Supplemental Reported',
      fileAnnotations: { potentialMeme: true },
    });
    expect(paths(doc.issues)).toEqual([
      'rule /fileDetails/industryClassification',
      'rule /fileDetails/fileAnnotations/potentialMeme',
    ]);
  });

  it('requires the hashType attribute and exactly one incident per internetDetails', () => {
    const file = parseXml(golden('minimal-file-details.golden.xml').replace(' hashType="MD5"', ''));
    expect(paths(validateFileDetailsElement(file))).toEqual([
      'required /fileDetails/originalFileHash[1]/@hashType',
    ]);
    const report = parseXml(
      golden('minimal-report.golden.xml').replace(
        '</webPageIncident>',
        '</webPageIncident><chatImIncident/>',
      ),
    );
    expect(paths(validateReportElement(report))).toEqual(['too_many /report/internetDetails[1]']);
  });

  it('flags an element out of order, and only then (any permutation of the top level)', () => {
    const root = parseXml(golden('minimal-report.golden.xml'));
    const order = (REPORT_SCHEMA.children ?? []).map((c) => c.name);
    fc.assert(
      fc.property(
        fc.shuffledSubarray([...root.children], { minLength: root.children.length }),
        (kids) => {
          const issues = validateReportElement(withChildren(root, kids));
          const sorted = kids
            .map((k) => order.indexOf(k.name))
            .every((v, i, a) => i === 0 || a[i - 1]! <= v);
          expect(issues.some((i) => i.code === 'order')).toBe(!sorted);
          if (sorted) expect(issues).toEqual([]);
        },
      ),
    );
  });

  it('escapes any text and attribute value so that a parser reads back the same string', () => {
    // Every XML 1.0 character class, with markup and whitespace characters overrepresented.
    const xmlChar = fc.oneof(
      fc.constantFrom('&', '<', '>', '"', "'", '\r', '\n', '\t', ']]>', ' ', '&amp;', '&#13;'),
      fc.integer({ min: 0x20, max: 0xd7ff }).map((c) => String.fromCharCode(c)),
      fc.integer({ min: 0xe000, max: 0xfffd }).map((c) => String.fromCharCode(c)),
      fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
    );
    const value = fc
      .array(xmlChar, { minLength: 1, maxLength: 40 })
      .map((a) => a.join(''))
      .filter((s) => s.trim() !== '');
    fc.assert(
      fc.property(value, value, (info, name) => {
        const doc = buildReportDocument({
          ...minimal,
          reporter: {
            ...minimal.reporter,
            reportingPerson: {
              email: [{ value: 'safety@example.org', type: 'Work' }],
              firstName: name.slice(0, 50),
            },
          },
          additionalInfo: info,
        });
        const back = parseXml(doc.xml);
        expect(back.children.at(-1)?.text).toBe(info);
        const person = back.children
          .find((c) => c.name === 'reporter')
          ?.children.find((c) => c.name === 'reportingPerson');
        expect(person?.children[0]?.text).toBe(name.slice(0, 50));
        expect(validateReportElement(back).filter((i) => i.code !== 'too_long')).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('escapes attribute values including quotes and line ends', () => {
    const doc = buildFileDetailsDocument({
      ...minimalFile,
      originalFileHash: [{ hashType: 'X"<&\n\t\r', value: 'abc' }],
    });
    const back = parseXml(doc.xml);
    const h = back.children.find((c) => c.name === 'originalFileHash');
    expect(h?.attributes).toEqual([['hashType', 'X"<&\n\t\r']]);
  });

  it('assertNoIssues throws LG_ERR_INVALID_REPORT with every issue', () => {
    const doc = buildReportDocument({ ...minimal, additionalInfo: ' ' });
    try {
      assertNoIssues('report', doc.issues);
      expect.unreachable();
    } catch (e) {
      expect(isLifeguardError(e, 'LG_ERR_INVALID_REPORT')).toBe(true);
      expect((e as { details: { issues: unknown[] } }).details.issues).toEqual([
        { path: '/report/additionalInfo', code: 'required', message: 'is blank' },
      ]);
    }
  });
});
