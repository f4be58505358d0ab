import type {
  Actor,
  CaseItem,
  CaseSeverity,
  CaseState,
  CaseTransition,
  MediaRef,
} from '../cases/case.model.js';
import type { FoldVia } from '../cases/case.folder.js';
import type { CaseSummary } from '../cases/case-summary.model.js';
import type { DecisionPlan, ReviewDecision } from '../cases/review-decision.policy.js';

/** A case as stored: the core record's facts plus the queue's derived columns. */
export interface StoredCase {
  /** Case id (a decimal number as a string; assigned by the store, increasing). */
  readonly id: string;
  /** Current state. */
  readonly state: CaseState;
  /** Most severe item severity. */
  readonly severity: CaseSeverity;
  /** Priority score as last computed (at `scoredAt`); the queue orders by it. */
  readonly priority: number;
  /** When `priority` was computed (epoch ms). */
  readonly scoredAt: number;
  /** Facts aggregated over the signals. */
  readonly summary: CaseSummary;
  /** Closed cases about the same media or account that this one follows. */
  readonly linkedTo: readonly string[];
  /** Other active cases a signal of this case also matched (merge candidates). */
  readonly alsoMatches: readonly string[];
  /** The account the case is mainly about (first account named), or null. */
  readonly account: string | null;
  /** Who claimed it last (set on `in_review`), or null. */
  readonly assignee: string | null;
  /** First signal (epoch ms). */
  readonly openedAt: number;
  /** Last change (epoch ms). */
  readonly updatedAt: number;
  /** When it last closed, or null while active. */
  readonly closedAt: number | null;
  /** SLA deadline (epoch ms). */
  readonly slaDueAt: number;
  /** When the periodic check marked the breach, or null. */
  readonly slaBreachedAt: number | null;
  /** First reviewer decision (epoch ms), or null. */
  readonly decidedAt: number | null;
  /** First action taken (a block verdict at intake or a confirm), or null. */
  readonly actionedAt: number | null;
  /** Incremented on every change (optimistic checks, ETags). */
  readonly version: number;
}

/**
 * One distinct thing to review inside a case: a piece of media (all signals about the same
 * bytes or content id fold into one item, with a count) or an account.
 */
export interface StoredCaseItem {
  /** Item id. */
  readonly id: string;
  /** Owning case. */
  readonly caseId: string;
  /** `media` or `account`. */
  readonly kind: 'media' | 'account';
  /** The media's hashes and content id (union over its signals), for media items. */
  readonly media: MediaRef | null;
  /** The account, for account items (and the uploader / reported account of media). */
  readonly account: string | null;
  /** Most severe signal severity on this item. */
  readonly severity: CaseSeverity;
  /** Signals folded into this item. */
  readonly count: number;
  /** First and last signal (epoch ms). */
  readonly firstAt: number;
  /** Last signal (epoch ms). */
  readonly lastAt: number;
  /** Key of the review copy in the blob store (`media/<sha256>`), or null. */
  readonly blobKey: string | null;
}

/** One arrival (scan match, risk alert, report, manual entry), as stored. */
export interface StoredSignal {
  /** Signal id. */
  readonly id: string;
  /** Case. */
  readonly caseId: string;
  /** Item it folded into. */
  readonly itemId: string;
  /** The core item (report free text comes back wrapped in `ReportText`). */
  readonly item: CaseItem;
  /** Its severity. */
  readonly severity: CaseSeverity;
  /** Which key brought it to the case (`opened` for the signal that opened it). */
  readonly via: FoldVia | 'opened';
}

/** A reviewer decision as stored. */
export interface StoredDecision {
  /** Decision id. */
  readonly id: string;
  /** Case. */
  readonly caseId: string;
  /** Reviewer. */
  readonly actor: string;
  /** When (epoch ms). */
  readonly at: number;
  /** The decision. */
  readonly decision: ReviewDecision;
  /**
   * Industry classification (`A1`, `A2`, `B1`, `B2`: the tech-industry CSAM classification
   * scheme used in NCMEC reports) for confirmed CSAM, or null.
   */
  readonly classification: string | null;
  /** Log-safe note (a decision code or the reviewer's words), or null. */
  readonly note: string | null;
  /** What it implied: target state, actions, feedback, reportable. */
  readonly plan: DecisionPlan;
}

/** How a reviewer looked at an item. */
export type ViewMode = 'blurred' | 'revealed' | 'text';

/** All view modes, for validation. */
export const VIEW_MODES: readonly ViewMode[] = ['blurred', 'revealed', 'text'];

/** A recorded look at an item. */
export interface StoredView {
  /** View id. */
  readonly id: string;
  /** Case. */
  readonly caseId: string;
  /** Item. */
  readonly itemId: string;
  /** Reviewer. */
  readonly actor: string;
  /** How. */
  readonly mode: ViewMode;
  /** When (epoch ms). */
  readonly at: number;
}

/** Bank feedback of a decision, applied after the decision commits. */
export interface StoredFeedback {
  /** Feedback id. */
  readonly id: string;
  /** Case. */
  readonly caseId: string;
  /** `local_block` or `allow`. */
  readonly bank: 'local_block' | 'allow';
  /** Signal type (`pdq`, `md5`, `sha256`). */
  readonly signal: string;
  /** Hash value. */
  readonly value: string;
  /** When it reached the bank, or null while pending. */
  readonly appliedAt: number | null;
}

/** A message for the webhook outbox, written in the same transaction as the change. */
export interface OutboxMessage {
  /** Event type, e.g. `case.action`. */
  readonly event: string;
  /** JSON body (log-safe: never report text). */
  readonly body: string;
  /** Receivers. */
  readonly endpoints: readonly { readonly name: string; readonly url: string }[];
}

/** A near-duplicate candidate from the in-memory PDQ index. */
export interface NearCase {
  /** Case holding a PDQ within the threshold. */
  readonly caseId: string;
  /** Hamming distance. */
  readonly distance: number;
}

/**
 * The in-memory PDQ side of folding, supplied by the caller: exact keys are looked up in the
 * store's index inside the intake transaction, near-duplicates here. The store rechecks every
 * candidate's state in the transaction, so a stale entry never makes a closed case absorb.
 */
export interface FoldIndex {
  /** Cases holding a PDQ within the folding threshold of `pdq`. */
  near(pdq: string): readonly NearCase[];
  /** A PDQ entered an active case (called for each new distinct PDQ of a case). */
  added(caseId: string, pdq: string): void;
}

/** One signal to fold in. */
export interface CaseIntake {
  /** The signal (its `id` is ignored: the store assigns ids). */
  readonly item: CaseItem;
  /** Review copy of the media in the blob store, if one was kept. */
  readonly blobKey?: string;
}

/** Where a signal went. */
export interface CaseIngestOutcome {
  /** The case it joined or opened. */
  readonly caseId: string;
  /** The item inside the case. */
  readonly itemId: string;
  /** The signal id. */
  readonly signalId: string;
  /** True when it opened a new case. */
  readonly opened: boolean;
  /** The key it folded on (`opened` for a new case). */
  readonly via: FoldVia | 'opened';
  /** Closed cases it matched (the new case links to them). */
  readonly linkedTo: readonly string[];
  /** Other active cases it matched. */
  readonly alsoMatches: readonly string[];
  /** The case after the signal. */
  readonly case: StoredCase;
}

/** A queue page query. */
export interface CaseQuery {
  /** States to list (default: the active states). */
  readonly states?: readonly CaseState[];
  /** Severities to list (default: all). */
  readonly severities?: readonly CaseSeverity[];
  /** Only cases with a breached SLA. */
  readonly breached?: boolean;
  /** Page size (1..500). */
  readonly limit: number;
  /** Opaque cursor from the previous page. */
  readonly cursor?: string;
}

/** One page of the queue, highest priority first. */
export interface CasePage {
  /** Cases. */
  readonly cases: readonly StoredCase[];
  /** Cursor of the next page, or null at the end. */
  readonly next: string | null;
}

/** Aggregates behind the case metrics (docs/cases.md). */
export interface CaseStats {
  /** Active cases by severity. */
  readonly backlog: Readonly<Partial<Record<CaseSeverity, number>>>;
  /** Active cases whose SLA is breached, by severity. */
  readonly breached: Readonly<Partial<Record<CaseSeverity, number>>>;
  /** ms from first signal to first decision, per severity (decisions since `since`). */
  readonly toDecisionMs: Readonly<Partial<Record<CaseSeverity, readonly number[]>>>;
  /** ms from first signal to first action, per severity (actions since `since`). */
  readonly toActionMs: Readonly<Partial<Record<CaseSeverity, readonly number[]>>>;
  /** Decisions per reviewer since `since`. */
  readonly decisionsByReviewer: Readonly<Record<string, number>>;
  /** Media views per reviewer and mode since `since`. */
  readonly viewsByReviewer: Readonly<Record<string, Readonly<Partial<Record<ViewMode, number>>>>>;
}

/** What the periodic SLA check did. */
export interface SweepResult {
  /** Cases whose priority was recomputed. */
  readonly rescored: number;
  /** Cases newly marked breached. */
  readonly breached: readonly StoredCase[];
}

/**
 * Persisted cases (issue 6): cases, their items and signals, transitions, decisions, views,
 * bank feedback and SLA state. Every write that matters for the record also appends its audit
 * record in the same transaction. Implemented in `@lifeguard/store` (SQLite and PostgreSQL).
 */
export interface CaseStore {
  /**
   * Fold signals into cases, in order, in ONE transaction: each joins the earliest-opened
   * active case sharing an exact key (content id, SHA-256, MD5, PDQ; the account for signals
   * about no media) or a near PDQ from `index`, else opens a new case linked to the closed
   * cases it matched. Durable once resolved.
   */
  ingest(
    intakes: readonly CaseIntake[],
    index: FoldIndex,
    now: number,
  ): Promise<CaseIngestOutcome[]>;
  /** A case, or undefined. */
  get(id: string): Promise<StoredCase | undefined>;
  /** A queue page, highest priority first (ties: oldest case first). */
  queue(query: CaseQuery): Promise<CasePage>;
  /** The items of a case, most severe first. */
  items(caseId: string): Promise<StoredCaseItem[]>;
  /** One item, or undefined. */
  item(caseId: string, itemId: string): Promise<StoredCaseItem | undefined>;
  /** Signals of a case, newest first, at most `limit`. */
  signals(caseId: string, limit: number): Promise<StoredSignal[]>;
  /** Transitions of a case, oldest first. */
  transitions(caseId: string): Promise<CaseTransition[]>;
  /** Decisions of a case, oldest first. */
  decisions(caseId: string): Promise<StoredDecision[]>;
  /** Views of a case, oldest first. */
  views(caseId: string): Promise<StoredView[]>;
  /** Bank feedback of a case. */
  feedback(caseId: string): Promise<StoredFeedback[]>;
  /** Other cases whose items name `account` (newest first, at most `limit`). */
  casesOfAccount(account: string, limit: number): Promise<StoredCase[]>;
  /**
   * Move a case (core `applyTransition` rules) and record the transition and its audit
   * record in one transaction. `LG_ERR_NOT_FOUND`, `LG_ERR_CONFLICT`, `LG_ERR_FORBIDDEN` as
   * the state machine says.
   */
  transition(
    caseId: string,
    to: CaseState,
    actor: Actor,
    reason: string,
    now: number,
  ): Promise<{ readonly case: StoredCase; readonly transition: CaseTransition }>;
  /**
   * Apply a reviewer decision (core `applyDecision`) in one transaction: transition,
   * decision, pending bank feedback, audit record and the outbox messages `effects` returns.
   */
  decide(
    caseId: string,
    decision: ReviewDecision,
    extra: { readonly classification: string | null; readonly note: string | null },
    actor: Actor,
    now: number,
    effects: (c: StoredCase, plan: DecisionPlan, decisionId: string) => readonly OutboxMessage[],
  ): Promise<{ readonly case: StoredCase; readonly decision: StoredDecision }>;
  /**
   * Record a view of an item with its audit record, refusing with `LG_ERR_EXPOSURE_LIMIT`
   * when `mode` counts toward exposure and the actor already has `cap` such views since
   * `dayStart`. Returns the view and the actor's exposure count after it.
   */
  recordView(
    view: Omit<StoredView, 'id'>,
    exposure: { readonly counts: boolean; readonly cap: number; readonly dayStart: number },
  ): Promise<{ readonly view: StoredView; readonly exposure: number }>;
  /** Exposure-counting views (`revealed`) of `actor` since `since`. */
  exposure(actor: string, since: number): Promise<number>;
  /** Pending bank feedback (oldest first, at most `limit`). */
  pendingFeedback(limit: number): Promise<StoredFeedback[]>;
  /** Mark feedback applied. */
  markFeedbackApplied(ids: readonly string[], at: number): Promise<void>;
  /**
   * Periodic work: recompute the priority of active cases due for it and mark newly breached
   * SLAs (each once), writing the outbox messages `onBreach` returns in the same transaction.
   */
  sweep(now: number, onBreach: (c: StoredCase) => readonly OutboxMessage[]): Promise<SweepResult>;
  /**
   * Distinct PDQs of active cases, in key order after `afterKey` (0 for all): rebuilds the
   * in-memory fold index at start and follows other processes' intake.
   */
  activePdqs(
    afterKey: number,
    limit: number,
  ): Promise<Array<{ readonly key: number; readonly caseId: string; readonly pdq: string }>>;
  /** Aggregates for metrics since `since` (epoch ms). */
  stats(since: number): Promise<CaseStats>;
}
