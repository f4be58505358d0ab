import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { api, ApiError } from './api.client.js';
import {
  isCsam,
  type CaseDetail,
  type CaseState,
  type Item,
  type RiskReason,
  type Signal,
} from './case.types.js';
import { formatTime, humanise, slaLabel } from './format.util.js';
import { MediaViewer } from './media.viewer.js';
import { confirmedReportable, reportIdOf } from './report.model.js';
import { CASE_SHORTCUTS, isTyping } from './shortcuts.model.js';
import { useNow } from './use-now.hook.js';

/** A decision the reviewer can take from the keyboard or the buttons. */
type Action =
  | { kind: 'claim' }
  | { kind: 'release' }
  | { kind: 'confirm'; category: string }
  | { kind: 'false_positive' }
  | { kind: 'escalate' };

const BY_KEY: Readonly<Record<string, Action>> = {
  s: { kind: 'claim' },
  r: { kind: 'release' },
  '1': { kind: 'confirm', category: 'csam' },
  '2': { kind: 'confirm', category: 'grooming' },
  '3': { kind: 'confirm', category: 'sextortion' },
  '4': { kind: 'confirm', category: 'exploitation_other' },
  '5': { kind: 'confirm', category: 'policy_violation' },
  f: { kind: 'false_positive' },
  e: { kind: 'escalate' },
};

/** Grooming cases, and cases made only of risk alerts, open text-first (media collapsed). */
function isTextFirst(d: CaseDetail): boolean {
  return (
    d.case.severity === 'grooming_live_contact' ||
    (d.signals.length > 0 && d.signals.every((s) => s.source.kind === 'risk_alert'))
  );
}

/** Props of {@link CaseScreen}. */
export interface CaseScreenProps {
  /** Case id. */
  readonly id: string;
  /** Back to the queue. */
  readonly onBack: () => void;
  /** Refresh the exposure counter after a view. */
  readonly onViewed: () => void;
  /** The user has a role that may prepare hotline reports. */
  readonly mayReport?: boolean;
  /** Open the "Report to NCMEC" screen. */
  readonly onReport?: () => void;
}

function Evidence({ reason }: { reason: RiskReason }): ReactNode {
  if (!reason.evidence?.length) return null;
  return (
    <ul className="evidence">
      {reason.evidence.map((e, i) => (
        <li key={i}>
          <mark>{e.match}</mark>{' '}
          <span className="muted">
            at characters {e.start}–{e.end}, {formatTime(e.at)}
          </span>
        </li>
      ))}
    </ul>
  );
}

function SignalView({ s }: { s: Signal }): ReactNode {
  const src = s.source;
  switch (src.kind) {
    case 'hash_match':
      return (
        <div>
          <p>
            Hash match, verdict <strong>{src.verdict}</strong> ({src.rule})
            {src.uploader ? `, uploaded by ${src.uploader}` : ''}
          </p>
          <table className="matches">
            <caption className="sr-only">Matches</caption>
            <thead>
              <tr>
                <th scope="col">Bank</th>
                <th scope="col">Signal</th>
                <th scope="col">Distance / threshold</th>
                <th scope="col">Labels</th>
                <th scope="col">Entry</th>
              </tr>
            </thead>
            <tbody>
              {src.matches.map((m, i) => (
                <tr key={i} data-testid="match">
                  <td>{m.bankName ?? m.bank}</td>
                  <td>{m.signal}</td>
                  <td className="num">
                    {m.distance} / {m.threshold}
                  </td>
                  <td>{m.labels.join(', ')}</td>
                  <td className="num">{m.entryId}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
    case 'risk_alert':
      return (
        <div>
          <p>
            Risk alert on <strong>{src.account}</strong>, score {src.score.toFixed(2)}
            {src.minorsInContact.length > 0
              ? `, in contact with ${src.minorsInContact.length} minor(s)`
              : ''}
            {src.lastMinorContactAt ? `, last contact ${formatTime(src.lastMinorContactAt)}` : ''}
          </p>
          <table className="reasons">
            <caption className="sr-only">Risk reasons</caption>
            <thead>
              <tr>
                <th scope="col">Signal</th>
                <th scope="col">Value</th>
                <th scope="col">Window</th>
                <th scope="col">Weight</th>
                <th scope="col">Contribution</th>
                <th scope="col">Evidence</th>
              </tr>
            </thead>
            <tbody>
              {src.reasons.map((r, i) => (
                <tr key={i}>
                  <td>{humanise(r.signal)}</td>
                  <td className="num">{r.value}</td>
                  <td>{r.window}</td>
                  <td className="num">{r.weight}</td>
                  <td className="num">{r.contribution.toFixed(3)}</td>
                  <td>
                    <Evidence reason={r} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
    case 'user_report':
      return (
        <div>
          <p>
            User report by {src.reporter}: reason <strong>{humanise(src.reason)}</strong>
            {src.reportedAccount ? `, about account ${src.reportedAccount}` : ''}
          </p>
          {s.text ? (
            <blockquote className="report-text">{s.text}</blockquote>
          ) : s.textWithheld ? (
            <p className="muted">The reporter's text is withheld from your role.</p>
          ) : null}
        </div>
      );
    case 'manual':
      return (
        <p>
          Opened by staff member {src.createdBy} as {humanise(src.severity)}
        </p>
      );
  }
}

function ItemView({
  item,
  caseId,
  signals,
  textFirst,
  mayViewMedia,
  onViewed,
}: {
  item: Item;
  caseId: string;
  signals: readonly Signal[];
  textFirst: boolean;
  mayViewMedia: boolean;
  onViewed: () => void;
}): ReactNode {
  const label = `item ${item.id} of case ${caseId}`;
  const hasMedia = item.kind === 'media' && item.hasMedia && mayViewMedia;
  const media = hasMedia ? (
    <MediaViewer
      label={label}
      src={`/v1/cases/${encodeURIComponent(caseId)}/items/${encodeURIComponent(item.id)}/media`}
      autoLoad={!textFirst}
      onViewed={onViewed}
    />
  ) : null;
  return (
    <article className="item" aria-labelledby={`item-${item.id}`} data-testid="item">
      <h4 id={`item-${item.id}`}>
        {item.kind === 'media' ? 'Media' : 'Account'} item {item.id} — {humanise(item.severity)},{' '}
        {item.count} signal{item.count === 1 ? '' : 's'}
      </h4>
      {item.media && (
        <dl className="hashes">
          {item.media.contentId && (
            <>
              <dt>Content id</dt>
              <dd>{item.media.contentId}</dd>
            </>
          )}
          {item.media.pdq && (
            <>
              <dt>PDQ</dt>
              <dd className="mono">{item.media.pdq}</dd>
            </>
          )}
          {item.media.sha256 && (
            <>
              <dt>SHA-256</dt>
              <dd className="mono">{item.media.sha256}</dd>
            </>
          )}
        </dl>
      )}
      {item.account && <p>Account: {item.account}</p>}
      {media &&
        (textFirst ? (
          <details>
            <summary>Media (collapsed: text-first case)</summary>
            {media}
          </details>
        ) : (
          media
        ))}
      {item.kind === 'media' && !item.hasMedia && (
        <p className="muted">No review copy of this media is stored.</p>
      )}
      {item.kind === 'media' && item.hasMedia && !mayViewMedia && (
        <p className="media media-error" data-testid="media-withheld">
          Media withheld: only child-safety reviewers may view media of CSAM cases.
        </p>
      )}
      {signals
        .filter((s) => s.itemId === item.id)
        .slice(0, 20)
        .map((s) => (
          <div key={s.id} className="signal">
            <SignalView s={s} />
          </div>
        ))}
    </article>
  );
}

/**
 * One case: header with SLA clock, decision buttons with their keyboard shortcuts, every item
 * with its media (wellness rules in {@link MediaViewer}), matches, risk reasons with evidence,
 * account history and the record of transitions and views. Grooming cases open text-first.
 */
export function CaseScreen({
  id,
  onBack,
  onViewed,
  mayReport = false,
  onReport,
}: CaseScreenProps): ReactNode {
  const [detail, setDetail] = useState<CaseDetail | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [classification, setClassification] = useState('');
  const [busy, setBusy] = useState(false);
  const now = useNow(1000);
  // Only a case confirmed as CSAM, grooming or sextortion can be reported (the server's rule).
  const reportable =
    mayReport &&
    (detail?.case.state === 'actioned' || detail?.case.state === 'reported') &&
    confirmedReportable(detail.decisions);

  const load = useCallback(async () => {
    try {
      setDetail(await api<CaseDetail>('GET', `/v1/cases/${encodeURIComponent(id)}`));
      setError('');
    } catch (e) {
      setError(e instanceof Error ? e.message : 'could not load the case');
    }
  }, [id]);

  useEffect(() => {
    void load();
  }, [load]);

  // Text-first cases: record that the reviewer read the items as text (once per visit).
  const textRecorded = useRef(false);
  useEffect(() => {
    if (!detail || textRecorded.current || !detail.mayViewMedia) return;
    if (!isTextFirst(detail)) return;
    textRecorded.current = true;
    for (const item of detail.items) {
      api(
        'POST',
        `/v1/cases/${encodeURIComponent(id)}/items/${encodeURIComponent(item.id)}/views`,
        { mode: 'text' },
      ).catch(() => undefined);
    }
  }, [detail, id]);

  const act = useCallback(
    async (a: Action) => {
      if (busy || !detail) return;
      if (!detail.allowedTransitions.length && a.kind !== 'claim') {
        setNotice('Your role may not move this case.');
        return;
      }
      setBusy(true);
      setNotice('');
      const path = `/v1/cases/${encodeURIComponent(id)}`;
      try {
        if (a.kind === 'claim' || a.kind === 'release') {
          await api('POST', `${path}/transitions`, {
            to: a.kind === 'claim' ? 'in_review' : 'open',
            reason: a.kind === 'claim' ? 'claimed in console' : 'released in console',
          });
        } else {
          // Deciding needs a claimed case: claim first when it is still open.
          if (detail.case.state === 'open') {
            await api('POST', `${path}/transitions`, {
              to: 'in_review',
              reason: 'claimed in console',
            });
          }
          const body =
            a.kind === 'confirm'
              ? {
                  kind: 'confirm',
                  category: a.category,
                  ...(classification ? { classification } : {}),
                }
              : { kind: a.kind };
          await api('POST', `${path}/decision`, body);
        }
        setNotice(
          a.kind === 'confirm'
            ? `Confirmed as ${humanise(a.category)}.`
            : `${humanise(a.kind === 'claim' ? 'claimed' : a.kind)} done.`,
        );
        await load();
      } catch (e) {
        setNotice(
          e instanceof ApiError ? `Refused: ${e.message} (${e.code})` : 'The request failed.',
        );
      } finally {
        setBusy(false);
      }
    },
    [busy, detail, id, classification, load],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (isTyping(e) || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === 'n' && reportable && onReport) {
        e.preventDefault();
        onReport();
        return;
      }
      const a = BY_KEY[e.key];
      if (a) {
        e.preventDefault();
        void act(a);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [act, reportable, onReport]);

  if (error) {
    return (
      <section>
        <p role="alert">Case unavailable: {error}</p>
        <button type="button" onClick={onBack}>
          Back to the queue
        </button>
      </section>
    );
  }
  if (!detail) return <p aria-busy="true">Loading case {id}…</p>;
  const c = detail.case;
  const sla = slaLabel(c.slaDueAt, now);
  const csam = isCsam(c.severity);
  const mayViewMedia = detail.mayViewMedia;
  const allowed = new Set<CaseState>(detail.allowedTransitions);
  // Deciding moves an in_review or escalated case; an open one is claimed first.
  const mayDecide =
    c.state === 'in_review' ||
    c.state === 'escalated' ||
    (c.state === 'open' && allowed.has('in_review'));
  const enabled = (a: Action): boolean =>
    a.kind === 'claim'
      ? allowed.has('in_review') && c.state !== 'in_review'
      : a.kind === 'release'
        ? c.state === 'in_review' && allowed.has('open')
        : a.kind === 'escalate'
          ? allowed.has('escalated') || (c.state === 'open' && allowed.has('in_review'))
          : mayDecide;
  const textFirst = isTextFirst(detail);
  const reported = reportIdOf(detail.transitions);
  const decisionButton = (a: Action, key: string, text: string): ReactNode => (
    <button
      type="button"
      disabled={busy || !enabled(a)}
      onClick={() => void act(a)}
      aria-keyshortcuts={key}
    >
      {text} <kbd>{key}</kbd>
    </button>
  );
  return (
    <section aria-labelledby="case-title" className="case">
      <header className="case-header">
        <h2 id="case-title">
          Case #{c.id}{' '}
          <span className={`sev sev-${c.severity}`} data-testid="case-severity">
            {humanise(c.severity)}
          </span>
        </h2>
        <p>
          State <strong data-testid="case-state">{humanise(c.state)}</strong>, priority{' '}
          {Math.round(c.priority)},{' '}
          <span className={sla.breached ? 'sla breached' : 'sla'}>{sla.text}</span>
          {c.assignee ? `, assigned to ${c.assignee}` : ''}
          {c.summary?.autoActioned ? ', content already blocked (auto-actioned)' : ''}
        </p>
        {reported && (
          <p className="reported" data-testid="case-report-id">
            Reported to{' '}
            {reported.destination === 'cybertipline'
              ? 'NCMEC (CyberTipline)'
              : reported.destination}
            : report id <strong>{reported.reportId}</strong>
          </p>
        )}
        {reportable && onReport && (
          <p>
            <button type="button" onClick={onReport} aria-keyshortcuts="n">
              {reported ? 'Report details' : 'Report to NCMEC'} <kbd>n</kbd>
            </button>
          </p>
        )}
        {csam && !mayViewMedia && (
          <p className="warning" role="note">
            CSAM case: only child-safety reviewers may view its media or decide it. Escalate it if
            it needs a decision.
          </p>
        )}
      </header>

      <details className="why">
        <summary>Why this priority ({Math.round(detail.priority.score)})</summary>
        <ul>
          {detail.priority.components.map((p) => (
            <li key={p.name}>
              {humanise(p.name)}: {Math.round(p.points)} — {p.explanation}
            </li>
          ))}
        </ul>
      </details>

      <div className="decisions" role="group" aria-label="Decision">
        {decisionButton({ kind: 'claim' }, 's', 'Start review')}
        {decisionButton({ kind: 'confirm', category: 'csam' }, '1', 'Confirm CSAM')}
        {decisionButton({ kind: 'confirm', category: 'grooming' }, '2', 'Confirm grooming')}
        {decisionButton({ kind: 'confirm', category: 'sextortion' }, '3', 'Confirm sextortion')}
        {decisionButton(
          { kind: 'confirm', category: 'exploitation_other' },
          '4',
          'Confirm other exploitation',
        )}
        {decisionButton(
          { kind: 'confirm', category: 'policy_violation' },
          '5',
          'Confirm policy violation',
        )}
        {decisionButton({ kind: 'false_positive' }, 'f', 'False positive')}
        {decisionButton({ kind: 'escalate' }, 'e', 'Escalate')}
        {decisionButton({ kind: 'release' }, 'r', 'Release')}
        <label>
          Industry classification{' '}
          <select value={classification} onChange={(e) => setClassification(e.target.value)}>
            <option value="">(none)</option>
            <option value="A1">A1</option>
            <option value="A2">A2</option>
            <option value="B1">B1</option>
            <option value="B2">B2</option>
          </select>
        </label>
        {notice && (
          <p role="status" data-testid="notice">
            {notice}
          </p>
        )}
      </div>

      <h3>Items ({detail.items.length})</h3>
      {detail.items.map((item) => (
        <ItemView
          key={item.id}
          item={item}
          caseId={c.id}
          signals={detail.signals}
          textFirst={textFirst}
          mayViewMedia={mayViewMedia}
          onViewed={onViewed}
        />
      ))}

      <h3>Account history</h3>
      {detail.accountHistory.length === 0 ? (
        <p className="muted">No other cases about this account.</p>
      ) : (
        <ul>
          {detail.accountHistory.map((h) => (
            <li key={h.id}>
              <a href={`#/case/${h.id}`}>#{h.id}</a> {humanise(h.severity)}, {humanise(h.state)},
              opened {formatTime(h.openedAt)}
            </li>
          ))}
        </ul>
      )}

      <h3>Record</h3>
      <ol className="record" data-testid="record">
        {detail.transitions.map((t, i) => (
          <li key={`t${i}`}>
            {formatTime(t.at)}: {t.actor} moved {humanise(t.from)} → {humanise(t.to)} ({t.reason})
          </li>
        ))}
        {detail.views.map((v, i) => (
          <li key={`v${i}`}>
            {formatTime(v.at)}: {v.actor} viewed item {v.itemId} ({v.mode})
          </li>
        ))}
      </ol>
      <p className="shortcut-hint">
        Keys:{' '}
        {CASE_SHORTCUTS.map((s) => (
          <span key={s.key}>
            <kbd>{s.key}</kbd> {s.label.toLowerCase()}{' '}
          </span>
        ))}
      </p>
    </section>
  );
}
