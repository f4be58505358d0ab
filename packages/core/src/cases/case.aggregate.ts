import { ErrorCodes, LifeguardError } from '../errors/lifeguard-error.js';
import {
  isActiveState,
  type Actor,
  type CaseItem,
  type CaseState,
  type CaseTransition,
} from './case.model.js';
import type { CasePolicyConfig } from './case-policy.config.js';
import { transitionCase, type TransitionRequest } from './case-state.machine.js';
import { addToSummary, summaryOf, type CaseSummary } from './case-summary.model.js';
import { planDecision, type DecisionPlan, type ReviewDecision } from './review-decision.policy.js';

/**
 * A case as the store keeps it: state, aggregated facts and history, without its items
 * (they live in their own table; 1000 reports are 1000 item rows and one case row).
 */
export interface CaseRecord {
  /** Case id. */
  readonly id: string;
  /** Current state. */
  readonly state: CaseState;
  /** Facts aggregated over the items (severity, counts, reach, clocks). */
  readonly summary: CaseSummary;
  /** Closed cases about the same media or account that this one follows. */
  readonly linkedTo: readonly string[];
  /** Every state change, oldest first. */
  readonly transitions: readonly CaseTransition[];
  /** When the case last entered a closed state (stops the SLA clock), or null while active. */
  readonly closedAt: number | null;
}

/** A new `open` case holding `first`. */
export function openCase(
  id: string,
  first: CaseItem,
  policy: CasePolicyConfig,
  linkedTo: readonly string[] = [],
): CaseRecord {
  return {
    id,
    state: 'open',
    summary: summaryOf(first, policy),
    linkedTo: [...linkedTo],
    transitions: [],
    closedAt: null,
  };
}

/**
 * The case after `item` joins it.
 *
 * @throws LifeguardError `LG_ERR_CONFLICT` when the case is closed (the folder opens a new,
 *   linked case instead; this guards a race between folding and closing)
 */
export function addItem(record: CaseRecord, item: CaseItem, policy: CasePolicyConfig): CaseRecord {
  if (!isActiveState(record.state)) {
    throw new LifeguardError(ErrorCodes.CONFLICT, 'a closed case does not take new items', {
      caseId: record.id,
      state: record.state,
    });
  }
  return { ...record, summary: addToSummary(record.summary, item, policy) };
}

/**
 * Move the case (checked by {@link transitionCase}) and return it with the recorded
 * transition. Closing sets `closedAt`; reopening clears it, so the SLA clock runs again
 * against the original deadline — a reopened case is late work, not new work.
 */
export function applyTransition(
  record: CaseRecord,
  request: TransitionRequest,
): { readonly record: CaseRecord; readonly transition: CaseTransition } {
  const transition = transitionCase(
    { state: record.state, severity: record.summary.severity },
    request,
  );
  const wasActive = isActiveState(record.state);
  const active = isActiveState(transition.to);
  let closedAt = record.closedAt;
  if (wasActive && !active) closedAt = transition.at;
  else if (active) closedAt = null;
  return {
    record: {
      ...record,
      state: transition.to,
      transitions: [...record.transitions, transition],
      closedAt,
    },
    transition,
  };
}

/**
 * True while a case whose content was blocked at scan time (a `block` verdict) still waits for
 * a human to confirm it: the console lists these first within their priority band.
 */
export function needsConfirmation(record: CaseRecord): boolean {
  return record.summary.autoActioned && isActiveState(record.state);
}

/**
 * Apply a reviewer's decision: plan its outputs ({@link planDecision}) and make the matching
 * transition, so a decision can never be recorded without its state change or vice versa.
 * The case must be `in_review` or `escalated` (a decision on an unclaimed case is a
 * `LG_ERR_CONFLICT`: the reviewer must have opened it, which is what the audit log records).
 *
 * @param items the case's items (actions and feedback are derived from them)
 * @throws LifeguardError as {@link transitionCase} and {@link planDecision}
 */
export function applyDecision(
  record: CaseRecord,
  items: readonly CaseItem[],
  decision: ReviewDecision,
  actor: Actor,
  at: number,
): {
  readonly record: CaseRecord;
  readonly transition: CaseTransition;
  readonly plan: DecisionPlan;
} {
  const plan = planDecision(items, decision);
  const moved = applyTransition(record, { to: plan.to, actor, at, reason: plan.reason });
  return { ...moved, plan };
}
