import type { InterventionType, RiskLevel, SignalName } from './risk-rules.model.js';
import type { TextCategory } from './text-category.model.js';

/** A piece of text evidence shown to an operator: the matched lexicon phrase or a label. */
export interface EvidenceSpan {
  /** Lexicon phrase as matched, or a redaction label such as `[phone-number]`. */
  readonly match: string;
  /** UTF-16 offset of the match in its message. */
  readonly start: number;
  /** Offset just past the match. */
  readonly end: number;
  /** Time of the message (ISO 8601). */
  readonly at: string;
  /** Id of the message event, when the producer sent ids. */
  readonly eventId?: string;
}

/** An unknown-age account counted as a probable minor, with the evidence for it. */
export interface InferredMinor {
  /** The unknown-age account. */
  readonly user: string;
  /** Accounts of known age whose contact requests it accepted that are minors ... */
  readonly minorContacts: number;
  /** ... out of the accounts of known age whose requests it accepted. */
  readonly knownContacts: number;
  /** How much it counts as a minor (`unknownAge.minorWeight` × share). */
  readonly weight: number;
}

/** One reason behind a score: a signal's value and how much it contributed. */
export interface RiskReason {
  /** Signal name. */
  readonly signal: SignalName;
  /** Raw value of the signal (unit depends on the signal; docs/risk.md). */
  readonly value: number;
  /** Window the value covers. */
  readonly window: string;
  /** Weight of the signal in the rules (its largest possible contribution). */
  readonly weight: number;
  /** What it added to the score: weight x ramp(value) x sender band factor. */
  readonly contribution: number;
  /** Evidence spans for text signals. */
  readonly evidence?: readonly EvidenceSpan[];
  /** For `probable_minors_contacted_7d`: the unknown-age accounts inferred (at most 5). */
  readonly inferred?: readonly InferredMinor[];
}

/** An action the platform can take, with the reason it is recommended. */
export interface Intervention {
  /** What to do. */
  readonly type: InterventionType;
  /** For `warn_minor`: the minor to show a safety notice to. */
  readonly minor?: string;
  /** Why, in one sentence, naming the level and top signals. */
  readonly reason: string;
}

/** Risk of one adult-to-minor conversation. */
export interface ConversationRisk {
  /** The minor. */
  readonly partner: string;
  /** Conversation id when the platform sent one. */
  readonly conversation?: string;
  /** Score in [0, 1]. */
  readonly score: number;
  /** Level by the same thresholds as accounts. */
  readonly level: RiskLevel;
  /** Messages sent by the account / by the minor. */
  readonly sent: number;
  /** Messages the minor sent back. */
  readonly received: number;
  /** Text categories seen; the first three carry their first evidence span. */
  readonly categories: ReadonlyArray<{
    readonly category: TextCategory;
    readonly weight: number;
    readonly evidence?: EvidenceSpan;
  }>;
  /** True if the contact started with no mutual contact (adds `noMutualStart`). */
  readonly noMutualStart: boolean;
}

/** The explained risk of one account at one time. */
export interface AccountRisk {
  /** Platform user id. */
  readonly user: string;
  /** Current score in [0, 1]. */
  readonly score: number;
  /** Current level. */
  readonly level: RiskLevel;
  /** Reasons with a non-zero contribution, largest first. */
  readonly reasons: readonly RiskReason[];
  /** Highest score ever reached. */
  readonly peakScore: number;
  /** Event time of the first `high`, or null. */
  readonly firstAlertAt: string | null;
  /** Adult-to-minor conversations, riskiest first. */
  readonly conversations: readonly ConversationRisk[];
  /** Recommended interventions; the engine never reports to authorities itself. */
  readonly interventions: readonly Intervention[];
  /** Time the score was evaluated at (ISO 8601). */
  readonly evaluatedAt: string;
}
