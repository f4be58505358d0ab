import type { ConversationState } from './account-state.model.js';
import type { ConversationRisk } from './risk-result.model.js';
import type { RiskRules } from './risk-rules.model.js';
import { TEXT_CATEGORIES } from './text-category.model.js';

/**
 * Score one adult-to-minor conversation: the sum of the weights of the text categories the
 * adult used in it (each counted once), plus `noMutualStart` when the adult reached the
 * minor with no mutual contact; capped at 1. Without text only the start counts, which is
 * why conversation scores are a review aid and account scores drive alerts.
 */
export function scoreConversation(
  c: ConversationState,
  rules: RiskRules,
  partner: string,
): ConversationRisk {
  const w = rules.conversation.categoryWeights;
  let sum = c.noMutual ? rules.conversation.noMutualStart : 0;
  const categories: Array<ConversationRisk['categories'][number]> = [];
  TEXT_CATEGORIES.forEach((cat, i) => {
    if ((c.categories & (1 << i)) === 0) return;
    sum += w[cat];
  });
  for (const { category, ev } of c.evidence) {
    const span = {
      match: ev.match,
      start: ev.start,
      end: ev.end,
      at: new Date(ev.atMs).toISOString(),
    };
    categories.push({
      category,
      weight: w[category],
      evidence: ev.eventId === undefined ? span : { ...span, eventId: ev.eventId },
    });
  }
  const score = Math.round(Math.min(1, sum) * 1e4) / 1e4;
  const l = rules.levels;
  const level =
    score >= l.critical
      ? 'critical'
      : score >= l.high
        ? 'high'
        : score >= l.watch
          ? 'watch'
          : 'none';
  const base = {
    partner,
    score,
    level,
    sent: c.sent,
    received: c.received,
    categories,
    noMutualStart: c.noMutual,
  } as const;
  return c.conversation === undefined ? base : { ...base, conversation: c.conversation };
}
