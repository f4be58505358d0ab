import { ErrorCodes, LifeguardError } from '../errors/lifeguard-error.js';
import {
  isCsamSeverity,
  type Actor,
  type CaseSeverity,
  type CaseState,
  type CaseTransition,
  type Role,
} from './case.model.js';

/** One allowed move between two states. */
export interface TransitionRule {
  /** State before. */
  readonly from: CaseState;
  /** State after. */
  readonly to: CaseState;
  /** Roles that may make the move (any one suffices). */
  readonly roles: readonly Role[];
  /**
   * True when making the move means looking at the case's media (claiming it, deciding on
   * it, reporting it). On a CSAM-severity case such a move also needs the
   * `child_safety_reviewer` role: only those reviewers may see CSAM-case media (issue 6), and
   * nobody should decide on what they were not allowed to see.
   */
  readonly viewsMedia: boolean;
  /** What the move means, for the docs and the console. */
  readonly meaning: string;
}

const DECIDERS: readonly Role[] = ['reviewer', 'child_safety_reviewer', 'lead', 'admin'];
const SENIOR: readonly Role[] = ['child_safety_reviewer', 'lead', 'admin'];
const LEADS: readonly Role[] = ['lead', 'admin'];

/**
 * Every allowed transition; anything not listed is refused with `LG_ERR_CONFLICT`.
 * `reported` is terminal: a hotline report cannot be unsent. Reopening (`actioned`/`dismissed`
 * back to `open`) is for leads, for appeals and mistakes; the history keeps the first outcome.
 */
export const CASE_TRANSITIONS: readonly TransitionRule[] = [
  { from: 'open', to: 'in_review', roles: DECIDERS, viewsMedia: true, meaning: 'claim' },
  { from: 'in_review', to: 'open', roles: DECIDERS, viewsMedia: false, meaning: 'release' },
  { from: 'in_review', to: 'actioned', roles: DECIDERS, viewsMedia: true, meaning: 'confirm' },
  {
    from: 'in_review',
    to: 'dismissed',
    roles: DECIDERS,
    viewsMedia: true,
    meaning: 'false positive',
  },
  { from: 'in_review', to: 'escalated', roles: DECIDERS, viewsMedia: true, meaning: 'escalate' },
  { from: 'open', to: 'escalated', roles: LEADS, viewsMedia: false, meaning: 'escalate unseen' },
  { from: 'escalated', to: 'in_review', roles: SENIOR, viewsMedia: true, meaning: 'take up' },
  { from: 'escalated', to: 'actioned', roles: SENIOR, viewsMedia: true, meaning: 'confirm' },
  {
    from: 'escalated',
    to: 'dismissed',
    roles: SENIOR,
    viewsMedia: true,
    meaning: 'false positive',
  },
  { from: 'actioned', to: 'reported', roles: SENIOR, viewsMedia: true, meaning: 'report' },
  { from: 'actioned', to: 'open', roles: LEADS, viewsMedia: false, meaning: 'reopen' },
  { from: 'dismissed', to: 'open', roles: LEADS, viewsMedia: false, meaning: 'reopen' },
];

/** Longest accepted transition reason, in UTF-16 code units. */
export const MAX_TRANSITION_REASON = 1000;

/** The rule for `from -> to`, or undefined when the move is not allowed at all. */
export function findTransition(from: CaseState, to: CaseState): TransitionRule | undefined {
  return CASE_TRANSITIONS.find((r) => r.from === from && r.to === to);
}

/** True when `actor` may make the move of `rule` on a case of `severity`. */
export function mayTransition(rule: TransitionRule, actor: Actor, severity: CaseSeverity): boolean {
  if (!actor.roles.some((r) => rule.roles.includes(r))) return false;
  if (rule.viewsMedia && isCsamSeverity(severity)) {
    return actor.roles.includes('child_safety_reviewer');
  }
  return true;
}

/** The states `actor` may move a case in `state` of `severity` to (for the console's buttons). */
export function allowedTargets(
  state: CaseState,
  actor: Actor,
  severity: CaseSeverity,
): CaseState[] {
  return CASE_TRANSITIONS.filter((r) => r.from === state && mayTransition(r, actor, severity)).map(
    (r) => r.to,
  );
}

/** A request to move a case. */
export interface TransitionRequest {
  /** Target state. */
  readonly to: CaseState;
  /** Who asks. */
  readonly actor: Actor;
  /** When (epoch ms, UTC). */
  readonly at: number;
  /** Why (required, at most {@link MAX_TRANSITION_REASON} characters, log-safe). */
  readonly reason: string;
}

/**
 * Check a move and return the record to store with it.
 *
 * @param current the case's state and severity now (read in the same transaction that writes)
 * @throws LifeguardError `LG_ERR_CONFLICT` when `current.state -> to` is not in
 *   {@link CASE_TRANSITIONS} (including a concurrent reviewer having moved the case first),
 *   `LG_ERR_FORBIDDEN` when the actor lacks the role, `LG_ERR_INVALID_ARGUMENT` for a
 *   missing or overlong reason, an empty actor id or a time that is not a finite number
 */
export function transitionCase(
  current: { readonly state: CaseState; readonly severity: CaseSeverity },
  request: TransitionRequest,
): CaseTransition {
  const { to, actor, at, reason } = request;
  if (actor.id.length === 0) {
    throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, 'transition needs an actor id');
  }
  if (!Number.isFinite(at)) {
    throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, 'transition time must be epoch ms', {
      at: String(at),
    });
  }
  if (reason.trim().length === 0 || reason.length > MAX_TRANSITION_REASON) {
    throw new LifeguardError(
      ErrorCodes.INVALID_ARGUMENT,
      `transition reason must be 1..${MAX_TRANSITION_REASON} characters`,
      { length: reason.length },
    );
  }
  const rule = findTransition(current.state, to);
  if (rule === undefined) {
    throw new LifeguardError(
      ErrorCodes.CONFLICT,
      `a case cannot move from ${current.state} to ${to}`,
      { from: current.state, to },
    );
  }
  if (!mayTransition(rule, actor, current.severity)) {
    throw new LifeguardError(
      ErrorCodes.FORBIDDEN,
      `roles ${actor.roles.join(',') || '(none)'} may not ${rule.meaning} a ${current.severity} case`,
      { from: current.state, to, severity: current.severity, actor: actor.id },
    );
  }
  return { from: current.state, to, actor: actor.id, at, reason };
}
