import {
  needsConfirmation,
  slaClock,
  type CasePolicyConfig,
  type StoredCase,
  type StoredCaseItem,
  type StoredSignal,
} from '@lifeguard/core';

/** A stored case as the API shows it (times in epoch ms, like core; SLA clock at `now`). */
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
    openedAt: c.openedAt,
    updatedAt: c.updatedAt,
    closedAt: c.closedAt,
    decidedAt: c.decidedAt,
    actionedAt: c.actionedAt,
    slaDueAt: Math.round(sla.dueAt),
    slaBreachedAt: c.slaBreachedAt,
    needsConfirmation: needsConfirmation({
      id: c.id,
      state: c.state,
      summary: c.summary,
      linkedTo: c.linkedTo,
      transitions: [],
      closedAt: c.closedAt,
    }),
    sla: {
      dueAt: Math.round(sla.dueAt),
      remainingMs: Math.round(sla.remainingMs),
      breached: sla.breached,
      basis: sla.basis,
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
    firstAt: i.firstAt,
    lastAt: i.lastAt,
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
    receivedAt: s.item.receivedAt,
    source,
    ...(s.item.reach !== undefined ? { reach: s.item.reach } : {}),
    ...(text !== undefined
      ? mayViewText
        ? { text: text.reveal(), textWithheld: false }
        : { text: null, textWithheld: true }
      : {}),
  };
}
