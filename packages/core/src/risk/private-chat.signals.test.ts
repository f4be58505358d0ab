import { describe, expect, it } from 'vitest';
import { account, D, H, msg, pair, run, T } from './risk-test.fixtures.js';
import type { RiskEvent } from './risk-event.model.js';

// T is 12:00 UTC; day k below is T + k days (one UTC day each).
const daily = (from: string, to: string, days: number[], perDay: number): RiskEvent[] =>
  days.flatMap((d) => Array.from({ length: perDay }, (_, i) => msg(from, to, T + d * D + i * H)));
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe('private adult-to-minor conversation signals', () => {
  it('counts days, weekly volume and unanswered messages of a private relationship', () => {
    const e = run([
      account('A', 'adult'),
      account('m', '13-15'),
      ...daily('A', 'm', range(0, 9), 3),
    ]);
    const v = e.signalValues('A', T + 9 * D + 3 * H);
    expect(v.private_minor_chat_days_14d).toBe(10);
    expect(v.private_minor_messages_7d).toBe(21); // days 3..9, 3 each
    expect(v.new_private_minor_messages_7d).toBe(21); // A started it 9 days ago
    expect(v.unanswered_private_minor_messages).toBe(30); // m never wrote back
    // Observed for less than 14 days: no earlier week to compare with.
    expect(v.private_minor_escalation).toBeUndefined();
    // Windows move with time: 12 days after the last message, nothing in the last 7 days.
    const later = e.signalValues('A', T + 21 * D);
    expect(later.private_minor_messages_7d).toBe(0);
    expect(later.private_minor_chat_days_14d).toBe(2); // of days 8..21, only days 8 and 9
  });

  it('measures escalation as last 7 days over (the 7 days before + 7)', () => {
    const e = run([
      account('A', 'adult'),
      account('m', '13-15'),
      ...daily('A', 'm', range(0, 7), 1),
      ...daily('A', 'm', range(8, 14), 5),
    ]);
    // At day 14 12:00+: last 7 days = days 8..14 = 35; the 7 before = days 1..7 = 7.
    const v = e.signalValues('A', T + 14 * D + 6 * H);
    expect(v.private_minor_escalation).toBeCloseTo(35 / 14, 6);
    // Growth: (35 - 7) / sqrt(35 + 7 + 4).
    expect(v.private_minor_growth).toBeCloseTo(28 / Math.sqrt(46), 6);
  });

  it('resets the unanswered count when the minor writes back', () => {
    const e = run([
      account('A', 'adult'),
      account('m', '13-15'),
      ...daily('A', 'm', [0], 4),
      msg('m', 'A', T + 5 * H),
      msg('A', 'm', T + 6 * H),
    ]);
    expect(e.signalValues('A').unanswered_private_minor_messages).toBe(1);
    expect(e.accountRisk('A')!.conversations[0]).toMatchObject({ sent: 5, received: 1 });
  });

  it('is not private when the two share a mutual contact, and not computed for adult partners', () => {
    const events = [
      account('A', 'adult'),
      account('m', '13-15'),
      account('P', 'adult'),
      pair('contact_request', 'A', 'P', T - 2 * D),
      pair('contact_accept', 'P', 'A', T - 2 * D),
      pair('contact_request', 'm', 'P', T - 2 * D),
      pair('contact_accept', 'P', 'm', T - 2 * D),
      ...daily('A', 'm', range(0, 6), 5),
      ...daily('A', 'P', range(0, 6), 5),
    ];
    const v = run(events).signalValues('A');
    expect(v.private_minor_messages_7d).toBeUndefined();
    expect(v.private_minor_chat_days_14d).toBeUndefined();
    // Without the mutual contact P, the same traffic is private.
    const w = run(events.filter((x) => x.type === 'account' || x.type === 'message'));
    expect(w.signalValues('A').private_minor_messages_7d).toBe(35);
  });

  it('counts only relationships the account started as new', () => {
    const e = run([
      account('A', 'adult'),
      account('m', '13-15'),
      msg('m', 'A', T - H),
      ...daily('A', 'm', range(0, 6), 4),
    ]);
    const v = e.signalValues('A');
    expect(v.private_minor_messages_7d).toBe(28);
    expect(v.new_private_minor_messages_7d).toBeUndefined();
  });

  it('tracks minors writing to a younger band, damped by the sender band factor', () => {
    const events = [
      account('t', '16-17'),
      account('k', 'under13'),
      account('s', '16-17'),
      ...daily('t', 'k', range(0, 6), 6),
      ...daily('t', 's', range(0, 6), 6),
    ];
    const e = run(events);
    expect(e.signalValues('t').private_minor_messages_7d).toBe(42); // only the younger partner
    const r = e.accountRisk('t')!.reasons.find((x) => x.signal === 'private_minor_messages_7d')!;
    expect(r.contribution).toBeCloseTo(0.25 * 0.85 * 0.6, 4);
    // Same-band chat alone creates no conversation.
    const same = run([account('t', '16-17'), account('s', '16-17'), ...daily('t', 's', [0], 9)]);
    expect(same.signalValues('t').private_minor_messages_7d).toBeUndefined();
  });
});
