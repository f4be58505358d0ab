import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { api } from './api.client.js';
import type { CaseRow } from './case.types.js';
import { humanise, slaLabel } from './format.util.js';
import { useNow } from './use-now.hook.js';

/** Props of {@link QueueScreen}. */
export interface QueueScreenProps {
  /** Open a case. */
  readonly onOpen: (id: string) => void;
  /** Index of the keyboard-selected row. */
  readonly selected: number;
  /** Report the loaded ids (for j/k and Enter). */
  readonly onLoaded: (ids: readonly string[]) => void;
}

/**
 * The review queue: active cases, highest priority first (the server's order), each with a
 * live SLA timer that turns into "breached" when the deadline passes.
 */
export function QueueScreen({ onOpen, selected, onLoaded }: QueueScreenProps): ReactNode {
  const [rows, setRows] = useState<readonly CaseRow[] | null>(null);
  const [error, setError] = useState('');
  const now = useNow(1000);

  const load = useCallback(async () => {
    try {
      const r = await api<{ cases: CaseRow[] }>('GET', '/v1/cases?limit=100');
      setRows(r.cases);
      onLoaded(r.cases.map((c) => c.id));
      setError('');
    } catch (e) {
      setError(e instanceof Error ? e.message : 'could not load the queue');
    }
  }, [onLoaded]);

  useEffect(() => {
    void load();
    const t = window.setInterval(() => void load(), 15_000);
    return () => window.clearInterval(t);
  }, [load]);

  if (error) return <p role="alert">Queue unavailable: {error}</p>;
  if (!rows) return <p aria-busy="true">Loading the queue…</p>;
  return (
    <section aria-labelledby="queue-title">
      <h2 id="queue-title">Queue ({rows.length})</h2>
      {rows.length === 0 ? (
        <p>No open cases.</p>
      ) : (
        <table className="queue" data-testid="queue">
          <thead>
            <tr>
              <th scope="col">Case</th>
              <th scope="col">Priority</th>
              <th scope="col">Severity</th>
              <th scope="col">State</th>
              <th scope="col">SLA</th>
              <th scope="col">Items</th>
              <th scope="col">Reports</th>
              <th scope="col">Account</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c, i) => {
              const sla = slaLabel(c.slaDueAt, now);
              return (
                <tr
                  key={c.id}
                  className={i === selected ? 'selected' : undefined}
                  aria-selected={i === selected}
                  data-case-id={c.id}
                >
                  <td>
                    <a
                      href={`#/case/${c.id}`}
                      onClick={(e) => {
                        e.preventDefault();
                        onOpen(c.id);
                      }}
                    >
                      #{c.id}
                    </a>
                  </td>
                  <td className="num">{Math.round(c.priority)}</td>
                  <td>
                    <span className={`sev sev-${c.severity}`}>{humanise(c.severity)}</span>
                  </td>
                  <td>
                    {humanise(c.state)}
                    {c.summary?.autoActioned ? ' (auto-actioned)' : ''}
                  </td>
                  <td className={sla.breached ? 'sla breached' : 'sla'} data-testid="sla">
                    {sla.text}
                  </td>
                  <td className="num">{c.items}</td>
                  <td className="num">{c.reports}</td>
                  <td>{c.account ?? ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
