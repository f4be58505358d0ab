import { CASE_SEVERITIES, type CaseSeverity } from './case.model.js';
import type { CasePolicyConfig } from './case-policy.config.js';
import type { CaseSummary } from './case-summary.model.js';

const HOUR = 3_600_000;

/** The name of one priority component. */
export type PriorityComponentName = 'severity' | 'ongoing_harm' | 'reach' | 'age';

/** One component of a priority score, explained. */
export interface PriorityComponent {
  /** Which component. */
  readonly name: PriorityComponentName;
  /** Points it adds. */
  readonly points: number;
  /** One log-safe sentence saying where the points come from. */
  readonly explanation: string;
}

/** A priority score with its components (their points sum to `score`). */
export interface CasePriority {
  /** Higher is more urgent. */
  readonly score: number;
  /** Severity, ongoing harm, reach and age, in that order. */
  readonly components: readonly PriorityComponent[];
}

/** True when a minor is in contact with the case's subject now (at `now`). */
export function isOngoingHarm(
  summary: CaseSummary,
  policy: CasePolicyConfig,
  now: number,
): boolean {
  if (summary.ongoingFlagged) return true;
  const last = summary.lastMinorContactAt;
  return last !== null && now - last <= policy.ongoingContactWindowMs;
}

/**
 * Priority of a case at `now` (docs/cases.md):
 *
 *   score = severityPoints[severity]
 *         + (minor in contact now ? ongoingHarmPoints : 0)
 *         + min(reach.max, reach.scale x log10(1 + views x reach.view + shares x reach.share
 *                                                   + reports x reach.report))
 *         + min(age.max, age.perHour x hours since the first item)
 *
 * Reach is log-scaled because a thousand reports are more urgent than ten, but not a hundred
 * times more urgent; the caps keep a viral low-severity case from outranking a higher
 * severity under the default weights. Non-decreasing in severity, reach and age.
 */
export function scorePriority(
  summary: CaseSummary,
  policy: CasePolicyConfig,
  now: number,
): CasePriority {
  const sev = policy.severityPoints[summary.severity];
  const ongoing = isOngoingHarm(summary, policy, now);
  const r = policy.reach;
  const units = summary.views * r.view + summary.shares * r.share + summary.reports * r.report;
  const reach = Math.min(r.max, r.scale * Math.log10(1 + units));
  const hours = Math.max(0, now - summary.openedAt) / HOUR;
  const age = Math.min(policy.age.max, policy.age.perHour * hours);
  const components: PriorityComponent[] = [
    { name: 'severity', points: sev, explanation: `severity ${summary.severity}` },
    {
      name: 'ongoing_harm',
      points: ongoing ? policy.ongoingHarmPoints : 0,
      explanation: ongoing ? 'a minor is in contact now' : 'no minor known to be in contact now',
    },
    {
      name: 'reach',
      points: reach,
      explanation:
        `${summary.views} views, ${summary.shares} shares, ${summary.reports} reports` +
        (reach === r.max ? ' (capped)' : ''),
    },
    {
      name: 'age',
      points: age,
      explanation:
        `${hours.toFixed(1)} h since the first item` + (age === policy.age.max ? ' (capped)' : ''),
    },
  ];
  return { score: sev + components[1]!.points + reach + age, components };
}

/** Where an SLA clock stands. */
export interface SlaClock {
  /** What set the deadline: a severity, or `ongoing_harm`. */
  readonly basis: CaseSeverity | 'ongoing_harm';
  /** Deadline (epoch ms). */
  readonly dueAt: number;
  /** ms left at `now` (negative once breached); frozen at the stop time when stopped. */
  readonly remainingMs: number;
  /** True when the deadline passed before the clock stopped (or before `now`, if running). */
  readonly breached: boolean;
  /** True when a decision stopped the clock. */
  readonly stopped: boolean;
}

/**
 * The SLA clock of a case. Every severity present starts its own clock at its first item
 * (a verified match joining a day-old `other` case is due one hour after the match, not
 * already overdue), as does ongoing harm; the case is due at the earliest deadline.
 *
 * @param stoppedAt when the case was closed (actioned or dismissed), or null while active
 */
export function slaClock(
  summary: CaseSummary,
  policy: CasePolicyConfig,
  now: number,
  stoppedAt: number | null = null,
): SlaClock {
  let basis: CaseSeverity | 'ongoing_harm' = summary.severity;
  let dueAt = Number.POSITIVE_INFINITY;
  for (const sev of CASE_SEVERITIES) {
    const first = summary.firstAt[sev];
    if (first === undefined) continue;
    const due = first + policy.slaMs[sev];
    if (due < dueAt) {
      dueAt = due;
      basis = sev;
    }
  }
  if (summary.firstOngoingAt !== null) {
    const due = summary.firstOngoingAt + policy.ongoingHarmSlaMs;
    if (due < dueAt) {
      dueAt = due;
      basis = 'ongoing_harm';
    }
  }
  if (dueAt === Number.POSITIVE_INFINITY) dueAt = summary.openedAt + policy.slaMs[summary.severity];
  const at = stoppedAt ?? now;
  return {
    basis,
    dueAt,
    remainingMs: dueAt - at,
    breached: at > dueAt,
    stopped: stoppedAt !== null,
  };
}
