/**
 * Events of the platform's stream that the grooming-risk engine consumes (issue 5). One
 * event per NDJSON line; the same shape will be accepted by `POST /v1/events`.
 */

/** Self-declared or verified age band of an account. `unknown` is never treated as adult or minor. */
export type AgeBand = 'under13' | '13-15' | '16-17' | 'adult' | 'unknown';

/** All age bands, in order from youngest to oldest, then `unknown`. */
export const AGE_BANDS: readonly AgeBand[] = ['under13', '13-15', '16-17', 'adult', 'unknown'];

/** The event types the engine understands. */
export type RiskEventType =
  'account' | 'contact_request' | 'contact_accept' | 'message' | 'block' | 'report';

/** Fields every event has once parsed. */
export interface RiskEventBase {
  /** Optional producer-assigned id; a repeated id is ignored (idempotent ingest). */
  readonly id?: string;
  /** Event time as sent (ISO 8601 with time zone). */
  readonly at: string;
  /** Event time in milliseconds since the epoch, derived from `at` by the parser. */
  readonly atMs: number;
}

/** An account was created or its profile (age band) changed. */
export interface AccountEvent extends RiskEventBase {
  readonly type: 'account';
  readonly user: string;
  /** Missing means `unknown`. */
  readonly ageBand?: AgeBand;
  /** Account creation time in ms since the epoch, when the platform knows it. */
  readonly createdAtMs?: number;
}

/** `from` asked `to` to become a contact (friend request, follow request). */
export interface ContactRequestEvent extends RiskEventBase {
  readonly type: 'contact_request';
  readonly from: string;
  readonly to: string;
}

/** `from` accepted the contact request that `to` sent earlier. */
export interface ContactAcceptEvent extends RiskEventBase {
  readonly type: 'contact_accept';
  readonly from: string;
  readonly to: string;
}

/** `from` sent a direct message to `to`. Text is optional: many platforms will not send it. */
export interface MessageEvent extends RiskEventBase {
  readonly type: 'message';
  readonly from: string;
  readonly to: string;
  readonly conversation?: string;
  readonly text?: string;
}

/** `from` blocked `to`. */
export interface BlockEvent extends RiskEventBase {
  readonly type: 'block';
  readonly from: string;
  readonly to: string;
}

/** `from` reported `to` to the platform. */
export interface ReportEvent extends RiskEventBase {
  readonly type: 'report';
  readonly from: string;
  readonly to: string;
  readonly reason?: string;
}

/** Any event the engine consumes. */
export type RiskEvent =
  AccountEvent | ContactRequestEvent | ContactAcceptEvent | MessageEvent | BlockEvent | ReportEvent;

/** True for the three minor bands. */
export function isMinorBand(band: AgeBand): boolean {
  return band === 'under13' || band === '13-15' || band === '16-17';
}
