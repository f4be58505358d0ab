import type { SignalType } from '../banks/bank.model.js';
import { ErrorCodes, LifeguardError } from '../errors/lifeguard-error.js';
import { subjectOf, type CaseItem, type CaseState, type MediaRef } from './case.model.js';

/** What a reviewer can confirm a case as. */
export const CONFIRM_CATEGORIES = [
  'csam',
  'sextortion',
  'grooming',
  'exploitation_other',
  'policy_violation',
] as const;

/** One of {@link CONFIRM_CATEGORIES}. */
export type ConfirmCategory = (typeof CONFIRM_CATEGORIES)[number];

/** A reviewer's decision, as data. */
export type ReviewDecision =
  | {
      /** The content / behaviour is what the case says. */
      readonly kind: 'confirm';
      /** What it is. */
      readonly category: ConfirmCategory;
      /** The console's one-click "add to local bank": bank the case's media hashes. */
      readonly addToLocalBank?: boolean;
    }
  | {
      /** Nothing wrong here. */
      readonly kind: 'false_positive';
      /** Add the media's hashes to an `allow` bank so the same match stops recurring. */
      readonly addToAllowBank?: boolean;
    }
  | {
      /** A more senior reviewer must decide. */
      readonly kind: 'escalate';
    };

/** Something the platform is asked to do (sent as a webhook by the server). */
export type CaseAction =
  | { readonly type: 'remove_content'; readonly media: MediaRef }
  | { readonly type: 'restore_content'; readonly media: MediaRef }
  | { readonly type: 'suspend_account'; readonly account: string }
  | { readonly type: 'restrict_minor_contact'; readonly account: string };

/** A hash to add to a bank as a result of a decision. */
export interface BankFeedback {
  /** `local_block`: the operator's own block bank; `allow`: the allow bank. */
  readonly bank: 'local_block' | 'allow';
  /** Signal of the value. */
  readonly signal: SignalType;
  /** Hash value (lowercase hex). */
  readonly value: string;
  /** Item the hash came from. */
  readonly itemId: string;
}

/** Everything a decision implies. */
export interface DecisionPlan {
  /** State the case moves to (validate with `transitionCase`). */
  readonly to: CaseState;
  /** Reason to record on the transition: a decision code, never free text. */
  readonly reason: string;
  /** Actions for the platform, de-duplicated and in a stable order. */
  readonly actions: readonly CaseAction[];
  /** Bank feedback, de-duplicated and in a stable order. */
  readonly feedback: readonly BankFeedback[];
  /** True when the confirmed category is one a hotline accepts (NCMEC CyberTipline). */
  readonly reportable: boolean;
}

interface CategoryEffects {
  readonly remove: boolean;
  readonly suspend: boolean;
  readonly restrict: boolean;
  readonly reportable: boolean;
}

/**
 * What each confirmed category implies. Reportable categories follow 18 U.S.C. 2258A's
 * scope as NCMEC describes it (apparent child pornography, and online enticement, which
 * covers grooming and sextortion); see docs/cases.md.
 */
export const CATEGORY_EFFECTS: Readonly<Record<ConfirmCategory, CategoryEffects>> = {
  csam: { remove: true, suspend: true, restrict: true, reportable: true },
  sextortion: { remove: true, suspend: true, restrict: true, reportable: true },
  grooming: { remove: false, suspend: true, restrict: true, reportable: true },
  exploitation_other: { remove: true, suspend: false, restrict: true, reportable: false },
  policy_violation: { remove: true, suspend: false, restrict: false, reportable: false },
};

function mediaKey(m: MediaRef): string {
  return [m.contentId ?? '', m.sha256 ?? '', m.md5 ?? '', m.pdq ?? ''].join('|');
}

function hashesOf(m: MediaRef): Array<{ signal: SignalType; value: string }> {
  const out: Array<{ signal: SignalType; value: string }> = [];
  if (m.pdq !== undefined) out.push({ signal: 'pdq', value: m.pdq.toLowerCase() });
  if (m.md5 !== undefined) out.push({ signal: 'md5', value: m.md5.toLowerCase() });
  if (m.sha256 !== undefined) out.push({ signal: 'sha256', value: m.sha256.toLowerCase() });
  return out;
}

/**
 * The outputs of a decision on a case with `items`, as pure data: the state to move to, the
 * actions to send, the hashes to bank. Acting on them (webhooks, bank writes, the
 * transition and its audit record) is the server's job, in one transaction.
 *
 * - confirm: `actioned`; per {@link CATEGORY_EFFECTS}: remove every media item, suspend and/or
 *   restrict every account the items are about (never the reporter); with `addToLocalBank`,
 *   every media hash no item matched in a block bank goes to the local block bank.
 * - false positive: `dismissed`; media a `block` verdict took down is restored; with
 *   `addToAllowBank`, the hashes of media that matched a block bank go to the allow bank.
 * - escalate: `escalated`; nothing else.
 *
 * @throws LifeguardError `LG_ERR_INVALID_ARGUMENT` for an unknown category
 */
export function planDecision(items: readonly CaseItem[], decision: ReviewDecision): DecisionPlan {
  const actions = new Map<string, CaseAction>();
  const feedback = new Map<string, BankFeedback>();
  const addAction = (a: CaseAction) => {
    const target = 'media' in a ? mediaKey(a.media) : a.account;
    actions.set(`${a.type}:${target}`, a);
  };
  const addFeedback = (f: BankFeedback) => {
    const k = `${f.bank}:${f.signal}:${f.value}`;
    if (!feedback.has(k)) feedback.set(k, f);
  };
  const sorted = (): Pick<DecisionPlan, 'actions' | 'feedback'> => ({
    actions: [...actions.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v),
    feedback: [...feedback.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v),
  });

  switch (decision.kind) {
    case 'confirm': {
      const fx = CATEGORY_EFFECTS[decision.category];
      if ((fx as CategoryEffects | undefined) === undefined) {
        throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, 'unknown confirm category', {
          category: String(decision.category),
        });
      }
      // Hashes some item already matched in a block bank need no second copy in the local bank.
      const banked = new Set<string>();
      for (const item of items) {
        if (item.source.kind !== 'hash_match') continue;
        for (const m of item.source.matches) {
          if (m.kind === 'block') banked.add(`${m.signal}:${m.value.toLowerCase()}`);
        }
      }
      for (const item of items) {
        const { media, account } = subjectOf(item.source);
        if (media !== undefined && fx.remove) addAction({ type: 'remove_content', media });
        if (account !== undefined && fx.suspend) addAction({ type: 'suspend_account', account });
        if (account !== undefined && fx.restrict) {
          addAction({ type: 'restrict_minor_contact', account });
        }
        if (decision.addToLocalBank === true && media !== undefined) {
          for (const h of hashesOf(media)) {
            if (banked.has(`${h.signal}:${h.value}`)) continue;
            addFeedback({ bank: 'local_block', ...h, itemId: item.id });
          }
        }
      }
      return {
        to: 'actioned',
        reason: `decision:confirm:${decision.category}`,
        reportable: fx.reportable,
        ...sorted(),
      };
    }
    case 'false_positive': {
      for (const item of items) {
        const s = item.source;
        if (s.kind !== 'hash_match') continue;
        if (s.verdict === 'block') addAction({ type: 'restore_content', media: s.media });
        if (decision.addToAllowBank === true && s.matches.some((m) => m.kind === 'block')) {
          for (const h of hashesOf(s.media)) addFeedback({ bank: 'allow', ...h, itemId: item.id });
        }
      }
      return { to: 'dismissed', reason: 'decision:false_positive', reportable: false, ...sorted() };
    }
    case 'escalate':
      return {
        to: 'escalated',
        reason: 'decision:escalate',
        reportable: false,
        actions: [],
        feedback: [],
      };
  }
}
