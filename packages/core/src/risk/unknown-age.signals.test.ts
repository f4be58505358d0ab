import { describe, expect, it } from 'vitest';
import { weightedValue } from './contact-summary.js';
import { DEFAULT_RISK_RULES } from './risk-rules.defaults.js';
import { account, D, H, MIN, msg, pair, run, T } from './risk-test.fixtures.js';
import type { RiskEvent } from './risk-event.model.js';

// `q` has age `unknown`; it accepted the requests of declared minors c1..c3 and adult p1, plus
// u1 whose age is also unknown (not counted as known): 3 of 4 known-age contacts are minors.
// Only accepted requests that others sent count as evidence of q's age.
const friendsOfQ = (): RiskEvent[] => [
  account('q', 'unknown'),
  account('c1', '13-15'),
  account('c2', '13-15'),
  account('c3', 'under13'),
  account('p1', 'adult'),
  account('u1', 'unknown'),
  ...['c1', 'c2', 'c3', 'p1', 'u1'].flatMap((f) => [
    pair('contact_request', f, 'q', T - 10 * D),
    pair('contact_accept', 'q', f, T - 10 * D + MIN),
  ]),
];

describe('unknown age inferred from accepted contacts (probable minors)', () => {
  it('counts a probable minor at minorWeight x share, names it in the reasons', () => {
    const e = run([account('A', 'adult'), ...friendsOfQ(), pair('contact_request', 'A', 'q', T)]);
    const w = 1 * (3 / 4); // default minorWeight 1, 3 of 4 known-age contacts are minors
    const v = e.signalValues('A', T + MIN);
    expect(v.minors_contacted_1h).toBeCloseTo(w, 10);
    expect(v.minors_contacted_24h).toBeCloseTo(w, 10);
    expect(v.no_mutual_minor_requests_7d).toBeCloseTo(w, 10);
    expect(v.probable_minors_contacted_7d).toBe(1);
    // Never a full minor: the age gap needs a declared minor, and the lifetime share counts
    // declared minors only.
    expect(v.age_gap).toBeUndefined();
    const r = e.accountRisk('A', T + MIN)!;
    const reason = r.reasons.find((x) => x.signal === 'probable_minors_contacted_7d');
    expect(reason?.inferred).toEqual([
      { user: 'q', minorContacts: 3, knownContacts: 4, weight: 0.75 },
    ]);
    expect(reason?.contribution).toBeCloseTo(0.05 * (1 / 3), 4);
  });

  it('needs enough known-age contacts and a minor majority; adults are never inferred', () => {
    const few = run([
      account('A', 'adult'),
      account('q', 'unknown'),
      account('c1', '13-15'),
      account('c2', '13-15'),
      pair('contact_request', 'c1', 'q', T - D),
      pair('contact_accept', 'q', 'c1', T - D),
      pair('contact_request', 'c2', 'q', T - D),
      pair('contact_accept', 'q', 'c2', T - D),
      pair('contact_request', 'A', 'q', T),
    ]);
    // 2 known-age contacts < minKnownContacts 3: no inference.
    expect(few.signalValues('A', T + MIN).minors_contacted_1h).toBe(0);
    expect(few.signalValues('A', T + MIN).probable_minors_contacted_7d).toBe(0);
    // A declared adult with only minor contacts (a coach) stays an adult.
    const coach = run([
      account('A', 'adult'),
      ...friendsOfQ().map((ev) =>
        ev.type === 'account' && ev.user === 'q' ? account('q', 'adult') : ev,
      ),
      pair('contact_request', 'A', 'q', T),
    ]);
    expect(coach.signalValues('A', T + MIN).minors_contacted_1h).toBe(0);
    // Switched off by the rules.
    const off = run(
      [account('A', 'adult'), ...friendsOfQ(), pair('contact_request', 'A', 'q', T)],
      {
        ...DEFAULT_RISK_RULES,
        unknownAge: { ...DEFAULT_RISK_RULES.unknownAge, minorWeight: 0 },
      },
    );
    expect(off.signalValues('A', T + MIN).minors_contacted_1h).toBe(0);
  });

  it('weights private conversations with a probable minor by contribution, not by count', () => {
    // 40 messages from A to q (weight 0.75), one every 3 hours: all inside the last 7 UTC days
    // at T + 5 days, none answered, A started the contact.
    const events = [
      account('A', 'adult'),
      ...friendsOfQ(),
      ...Array.from({ length: 40 }, (_, i) => msg('A', 'q', T + i * 3 * H)),
    ];
    const e = run(events);
    const v = e.signalValues('A', T + 5 * D);
    // Ramp 25 -> 45: 40 is 3/4 up the ramp; a probable minor of weight 0.75 gives the value
    // where a declared minor would contribute 0.75 as much: 25 + 0.75 * 0.75 * 20.
    expect(v.private_minor_messages_7d).toBeCloseTo(36.25, 10);
    // Ramp 10 -> 30 and 6 -> 15: 40 is past the end, so the values are 10 + 0.75 * 20 and
    // 6 + 0.75 * 9 (the old "0.75 x count" gave 30, a full contribution).
    expect(v.new_private_minor_messages_7d).toBeCloseTo(25, 10);
    expect(v.unanswered_private_minor_messages).toBeCloseTo(12.75, 10);
    const r = e.accountRisk('A', T + 5 * D)!.reasons;
    // Declared minor: 0.25 * (40 - 25) / 20 = 0.1875; probable minor: 0.75 of it.
    expect(r.find((x) => x.signal === 'private_minor_messages_7d')?.contribution).toBe(0.1406);
    // The same conversation with a declared minor keeps the raw count.
    const declared = run([
      account('A', 'adult'),
      account('m', '13-15'),
      ...Array.from({ length: 40 }, (_, i) => msg('A', 'm', T + i * 3 * H)),
    ]).signalValues('A', T + 5 * D);
    expect(declared.private_minor_messages_7d).toBe(40);
  });

  it('weightedValue: declared minors and values below the ramp are unchanged', () => {
    const r = { weight: 0.25, from: 25, to: 45 };
    expect(weightedValue(40, r, 1)).toBe(40);
    expect(weightedValue(80, r, 1)).toBe(80);
    expect(weightedValue(20, r, 0.6)).toBe(20);
    expect(weightedValue(40, r, 0.6)).toBeCloseTo(25 + 0.6 * 0.75 * 20, 10);
    expect(weightedValue(80, r, 0.6)).toBeCloseTo(25 + 0.6 * 20, 10);
  });

  it("an account's own accepted requests are no evidence of its age", () => {
    // q sent the requests and the minors accepted them (what a groomer's spray looks like).
    const e = run([
      account('A', 'adult'),
      account('q', 'unknown'),
      ...['c1', 'c2', 'c3', 'c4'].flatMap((c) => [
        account(c, '13-15'),
        pair('contact_request', 'q', c, T - 10 * D),
        pair('contact_accept', c, 'q', T - 10 * D + MIN),
      ]),
      pair('contact_request', 'A', 'q', T),
    ]);
    const v = e.signalValues('A', T + MIN);
    expect(v.minors_contacted_1h).toBe(0);
    expect(v.probable_minors_contacted_7d).toBe(0);
  });

  it('damps an unknown-age sender that is itself a probable minor towards the 16-17 factor', () => {
    // q (weight 0.75) and u (no evidence) each request three declared minors within an hour:
    // minors_contacted_1h = 3, ramp 2 -> 6, weight 0.12: 0.03 before the sender factor.
    const reach = (who: string) =>
      ['m1', 'm2', 'm3'].map((m) => pair('contact_request', who, m, T));
    const e = run([
      ...friendsOfQ(),
      account('u', 'unknown'),
      ...['m1', 'm2', 'm3'].map((m) => account(m, '13-15')),
      ...reach('q'),
      ...reach('u'),
    ]);
    const c = (user: string) =>
      e.accountRisk(user, T + MIN)!.reasons.find((x) => x.signal === 'minors_contacted_1h')
        ?.contribution;
    // unknown factor 0.9; q: 0.9 + 0.75 * (0.6 - 0.9) = 0.675.
    expect(c('u')).toBeCloseTo(0.03 * 0.9, 4);
    expect(c('q')).toBeCloseTo(0.03 * 0.675, 4);
    // Evidence the other way (the documented exception to the innocuous-event property): once
    // q has accepted three adults' requests, 3 of 7 known-age contacts are minors (< 0.5), q is
    // no probable minor and its own factor is back to 0.9.
    const adults: RiskEvent[] = ['p2', 'p3', 'p4'].flatMap((p) => [
      account(p, 'adult'),
      pair('contact_request', p, 'q', T - 5 * D),
      pair('contact_accept', 'q', p, T - 5 * D + MIN),
    ]);
    const e2 = run([
      ...friendsOfQ(),
      ...adults,
      ...['m1', 'm2', 'm3'].map((m) => account(m, '13-15')),
      ...reach('q'),
    ]);
    expect(e2.signalValues('q', T + MIN).minors_contacted_1h).toBe(3);
    expect(e2.accountRisk('q', T + MIN)!.score).toBeGreaterThan(e.accountRisk('q', T + MIN)!.score);
  });

  it('counts a probable minor who blocked the account in minor_blockers_7d', () => {
    const e = run([account('A', 'adult'), ...friendsOfQ(), pair('block', 'q', 'A', T)]);
    expect(e.signalValues('A', T + MIN).minor_blockers_7d).toBeCloseTo(0.75, 10);
  });

  // The documented exception to "an innocuous event never raises a score": an accepted contact
  // between an unknown-age account and a minor is evidence about that account's age.
  it('rises when the unknown-age account gains minor contacts (evidence about its age)', () => {
    const base = [
      account('A', 'adult'),
      account('m1', '13-15'),
      account('m2', '13-15'),
      ...friendsOfQ(),
      pair('contact_request', 'A', 'm1', T),
      pair('contact_request', 'A', 'm2', T),
      pair('contact_request', 'A', 'q', T),
    ];
    // minors_contacted_1h = 2 + 0.75 (ramp 2 -> 6); with c4, q counts 4/5 = 0.8.
    expect(run(base).signalValues('A', T + MIN).minors_contacted_1h).toBeCloseTo(2.75, 10);
    const before = run(base).accountRisk('A', T + MIN)!.score;
    const extra: RiskEvent[] = [
      account('c4', '16-17'),
      pair('contact_request', 'c4', 'q', T - D),
      pair('contact_accept', 'q', 'c4', T - D),
    ];
    const after = run([...extra, ...base]).accountRisk('A', T + MIN)!.score;
    expect(after).toBeGreaterThan(before);
  });
});
