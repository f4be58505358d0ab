import type { ReactNode } from 'react';

/** One bar (or one group of bars sharing a label). */
export interface Bar {
  /** Label under the bar. */
  readonly label: string;
  /** Values, one per series. */
  readonly values: readonly number[];
}

/** Props of {@link BarChart}. */
export interface BarChartProps {
  /** Chart title (also its accessible name). */
  readonly title: string;
  /** Series names, in the order of each bar's values. */
  readonly series: readonly string[];
  /** The bars. */
  readonly bars: readonly Bar[];
  /** Formats a value for labels and the table (default: the number; NaN is "no data"). */
  readonly format?: (v: number) => string;
}

const W = 560;
const H = 220;
const PAD = { l: 8, r: 8, t: 16, b: 40 };

/**
 * A grouped bar chart in inline SVG (no chart library, nothing fetched), with the same numbers
 * in a visually hidden table for screen readers.
 */
export function BarChart({ title, series, bars, format: fmt = String }: BarChartProps): ReactNode {
  const format = (v: number): string => (Number.isFinite(v) ? fmt(v) : '–');
  // NaN means "no data" (shown as a dash, no bar); 0 is a real zero.
  const max = Math.max(1, ...bars.flatMap((b) => b.values.filter(Number.isFinite)));
  const groupW = (W - PAD.l - PAD.r) / Math.max(1, bars.length);
  const barW = Math.min(56, Math.max(4, (groupW - 12) / Math.max(1, series.length)));
  const plotH = H - PAD.t - PAD.b;
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title} width="100%">
        <line x1={PAD.l} x2={W - PAD.r} y1={H - PAD.b} y2={H - PAD.b} className="axis" />
        {bars.map((b, i) => {
          const x0 = PAD.l + i * groupW + 6;
          return (
            <g key={b.label}>
              {b.values.map((v, j) => {
                const h = Number.isFinite(v) ? (v / max) * plotH : 0;
                const x = x0 + j * barW;
                return (
                  <g key={j}>
                    <rect
                      x={x}
                      y={H - PAD.b - h}
                      width={barW - 2}
                      height={h}
                      className={`bar series-${j}`}
                    >
                      <title>{`${b.label}, ${series[j] ?? ''}: ${format(v)}`}</title>
                    </rect>
                    <text x={x + (barW - 2) / 2} y={H - PAD.b - h - 3} className="value">
                      {format(v)}
                    </text>
                  </g>
                );
              })}
              <text x={x0 + (barW * b.values.length) / 2} y={H - PAD.b + 16} className="label">
                {b.label}
              </text>
            </g>
          );
        })}
      </svg>
      {series.length > 1 && (
        <p className="legend">
          {series.map((s, j) => (
            <span key={s} className={`legend-item series-${j}`}>
              {s}
            </span>
          ))}
        </p>
      )}
      <table className="sr-only">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">Group</th>
            {series.map((s) => (
              <th key={s} scope="col">
                {s}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {bars.map((b) => (
            <tr key={b.label}>
              <th scope="row">{b.label}</th>
              {b.values.map((v, j) => (
                <td key={j}>{format(v)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
