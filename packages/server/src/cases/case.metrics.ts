import {
  CASE_SEVERITIES,
  type CaseSeverity,
  type CaseStats,
  type StoredCase,
} from '@lifeguard/core';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Buckets for signal-to-decision/action times: a minute to a week. */
const DURATION_BUCKETS = [
  60,
  300,
  900,
  1800,
  3600,
  4 * 3600,
  12 * 3600,
  86_400,
  3 * 86_400,
  7 * 86_400,
];

/** Percentile (nearest rank) of a sorted list; null when empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** Summary of a list of durations. */
export interface DurationSummary {
  /** How many. */
  readonly count: number;
  /** Median, ms. */
  readonly p50: number | null;
  /** 90th percentile, ms. */
  readonly p90: number | null;
}

/** Per-severity p50/p90 of durations. */
export function summarizeDurations(
  bySeverity: Readonly<Partial<Record<CaseSeverity, readonly number[]>>>,
): Partial<Record<CaseSeverity, DurationSummary>> {
  const out: Partial<Record<CaseSeverity, DurationSummary>> = {};
  for (const sev of CASE_SEVERITIES) {
    const list = [...(bySeverity[sev] ?? [])].sort((a, b) => a - b);
    if (list.length === 0) continue;
    out[sev] = { count: list.length, p50: percentile(list, 50), p90: percentile(list, 90) };
  }
  return out;
}

/**
 * Case metrics in Prometheus (`/metrics`): signals, SLA breaches, decisions and media views
 * per reviewer, time from first signal to decision and to action per severity, and the open
 * backlog and breached cases per severity (read from the store at scrape time).
 */
export class CaseMetrics {
  private readonly signals: Counter<'source' | 'opened'>;
  private readonly breaches: Counter<'severity'>;
  private readonly decisions: Counter<'reviewer' | 'state'>;
  private readonly views: Counter<'reviewer' | 'mode'>;
  private readonly toDecision: Histogram<'severity'>;
  private readonly toAction: Histogram<'severity'>;

  /**
   * @param registry the server's registry
   * @param backlog read at scrape time: active and breached cases per severity
   */
  constructor(registry: Registry, backlog: () => Promise<Pick<CaseStats, 'backlog' | 'breached'>>) {
    const registers = [registry];
    this.signals = new Counter({
      name: 'lifeguard_case_signals_total',
      help: 'Signals folded into cases, by source and whether they opened a new case.',
      labelNames: ['source', 'opened'],
      registers,
    });
    this.breaches = new Counter({
      name: 'lifeguard_case_sla_breaches_total',
      help: 'Cases whose SLA deadline passed while open, by severity (counted once per case).',
      labelNames: ['severity'],
      registers,
    });
    this.decisions = new Counter({
      name: 'lifeguard_case_decisions_total',
      help: 'Reviewer decisions, by reviewer and resulting state (throughput).',
      labelNames: ['reviewer', 'state'],
      registers,
    });
    this.views = new Counter({
      name: 'lifeguard_case_media_views_total',
      help: 'Recorded item views, by reviewer and mode (blurred, revealed, text): exposure.',
      labelNames: ['reviewer', 'mode'],
      registers,
    });
    this.toDecision = new Histogram({
      name: 'lifeguard_case_time_to_decision_seconds',
      help: 'Time from a case first signal to its first decision, by severity.',
      labelNames: ['severity'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.toAction = new Histogram({
      name: 'lifeguard_case_time_to_action_seconds',
      help: 'Time from a case first signal to its first action (block at intake or confirm).',
      labelNames: ['severity'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    const open = new Gauge({
      name: 'lifeguard_case_backlog',
      help: 'Active cases (open, in review, escalated) by severity.',
      labelNames: ['severity', 'breached'],
      registers,
      async collect() {
        const b = await backlog();
        for (const sev of CASE_SEVERITIES) {
          const total = b.backlog[sev] ?? 0;
          const late = b.breached[sev] ?? 0;
          open.set({ severity: sev, breached: 'true' }, late);
          open.set({ severity: sev, breached: 'false' }, total - late);
        }
      },
    });
  }

  /** A signal was folded. */
  signal(source: string, opened: boolean): void {
    this.signals.inc({ source, opened: String(opened) });
  }

  /** An SLA breach was marked. */
  breach(severity: CaseSeverity): void {
    this.breaches.inc({ severity });
  }

  /** A decision was recorded on `c` (after it; `before` is the case before it). */
  decision(c: StoredCase, reviewer: string, before: StoredCase | undefined): void {
    this.decisions.inc({ reviewer, state: c.state });
    // Only the first decision and the first action of a case count toward the times.
    if (c.decidedAt !== null && before?.decidedAt === null) {
      this.toDecision.observe({ severity: c.severity }, (c.decidedAt - c.openedAt) / 1000);
    }
    if (c.actionedAt !== null && before?.actionedAt === null) {
      this.toAction.observe({ severity: c.severity }, (c.actionedAt - c.openedAt) / 1000);
    }
  }

  /** A view was recorded. */
  view(reviewer: string, mode: string): void {
    this.views.inc({ reviewer, mode });
  }
}
