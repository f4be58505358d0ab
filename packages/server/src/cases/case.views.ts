import {
  needsConfirmation,
  slaClock,
  type CasePolicyConfig,
  type StoredCase,
  type StoredCaseItem,
  type StoredSignal,
} from '@lifeguard/core';

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

/** A stored case as the API shows it (times ISO-8601, SLA clock at `now`). */
export function caseView(c: StoredCase, policy: CasePolicyConfig, now: number) {
  const sla = slaClock(c.summary, policy, now, c.closedAt);
  return {
    id: c.id,
    state: c.state,
    severity: c.severity,
    priority: c.priority,
    items: c.summary.items,
    reports: c.summary.reports,
    account: c.account,
    assignee: c.assignee,
    linkedTo: c.linkedTo,
    alsoMatches: c.alsoMatches,
    openedAt: iso(c.openedAt),
    updatedAt: iso(c.updatedAt),
    closedAt: isoOrNull(c.closedAt),
    decidedAt: isoOrNull(c.decidedAt),
    actionedAt: isoOrNull(c.actionedAt),
    needsConfirmation: needsConfirmation({
      id: c.id,
      state: c.state,
      summary: c.summary,
      linkedTo: c.linkedTo,
      transitions: [],
      closedAt: c.closedAt,
    }),
    sla: {
      dueAt: iso(sla.dueAt),
      remainingMs: Math.round(sla.remainingMs),
      breached: sla.breached,
      breachedAt: isoOrNull(c.slaBreachedAt),
    },
    summary: c.summary,
  };
}

/** An item as the API shows it (never the blob key). */
export function itemView(i: StoredCaseItem) {
  return {
    id: i.id,
    kind: i.kind,
    media: i.media,
    account: i.account,
    severity: i.severity,
    count: i.count,
    firstAt: iso(i.firstAt),
    lastAt: iso(i.lastAt),
    hasMedia: i.blobKey !== null,
  };
}

/**
 * A signal as the API shows it. Report free text is revealed only when `mayViewText` (the
 * caller may view this case's content); it never goes anywhere else.
 */
export function signalView(s: StoredSignal, mayViewText: boolean) {
  const src = s.item.source;
  const text = src.kind === 'user_report' ? src.text : undefined;
  const source = src.kind === 'user_report' ? { ...src, text: undefined } : src;
  return {
    id: s.id,
    itemId: s.itemId,
    kind: src.kind,
    severity: s.severity,
    via: s.via,
    receivedAt: iso(s.item.receivedAt),
    source,
    ...(s.item.reach !== undefined ? { reach: s.item.reach } : {}),
    ...(text !== undefined
      ? mayViewText
        ? { text: text.reveal(), textWithheld: false }
        : { text: null, textWithheld: true }
      : {}),
  };
}
