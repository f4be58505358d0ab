import {
  ReportText,
  type CaseItem,
  type CaseSeverity,
  type CaseSource,
  type CaseState,
  type CaseSummary,
  type DecisionPlan,
  type FoldVia,
  type ReviewDecision,
  type StoredCase,
  type StoredCaseItem,
  type StoredDecision,
  type StoredSignal,
  type StoredView,
  type ViewMode,
} from '@lifeguard/core';
import type { Generated, Selectable } from 'kysely';
import type { AuditLogTable } from './audit-log.kysely.js';
import type { Database } from './database.model.js';
import type { WebhookDeliveriesTable } from './webhook-outbox.kysely.js';

type Big = number | string;

/** Row of `lg_cases` (migration `0006_cases`). */
export interface CasesTable {
  /** Case id. */
  id: Generated<Big>;
  /** State. */
  state: string;
  /** 1 while open / in_review / escalated. */
  active: number;
  /** Most severe signal severity. */
  severity: string;
  /** Priority as last computed. */
  priority: number;
  /** When it was computed (epoch ms). */
  scored_at: Big;
  /** When the priority next changes (age, ongoing-harm expiry), or null. */
  rescore_at: Big | null;
  /** JSON CaseSummary. */
  summary: string;
  /** JSON array of case ids. */
  linked_to: string;
  /** JSON array of case ids. */
  also_matches: string;
  /** Main account, or null. */
  account: string | null;
  /** Reviewer who claimed it. */
  assignee: string | null;
  /** First signal (epoch ms). */
  opened_at: Big;
  /** Last change (epoch ms). */
  updated_at: Big;
  /** Last close (epoch ms), or null. */
  closed_at: Big | null;
  /** SLA deadline (epoch ms). */
  sla_due_at: Big;
  /** Breach marked (epoch ms), or null. */
  sla_breached_at: Big | null;
  /** First decision (epoch ms), or null. */
  decided_at: Big | null;
  /** First action (epoch ms), or null. */
  actioned_at: Big | null;
  /** Change counter. */
  version: number;
}

/** Row of `lg_case_items`. */
export interface CaseItemsTable {
  /** Item id. */
  id: Generated<Big>;
  /** Case. */
  case_id: Big;
  /** `media` or `account`. */
  kind: string;
  /** Content id. */
  content_id: string | null;
  /** SHA-256 hex. */
  sha256: string | null;
  /** MD5 hex. */
  md5: string | null;
  /** PDQ hex. */
  pdq: string | null;
  /** Account. */
  account: string | null;
  /** Most severe signal severity. */
  severity: string;
  /** Signals folded in. */
  count: number;
  /** First signal (epoch ms). */
  first_at: Big;
  /** Last signal (epoch ms). */
  last_at: Big;
  /** Review copy key in the blob store. */
  blob_key: string | null;
}

/** Row of `lg_case_signals`. */
export interface CaseSignalsTable {
  /** Signal id. */
  id: Generated<Big>;
  /** Case. */
  case_id: Big;
  /** Item. */
  item_id: Big;
  /** Source kind. */
  kind: string;
  /** Severity of the signal. */
  severity: string;
  /** Fold key that brought it (`opened` for the first). */
  via: string;
  /** Received (epoch ms). */
  received_at: Big;
  /** JSON CaseSource without report text. */
  source: string;
  /** JSON Reach, or null. */
  reach: string | null;
  /** Report free text (never logged), or null. */
  report_text: string | null;
}

/** Row of `lg_case_keys`. */
export interface CaseKeysTable {
  /** Key row id (follow order). */
  id: Generated<Big>;
  /** Fold key (`c:`, `s:`, `m:`, `p:`, `a:` prefix). */
  key: string;
  /** Case. */
  case_id: Big;
  /** First item with this key. */
  item_id: Big;
}

/** Row of `lg_case_transitions`. */
export interface CaseTransitionsTable {
  /** Id. */
  id: Generated<Big>;
  /** Case. */
  case_id: Big;
  /** From. */
  from_state: string;
  /** To. */
  to_state: string;
  /** Actor id. */
  actor: string;
  /** When (epoch ms). */
  at: Big;
  /** Why. */
  reason: string;
}

/** Row of `lg_case_decisions`. */
export interface CaseDecisionsTable {
  /** Id. */
  id: Generated<Big>;
  /** Case. */
  case_id: Big;
  /** Reviewer. */
  actor: string;
  /** When. */
  at: Big;
  /** Decision kind. */
  kind: string;
  /** JSON ReviewDecision. */
  decision: string;
  /** A1/A2/B1/B2 or null. */
  classification: string | null;
  /** Note or null. */
  note: string | null;
  /** JSON DecisionPlan. */
  plan: string;
}

/** Row of `lg_case_views`. */
export interface CaseViewsTable {
  /** Id. */
  id: Generated<Big>;
  /** Case. */
  case_id: Big;
  /** Item. */
  item_id: Big;
  /** Reviewer. */
  actor: string;
  /** Mode. */
  mode: string;
  /** When. */
  at: Big;
}

/** Row of `lg_case_feedback`. */
export interface CaseFeedbackTable {
  /** Id. */
  id: Generated<Big>;
  /** Case. */
  case_id: Big;
  /** Decision. */
  decision_id: Big;
  /** `local_block` or `allow`. */
  bank: string;
  /** Signal type. */
  signal: string;
  /** Hash. */
  value: string;
  /** Applied (epoch ms) or null. */
  applied_at: Big | null;
}

/** Every table the case store touches. */
export type CaseDb = Database & {
  lg_cases: CasesTable;
  lg_case_items: CaseItemsTable;
  lg_case_signals: CaseSignalsTable;
  lg_case_keys: CaseKeysTable;
  lg_case_transitions: CaseTransitionsTable;
  lg_case_decisions: CaseDecisionsTable;
  lg_case_views: CaseViewsTable;
  lg_case_feedback: CaseFeedbackTable;
  lg_audit_log: AuditLogTable;
  lg_webhook_deliveries: WebhookDeliveriesTable;
};

const n = (v: Big): number => Number(v);
const nOrNull = (v: Big | null): number | null => (v === null ? null : Number(v));

/** A `lg_cases` row as a {@link StoredCase}. */
export function caseOf(r: Selectable<CasesTable>): StoredCase {
  return {
    id: String(r.id),
    state: r.state as CaseState,
    severity: r.severity as CaseSeverity,
    priority: r.priority,
    scoredAt: n(r.scored_at),
    summary: JSON.parse(r.summary) as CaseSummary,
    linkedTo: JSON.parse(r.linked_to) as string[],
    alsoMatches: JSON.parse(r.also_matches) as string[],
    account: r.account,
    assignee: r.assignee,
    openedAt: n(r.opened_at),
    updatedAt: n(r.updated_at),
    closedAt: nOrNull(r.closed_at),
    slaDueAt: n(r.sla_due_at),
    slaBreachedAt: nOrNull(r.sla_breached_at),
    decidedAt: nOrNull(r.decided_at),
    actionedAt: nOrNull(r.actioned_at),
    version: r.version,
  };
}

/** A `lg_case_items` row as a {@link StoredCaseItem}. */
export function itemOf(r: Selectable<CaseItemsTable>): StoredCaseItem {
  const media =
    r.kind === 'media'
      ? {
          ...(r.content_id !== null ? { contentId: r.content_id } : {}),
          ...(r.sha256 !== null ? { sha256: r.sha256 } : {}),
          ...(r.md5 !== null ? { md5: r.md5 } : {}),
          ...(r.pdq !== null ? { pdq: r.pdq } : {}),
        }
      : null;
  return {
    id: String(r.id),
    caseId: String(r.case_id),
    kind: r.kind as 'media' | 'account',
    media,
    account: r.account,
    severity: r.severity as CaseSeverity,
    count: r.count,
    firstAt: n(r.first_at),
    lastAt: n(r.last_at),
    blobKey: r.blob_key,
  };
}

/** The stored JSON of a source: everything but the report text (kept in its own column). */
export function sourceJson(source: CaseSource): string {
  if (source.kind !== 'user_report') return JSON.stringify(source);
  const { text: _text, ...rest } = source;
  return JSON.stringify(rest);
}

/** A `lg_case_signals` row as a {@link StoredSignal} (report text wrapped in ReportText). */
export function signalOf(r: Selectable<CaseSignalsTable>): StoredSignal {
  const parsed = JSON.parse(r.source) as CaseSource;
  const source: CaseSource =
    parsed.kind === 'user_report' && r.report_text !== null
      ? { ...parsed, text: new ReportText(r.report_text) }
      : parsed;
  const item: CaseItem = {
    id: String(r.id),
    receivedAt: n(r.received_at),
    source,
    ...(r.reach !== null ? { reach: JSON.parse(r.reach) as CaseItem['reach'] & object } : {}),
  };
  return {
    id: String(r.id),
    caseId: String(r.case_id),
    itemId: String(r.item_id),
    item,
    severity: r.severity as CaseSeverity,
    via: r.via as FoldVia | 'opened',
  };
}

/** A `lg_case_decisions` row as a {@link StoredDecision}. */
export function decisionOf(r: Selectable<CaseDecisionsTable>): StoredDecision {
  return {
    id: String(r.id),
    caseId: String(r.case_id),
    actor: r.actor,
    at: n(r.at),
    decision: JSON.parse(r.decision) as ReviewDecision,
    classification: r.classification,
    note: r.note,
    plan: JSON.parse(r.plan) as DecisionPlan,
  };
}

/** A `lg_case_views` row as a {@link StoredView}. */
export function viewOf(r: Selectable<CaseViewsTable>): StoredView {
  return {
    id: String(r.id),
    caseId: String(r.case_id),
    itemId: String(r.item_id),
    actor: r.actor,
    mode: r.mode as ViewMode,
    at: n(r.at),
  };
}
