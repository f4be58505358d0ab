import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { api, ApiError } from './api.client.js';
import { formatTime, humanise } from './format.util.js';
import {
  CLASSIFICATION_TEXT,
  explainExif,
  explainViewed,
  isLive,
  isTerminal,
  STATE_TEXT,
  type EvidenceRecordView,
  type IpCapture,
  type ReportPreview,
  type Submission,
} from './report.model.js';

/** Props of {@link ReportScreen}. */
export interface ReportScreenProps {
  /** Case id. */
  readonly id: string;
  /** The signed-in user's roles (a CSAM case may only be reported by a child-safety reviewer). */
  readonly roles: readonly string[];
  /** Back to the case. */
  readonly onBack: () => void;
}

function IpTable({ list, caption }: { list: readonly IpCapture[]; caption: string }): ReactNode {
  if (list.length === 0) return <span className="muted">none sent by the platform</span>;
  return (
    <table className="ips">
      <caption className="sr-only">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">IP address</th>
          <th scope="col">Event</th>
          <th scope="col">Time</th>
          <th scope="col">Port</th>
        </tr>
      </thead>
      <tbody>
        {list.map((e, i) => (
          <tr key={i} data-testid="ip-capture">
            <td className="mono">{e.ipAddress}</td>
            <td>{e.eventName ?? '—'}</td>
            <td>{e.dateTime ? formatTime(e.dateTime) : '—'}</td>
            <td className="num">{e.port ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function SubmissionView({ s }: { s: Submission }): ReactNode {
  return (
    <article className="submission" data-testid="submission" data-state={s.state}>
      <h4>
        Submission {s.id} to {s.destination} ({s.environment}):{' '}
        <strong data-testid="submission-state">{humanise(s.state)}</strong>
      </h4>
      <p>{STATE_TEXT[s.state]}</p>
      {s.reportId && (
        <p className="report-id">
          CyberTipline report id <strong data-testid="submission-report-id">{s.reportId}</strong>
          {s.finishedAt ? `, filed ${formatTime(s.finishedAt)}` : ''}
        </p>
      )}
      {s.error && (
        <p className="warning" role="alert">
          {s.error.message} ({s.error.code})
        </p>
      )}
      <p>
        Confirmed by {s.confirmedBy} at {formatTime(s.createdAt)}. Files:{' '}
        {s.files.map((f) => `${f.index + 1}: ${humanise(f.state)}`).join(', ') || 'none'}
      </p>
      <details>
        <summary>Recorded steps ({s.steps.length})</summary>
        <ol className="steps">
          {s.steps.map((st) => (
            <li key={st.seq}>
              {formatTime(st.at)}: {st.step}
              {st.fileIndex !== null ? ` file ${st.fileIndex + 1}` : ''} — {st.phase}
            </li>
          ))}
        </ol>
      </details>
    </article>
  );
}

/**
 * "Report to NCMEC" for a confirmed case: the planned CyberTipline report (incident, reported
 * user with IP captures, files with `fileViewedByEsp`/`exifViewedByEsp` explained from the
 * recorded views, the reviewer's classification, problems and warnings, the XML itself), an
 * explicit confirmation (nothing is sent before it), then the submission's progress and the
 * report id. No media is shown on this screen; the preserved evidence is listed by hash only.
 */
export function ReportScreen({ id, roles, onBack }: ReportScreenProps): ReactNode {
  const [preview, setPreview] = useState<ReportPreview | null>(null);
  const [previewError, setPreviewError] = useState<ApiError | null>(null);
  const [subs, setSubs] = useState<readonly Submission[]>([]);
  const [evidence, setEvidence] = useState<readonly EvidenceRecordView[] | null>(null);
  const [checked, setChecked] = useState(false);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState('');
  const heading = useRef<HTMLHeadingElement>(null);
  const path = `/v1/cases/${encodeURIComponent(id)}`;

  const loadSubs = useCallback(async (): Promise<readonly Submission[]> => {
    const r = await api<{ submissions: Submission[] }>('GET', `${path}/report`);
    setSubs(r.submissions);
    return r.submissions;
  }, [path]);

  const loadPreview = useCallback(async () => {
    try {
      setPreview(await api<ReportPreview>('POST', `${path}/report`));
      setPreviewError(null);
    } catch (e) {
      setPreviewError(e instanceof ApiError ? e : new ApiError(0, 'LG_ERR_HTTP', 'failed'));
    }
  }, [path]);

  useEffect(() => {
    void loadPreview();
    loadSubs().catch(() => undefined);
    api<{ evidence: EvidenceRecordView[] }>('GET', `${path}/evidence`).then(
      (r) => setEvidence(r.evidence),
      () => setEvidence(null),
    );
    heading.current?.focus();
  }, [path, loadPreview, loadSubs]);

  // Follow a live submission until it is finished, retracted or failed.
  const live = subs.find((s) => isLive(s.state));
  const following = live !== undefined && !isTerminal(live.state);
  useEffect(() => {
    if (!following) return;
    const t = setInterval(() => void loadSubs().catch(() => undefined), 1000);
    return () => clearInterval(t);
  }, [following, loadSubs]);

  const confirm = async (): Promise<void> => {
    if (!preview || busy) return;
    setBusy(true);
    setNotice('');
    try {
      await api('POST', `${path}/report/confirm`, { documentSha256: preview.documentSha256 });
      setChecked(false);
      setNotice('Confirmed. The report is being filed; its progress is shown below.');
      await loadSubs();
    } catch (e) {
      setNotice(
        e instanceof ApiError ? `Refused: ${e.message} (${e.code})` : 'The request failed.',
      );
      if (e instanceof ApiError && e.code === 'LG_ERR_CONFLICT') void loadPreview();
    } finally {
      setBusy(false);
    }
  };

  const csam = preview?.summary.category === 'csam';
  const mayConfirm =
    roles.includes('child_safety_reviewer') ||
    (!csam && roles.some((r) => r === 'lead' || r === 'admin'));
  const blockers: string[] = [];
  if (preview && !preview.configured)
    blockers.push('CyberTipline reporting is not configured on this server.');
  if (preview && preview.problems.length > 0) blockers.push('The report has problems (below).');
  if (live) blockers.push('This case already has a submission under way or filed.');
  if (preview && !mayConfirm) blockers.push('Only a child-safety reviewer may report a CSAM case.');
  const filed = subs.find((s) => s.state === 'finished');

  return (
    <section aria-labelledby="report-title" className="report">
      <h2 id="report-title" tabIndex={-1} ref={heading}>
        Report case #{id} to NCMEC (CyberTipline)
      </h2>
      <p>
        <button type="button" onClick={onBack}>
          Back to the case
        </button>
      </p>
      {filed?.reportId && (
        <p className="filed" role="status" data-testid="filed-report-id">
          Filed: CyberTipline report id <strong>{filed.reportId}</strong>
        </p>
      )}
      {previewError && (
        <p role="alert" className="warning" data-testid="preview-error">
          No report can be built: {previewError.message} ({previewError.code})
        </p>
      )}
      {!preview && !previewError && <p aria-busy="true">Building the report…</p>}
      {preview && (
        <>
          <p>
            Destination <strong>{preview.destination}</strong>, environment{' '}
            <strong data-testid="report-environment">
              {preview.environment ?? 'not configured'}
            </strong>
            . Nothing is sent until you confirm below.
          </p>

          <h3>What the report says</h3>
          <dl className="report-summary">
            <dt>Incident type</dt>
            <dd data-testid="incident-type">{preview.summary.incidentType}</dd>
            <dt>Incident time</dt>
            <dd>{formatTime(preview.summary.incidentDateTime)}</dd>
            <dt>Confirmed category</dt>
            <dd>{humanise(preview.summary.category)}</dd>
            <dt>Industry classification (your choice)</dt>
            <dd data-testid="report-classification">
              {preview.summary.classification
                ? (CLASSIFICATION_TEXT[preview.summary.classification] ??
                  preview.summary.classification)
                : 'none chosen'}
            </dd>
            <dt>Reported user</dt>
            <dd data-testid="reported-user">
              {preview.summary.reportedUser
                ? `${preview.summary.reportedUser.espIdentifier} on ${preview.summary.reportedUser.espService}`
                : 'no account is known for this case'}
            </dd>
            {preview.summary.reportedUser && (
              <>
                <dt>Reported user's IP captures</dt>
                <dd>
                  <IpTable
                    list={preview.summary.reportedUser.ipCaptureEvents}
                    caption="IP captures of the reported user"
                  />
                </dd>
              </>
            )}
          </dl>

          <h3>Files ({preview.files.length})</h3>
          <p className="muted">
            No media is shown here. "Viewed by ESP" is derived only from the views recorded for each
            file; a view counts when its mode is {preview.fullViewModes.join(' or ')}.
          </p>
          <table className="report-files" data-testid="report-files">
            <caption className="sr-only">Files to upload with what their details claim</caption>
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">fileViewedByEsp</th>
                <th scope="col">exifViewedByEsp</th>
                <th scope="col">Classification</th>
                <th scope="col">Relevance</th>
                <th scope="col">Uploaded</th>
                <th scope="col">IP captures</th>
              </tr>
            </thead>
            <tbody>
              {preview.files.map((f) => (
                <tr key={f.itemId} data-testid="report-file" data-item-id={f.itemId}>
                  <th scope="row">
                    item {f.itemId}
                    <br />
                    <span className="muted">{f.fileName}</span>
                  </th>
                  <td data-testid="file-viewed" data-value={String(f.fileViewedByEsp)}>
                    <strong>{f.fileViewedByEsp ? 'true' : 'false'}</strong>
                    <br />
                    <span className="explain">{explainViewed(f, preview.fullViewModes)}</span>
                  </td>
                  <td>
                    <strong>{f.exifViewedByEsp ? 'true' : 'false'}</strong>
                    <br />
                    <span className="explain">{explainExif(f)}</span>
                  </td>
                  <td>{f.industryClassification ?? 'none'}</td>
                  <td>{f.fileRelevance}</td>
                  <td>{f.uploadedAt ? formatTime(f.uploadedAt) : '—'}</td>
                  <td>
                    <IpTable list={f.ipCaptureEvents} caption={`IP captures of item ${f.itemId}`} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>

          {preview.problems.length > 0 && (
            <div className="problems" role="alert" data-testid="report-problems">
              <h3>Problems: the report cannot be sent until these are fixed</h3>
              <ul>
                {preview.problems.map((p, i) => (
                  <li key={i}>
                    <code>{p.path}</code> ({p.code}): {p.message}
                  </li>
                ))}
              </ul>
            </div>
          )}
          {preview.warnings.length > 0 && (
            <div className="warnings" data-testid="report-warnings">
              <h3>Before you confirm</h3>
              <ul>
                {preview.warnings.map((w, i) => (
                  <li key={i}>
                    <code>{w.path}</code>: {w.message}
                  </li>
                ))}
              </ul>
            </div>
          )}

          <details>
            <summary>The report document (XML, exactly what will be sent)</summary>
            <pre className="xml" data-testid="report-xml">
              {preview.document}
            </pre>
            <p className="muted mono">SHA-256 {preview.documentSha256}</p>
          </details>

          <h3>Confirm</h3>
          <form
            className="confirm-report"
            onSubmit={(e) => {
              e.preventDefault();
              void confirm();
            }}
          >
            {blockers.length > 0 && (
              <ul className="blockers" data-testid="confirm-blockers">
                {blockers.map((b) => (
                  <li key={b}>{b}</li>
                ))}
              </ul>
            )}
            <label>
              <input
                type="checkbox"
                checked={checked}
                disabled={blockers.length > 0}
                onChange={(e) => setChecked(e.target.checked)}
              />{' '}
              I have checked this report, and I confirm it should be filed with NCMEC (
              {preview.environment ?? 'not configured'}).
            </label>{' '}
            <button type="submit" disabled={!checked || busy || blockers.length > 0}>
              Send the report to NCMEC
            </button>
            {notice && (
              <p role="status" data-testid="report-notice">
                {notice}
              </p>
            )}
          </form>
        </>
      )}

      <h3>Submissions</h3>
      {subs.length === 0 ? (
        <p className="muted">None yet.</p>
      ) : (
        <div aria-live="polite">
          {subs.map((s) => (
            <SubmissionView key={s.id} s={s} />
          ))}
        </div>
      )}

      <h3>Preserved evidence</h3>
      {evidence === null ? (
        <p className="muted">Your role may not see this case's evidence records.</p>
      ) : evidence.length === 0 ? (
        <p className="muted">Nothing preserved yet.</p>
      ) : (
        <table data-testid="evidence">
          <caption className="sr-only">Evidence preserved for this case</caption>
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Item</th>
              <th scope="col">SHA-256 (at capture)</th>
              <th scope="col">Size</th>
              <th scope="col">Preserved</th>
              <th scope="col">Held until</th>
            </tr>
          </thead>
          <tbody>
            {evidence.map((e) => (
              <tr key={e.id}>
                <td>{e.kind}</td>
                <td>{e.itemId ?? '—'}</td>
                <td className="mono">{e.sha256.slice(0, 16)}…</td>
                <td className="num">{e.size}</td>
                <td>
                  {formatTime(e.preservedAt)} ({humanise(e.trigger)})
                </td>
                <td>{e.purgedAt ? `purged ${formatTime(e.purgedAt)}` : formatTime(e.holdUntil)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="muted">
        Export bundles for hotlines without an API are made on the server with{' '}
        <code>lifeguard report bundle create</code> (docs/reporting.md); the console does not
        download evidence.
      </p>
    </section>
  );
}
