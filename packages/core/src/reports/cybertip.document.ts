import type { CyberTipFileDetails, CyberTipReport } from './cybertip-report.model.js';
import {
  CYBERTIP_SCHEMA_LOCATION,
  FILE_DETAILS_SCHEMA,
  REPORT_SCHEMA,
} from './cybertip-schema.data.js';
import type { ReportIssue } from './report-issue.model.js';
import { emitFromSchema } from './schema-xml.emitter.js';
import { validateAgainstSchema } from './schema.validator.js';
import { serializeXml, XSI_NAMESPACE, type XmlElement } from './xml.model.js';

/** A built CyberTipline document: its tree, its XML text and every problem found. */
export interface CyberTipDocument {
  /** The element tree (undefined only when the input was not an object at all). */
  readonly element: XmlElement | undefined;
  /** The compact XML text to send (empty when `element` is undefined). */
  readonly xml: string;
  /** Schema and rule problems; the document may only be sent when this is empty. */
  readonly issues: readonly ReportIssue[];
}

const ROOT_ATTRS: readonly (readonly [string, string])[] = [
  ['xmlns:xsi', XSI_NAMESPACE],
  ['xsi:noNamespaceSchemaLocation', CYBERTIP_SCHEMA_LOCATION],
];

function find(el: XmlElement, ...names: string[]): XmlElement | undefined {
  let cur: XmlElement | undefined = el;
  for (const n of names) cur = cur?.children.find((c) => c.name === n);
  return cur;
}

/**
 * Validate a `<report>` tree: the schema, plus `incidentDateTime` not in the future (NCMEC
 * rejects it; Coop clamps it) when `now` (epoch ms) is given.
 */
export function validateReportElement(el: XmlElement, now?: number): ReportIssue[] {
  const issues = validateAgainstSchema(REPORT_SCHEMA, el);
  const t = find(el, 'incidentSummary', 'incidentDateTime')?.text;
  if (now !== undefined && t !== undefined && Date.parse(t) > now + 60_000) {
    issues.push({
      path: '/report/incidentSummary/incidentDateTime',
      code: 'rule',
      message: 'is in the future',
    });
  }
  return issues;
}

/**
 * Validate a `<fileDetails>` tree: the schema, plus the documented rule that only `Reported`
 * files may carry `industryClassification` or the `potentialMeme` annotation.
 */
export function validateFileDetailsElement(el: XmlElement): ReportIssue[] {
  const issues = validateAgainstSchema(FILE_DETAILS_SCHEMA, el);
  if (find(el, 'fileRelevance')?.text === 'Supplemental Reported') {
    if (find(el, 'industryClassification')) {
      issues.push({
        path: '/fileDetails/industryClassification',
        code: 'rule',
        message: 'only Reported files may carry an industry classification',
      });
    }
    if (find(el, 'fileAnnotations', 'potentialMeme')) {
      issues.push({
        path: '/fileDetails/fileAnnotations/potentialMeme',
        code: 'rule',
        message: 'only Reported files may be marked potentialMeme',
      });
    }
  }
  return issues;
}

function finish(
  emitted: { element: XmlElement | undefined; issues: readonly ReportIssue[] },
  validate: (el: XmlElement) => ReportIssue[],
): CyberTipDocument {
  const { element } = emitted;
  if (!element) return { element, xml: '', issues: emitted.issues };
  return {
    element,
    xml: serializeXml(element),
    issues: [...emitted.issues, ...validate(element)],
  };
}

/**
 * Build the `<report>` document of POST /submit in schema order, and validate it. Pure: the
 * caller decides what to do with issues (the submission refuses to send while there are any).
 * @param now epoch ms for the not-in-the-future rule (omit to skip it)
 */
export function buildReportDocument(report: CyberTipReport, now?: number): CyberTipDocument {
  return finish(emitFromSchema(REPORT_SCHEMA, report, ROOT_ATTRS), (el) =>
    validateReportElement(el, now),
  );
}

/** Build and validate the `<fileDetails>` document of POST /fileinfo for one uploaded file. */
export function buildFileDetailsDocument(details: CyberTipFileDetails): CyberTipDocument {
  return finish(
    emitFromSchema(FILE_DETAILS_SCHEMA, details, ROOT_ATTRS),
    validateFileDetailsElement,
  );
}
