import { describe, expect, it } from 'vitest';
import { DEFAULT_RISK_RULES } from './risk-rules.defaults.js';
import { account, D, H, MIN, msg, pair, run, T } from './risk-test.fixtures.js';
import { RiskEngine } from './risk.engine.js';
import type { RiskEvent } from './risk-event.model.js';

const minors = (n: number, band: '13-15' | 'under13' | '16-17' = '13-15'): RiskEvent[] =>
  Array.from({ length: n }, (_, i) => account(`m${i + 1}`, band));

describe('signals, hand-computed windows (window = (now - W, now])', () => {
  it('distinct minors first contacted per 1h / 24h / 7d, and the minor share', () => {
    const e = new RiskEngine();
    for (const ev of [account('A', 'adult'), account('x', 'adult'), ...minors(5)]) e.ingest(ev);
    e.ingest(msg('A', 'm1', T));
    e.ingest(pair('contact_request', 'A', 'm2', T + 30 * MIN));
    // At T+1h m1 (first contact exactly 1 h ago) is outside the 1 h window; m2 is inside.
    expect(e.signalValues('A', T + H)).toMatchObject({
      minors_contacted_1h: 1,
      minors_contacted_24h: 2,
      minors_contacted_7d: 2,
    });
    e.ingest(msg('A', 'm3', T + 2 * H));
    e.ingest(msg('A', 'm4', T + 2 * D));
    e.ingest(msg('A', 'x', T + 2 * D));
    e.ingest(msg('A', 'm1', T + 2 * D)); // repeated contact: not new
    const v = e.signalValues('A', T + 2 * D + 10 * MIN);
    expect(v).toMatchObject({
      minors_contacted_1h: 1,
      minors_contacted_24h: 1,
      minors_contacted_7d: 4,
    });
    // 4 of 5 new contacts are minors; smoothed with prior 3 towards base rate 0.15:
    // (4 + 0.15*3) / (5 + 3) / 0.15 = 3.7083
    expect(v.minor_contact_share).toBeCloseTo(3.7083, 4);
    e.ingest(msg('A', 'm5', T + 8 * D));
    // 8 days on, only m4 (6 days) and m5 are inside 7 d.
    expect(e.signalValues('A', T + 8 * D + MIN)).toMatchObject({
      minors_contacted_24h: 1,
      minors_contacted_7d: 2,
    });
  });

  it('counts requests to minors without a mutual contact, over 7 days', () => {
    const e = run([
      account('A', 'adult'),
      account('f', 'adult'),
      ...minors(3),
      pair('contact_request', 'A', 'f', T - D),
      pair('contact_accept', 'f', 'A', T - D + MIN),
      pair('contact_request', 'f', 'm2', T - D),
      pair('contact_accept', 'm2', 'f', T - D + MIN),
      pair('contact_request', 'A', 'm1', T), // no mutual
      pair('contact_request', 'A', 'm2', T + MIN), // f is mutual
      pair('contact_request', 'A', 'f', T + 2 * MIN), // already a contact
    ]);
    expect(e.signalValues('A', T + H).no_mutual_minor_requests_7d).toBe(1);
    expect(e.signalValues('A', T + 7 * D).no_mutual_minor_requests_7d).toBe(0);
  });

  it('judges answers only after 24 h, declines at once', () => {
    const e = run([
      account('A', 'adult'),
      ...minors(3),
      pair('contact_request', 'A', 'm1', T),
      pair('contact_request', 'A', 'm2', T),
      pair('contact_request', 'A', 'm3', T),
      pair('contact_accept', 'm1', 'A', T + H),
      pair('block', 'm3', 'A', T + 2 * H),
    ]);
    // At T+3h only the decline counts: 1 / (1 + prior 3).
    expect(e.signalValues('A', T + 3 * H).unanswered_minor_ratio).toBeCloseTo(0.25, 6);
    // After 24 h: m2 unanswered, m3 declined, m1 answered: 2 / (3 + 3).
    expect(e.signalValues('A', T + 25 * H).unanswered_minor_ratio).toBeCloseTo(1 / 3, 6);
    expect(run([account('B', 'adult')]).signalValues('B').unanswered_minor_ratio).toBeUndefined();
  });

  it('counts distinct blockers/reporters, and minors among them, per window', () => {
    const e = run([
      account('A', 'adult'),
      account('x', 'adult'),
      ...minors(2),
      pair('block', 'm1', 'A', T),
      pair('report', 'm1', 'A', T + H), // same user: still one, time moves to T+1h
      pair('block', 'x', 'A', T + 2 * H),
      pair('report', 'm2', 'A', T + 3 * D),
    ]);
    expect(e.signalValues('A', T + 3 * D + MIN)).toMatchObject({
      blockers_24h: 1,
      blockers_7d: 3,
      minor_blockers_7d: 2,
    });
    // At T+7d+150min both T+1h (m1) and T+2h (x) are more than 7 days old.
    expect(e.signalValues('A', T + 7 * D + 150 * MIN)).toMatchObject({
      blockers_24h: 0,
      blockers_7d: 1,
      minor_blockers_7d: 1,
    });
  });

  it('account age at first minor contact, only when createdAt is known', () => {
    const e = run([
      account('A', 'adult', T - 2 * D),
      account('B', 'adult', null),
      ...minors(1),
      msg('A', 'm1', T),
      msg('B', 'm1', T),
    ]);
    expect(e.signalValues('A').account_age_at_first_minor_contact).toBeCloseTo(2, 6);
    expect(e.signalValues('B').account_age_at_first_minor_contact).toBeUndefined();
  });

  it('age gap for known adults only; unknown is neither adult nor minor', () => {
    const e = run([
      account('A', 'adult'),
      account('U', 'unknown'),
      account('k', 'under13'),
      account('s', '16-17'),
      account('q', undefined),
      msg('A', 's', T),
      msg('A', 'k', T + MIN),
      msg('U', 'k', T),
      msg('A', 'q', T + 2 * MIN),
      msg('U', 'q', T + 2 * MIN),
    ]);
    expect(e.signalValues('A')).toMatchObject({ age_gap: 3, minors_contacted_1h: 2 });
    expect(e.signalValues('U').age_gap).toBeUndefined();
    expect(e.signalValues('U').minors_contacted_1h).toBe(1); // q (no band) is not a minor
  });

  it('bursts of new minors within 24 h after a block', () => {
    const e = new RiskEngine();
    for (const ev of [account('A', 'adult'), account('x', 'adult'), ...minors(4)]) e.ingest(ev);
    e.ingest(msg('A', 'm1', T));
    expect(e.signalValues('A').burst_after_block).toBeUndefined();
    for (const ev of [
      pair('block', 'x', 'A', T + H),
      msg('A', 'm2', T + 2 * H),
      msg('A', 'm3', T + 5 * H),
      msg('A', 'm1', T + 6 * H),
      msg('A', 'm4', T + 26 * H),
    ]) {
      e.ingest(ev);
    }
    expect(e.signalValues('A').burst_after_block).toBe(2);
  });

  it('re-contact of minors who just blocked an adult (block evasion)', () => {
    const e = run([
      account('X', 'adult'),
      account('Y', 'unknown', T + 20 * H),
      account('k', '13-15'),
      ...minors(3),
      pair('block', 'm1', 'X', T),
      pair('block', 'm2', 'X', T),
      pair('block', 'm3', 'k', T), // a minor blocking a minor does not arm it
      msg('Y', 'm1', T + D),
      msg('Y', 'm3', T + D),
    ]);
    // m1 counts, m3 (blocked a minor) does not.
    expect(e.signalValues('Y', T + D + MIN).recontact_after_block_7d).toBe(1);
    // Y was 4 hours old when it reached m1: a fresh account returning to a blocker.
    expect(e.signalValues('Y', T + D + MIN).fresh_account_recontact_7d).toBe(1);
    // 7 days after its first contact m1 leaves the window; m2 comes 8 days after its block.
    e.ingest(msg('Y', 'm2', T + 8 * D));
    expect(e.signalValues('Y', T + 8 * D).recontact_after_block_7d).toBe(0);
    expect(e.signalValues('Y', T + 8 * D).fresh_account_recontact_7d).toBe(0);
  });

  it('fresh-account re-contact needs an account younger than 7 days at the contact', () => {
    const world = (created: number | null): RiskEvent[] => [
      account('X', 'adult'),
      account('Y', 'adult', created),
      ...minors(2),
      pair('block', 'm1', 'X', T),
      pair('block', 'm2', 'X', T),
      pair('contact_request', 'Y', 'm1', T + D),
      pair('contact_request', 'Y', 'm2', T + 2 * D),
    ];
    // Created 6 days before T: each minor is judged at its own first contact, m1 at an account
    // age of 7 days (not fresh: the window is < 7 d), m2 at 8 days.
    const old = run(world(T - 6 * D)).signalValues('Y', T + 2 * D + MIN);
    expect(old.recontact_after_block_7d).toBe(2);
    expect(old.fresh_account_recontact_7d).toBe(0);
    // Created 5.5 days before T: m1 reached at 6.5 days (fresh), m2 at 7.5 days (not).
    const young = run(world(T - 5.5 * D)).signalValues('Y', T + 2 * D + MIN);
    expect(young.fresh_account_recontact_7d).toBe(1);
    // Without createdAt the signal is not computed.
    expect(run(world(null)).signalValues('Y', T + 2 * D + MIN).fresh_account_recontact_7d).toBe(
      undefined,
    );
  });

  it('text signals count messages to minors and unknown-age users, with evidence spans', () => {
    const e = run([
      account('A', 'adult'),
      account('x', 'adult'),
      account('q', undefined),
      ...minors(1),
      msg('A', 'm1', T, 'how old are you', 'e1'),
      msg('A', 'm1', T + MIN, 'hey how old are you'),
      msg('A', 'q', T + 2 * MIN, 'ok keep this between us and add me on otherapp'),
      msg('A', 'x', T + 3 * MIN, "don't tell anyone, send a photo"),
    ]);
    expect(e.signalValues('A')).toMatchObject({
      text_age_probe: 2,
      text_secrecy: 1,
      text_off_platform: 1,
      text_image_request: 0,
      text_categories: 3,
    });
    const r = e.accountRisk('A')!;
    const age = r.reasons.find((x) => x.signal === 'text_age_probe');
    expect(age?.evidence).toEqual([
      { match: 'how old are you', start: 0, end: 15, at: new Date(T).toISOString(), eventId: 'e1' },
    ]);
    // No text at all: text signals are not computed rather than zero.
    expect(
      run([account('B', 'adult'), ...minors(1), msg('B', 'm1', T)]).signalValues('B').text_secrecy,
    ).toBeUndefined();
  });
});

describe('scoring, levels and interventions', () => {
  const spray = (sender: 'adult' | 'unknown'): RiskEvent[] => {
    const ev: RiskEvent[] = [account('G', sender, T - D), ...minors(12)];
    for (let i = 1; i <= 12; i++) ev.push(pair('contact_request', 'G', `m${i}`, T + i * MIN));
    for (let i = 1; i <= 8; i++) ev.push(pair('block', `m${i}`, 'G', T + 30 * MIN + i * MIN));
    return ev;
  };

  it('scores a spray contacter high with ranked reasons and recommends interventions, none to authorities', () => {
    const e = run(spray('adult'));
    const r = e.accountRisk('G')!;
    expect(r.score).toBeGreaterThanOrEqual(DEFAULT_RISK_RULES.levels.high);
    expect(r.score).toBeLessThanOrEqual(1);
    expect(['high', 'critical']).toContain(r.level);
    expect(r.firstAlertAt).not.toBeNull();
    const contributions = r.reasons.map((x) => x.contribution);
    expect([...contributions].sort((a, b) => b - a)).toEqual(contributions);
    const total = contributions.reduce((a, b) => a + b, 0);
    expect(Math.min(1, total)).toBeCloseTo(r.score, 3);
    const types = new Set(r.interventions.map((i) => i.type));
    expect(types).toEqual(
      new Set(['open_case', 'add_friction', 'hide_from_minor_discovery', 'warn_minor']),
    );
    expect(r.interventions.filter((i) => i.type === 'warn_minor').map((i) => i.minor)).toHaveLength(
      12,
    );
    for (const i of r.interventions) expect(i.reason.length).toBeGreaterThan(0);
  });

  it('damps minor-directed signals by the sender band factor (unknown = 0.9)', () => {
    const a = run(spray('adult')).accountRisk('G')!;
    const u = run(spray('unknown')).accountRisk('G')!;
    const c = (r: typeof a, s: string) => r.reasons.find((x) => x.signal === s)!.contribution;
    expect(c(u, 'minors_contacted_1h') / c(a, 'minors_contacted_1h')).toBeCloseTo(0.9, 3);
    expect(c(u, 'minor_blockers_7d')).toBe(c(a, 'minor_blockers_7d'));
  });

  it('scores adult-to-minor conversations and warns the minor of a risky one', () => {
    const e = run([
      account('A', 'adult'),
      ...minors(1),
      msg('A', 'm1', T, "you're so mature"),
      msg('m1', 'A', T + MIN, 'thanks'),
      msg('A', 'm1', T + 2 * MIN, 'keep this between us'),
      msg('A', 'm1', T + 3 * MIN, '[IMAGE_REQUEST_PLACEHOLDER]'),
    ]);
    const r = e.accountRisk('A')!;
    const c = r.conversations[0]!;
    // secrecy 0.3 + image_request 0.3 + flattery 0.15 + no mutual start 0.1
    expect(c).toMatchObject({
      partner: 'm1',
      score: 0.85,
      level: 'critical',
      sent: 3,
      received: 1,
      noMutualStart: true,
    });
    expect(c.categories.map((x) => x.category)).toEqual([
      'flattery_isolation',
      'secrecy',
      'image_request',
    ]);
    expect(r.interventions.some((i) => i.type === 'warn_minor' && i.minor === 'm1')).toBe(true);
  });

  it('keeps evidence for the first three categories of a conversation and still lists the rest', () => {
    const e = run([
      account('A', 'adult'),
      ...minors(1),
      msg('A', 'm1', T, 'how old are you', 'id-1'),
      msg('A', 'm1', T + MIN, 'what school do you go to'),
      msg('A', 'm1', T + 2 * MIN, 'keep this between us'),
      msg('A', 'm1', T + 3 * MIN, "let's meet up"),
    ]);
    const c = e.accountRisk('A')!.conversations[0]!;
    expect(c.categories.map((x) => [x.category, x.evidence?.match])).toEqual([
      ['age_probe', 'how old are you'],
      ['location_probe', 'what school do you go to'],
      ['secrecy', 'keep this between us'],
      ['meeting', undefined],
    ]);
    expect(c.categories[0]!.evidence).toEqual({
      match: 'how old are you',
      start: 0,
      end: 15,
      at: new Date(T).toISOString(),
      eventId: 'id-1',
    });
    // The account-level evidence still has the meeting span.
    expect(
      e.accountRisk('A')!.reasons.find((x) => x.signal === 'text_meeting')?.evidence?.[0]?.match,
    ).toBe("let's meet up");
  });
});

describe('bad input', () => {
  it('ignores a repeated event id', () => {
    const e = new RiskEngine();
    e.ingest(account('A', 'adult'));
    expect(e.ingest(pair('block', 'x', 'A', T, 'id-1'))).toBe('accepted');
    expect(e.ingest(pair('block', 'x', 'A', T, 'id-1'))).toBe('duplicate');
    expect(e.stats).toMatchObject({ accepted: 2, duplicates: 1 });
    expect(e.signalValues('A').blockers_24h).toBe(1);
  });

  it('applies an out-of-order event at its account latest time (windows never run backwards)', () => {
    const e = run([
      account('A', 'adult'),
      ...minors(2),
      msg('A', 'm1', T + 2 * H),
      msg('A', 'm2', T),
    ]);
    expect(e.stats.clampedLate).toBe(1);
    expect(e.signalValues('A', T + 2 * H + 30 * MIN).minors_contacted_1h).toBe(2);
  });

  it('creates unknown users with band unknown and never treats them as minors', () => {
    const e = run([msg('ghost1', 'ghost2', T), pair('contact_request', 'ghost1', 'ghost3', T)]);
    expect(e.store.get('ghost2')?.band).toBe('unknown');
    expect(e.signalValues('ghost1')).toMatchObject({ minors_contacted_7d: 0 });
    expect(e.accountRisk('ghost1')?.level).toBe('none');
    expect(e.accountRisk('nobody')).toBeUndefined();
  });
});
