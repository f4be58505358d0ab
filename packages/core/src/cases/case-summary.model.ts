import {
  CASE_SEVERITIES,
  severityRank,
  type CaseItem,
  type CaseSeverity,
  type CaseSource,
} from './case.model.js';
import type { CasePolicyConfig } from './case-policy.config.js';

/**
 * The facts priority and SLA need, aggregated over a case's items. It is plain data, updated
 * one item at a time ({@link addToSummary}) so the store keeps it in a row and never reloads
 * a thousand items to rank a case; it holds no derived score, so a policy change (weights,
 * SLA) applies to every case at once.
 */
export interface CaseSummary {
  /** Most severe item severity. */
  readonly severity: CaseSeverity;
  /** Earliest item time (epoch ms): the case's age counts from here. */
  readonly openedAt: number;
  /** Items folded in. */
  readonly items: number;
  /** User-report items among them. */
  readonly reports: number;
  /** Largest view count any item carried (platform counts are cumulative). */
  readonly views: number;
  /** Largest share count any item carried. */
  readonly shares: number;
  /** Earliest item time per severity: each severity's SLA clock starts at its first item. */
  readonly firstAt: Readonly<Partial<Record<CaseSeverity, number>>>;
  /** Latest adult-minor contact any item reported (epoch ms), or null. */
  readonly lastMinorContactAt: number | null;
  /** Earliest item that showed ongoing harm when it arrived (epoch ms), or null. */
  readonly firstOngoingAt: number | null;
  /** A staff member flagged ongoing harm (manual item). */
  readonly ongoingFlagged: boolean;
  /**
   * Some item was a `block` verdict, so the content was blocked at scan time: the case still
   * needs a human to confirm (and, for CSAM, to report).
   */
  readonly autoActioned: boolean;
}

function labelsSay(labels: readonly string[], csam: readonly string[]): boolean {
  return labels.some((l) => csam.includes(l));
}

/**
 * Severity of one signal (docs/cases.md):
 * - hash match: a block verdict with a block-bank hit labelled (or classified) as CSAM is
 *   `verified_csam`; a CSAM-labelled hit without a block verdict is `possible_csam`;
 * - user report with reason `csam`: `possible_csam` (nobody has verified it yet);
 * - risk alert with a minor in contact: `grooming_live_contact`;
 * - manual: the severity the staff member chose;
 * - anything else: `other`.
 */
export function severityOfSource(source: CaseSource, policy: CasePolicyConfig): CaseSeverity {
  switch (source.kind) {
    case 'hash_match': {
      const csamHit = source.matches.some(
        (m) =>
          m.kind === 'block' &&
          (labelsSay(m.labels, policy.csamLabels) ||
            (m.classification !== null && policy.csamLabels.includes(m.classification))),
      );
      if (!csamHit) return 'other';
      return source.verdict === 'block' ? 'verified_csam' : 'possible_csam';
    }
    case 'user_report':
      return source.reason === 'csam' ? 'possible_csam' : 'other';
    case 'risk_alert':
      return source.minorsInContact.length > 0 ? 'grooming_live_contact' : 'other';
    case 'manual':
      return source.severity;
  }
}

/** True when the item itself showed a minor in contact within the window when it arrived. */
function ongoingAtReceipt(item: CaseItem, policy: CasePolicyConfig): boolean {
  const s = item.source;
  if (s.kind === 'manual') return s.ongoingHarm === true;
  if (s.kind !== 'risk_alert' || s.minorsInContact.length === 0) return false;
  return (
    s.lastMinorContactAt !== undefined &&
    item.receivedAt - s.lastMinorContactAt <= policy.ongoingContactWindowMs
  );
}

function nonNegative(n: number | undefined): number {
  return n !== undefined && Number.isFinite(n) && n > 0 ? n : 0;
}

function minOrNull(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

/** The summary of a case holding just `item`. */
export function summaryOf(item: CaseItem, policy: CasePolicyConfig): CaseSummary {
  const s = item.source;
  const severity = severityOfSource(s, policy);
  return {
    severity,
    openedAt: item.receivedAt,
    items: 1,
    reports: s.kind === 'user_report' ? 1 : 0,
    views: nonNegative(item.reach?.views),
    shares: nonNegative(item.reach?.shares),
    firstAt: { [severity]: item.receivedAt },
    lastMinorContactAt:
      s.kind === 'risk_alert' && s.minorsInContact.length > 0
        ? (s.lastMinorContactAt ?? null)
        : null,
    firstOngoingAt: ongoingAtReceipt(item, policy) ? item.receivedAt : null,
    ongoingFlagged: s.kind === 'manual' && s.ongoingHarm === true,
    autoActioned: s.kind === 'hash_match' && s.verdict === 'block',
  };
}

/**
 * Merge two summaries. Commutative and associative, so the summary of a case does not depend
 * on the order its items arrived in.
 */
export function mergeSummaries(a: CaseSummary, b: CaseSummary): CaseSummary {
  const firstAt: Partial<Record<CaseSeverity, number>> = {};
  for (const sev of CASE_SEVERITIES) {
    const x = a.firstAt[sev];
    const y = b.firstAt[sev];
    const m = x === undefined ? y : y === undefined ? x : Math.min(x, y);
    if (m !== undefined) firstAt[sev] = m;
  }
  const lastA = a.lastMinorContactAt;
  const lastB = b.lastMinorContactAt;
  return {
    severity: severityRank(a.severity) >= severityRank(b.severity) ? a.severity : b.severity,
    openedAt: Math.min(a.openedAt, b.openedAt),
    items: a.items + b.items,
    reports: a.reports + b.reports,
    views: Math.max(a.views, b.views),
    shares: Math.max(a.shares, b.shares),
    firstAt,
    lastMinorContactAt: lastA === null ? lastB : lastB === null ? lastA : Math.max(lastA, lastB),
    firstOngoingAt: minOrNull(a.firstOngoingAt, b.firstOngoingAt),
    ongoingFlagged: a.ongoingFlagged || b.ongoingFlagged,
    autoActioned: a.autoActioned || b.autoActioned,
  };
}

/** The summary after `item` joins a case summarised by `summary`. */
export function addToSummary(
  summary: CaseSummary,
  item: CaseItem,
  policy: CasePolicyConfig,
): CaseSummary {
  return mergeSummaries(summary, summaryOf(item, policy));
}

/** The summary of a non-empty list of items; undefined for an empty list. */
export function summarize(
  items: readonly CaseItem[],
  policy: CasePolicyConfig,
): CaseSummary | undefined {
  let out: CaseSummary | undefined;
  for (const it of items)
    out = out === undefined ? summaryOf(it, policy) : addToSummary(out, it, policy);
  return out;
}
