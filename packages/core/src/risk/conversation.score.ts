import {
  CV_EV,
  CV_EV_STRIDE,
  CV_FLAGS,
  CV_RECEIVED,
  CV_SENT,
  CVF_NO_MUTUAL,
} from './account-state.model.js';
import type { ConversationRisk } from './risk-result.model.js';
import type { RiskLevel, RiskRules } from './risk-rules.model.js';
import { TEXT_CATEGORIES } from './text-category.model.js';

/**
 * Score of one adult-to-minor conversation (the packed row at offset `o` of an account's state
 * array): the sum of the weights of the text categories the adult used in it (each counted
 * once), plus `noMutualStart` when the adult reached the minor with no mutual contact; capped
 * at 1. Without text only the start counts, which is why conversation scores are a review aid
 * and account scores drive alerts.
 */
export function conversationScoreValue(d: Uint32Array, o: number, rules: RiskRules): number {
  const w = rules.conversation.categoryWeights;
  const flags = d[o + CV_FLAGS] as number;
  let sum = flags & CVF_NO_MUTUAL ? rules.conversation.noMutualStart : 0;
  for (let i = 0; i < TEXT_CATEGORIES.length; i++)
    if (flags & (1 << i)) sum += w[TEXT_CATEGORIES[i]!];
  return Math.min(1, sum);
}

/** Strings of a conversation that live outside the packed row. */
export interface ConversationStrings {
  /** User id of the minor. */
  readonly partner: string;
  /** Conversation id, when the producer sent one (and it is still remembered). */
  readonly conversation: string | undefined;
  /** Resolves an interned evidence phrase ref. */
  phrase(ref: number): string;
  /** Event id of the k-th kept evidence message, if known. */
  eventId(k: number): string | undefined;
}

/**
 * Explained risk of one conversation (see {@link conversationScoreValue}).
 * @param d the account's state array
 * @param o offset of the conversation row
 * @param rules rules in force
 * @param strings partner, conversation id and evidence strings
 */
export function scoreConversation(
  d: Uint32Array,
  o: number,
  rules: RiskRules,
  strings: ConversationStrings,
): ConversationRisk {
  const w = rules.conversation.categoryWeights;
  const flags = d[o + CV_FLAGS] as number;
  const kept = (flags >>> 12) & 3;
  const categories: Array<ConversationRisk['categories'][number]> = [];
  // Categories in order of first evidence, then those seen without a kept span.
  const seen = new Set<number>();
  for (let k = 0; k < kept; k++) {
    const x = o + CV_EV + k * CV_EV_STRIDE;
    const head = d[x] as number;
    const ci = head & 0xf;
    const cat = TEXT_CATEGORIES[ci]!;
    seen.add(ci);
    const se = d[x + 1] as number;
    const span = {
      match: strings.phrase(head >>> 4),
      start: se & 0xffff,
      end: se >>> 16,
      at: new Date((d[x + 2] as number) * 1000).toISOString(),
    };
    const id = strings.eventId(k);
    categories.push({
      category: cat,
      weight: w[cat],
      evidence: id === undefined ? span : { ...span, eventId: id },
    });
  }
  TEXT_CATEGORIES.forEach((cat, ci) => {
    if (flags & (1 << ci) && !seen.has(ci)) categories.push({ category: cat, weight: w[cat] });
  });
  const score = Math.round(conversationScoreValue(d, o, rules) * 1e4) / 1e4;
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
    partner: strings.partner,
    score,
    level,
    sent: d[o + CV_SENT] as number,
    received: d[o + CV_RECEIVED] as number,
    categories,
    noMutualStart: (flags & CVF_NO_MUTUAL) !== 0,
  };
  return strings.conversation === undefined
    ? base
    : { ...base, conversation: strings.conversation };
}
