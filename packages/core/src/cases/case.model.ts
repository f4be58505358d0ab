import type { MatchHit } from '../matching/match.model.js';
import type { RiskReason } from '../risk/risk-result.model.js';
import type { ReportText } from './report-text.model.js';

/**
 * States of a case. `open`, `in_review` and `escalated` are *active*: they absorb new items
 * and their SLA clock runs. `actioned`, `dismissed` and `reported` are *closed*.
 */
export const CASE_STATES = [
  'open',
  'in_review',
  'actioned',
  'dismissed',
  'escalated',
  'reported',
] as const;

/** One of {@link CASE_STATES}. */
export type CaseState = (typeof CASE_STATES)[number];

/** States that absorb new items (see {@link isActiveState}). */
export const ACTIVE_CASE_STATES: readonly CaseState[] = ['open', 'in_review', 'escalated'];

/** True for `open`, `in_review`, `escalated`: the case still absorbs new items. */
export function isActiveState(state: CaseState): boolean {
  return state === 'open' || state === 'in_review' || state === 'escalated';
}

/**
 * Severity classes, most severe first (docs/cases.md):
 * - `verified_csam`: a block verdict on a bank entry labelled as child sexual abuse material
 *   (the hash program verified the entry);
 * - `possible_csam`: a CSAM-labelled match that did not reach a block verdict, a user report
 *   or manual case saying CSAM;
 * - `grooming_live_contact`: a grooming risk alert on an account with a minor in contact;
 * - `other`: everything else.
 */
export const CASE_SEVERITIES = [
  'verified_csam',
  'possible_csam',
  'grooming_live_contact',
  'other',
] as const;

/** One of {@link CASE_SEVERITIES}. */
export type CaseSeverity = (typeof CASE_SEVERITIES)[number];

/** Rank of a severity: 3 for `verified_csam` down to 0 for `other` (higher is worse). */
export function severityRank(s: CaseSeverity): number {
  return CASE_SEVERITIES.length - 1 - CASE_SEVERITIES.indexOf(s);
}

/** True for the two CSAM severities, whose media only `child_safety_reviewer`s may see. */
export function isCsamSeverity(s: CaseSeverity): boolean {
  return s === 'verified_csam' || s === 'possible_csam';
}

/**
 * A piece of media named by its hashes and/or the platform's id for it. Any equal field
 * makes two refs the same media; PDQ also matches within the folding threshold.
 */
export interface MediaRef {
  /** The platform's id of the content (post, upload, message attachment). */
  readonly contentId?: string;
  /** MD5 of the bytes, 32 lowercase hex characters. */
  readonly md5?: string;
  /** SHA-256 of the bytes, 64 lowercase hex characters. */
  readonly sha256?: string;
  /** PDQ hash, 64 hex characters. */
  readonly pdq?: string;
}

/** Why a user reported something; `csam` makes the item `possible_csam`. */
export type ReportReason =
  'csam' | 'grooming' | 'sextortion' | 'self_harm' | 'harassment' | 'other';

/** All report reasons, for validation. */
export const REPORT_REASONS: readonly ReportReason[] = [
  'csam',
  'grooming',
  'sextortion',
  'self_harm',
  'harassment',
  'other',
];

/** A hash match from a scan, with its verdict and the matches that explain it. */
export interface HashMatchSource {
  /** Discriminant. */
  readonly kind: 'hash_match';
  /** The scanned media. */
  readonly media: MediaRef;
  /** The scan verdict (`block` means the content was blocked at once: auto-actioned). */
  readonly verdict: 'block' | 'review' | 'allow';
  /** The rule that decided the verdict, e.g. `label:csam=block`. */
  readonly rule: string;
  /** The kept matches: bank, entry, signal, distance, threshold, labels. */
  readonly matches: readonly MatchHit[];
  /** Account that uploaded the media, when the platform said. */
  readonly uploader?: string;
  /**
   * How the upload reached the platform (IP, port, time, device), when the platform sent it:
   * kept in the evidence metadata and reported to the hotline as IP capture events. Never
   * logged.
   */
  readonly upload?: UploadContext;
}

/** A device identifier the platform captured with an upload (IMEI, advertising id, ...). */
export interface UploadDevice {
  /** What kind of id (`IMEI`, `IDFA`, `AndroidID`, ...), 1..255 characters. */
  readonly idType: string;
  /** The id, 1..2083 characters. */
  readonly idValue: string;
}

/** What the platform knows about how an upload reached it (all optional). */
export interface UploadContext {
  /** The uploader's IP address (IPv4 dotted quad or IPv6 text form). */
  readonly ip?: string;
  /** The uploader's source port, 1..65535. */
  readonly port?: number;
  /** When the platform received the upload (epoch ms, UTC). */
  readonly at?: number;
  /** The platform suspects a proxy or VPN. */
  readonly possibleProxy?: boolean;
  /** Device ids captured with the upload (at most 10). */
  readonly devices?: readonly UploadDevice[];
}

/** A risk engine alert on one account. */
export interface RiskAlertSource {
  /** Discriminant. */
  readonly kind: 'risk_alert';
  /** The scored account. */
  readonly account: string;
  /** Score in [0, 1]. */
  readonly score: number;
  /** The reasons behind the score (signals, values, windows, weights, evidence spans). */
  readonly reasons: readonly RiskReason[];
  /** Minors the account is in contact with (platform ids). */
  readonly minorsInContact: readonly string[];
  /** Time of the latest message between the account and a minor (epoch ms), if any. */
  readonly lastMinorContactAt?: number;
}

/** A report from a user of the platform. */
export interface UserReportSource {
  /** Discriminant. */
  readonly kind: 'user_report';
  /** Reporting account (or an anonymous token the platform chose). */
  readonly reporter: string;
  /** Reported media; at least one of this and `reportedAccount` is present. */
  readonly reportedContent?: MediaRef;
  /** Reported account. */
  readonly reportedAccount?: string;
  /** Reason picked by the reporter. */
  readonly reason: ReportReason;
  /** Free text: redacted in every serialisation (see {@link ReportText}). */
  readonly text?: ReportText;
}

/** A case opened by a staff member. */
export interface ManualSource {
  /** Discriminant. */
  readonly kind: 'manual';
  /** Staff user who opened it. */
  readonly createdBy: string;
  /** Severity chosen by that user. */
  readonly severity: CaseSeverity;
  /** Media concerned, if any. */
  readonly media?: MediaRef;
  /** Account concerned, if any. */
  readonly account?: string;
  /** True when the staff member knows of a minor in contact now. */
  readonly ongoingHarm?: boolean;
}

/** Where an item came from. */
export type CaseSource = HashMatchSource | RiskAlertSource | UserReportSource | ManualSource;

/** How widely the content was seen, as the platform reports it at the time of the item. */
export interface Reach {
  /** Views so far. */
  readonly views?: number;
  /** Shares / forwards so far. */
  readonly shares?: number;
}

/** One signal folded into a case. */
export interface CaseItem {
  /** Id given by the producer (the store's item id). */
  readonly id: string;
  /** When Lifeguard received it (epoch ms, UTC). */
  readonly receivedAt: number;
  /** The signal. */
  readonly source: CaseSource;
  /** Reach of the content at that time. */
  readonly reach?: Reach;
}

/** Reviewer and staff roles (docs/cases.md lists what each may do). */
export type Role = 'admin' | 'lead' | 'reviewer' | 'child_safety_reviewer';

/** All roles, for validation. */
export const ROLES: readonly Role[] = ['admin', 'lead', 'reviewer', 'child_safety_reviewer'];

/** Who acts: a person with roles. */
export interface Actor {
  /** User id. */
  readonly id: string;
  /** The user's roles (any one suffices where a transition allows it). */
  readonly roles: readonly Role[];
}

/** One recorded state change. */
export interface CaseTransition {
  /** State before. */
  readonly from: CaseState;
  /** State after. */
  readonly to: CaseState;
  /** User id of who moved it. */
  readonly actor: string;
  /** When (epoch ms, UTC). */
  readonly at: number;
  /** Why, in the actor's words or a decision code (never report free text). */
  readonly reason: string;
}

/** The media and account an item is about, whatever its source. */
export interface ItemSubject {
  /** Media, when the item is about media. */
  readonly media?: MediaRef;
  /** Account, when the item is about an account. */
  readonly account?: string;
}

/** The media and account an item concerns (hash match: the media and its uploader). */
export function subjectOf(source: CaseSource): ItemSubject {
  switch (source.kind) {
    case 'hash_match':
      return { media: source.media, account: source.uploader };
    case 'risk_alert':
      return { account: source.account };
    case 'user_report':
      return { media: source.reportedContent, account: source.reportedAccount };
    case 'manual':
      return { media: source.media, account: source.account };
  }
}
