/**
 * Where a hotline report goes: a staged submission protocol, the shape of NCMEC's CyberTipline
 * API (open a report, upload each file, describe each file, finish, or retract an unfinished
 * one). Lifeguard drives it as a persisted state machine (`core/reports/report-submission.machine`):
 * every call is recorded before it is made and its result after, so a crash resumes without
 * filing twice. Adapters live in `@lifeguard/server` (`reports/`).
 *
 * Writing a new adapter (an EU Centre under the proposed CSA Regulation, the UK NCA, a national
 * hotline with an API):
 * - `open` must create a report that stays invisible to the recipient until `finish` (or hold
 *   the document locally until `finish` if the destination takes everything in one request);
 * - `upload`/`describe` may be called again for the same file after a crash: make them
 *   idempotent or harmless (a duplicate file inside one unfinished report is acceptable);
 * - `finish` may be called again after a crash: a destination answer meaning "already
 *   finished" must resolve, not throw;
 * - `retract` may be called again: "already retracted" must resolve;
 * - failures throw `LifeguardError` `LG_ERR_DESTINATION_FAILED` with
 *   `details: { destination, step, permanent, httpStatus?, responseCode?, requestId? }`;
 *   `permanent: true` means retrying the same request cannot succeed (validation, auth), and
 *   the runner retracts; otherwise it retries with backoff;
 * - credentials come from configuration and never appear in errors or logs;
 * - documents are the destination's own format, built and validated by its builder in
 *   `core/reports` before anything is sent.
 * Destinations without an API use the signed, encrypted export bundle instead
 * (`lifeguard report bundle`, docs/reporting.md).
 */
export interface ReportDestination {
  /** Stable name stored with each submission (`cybertipline`). */
  readonly name: string;
  /** Environment the adapter talks to (`test`, `production`, or a custom base URL's host). */
  readonly environment: string;
  /** Open a report from its document; returns the destination's report id. */
  open(document: string): Promise<DestinationReceipt & { readonly reportId: string }>;
  /** Upload one file's bytes into an open report; returns the destination's file id. */
  upload(
    reportId: string,
    file: { readonly name: string; readonly bytes: Uint8Array; readonly contentType?: string },
  ): Promise<DestinationReceipt & { readonly fileId: string; readonly md5?: string }>;
  /** Send one uploaded file's details document. */
  describe(reportId: string, document: string): Promise<DestinationReceipt>;
  /** File the report (irreversible). Resolves when already finished. */
  finish(reportId: string): Promise<DestinationReceipt & { readonly fileIds: readonly string[] }>;
  /** Withdraw an unfinished report. Resolves when already retracted. */
  retract(reportId: string): Promise<DestinationReceipt>;
}

/** What every destination answer may carry, for the record. */
export interface DestinationReceipt {
  /** The destination's request id (NCMEC's `Request-ID` header): quote it when contacting them. */
  readonly requestId?: string;
}
