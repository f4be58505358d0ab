import { describe, expect, it } from 'vitest';
import { isLifeguardError } from '../errors/lifeguard-error.js';
import type { CaseItem } from './case.model.js';
import { planDecision, type ConfirmCategory } from './review-decision.policy.js';
import { hit, item } from './case-test.fixtures.js';

const md5 = 'ab'.repeat(16);
const pdq = 'cd'.repeat(32);
const sha = 'ef'.repeat(32);
const media = { md5, pdq, sha256: sha };

const items: CaseItem[] = [
  item('i1', 1, {
    kind: 'hash_match',
    media,
    verdict: 'block',
    rule: 'label:csam=block',
    matches: [hit(['csam'])],
    uploader: 'up1',
  }),
  item('i2', 2, {
    kind: 'user_report',
    reporter: 'rep1',
    reportedContent: media,
    reportedAccount: 'up1',
    reason: 'csam',
  }),
  item('i3', 3, {
    kind: 'user_report',
    reporter: 'rep2',
    reportedContent: { contentId: 'p9' },
    reason: 'other',
  }),
];

describe('planDecision', () => {
  it('confirm csam: remove each media, suspend and restrict each account, never the reporter', () => {
    const plan = planDecision(items, { kind: 'confirm', category: 'csam' });
    expect(plan.to).toBe('actioned');
    expect(plan.reason).toBe('decision:confirm:csam');
    expect(plan.reportable).toBe(true);
    expect(plan.actions).toEqual([
      { type: 'remove_content', media: { contentId: 'p9' } },
      { type: 'remove_content', media },
      { type: 'restrict_minor_contact', account: 'up1' },
      { type: 'suspend_account', account: 'up1' },
    ]);
    expect(JSON.stringify(plan)).not.toContain('rep1');
    expect(plan.feedback).toEqual([]);
  });

  it('each category implies its own actions', () => {
    const alert = [
      item('a', 1, {
        kind: 'risk_alert',
        account: 'adult1',
        score: 0.9,
        reasons: [],
        minorsInContact: ['m'],
      }),
    ];
    const types = (c: ConfirmCategory) =>
      planDecision([...items, ...alert], { kind: 'confirm', category: c }).actions.map(
        (a) => a.type,
      );
    expect(new Set(types('grooming'))).toEqual(
      new Set(['suspend_account', 'restrict_minor_contact']),
    );
    expect(new Set(types('policy_violation'))).toEqual(new Set(['remove_content']));
    expect(new Set(types('exploitation_other'))).toEqual(
      new Set(['remove_content', 'restrict_minor_contact']),
    );
    expect(planDecision(alert, { kind: 'confirm', category: 'policy_violation' }).reportable).toBe(
      false,
    );
  });

  it('confirm with addToLocalBank banks hashes not already matched in a block bank, once each', () => {
    const plan = planDecision(items, { kind: 'confirm', category: 'csam', addToLocalBank: true });
    // i1 matched md5 in a block bank: only pdq and sha256 are new; i2 repeats them all.
    expect(plan.feedback).toEqual([
      { bank: 'local_block', signal: 'pdq', value: pdq, itemId: 'i1' },
      { bank: 'local_block', signal: 'sha256', value: sha, itemId: 'i1' },
    ]);
  });

  it('false positive restores auto-actioned media and can add it to the allow bank', () => {
    const plain = planDecision(items, { kind: 'false_positive' });
    expect(plain).toEqual({
      to: 'dismissed',
      reason: 'decision:false_positive',
      reportable: false,
      actions: [{ type: 'restore_content', media }],
      feedback: [],
    });
    const allow = planDecision(items, { kind: 'false_positive', addToAllowBank: true });
    expect(allow.feedback.map((f) => `${f.bank}:${f.signal}`)).toEqual([
      'allow:md5',
      'allow:pdq',
      'allow:sha256',
    ]);
  });

  it('escalation only moves the case', () => {
    expect(planDecision(items, { kind: 'escalate' })).toEqual({
      to: 'escalated',
      reason: 'decision:escalate',
      reportable: false,
      actions: [],
      feedback: [],
    });
  });

  it('refuses an unknown category', () => {
    try {
      planDecision(items, { kind: 'confirm', category: 'nope' as ConfirmCategory });
      expect.unreachable();
    } catch (e) {
      expect(isLifeguardError(e, 'LG_ERR_INVALID_ARGUMENT')).toBe(true);
    }
  });
});
