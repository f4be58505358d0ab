import { describe, expect, it } from 'vitest';
import { isLifeguardError } from '../errors/lifeguard-error.js';
import type { Actor, CaseItem } from './case.model.js';
import {
  addItem,
  applyDecision,
  applyTransition,
  needsConfirmation,
  openCase,
} from './case.aggregate.js';
import { DEFAULT_CASE_POLICY as P } from './case-policy.config.js';
import { slaClock } from './case-priority.policy.js';
import { hit, item } from './case-test.fixtures.js';

const H = 3_600_000;
const report = (id: string, at: number): CaseItem =>
  item(id, at, {
    kind: 'user_report',
    reporter: 'r',
    reportedContent: { contentId: 'c' },
    reason: 'csam',
  });
const csr: Actor = { id: 'csr', roles: ['child_safety_reviewer'] };
const lead: Actor = { id: 'lead', roles: ['lead'] };

describe('case aggregate', () => {
  it('counts joined items, records transitions and stops the SLA clock on closing', () => {
    let c = openCase('k1', report('1', 0), P, ['k0']);
    c = addItem(c, report('2', H), P);
    expect(c.summary).toMatchObject({ items: 2, reports: 2, severity: 'possible_csam' });
    expect(c.linkedTo).toEqual(['k0']);
    c = applyTransition(c, { to: 'in_review', actor: csr, at: 2 * H, reason: 'claim' }).record;
    expect(c.closedAt).toBeNull();
    const done = applyTransition(c, {
      to: 'actioned',
      actor: csr,
      at: 3 * H,
      reason: 'decision:confirm:csam',
    });
    c = done.record;
    expect(done.transition).toEqual({
      from: 'in_review',
      to: 'actioned',
      actor: 'csr',
      at: 3 * H,
      reason: 'decision:confirm:csam',
    });
    expect(c.transitions.map((t) => t.to)).toEqual(['in_review', 'actioned']);
    expect(c.closedAt).toBe(3 * H);
    expect(slaClock(c.summary, P, 99 * H, c.closedAt)).toMatchObject({
      stopped: true,
      breached: false,
    });
    // Reopened: the clock runs again against the original 4 h deadline.
    c = applyTransition(c, { to: 'open', actor: lead, at: 10 * H, reason: 'appeal' }).record;
    expect(c.closedAt).toBeNull();
    expect(slaClock(c.summary, P, 10 * H, c.closedAt).breached).toBe(true);
  });

  it('a closed case refuses new items; a refused transition changes nothing', () => {
    let c = openCase('k2', report('1', 0), P);
    c = applyTransition(c, { to: 'in_review', actor: csr, at: 1, reason: 'claim' }).record;
    c = applyTransition(c, {
      to: 'dismissed',
      actor: csr,
      at: 2,
      reason: 'decision:false_positive',
    }).record;
    for (const f of [
      () => addItem(c, report('2', 3), P),
      () => applyTransition(c, { to: 'reported', actor: csr, at: 3, reason: 'x' }),
    ]) {
      try {
        f();
        expect.unreachable();
      } catch (e) {
        expect(isLifeguardError(e, 'LG_ERR_CONFLICT')).toBe(true);
      }
    }
    expect(c.state).toBe('dismissed');
    expect(c.transitions).toHaveLength(2);
  });

  it('applies a decision with its transition; an unclaimed case cannot be decided', () => {
    const blocked = item('h', 0, {
      kind: 'hash_match',
      media: { md5: 'ab'.repeat(16) },
      verdict: 'block',
      rule: 'label:csam=block',
      matches: [hit(['csam'])],
      uploader: 'up',
    });
    let c = openCase('k3', blocked, P);
    expect(c.summary.severity).toBe('verified_csam');
    expect(needsConfirmation(c)).toBe(true);
    try {
      applyDecision(c, [blocked], { kind: 'confirm', category: 'csam' }, csr, 1);
      expect.unreachable();
    } catch (e) {
      expect(isLifeguardError(e, 'LG_ERR_CONFLICT')).toBe(true);
    }
    // A lead without the child-safety role may not claim a CSAM case at all.
    expect(() =>
      applyTransition(c, { to: 'in_review', actor: lead, at: 1, reason: 'claim' }),
    ).toThrow(/may not claim/);
    c = applyTransition(c, { to: 'in_review', actor: csr, at: 1, reason: 'claim' }).record;
    const done = applyDecision(c, [blocked], { kind: 'confirm', category: 'csam' }, csr, 2);
    expect(done.record.state).toBe('actioned');
    expect(done.transition.reason).toBe('decision:confirm:csam');
    expect(done.plan.actions.map((a) => a.type)).toEqual([
      'remove_content',
      'restrict_minor_contact',
      'suspend_account',
    ]);
    expect(needsConfirmation(done.record)).toBe(false);
  });
});
