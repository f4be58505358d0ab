import { describe, expect, it } from 'vitest';
import { DEFAULT_RISK_RULES } from './risk-rules.defaults.js';
import { account, D, H, MIN, msg, pair, run, T } from './risk-test.fixtures.js';
import type { RiskEvent } from './risk-event.model.js';

// `q` has age `unknown`; its accepted contacts are declared minors c1..c3 and adult p1, plus
// u1 whose age is also unknown (not counted as known): 3 of 4 known-age contacts are minors.
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
    const w = 0.6 * (3 / 4); // default minorWeight 0.6, 3 of 4 known-age contacts are minors
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
      { user: 'q', minorContacts: 3, knownContacts: 4, weight: 0.45 },
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

  it('tracks private conversations with a probable minor, scaled by its weight', () => {
    const events = [
      account('A', 'adult'),
      ...friendsOfQ(),
      ...Array.from({ length: 20 }, (_, i) => msg('A', 'q', T + i * H)),
    ];
    const v = run(events).signalValues('A', T + D);
    expect(v.private_minor_messages_7d).toBeCloseTo(20 * 0.45, 10);
    expect(v.unanswered_private_minor_messages).toBeCloseTo(20 * 0.45, 10);
  });

  it('counts a probable minor who blocked the account in minor_blockers_7d', () => {
    const e = run([account('A', 'adult'), ...friendsOfQ(), pair('block', 'q', 'A', T)]);
    expect(e.signalValues('A', T + MIN).minor_blockers_7d).toBeCloseTo(0.45, 10);
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
    // minors_contacted_1h = 2 + 0.45 (ramp 2 -> 6); with c4, q counts 0.6 x 4/5 = 0.48.
    expect(run(base).signalValues('A', T + MIN).minors_contacted_1h).toBeCloseTo(2.45, 10);
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
