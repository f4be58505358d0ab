import type { AgeBand } from './risk-event.model.js';
import type { TextCategory } from './text-category.model.js';
import type { Lexicon, TextPattern } from './text.detector.js';

/** Names of all signals, in the order reasons are computed. */
export const SIGNAL_NAMES = [
  'minors_contacted_1h',
  'minors_contacted_24h',
  'minors_contacted_7d',
  'minor_contact_share',
  'no_mutual_minor_requests_7d',
  'unanswered_minor_ratio',
  'blockers_24h',
  'blockers_7d',
  'minor_blockers_7d',
  'account_age_at_first_minor_contact',
  'age_gap',
  'burst_after_block',
  'recontact_after_block_7d',
  'fresh_account_recontact_7d',
  'probable_minors_contacted_7d',
  'private_minor_chat_days_14d',
  'private_minor_messages_7d',
  'new_private_minor_messages_7d',
  'private_minor_escalation',
  'unanswered_private_minor_messages',
  'private_minor_growth',
  'text_age_probe',
  'text_location_probe',
  'text_secrecy',
  'text_off_platform',
  'text_image_request',
  'text_meeting',
  'text_gifts',
  'text_flattery_isolation',
  'text_categories',
] as const;

/** Name of a signal. */
export type SignalName = (typeof SIGNAL_NAMES)[number];

/** Risk levels, lowest first. */
export type RiskLevel = 'none' | 'watch' | 'high' | 'critical';

/** Levels in increasing order. */
export const RISK_LEVELS: readonly RiskLevel[] = ['none', 'watch', 'high', 'critical'];

/**
 * How one signal's value turns into a contribution:
 * `contribution = weight * clamp((value - from) / (to - from), 0, 1)`.
 * With `from > to` the ramp falls (used for "account age": younger is riskier).
 */
export interface SignalRule {
  /** Largest contribution of the signal to the score, in [0, 1]; 0 disables it. */
  readonly weight: number;
  /** Value at which the contribution starts. */
  readonly from: number;
  /** Value at which the contribution is full. */
  readonly to: number;
}

/** Intervention names the engine can recommend. */
export type InterventionType =
  'open_case' | 'warn_minor' | 'add_friction' | 'hide_from_minor_discovery';

/** All intervention types. */
export const INTERVENTION_TYPES: readonly InterventionType[] = [
  'open_case',
  'warn_minor',
  'add_friction',
  'hide_from_minor_discovery',
];

/** Complete, validated rules (defaults merged with the operator's file). */
export interface RiskRules {
  /** Format version of the rules file; 1. */
  readonly version: 1;
  /** Score thresholds of the levels; `watch < high < critical`, all in (0, 1]. */
  readonly levels: { readonly watch: number; readonly high: number; readonly critical: number };
  /**
   * Multiplier on minor-directed signals by the sender's own age band. Age bands are
   * self-declared and groomers lie about them, so minors are damped, not exempt.
   */
  readonly senderBandFactor: Readonly<Record<AgeBand, number>>;
  /** Per-signal weights and ramps. */
  readonly signals: Readonly<Record<SignalName, SignalRule>>;
  /**
   * Platform base rate of new contacts that go to minors, used by `minor_contact_share`.
   * Configured rather than estimated live so that other accounts' events never move a
   * score; `lifeguard risk replay` prints the measured rate to help set it.
   */
  readonly minorContactBaseRate: number;
  /** Pseudo-count of the smoothing prior of `minor_contact_share` and `unanswered_minor_ratio`. */
  readonly smoothingPrior: number;
  /**
   * Age inference for `unknown`-age accounts from the contact requests they accepted: an
   * unknown-age account that accepted the requests of at least `minKnownContacts` accounts of
   * known age, of which a share of at least `minMinorShare` are minors, is a _probable minor_
   * and counts as `minorWeight × share` of a minor in the minor-directed signals of accounts
   * that contact it; as a sender its own factor moves from the `unknown` towards the `16-17`
   * one by that weight. It is never treated as a minor or an adult outright (no age gap, no
   * `warn_minor`). `minorWeight` 0 switches it off.
   */
  readonly unknownAge: {
    readonly minKnownContacts: number;
    readonly minMinorShare: number;
    readonly minorWeight: number;
  };
  /** Conversation-level score: weight per text category present, plus a no-mutual start. */
  readonly conversation: {
    readonly categoryWeights: Readonly<Record<TextCategory, number>>;
    /** Added when the adult reached the minor with no mutual contact. */
    readonly noMutualStart: number;
  };
  /** Lowest level at which each intervention is recommended, or `off`. */
  readonly interventions: Readonly<Record<InterventionType, RiskLevel | 'off'>>;
  /** Languages whose built-in lexicons are used (`en` is built in). */
  readonly languages: readonly string[];
  /** Operator lexicons by language, added to the built-in ones. */
  readonly lexicons: Readonly<Record<string, Lexicon>>;
  /** Operator regex detectors, added to the built-in phone/username patterns. */
  readonly patterns: readonly TextPattern[];
}
