import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLifeguardError } from '../errors/lifeguard-error.js';
import { CASE_SEVERITIES, type CaseSeverity } from './case.model.js';
import { DEFAULT_CASE_POLICY, parseCasePolicy } from './case-policy.config.js';
import { scorePriority, slaClock } from './case-priority.policy.js';
import { severityOfSource, summarize, type CaseSummary } from './case-summary.model.js';
import { hit, item } from './case-test.fixtures.js';

const H = 3_600_000;
const P = DEFAULT_CASE_POLICY;
const media = { md5: 'ab'.repeat(16) };

function summary(over: Partial<CaseSummary>): CaseSummary {
  return {
    severity: 'other',
    openedAt: 0,
    items: 1,
    reports: 0,
    views: 0,
    shares: 0,
    firstAt: { [over.severity ?? 'other']: over.openedAt ?? 0 },
    lastMinorContactAt: null,
    firstOngoingAt: null,
    ongoingFlagged: false,
    autoActioned: false,
    ...over,
  };
}

function issuesOf(input: unknown): string[] {
  try {
    parseCasePolicy(input);
    return [];
  } catch (e) {
    if (!isLifeguardError(e, 'LG_ERR_INVALID_ARGUMENT')) throw e;
    return e.details!.issues as string[];
  }
}

describe('case policy config', () => {
  it('fills defaults and takes overrides', () => {
    expect(parseCasePolicy({})).toEqual(P);
    const c = parseCasePolicy({ slaMs: { other: 2 * H }, reach: { max: 10 }, csamLabels: ['x'] });
    expect(c.slaMs).toEqual({ ...P.slaMs, other: 2 * H });
    expect(c.reach).toEqual({ ...P.reach, max: 10 });
    expect(c.csamLabels).toEqual(['x']);
  });

  it('lists every problem with its path', () => {
    expect(
      issuesOf({
        severityPoints: { other: 5000 },
        slaMs: { verified_csam: 0 },
        reach: { view: -1, nope: 1 },
        age: 3,
        extra: true,
        csamLabels: [''],
        ongoingHarmSlaMs: Infinity,
      }),
    ).toEqual([
      'extra: unknown field',
      'severityPoints.other: must be less than severityPoints.grooming_live_contact',
      'csamLabels: must be an array of non-empty strings',
      'reach.view: must be a finite number >= 0',
      'reach.nope: unknown field',
      'age: must be an object',
      'slaMs.verified_csam: must be a finite number > 0',
      'ongoingHarmSlaMs: must be a finite number > 0',
    ]);
    expect(issuesOf(null)).toEqual(['(root): must be an object']);
  });
});

describe('severity', () => {
  it('classifies each source kind', () => {
    const s = (x: Parameters<typeof severityOfSource>[0]) => severityOfSource(x, P);
    const hm = { kind: 'hash_match', media, rule: 'r', matches: [hit(['csam'])] } as const;
    expect(s({ ...hm, verdict: 'block' })).toBe('verified_csam');
    expect(s({ ...hm, verdict: 'review' })).toBe('possible_csam');
    expect(s({ ...hm, verdict: 'block', matches: [hit(['spam'])] })).toBe('other');
    expect(s({ ...hm, verdict: 'block', matches: [{ ...hit([]), classification: 'csam' }] })).toBe(
      'verified_csam',
    );
    expect(s({ kind: 'user_report', reporter: 'r', reportedContent: media, reason: 'csam' })).toBe(
      'possible_csam',
    );
    expect(
      s({ kind: 'user_report', reporter: 'r', reportedAccount: 'a', reason: 'grooming' }),
    ).toBe('other');
    const alert = { kind: 'risk_alert', account: 'a', score: 0.9, reasons: [] } as const;
    expect(s({ ...alert, minorsInContact: ['m1'] })).toBe('grooming_live_contact');
    expect(s({ ...alert, minorsInContact: [] })).toBe('other');
    expect(s({ kind: 'manual', createdBy: 'x', severity: 'possible_csam' })).toBe('possible_csam');
  });

  it('a case takes its most severe item, in any order; counts reports and reach', () => {
    const items = [
      item(
        '1',
        5 * H,
        { kind: 'user_report', reporter: 'r', reportedContent: media, reason: 'other' },
        10,
      ),
      item(
        '2',
        2 * H,
        { kind: 'hash_match', media, verdict: 'block', rule: 'r', matches: [hit(['csam'])] },
        40,
      ),
      item('3', 3 * H, {
        kind: 'user_report',
        reporter: 'q',
        reportedContent: media,
        reason: 'csam',
      }),
    ];
    const a = summarize(items, P)!;
    expect(summarize([...items].reverse(), P)).toEqual(a);
    expect(a).toMatchObject({
      severity: 'verified_csam',
      openedAt: 2 * H,
      items: 3,
      reports: 2,
      views: 40,
      autoActioned: true,
      firstAt: { verified_csam: 2 * H, possible_csam: 3 * H, other: 5 * H },
    });
    expect(summarize([], P)).toBeUndefined();
  });
});

describe('priority', () => {
  it('explains each component and sums them', () => {
    const s = summary({ severity: 'possible_csam', reports: 3, views: 850, openedAt: 0 });
    const p = scorePriority(s, P, 2 * H);
    expect(p.components.map((c) => c.name)).toEqual(['severity', 'ongoing_harm', 'reach', 'age']);
    // reach units = 850 + 3 x 50 = 1000 -> 30 x log10(1001)
    expect(p.components[2]!.points).toBeCloseTo(30 * Math.log10(1001), 9);
    expect(p.components[3]!.points).toBe(10);
    expect(p.score).toBeCloseTo(1500 + 0 + 30 * Math.log10(1001) + 10, 9);
    expect(p.components[3]!.explanation).toBe('2.0 h since the first item');
  });

  it('adds ongoing harm while the last minor contact is within the window', () => {
    const s = summary({ severity: 'grooming_live_contact', lastMinorContactAt: 0 });
    expect(scorePriority(s, P, 23 * H).components[1]!.points).toBe(200);
    expect(scorePriority(s, P, 25 * H).components[1]!.points).toBe(0);
    expect(scorePriority(summary({ ongoingFlagged: true }), P, 99 * H).components[1]!.points).toBe(
      200,
    );
  });

  it('under the defaults severity dominates everything else', () => {
    for (let i = 1; i < CASE_SEVERITIES.length; i++) {
      const worst = scorePriority(
        summary({ severity: CASE_SEVERITIES[i]!, views: 1e12, reports: 1e6, ongoingFlagged: true }),
        P,
        1000 * H,
      ).score;
      const best = scorePriority(summary({ severity: CASE_SEVERITIES[i - 1]! }), P, 0).score;
      expect(best).toBeGreaterThan(worst);
    }
  });

  it('property: non-decreasing in severity, reach and age (any valid policy)', () => {
    const sev = fc.constantFrom<CaseSeverity>(...CASE_SEVERITIES);
    const n = fc.nat({ max: 1e9 });
    const policy = fc
      .record({
        view: fc.double({ min: 0, max: 100, noNaN: true }),
        scale: fc.double({ min: 0, max: 100, noNaN: true }),
        max: fc.double({ min: 0, max: 1000, noNaN: true }),
        perHour: fc.double({ min: 0, max: 100, noNaN: true }),
      })
      .map(({ view, scale, max, perHour }) =>
        parseCasePolicy({ reach: { view, scale, max }, age: { perHour, max } }),
      );
    fc.assert(
      fc.property(policy, sev, sev, n, n, n, n, n, n, (pol, s1, s2, v, dv, r, dr, age, dage) => {
        const [lo, hi] =
          CASE_SEVERITIES.indexOf(s1) >= CASE_SEVERITIES.indexOf(s2) ? [s1, s2] : [s2, s1];
        const base = summary({ severity: lo, views: v, reports: r, openedAt: 0 });
        const score = (s: CaseSummary, now: number) => scorePriority(s, pol, now).score;
        const b = score(base, age);
        expect(score({ ...base, severity: hi }, age)).toBeGreaterThanOrEqual(b);
        expect(score({ ...base, views: v + dv }, age)).toBeGreaterThanOrEqual(b);
        expect(score({ ...base, reports: r + dr }, age)).toBeGreaterThanOrEqual(b);
        expect(score(base, age + dage)).toBeGreaterThanOrEqual(b);
        if (hi !== lo) expect(score({ ...base, severity: hi }, age)).toBeGreaterThan(b);
      }),
      { numRuns: 300 },
    );
  });
});

describe('SLA clock', () => {
  it('verified CSAM is due in 1 h; remaining time and breach follow now', () => {
    const s = summary({ severity: 'verified_csam', openedAt: 10 * H });
    expect(slaClock(s, P, 10.25 * H)).toEqual({
      basis: 'verified_csam',
      dueAt: 11 * H,
      remainingMs: 0.75 * H,
      breached: false,
      stopped: false,
    });
    expect(slaClock(s, P, 11 * H).breached).toBe(false);
    expect(slaClock(s, P, 11 * H + 1)).toMatchObject({ breached: true, remainingMs: -1 });
  });

  it('each severity starts its own clock; ongoing harm can be earliest', () => {
    const s = summary({
      severity: 'verified_csam',
      openedAt: 0,
      firstAt: { other: 0, verified_csam: 20 * H },
    });
    // The verified match arrived 20 h into the case: due 1 h after it, not already overdue.
    expect(slaClock(s, P, 20 * H)).toMatchObject({
      basis: 'verified_csam',
      dueAt: 21 * H,
      remainingMs: H,
    });
    const late = { ...s, firstAt: { other: 0, verified_csam: 23.5 * H } };
    expect(slaClock(late, P, 23.5 * H)).toMatchObject({ basis: 'other', dueAt: 24 * H });
    const g = summary({ severity: 'grooming_live_contact', firstOngoingAt: 0 });
    expect(slaClock(g, P, 0)).toMatchObject({ basis: 'ongoing_harm', dueAt: 1 * H });
  });

  it('stops at the decision', () => {
    const s = summary({ severity: 'possible_csam', openedAt: 0 });
    expect(slaClock(s, P, 100 * H, 3 * H)).toMatchObject({
      breached: false,
      stopped: true,
      remainingMs: H,
    });
    expect(slaClock(s, P, 100 * H, 5 * H)).toMatchObject({ breached: true, stopped: true });
  });
});
