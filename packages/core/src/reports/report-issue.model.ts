import { ErrorCodes, LifeguardError } from '../errors/lifeguard-error.js';

/** Kinds of problems found in a report document. */
export type ReportIssueCode =
  /** A required element or attribute is missing. */
  | 'required'
  /** An element or attribute the schema does not declare here. */
  | 'unknown'
  /** An element appears after one that must follow it. */
  | 'order'
  /** An element appears more often than allowed. */
  | 'too_many'
  /** A value is longer than allowed. */
  | 'too_long'
  /** A value is not one of the allowed values. */
  | 'enum'
  /** A value does not have the right type or form (int, boolean, dateTime, pattern, range). */
  | 'type'
  /** A value holds a character XML 1.0 cannot carry. */
  | 'invalid_char'
  /** A rule across fields (e.g. a supplemental file carries a classification). */
  | 'rule';

/** One problem, located by an XPath-like path (`/report/reporter/reportingPerson/email[1]`). */
export interface ReportIssue {
  /** Where: element path, `@name` for attributes, 1-based `[n]` for repeated elements. */
  readonly path: string;
  /** What kind of problem. */
  readonly code: ReportIssueCode;
  /** For humans; names fields and limits, never the value itself. */
  readonly message: string;
}

/** A problem that does not block sending but that a reviewer should see before confirming. */
export interface ReportWarning {
  /** Where (a file by index, or a document path). */
  readonly path: string;
  /** Stable warning code, e.g. `file_not_viewed`. */
  readonly code: string;
  /** For humans. */
  readonly message: string;
}

/**
 * Throw `LG_ERR_INVALID_REPORT` listing every issue (`details.issues`) when there are any.
 * @param what which document, for the message (`report`, `fileDetails for file 2`)
 */
export function assertNoIssues(what: string, issues: readonly ReportIssue[]): void {
  if (issues.length === 0) return;
  const first = issues[0]!;
  throw new LifeguardError(
    ErrorCodes.INVALID_REPORT,
    `${what} is not valid: ${first.path}: ${first.message}` +
      (issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''),
    { issues: issues.map((i) => ({ ...i })) },
  );
}
