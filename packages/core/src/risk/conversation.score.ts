import { CONV_EV_STRIDE, type ConversationState } from './account-state.model.js';
import type { ConversationRisk } from './risk-result.model.js';
import type { RiskLevel, RiskRules } from './risk-rules.model.js';
import { TEXT_CATEGORIES } from './text-category.model.js';

/**
 * Score of one adult-to-minor conversation: the sum of the weights of the text categories the
 * adult used in it (each counted once), plus `noMutualStart` when the adult reached the minor
 * with no mutual contact; capped at 1. Without text only the start counts, which is why
 * conversation scores are a review aid and account scores drive alerts.
 */
export function conversationScoreValue(c: ConversationState, rules: RiskRules): number {
  const w = rules.conversation.categoryWeights;
  let sum = c.noMutual ? rules.conversation.noMutualStart : 0;
  TEXT_CATEGORIES.forEach((cat, i) => {
    if (c.categories & (1 << i)) sum += w[cat];
  });
  return Math.min(1, sum);
}

/**
 * Explained risk of one conversation (see {@link conversationScoreValue}).
 * @param c conversation state
 * @param rules rules in force
 * @param partner user id of the minor
 * @param phrase resolves an interned evidence phrase ref
 */
export function scoreConversation(
  c: ConversationState,
  rules: RiskRules,
  partner: string,
  phrase: (ref: number) => string,
): ConversationRisk {
  const w = rules.conversation.categoryWeights;
  const categories: Array<ConversationRisk['categories'][number]> = [];
  // Categories in order of first evidence, then those seen without a kept span.
  const seen = new Set<number>();
  for (let o = 0, k = 0; o + CONV_EV_STRIDE <= c.evidence.length; o += CONV_EV_STRIDE, k++) {
    const ci = c.evidence[o]!;
    const cat = TEXT_CATEGORIES[ci]!;
    seen.add(ci);
    const span = {
      match: phrase(c.evidence[o + 4]!),
      start: c.evidence[o + 1]!,
      end: c.evidence[o + 2]!,
      at: new Date(c.evidence[o + 3]! * 1000).toISOString(),
    };
    const id = c.evidenceIds?.[k];
    categories.push({
      category: cat,
      weight: w[cat],
      evidence: id === undefined ? span : { ...span, eventId: id },
    });
  }
  TEXT_CATEGORIES.forEach((cat, ci) => {
    if (c.categories & (1 << ci) && !seen.has(ci))
      categories.push({ category: cat, weight: w[cat] });
  });
  const score = Math.round(conversationScoreValue(c, rules) * 1e4) / 1e4;
  const l = rules.levels;
  const level: RiskLevel =
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
  };
  return c.conversation === undefined ? base : { ...base, conversation: c.conversation };
}
