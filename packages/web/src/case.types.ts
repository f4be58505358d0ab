/**
 * Shapes the console reads from the case API (docs/cases.md, docs/openapi.json). Kept to the
 * fields the console uses; everything else the server sends is ignored.
 */

/** Case states. */
export type CaseState = 'open' | 'in_review' | 'actioned' | 'dismissed' | 'escalated' | 'reported';
/** Severities, most severe first. */
export type CaseSeverity = 'verified_csam' | 'possible_csam' | 'grooming_live_contact' | 'other';
/** Roles of console users. */
export type Role = 'admin' | 'lead' | 'reviewer' | 'child_safety_reviewer';

/** The logged-in user. */
export interface User {
  readonly id: string;
  readonly username: string;
  readonly roles: readonly Role[];
  readonly disabled: boolean;
  readonly totpEnabled: boolean;
}

/** A queue row / case header (times in epoch ms). */
export interface CaseRow {
  readonly id: string;
  readonly state: CaseState;
  readonly severity: CaseSeverity;
  readonly priority: number;
  readonly items: number;
  readonly reports: number;
  readonly account: string | null;
  readonly assignee: string | null;
  readonly openedAt: number;
  readonly updatedAt: number;
  readonly needsConfirmation?: boolean;
  /** SLA deadline (epoch ms). */
  readonly slaDueAt: number;
  /** When the SLA check marked the breach, or null. */
  readonly slaBreachedAt: number | null;
  readonly sla: {
    readonly dueAt: number;
    readonly remainingMs: number;
    readonly breached: boolean;
  };
  readonly summary?: {
    readonly autoActioned?: boolean;
    readonly views?: number;
    readonly shares?: number;
  };
  readonly linkedTo?: readonly string[];
  readonly alsoMatches?: readonly string[];
}

/** One match behind a hash-match signal. */
export interface Match {
  readonly bankName?: string;
  readonly bank?: string;
  readonly entryId: number;
  readonly signal: string;
  readonly distance: number;
  readonly threshold: number;
  readonly labels: readonly string[];
  readonly classification?: string | null;
}

/** An evidence span of a text signal. */
export interface EvidenceSpan {
  readonly match: string;
  readonly start: number;
  readonly end: number;
  readonly at: string;
}

/** One reason behind a risk score. */
export interface RiskReason {
  readonly signal: string;
  readonly value: number;
  readonly window: string;
  readonly weight: number;
  readonly contribution: number;
  readonly evidence?: readonly EvidenceSpan[];
}

/** The source of a signal (discriminated by `kind`). */
export type Source =
  | {
      readonly kind: 'hash_match';
      readonly verdict: string;
      readonly rule: string;
      readonly matches: readonly Match[];
      readonly uploader?: string;
      readonly media?: MediaRef;
    }
  | {
      readonly kind: 'risk_alert';
      readonly account: string;
      readonly score: number;
      readonly reasons: readonly RiskReason[];
      readonly minorsInContact: readonly string[];
      readonly lastMinorContactAt?: number;
    }
  | {
      readonly kind: 'user_report';
      readonly reporter: string;
      readonly reason: string;
      readonly reportedAccount?: string;
      readonly reportedContent?: MediaRef;
    }
  | { readonly kind: 'manual'; readonly createdBy: string; readonly severity: string };

/** Hashes and id of a piece of media. */
export interface MediaRef {
  readonly contentId?: string;
  readonly md5?: string;
  readonly sha256?: string;
  readonly pdq?: string;
}

/** A signal folded into a case. */
export interface Signal {
  readonly id: string;
  readonly itemId: string;
  readonly kind: Source['kind'];
  readonly severity: CaseSeverity;
  readonly via: string;
  readonly receivedAt: number;
  readonly source: Source;
  /** Report free text, when the caller may see this case's content. */
  readonly text?: string | null;
  /** True when report text exists but the caller's role may not see it. */
  readonly textWithheld?: boolean;
}

/** A distinct media or account inside a case. */
export interface Item {
  readonly id: string;
  readonly kind: 'media' | 'account';
  readonly media: MediaRef | null;
  readonly account: string | null;
  readonly severity: CaseSeverity;
  readonly count: number;
  readonly firstAt: number;
  readonly lastAt: number;
  readonly hasMedia: boolean;
}

/** A state change. */
export interface Transition {
  readonly from: CaseState;
  readonly to: CaseState;
  readonly actor: string;
  readonly at: number;
  readonly reason: string;
}

/** A recorded view. */
export interface View {
  readonly itemId: string;
  readonly actor: string;
  readonly mode: string;
  readonly at: number;
}

/** A recorded decision. */
export interface Decision {
  readonly actor: string;
  readonly at: number;
  readonly decision: { readonly kind: string; readonly category?: string };
  readonly classification?: string | null;
}

/** Everything the case view shows. */
export interface CaseDetail {
  readonly case: CaseRow;
  /** Why the case is where it is in the queue. */
  readonly priority: {
    readonly score: number;
    readonly components: readonly {
      readonly name: string;
      readonly points: number;
      readonly explanation: string;
    }[];
  };
  readonly items: readonly Item[];
  readonly signals: readonly Signal[];
  readonly transitions: readonly Transition[];
  readonly decisions: readonly Decision[];
  readonly views: readonly View[];
  /** Other cases about the accounts of this one. */
  readonly accountHistory: readonly CaseRow[];
  /** States the caller may move the case to now. */
  readonly allowedTransitions: readonly CaseState[];
  /** False when the caller's role may not see this case's media (CSAM cases). */
  readonly mayViewMedia: boolean;
}

/** The caller's media exposure today (GET /v1/cases/exposure). */
export interface Exposure {
  /** Revealed views since UTC midnight. */
  readonly today: number;
  readonly cap: number;
  readonly dayStart: number;
}

/** True for severities whose media only child-safety reviewers may see. */
export function isCsam(s: CaseSeverity): boolean {
  return s === 'verified_csam' || s === 'possible_csam';
}
