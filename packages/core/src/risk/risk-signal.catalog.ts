import type { AccountRiskState } from './account-state.model.js';
import type { ContactSummary } from './contact-summary.js';
import type { RiskRules, SignalName } from './risk-rules.model.js';
import { TEXT_CATEGORIES, type TextCategory } from './text-category.model.js';

/** Inputs of a signal computation. */
export interface SignalContext {
  /** The account. */
  readonly state: AccountRiskState;
  /** One-pass summary of its rings at evaluation time. */
  readonly summary: ContactSummary;
  /** Rules in force (some signals use the base rate and smoothing prior). */
  readonly rules: RiskRules;
}

/** One explainable signal: a name, the window it looks at, what it means, how it is computed. */
export interface RiskSignal {
  /** Stable name, used in rules files and reasons. */
  readonly name: SignalName;
  /** Window in words (`1h`, `24h`, `7d`, `recent-32` for the capped contact ring, `lifetime`). */
  readonly window: string;
  /** One sentence for operators. */
  readonly explanation: string;
  /** True if the signal is about reaching minors: damped by the sender's age band factor. */
  readonly minorDirected: boolean;
  /** Value of the signal, or undefined when it cannot be computed (e.g. unknown age, no text). */
  compute(ctx: SignalContext): number | undefined;
}

const textSignal = (cat: TextCategory, i: number, what: string): RiskSignal => ({
  name: `text_${cat}` as SignalName,
  window: 'lifetime',
  explanation: `Messages to minors or unknown-age users containing ${what}.`,
  minorDirected: true,
  compute: ({ state }) => (state.hasText ? state.textCount(i) : undefined),
});

/** Every signal, in {@link SIGNAL_NAMES} order. */
export const RISK_SIGNALS: readonly RiskSignal[] = [
  {
    name: 'minors_contacted_1h',
    window: '1h',
    explanation:
      'Distinct minors this account first contacted (request or message) in the last hour.',
    minorDirected: true,
    compute: ({ summary }) => summary.minors1h,
  },
  {
    name: 'minors_contacted_24h',
    window: '24h',
    explanation: 'Distinct minors first contacted in the last 24 hours.',
    minorDirected: true,
    compute: ({ summary }) => summary.minors24h,
  },
  {
    name: 'minors_contacted_7d',
    window: '7d',
    explanation:
      'Distinct minors first contacted in the last 7 days (saturates at the 32-entry ring).',
    minorDirected: true,
    compute: ({ summary }) => summary.minors7d,
  },
  {
    name: 'minor_contact_share',
    window: 'lifetime',
    explanation:
      'Share of new contacts that are minors divided by the platform base rate (smoothed towards the base rate for few contacts).',
    minorDirected: true,
    compute: ({ state, rules }) => {
      if (state.newContacts === 0) return undefined;
      const base = rules.minorContactBaseRate;
      const k = rules.smoothingPrior;
      return (state.newMinorContacts + base * k) / (state.newContacts + k) / base;
    },
  },
  {
    name: 'no_mutual_minor_requests_7d',
    window: '7d',
    explanation:
      'Contact requests to minors with whom the account had no mutual contact, last 7 days.',
    minorDirected: true,
    compute: ({ summary }) => summary.noMutualMinorReq7d,
  },
  {
    name: 'unanswered_minor_ratio',
    window: 'recent-32, older than 24h',
    explanation:
      'Share of recently contacted minors (first contacted at least 24 h ago, or who already declined) who never answered or who declined by blocking/reporting; smoothed for few contacts.',
    minorDirected: true,
    compute: ({ summary, rules }) =>
      summary.minorsInRing === 0
        ? undefined
        : summary.minorsUnanswered / (summary.minorsInRing + rules.smoothingPrior),
  },
  {
    name: 'blockers_24h',
    window: '24h',
    explanation: 'Distinct users who blocked or reported this account in the last 24 hours.',
    minorDirected: false,
    compute: ({ summary }) => summary.blockers24h,
  },
  {
    name: 'blockers_7d',
    window: '7d',
    explanation: 'Distinct users who blocked or reported this account in the last 7 days.',
    minorDirected: false,
    compute: ({ summary }) => summary.blockers7d,
  },
  {
    name: 'minor_blockers_7d',
    window: '7d',
    explanation: 'Distinct minors who blocked or reported this account in the last 7 days.',
    minorDirected: false,
    compute: ({ summary }) => summary.minorBlockers7d,
  },
  {
    name: 'account_age_at_first_minor_contact',
    window: 'lifetime',
    explanation:
      'Age of the account in days when it first contacted a minor (unknown if the platform sent no createdAt).',
    minorDirected: true,
    compute: ({ state }) =>
      state.ageDaysAtFirstMinorContact < 0 ? undefined : state.ageDaysAtFirstMinorContact,
  },
  {
    name: 'age_gap',
    window: 'recent-32',
    explanation:
      'Largest age-band gap between this adult account and a minor it contacted: 1 = 16-17, 2 = 13-15, 3 = under 13. Not computed when the sender is not a known adult.',
    minorDirected: true,
    compute: ({ summary }) => (summary.maxGap < 0 ? undefined : summary.maxGap),
  },
  {
    name: 'burst_after_block',
    window: '24h after block',
    explanation:
      'Distinct new minors contacted within 24 hours after the latest block or report against this account.',
    minorDirected: true,
    compute: ({ summary, state }) =>
      state.lastBlockedAt < 0 ? undefined : summary.burstAfterBlock,
  },
  {
    name: 'recontact_after_block_7d',
    window: '7d',
    explanation:
      'Minors newly contacted in the last 7 days who had blocked or reported another adult or unknown-age account in the 7 days before (block evasion).',
    minorDirected: true,
    compute: ({ summary }) => summary.recontact7d,
  },
  {
    name: 'fresh_account_recontact_7d',
    window: '7d, account < 7 days old',
    explanation:
      'Minors newly contacted in the last 7 days, while this account was less than 7 days old, who had blocked or reported another adult or unknown-age account in the 7 days before: a new account returning to the people who blocked an old one (block evasion). Needs createdAt.',
    minorDirected: true,
    compute: ({ summary, state }) => (state.createdAt < 0 ? undefined : summary.freshRecontact7d),
  },
  {
    name: 'probable_minors_contacted_7d',
    window: '7d',
    explanation:
      'Unknown-age accounts first contacted in the last 7 days that are probable minors (most of the known-age accounts whose contact requests they accepted are minors). Each already counts, at its weight, in the other minor-directed signals; this reason names them.',
    minorDirected: true,
    compute: ({ summary }) => summary.probableMinors7d,
  },
  {
    name: 'private_minor_chat_days_14d',
    window: '14 days (UTC days)',
    explanation:
      "Most days, of the last 14, on which this account messaged one minor it shares no mutual contact with (a private, sustained relationship outside the minor's network). Conversations are tracked for adult and unknown-age accounts, and for minors writing to a younger band.",
    minorDirected: true,
    compute: ({ summary }) =>
      summary.privateChatDays14d < 0 ? undefined : summary.privateChatDays14d,
  },
  {
    name: 'private_minor_messages_7d',
    window: '7 days (UTC days)',
    explanation:
      'Most messages, in the last 7 days, from this account to one minor it shares no mutual contact with.',
    minorDirected: true,
    compute: ({ summary }) =>
      summary.privateMessages7d < 0 ? undefined : summary.privateMessages7d,
  },
  {
    name: 'new_private_minor_messages_7d',
    window: '7 days (UTC days), contact < 30 days old',
    explanation:
      'Most messages, in the last 7 days, to one minor this account itself first contacted less than 30 days ago and shares no mutual contact with: an intense new relationship the account started with a stranger.',
    minorDirected: true,
    compute: ({ summary }) =>
      summary.newPrivateMessages7d < 0 ? undefined : summary.newPrivateMessages7d,
  },
  {
    name: 'private_minor_escalation',
    window: '7 days vs the 7 before',
    explanation:
      'Largest rise in message frequency to one minor without mutual contacts: messages in the last 7 days over (messages in the 7 days before + 7), once the conversation was observed for 14 days.',
    minorDirected: true,
    compute: ({ summary }) => (summary.escalation < 0 ? undefined : summary.escalation),
  },
  {
    name: 'unanswered_private_minor_messages',
    window: 'since the last reply',
    explanation:
      'Most messages sent to one minor without mutual contacts since that minor last wrote back (persistence after non-response).',
    minorDirected: true,
    compute: ({ summary }) => (summary.unreplied < 0 ? undefined : summary.unreplied),
  },
  {
    name: 'private_minor_growth',
    window: '7 days vs the 7 before',
    explanation:
      'Largest growth of messages to one minor without mutual contacts, as a test statistic: (messages in the last 7 days - in the 7 before) / sqrt(both + 4), once the conversation was observed for 14 days. Contact that keeps getting more frequent.',
    minorDirected: true,
    compute: ({ summary }) => (summary.growth < 0 ? undefined : summary.growth),
  },
  textSignal('age_probe', 0, 'age probing ("how old are you")'),
  textSignal('location_probe', 1, 'location probing ("what school do you go to")'),
  textSignal('secrecy', 2, 'secrecy requests ("keep this between us")'),
  textSignal('off_platform', 3, 'moves off-platform (other apps, phone numbers, usernames)'),
  textSignal('image_request', 4, 'image requests'),
  textSignal('meeting', 5, 'meeting proposals'),
  textSignal('gifts', 6, 'gift or money offers'),
  textSignal('flattery_isolation', 7, 'flattery or isolation ("you\'re so mature")'),
  {
    name: 'text_categories',
    window: 'lifetime',
    explanation: 'Number of distinct text categories seen: grooming moves through several stages.',
    minorDirected: true,
    compute: ({ state }) => {
      if (!state.hasText) return undefined;
      let n = 0;
      for (let i = 0; i < TEXT_CATEGORIES.length; i++) if (state.textCount(i) > 0) n++;
      return n;
    },
  },
];
