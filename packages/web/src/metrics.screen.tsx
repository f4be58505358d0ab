import { useEffect, useState, type ReactNode } from 'react';
import { api } from './api.client.js';
import { BarChart } from './bar.chart.js';
import type { CaseSeverity } from './case.types.js';
import { formatDuration, humanise } from './format.util.js';

const SEVERITIES: readonly CaseSeverity[] = [
  'verified_csam',
  'possible_csam',
  'grooming_live_contact',
  'other',
];

type BySeverity<T> = Partial<Record<CaseSeverity, T>>;
interface Percentiles {
  readonly count: number;
  readonly p50: number | null;
  readonly p90: number | null;
}

/** The case metrics JSON (GET /v1/cases/metrics; docs/cases.md). */
export interface CaseMetrics {
  readonly since: number;
  readonly backlog: BySeverity<number>;
  readonly breached: BySeverity<number>;
  readonly toDecisionMs: BySeverity<Percentiles>;
  readonly toActionMs: BySeverity<Percentiles>;
  readonly reviewers: readonly {
    readonly reviewer: string;
    readonly decisions: number;
    /** Media views in any mode. */
    readonly views: number;
    /** Revealed (unblurred) views: the reviewer's exposure. */
    readonly exposure: number;
  }[];
}

/**
 * Metrics for leads: backlog and SLA breaches by severity, time to decision and to action
 * (p50 / p90), and per-reviewer throughput and exposure, as inline SVG charts.
 */
export function MetricsScreen(): ReactNode {
  const [m, setM] = useState<CaseMetrics | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    api<CaseMetrics>('GET', '/v1/cases/metrics').then(setM, (e: unknown) =>
      setError(e instanceof Error ? e.message : 'unavailable'),
    );
  }, []);
  if (error) return <p role="alert">Metrics unavailable: {error} (leads and admins only).</p>;
  if (!m) return <p aria-busy="true">Loading metrics…</p>;
  const sevBars = (
    pick: (s: CaseSeverity) => readonly number[],
  ): { label: string; values: readonly number[] }[] =>
    SEVERITIES.map((s) => ({ label: humanise(s), values: pick(s) }));
  const pct = (x: BySeverity<Percentiles>, s: CaseSeverity): number[] => [
    x[s]?.p50 ?? NaN,
    x[s]?.p90 ?? NaN,
  ];
  return (
    <section aria-labelledby="metrics-title" className="metrics">
      <h2 id="metrics-title">Metrics</h2>
      <p className="muted">Since {new Date(m.since).toLocaleString()}.</p>
      <BarChart
        title="Open cases and SLA breaches by severity"
        series={['open', 'breached']}
        bars={sevBars((s) => [m.backlog[s] ?? 0, m.breached[s] ?? 0])}
      />
      <BarChart
        title="Time from first signal to decision"
        series={['p50', 'p90']}
        bars={sevBars((s) => pct(m.toDecisionMs, s))}
        format={formatDuration}
      />
      <BarChart
        title="Time from first signal to action"
        series={['p50', 'p90']}
        bars={sevBars((s) => pct(m.toActionMs, s))}
        format={formatDuration}
      />
      <BarChart
        title="Per reviewer: decisions and revealed media (exposure)"
        series={['decisions', 'revealed views']}
        bars={m.reviewers.map((r) => ({
          label: r.reviewer.replace(/^user:/, ''),
          values: [r.decisions, r.exposure],
        }))}
      />
    </section>
  );
}
