import type { ConversationRisk, Intervention, RiskReason } from './risk-result.model.js';
import { RISK_LEVELS, type RiskLevel, type RiskRules } from './risk-rules.model.js';

/** Most minors named in `warn_minor` interventions for one account. */
export const MAX_WARNED_MINORS = 20;

const atLeast = (level: RiskLevel, min: RiskLevel | 'off'): boolean =>
  min !== 'off' && RISK_LEVELS.indexOf(level) >= RISK_LEVELS.indexOf(min);

/**
 * Turn a level and its reasons into recommended interventions, each with its reason. The
 * platform decides what to apply; a case goes to human review. Nothing here (or anywhere in
 * the engine) reports to authorities: that needs a recorded human decision.
 *
 * `warn_minor` goes to minors the account contacted in the last 7 days once the account
 * reaches the configured level, and also to the minor of any conversation whose own level
 * reaches it (a single-target escalation shows in the conversation before the account).
 */
export function recommendInterventions(
  level: RiskLevel,
  reasons: readonly RiskReason[],
  conversations: readonly ConversationRisk[],
  recentMinors: readonly string[],
  rules: RiskRules,
): Intervention[] {
  const top = reasons
    .slice(0, 3)
    .map((r) => `${r.signal}=${r.value}`)
    .join(', ');
  const why = `level ${level}${top ? ` (${top})` : ''}`;
  const iv = rules.interventions;
  const out: Intervention[] = [];
  if (atLeast(level, iv.open_case))
    out.push({ type: 'open_case', reason: `${why}: needs human review` });
  if (atLeast(level, iv.add_friction)) {
    out.push({
      type: 'add_friction',
      reason: `${why}: rate-limit new contacts with minors and require a mutual contact`,
    });
  }
  if (atLeast(level, iv.hide_from_minor_discovery)) {
    out.push({
      type: 'hide_from_minor_discovery',
      reason: `${why}: do not suggest or show this account to minors`,
    });
  }
  const warned = new Set<string>();
  if (atLeast(level, iv.warn_minor)) {
    for (const m of recentMinors) {
      if (warned.size >= MAX_WARNED_MINORS) break;
      warned.add(m);
      out.push({
        type: 'warn_minor',
        minor: m,
        reason: `${why}: contacted this minor in the last 7 days`,
      });
    }
  }
  for (const c of conversations) {
    if (
      warned.size >= MAX_WARNED_MINORS ||
      warned.has(c.partner) ||
      !atLeast(c.level, iv.warn_minor)
    )
      continue;
    warned.add(c.partner);
    const cats = c.categories.map((x) => x.category).join(', ');
    out.push({
      type: 'warn_minor',
      minor: c.partner,
      reason: `conversation level ${c.level} (${cats || 'no text'})`,
    });
  }
  return out;
}
