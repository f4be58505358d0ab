import type { MatchHit } from '@lifeguard/core';
import type { Action, ActionRules } from '../config/server.config.js';

/** The decision for one piece of content, with the rule that produced it. */
export interface Verdict {
  /** `block`, `review` or `allow`. */
  readonly verdict: Action;
  /**
   * Which rule decided, e.g. `bank:ncmec=block` (stored per-bank action), `config-bank:x=block`,
   * `label:csam=block`, `default:review` (matched a bank with no action), `allow-bank:memes`,
   * `no-match`.
   */
  readonly rule: string;
}

const SEVERITY: Readonly<Record<Action, number>> = { allow: 0, review: 1, block: 2 };

/**
 * Decide a verdict from matches. Precedence, per match: the action stored for the bank
 * through the API, then the config file's per-bank action, then the most severe action of
 * the bank's labels, then `review` — a match on a bank nobody configured still deserves a
 * human look. Across matches the most severe wins, except that any match on an `allow`
 * bank makes the verdict `allow` (the matcher has already suppressed the block-bank hits
 * it overrides; this is how operators silence recurring false positives).
 * @param matches the matcher's kept matches
 * @param stored actions stored per bank id
 * @param rules actions from the configuration
 */
export function decideVerdict(
  matches: readonly MatchHit[],
  stored: ReadonlyMap<number, string>,
  rules: ActionRules,
): Verdict {
  if (matches.length === 0) return { verdict: 'allow', rule: 'no-match' };
  const allowHit = matches.find((m) => m.kind === 'allow');
  if (allowHit) return { verdict: 'allow', rule: `allow-bank:${allowHit.bankName}` };
  let best: Verdict | undefined;
  for (const m of matches) {
    const v = actionFor(m, stored, rules);
    if (!best || SEVERITY[v.verdict] > SEVERITY[best.verdict]) best = v;
  }
  return best!;
}

/** The action (and rule) one match leads to on its own; see {@link decideVerdict}. */
export function actionFor(
  m: MatchHit,
  stored: ReadonlyMap<number, string>,
  rules: ActionRules,
): Verdict {
  if (m.kind === 'allow') return { verdict: 'allow', rule: `allow-bank:${m.bankName}` };
  const s = stored.get(m.bankId);
  if (s === 'block' || s === 'review' || s === 'allow') {
    return { verdict: s, rule: `bank:${m.bankName}=${s}` };
  }
  const c = rules.banks[m.bankName];
  if (c !== undefined) return { verdict: c, rule: `config-bank:${m.bankName}=${c}` };
  let label: Verdict | undefined;
  for (const l of m.labels) {
    const a = rules.labels[l];
    if (a !== undefined && (!label || SEVERITY[a] > SEVERITY[label.verdict])) {
      label = { verdict: a, rule: `label:${l}=${a}` };
    }
  }
  return label ?? { verdict: 'review', rule: `default:review (bank ${m.bankName} has no action)` };
}
