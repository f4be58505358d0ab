import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRiskRules } from '@lifeguard/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { captureIo } from '../testing/capture-io.js';

const T = Date.UTC(2026, 2, 1, 12);
const iso = (ms: number) => new Date(ms).toISOString();
const MIN = 60_000;

/** A small platform: one spray contacter, one coach with an established team, garbage lines. */
function eventsFile(dir: string): string {
  const lines: string[] = [];
  const add = (o: object) => lines.push(JSON.stringify(o));
  add({
    type: 'account',
    user: 'spray',
    at: iso(T - 86_400_000),
    ageBand: 'adult',
    createdAt: iso(T - 86_400_000),
  });
  add({
    type: 'account',
    user: 'coach',
    at: iso(T - 400 * 86_400_000),
    ageBand: 'adult',
    createdAt: iso(T - 400 * 86_400_000),
  });
  for (let i = 0; i < 12; i++)
    add({ type: 'account', user: `m${i}`, at: iso(T - 300 * 86_400_000), ageBand: '13-15' });
  lines.push('this is not json, keep this between us');
  for (let i = 0; i < 12; i++) {
    // The coach met the team one by one, long ago.
    add({
      type: 'contact_request',
      from: 'coach',
      to: `m${i}`,
      at: iso(T - (200 - i) * 86_400_000),
    });
    add({
      type: 'contact_accept',
      from: `m${i}`,
      to: 'coach',
      at: iso(T - (200 - i) * 86_400_000 + MIN),
    });
  }
  // Out of order by a few minutes: restored by the reorder buffer.
  for (let i = 11; i >= 0; i--)
    add({ type: 'contact_request', from: 'spray', to: `m${i}`, at: iso(T + i * MIN), id: `r${i}` });
  add({ type: 'contact_request', from: 'spray', to: 'm0', at: iso(T), id: 'r0' }); // duplicate id
  for (let i = 0; i < 8; i++)
    add({ type: 'block', from: `m${i}`, to: 'spray', at: iso(T + 30 * MIN + i * MIN) });
  add({
    type: 'message',
    from: 'spray',
    to: 'm9',
    at: iso(T + 40 * MIN),
    text: "don't tell your parents",
    id: 'x1',
  });
  for (let i = 0; i < 12; i++)
    add({
      type: 'message',
      from: 'coach',
      to: `m${i}`,
      at: iso(T + 2 * 86_400_000 + i * MIN),
      text: 'great game today',
    });
  lines.push(
    '{"type":"message","from":"a","to":"a","at":"2026-03-01T10:00:00Z","text":"secret words"}',
  );
  lines.push('');
  const file = join(dir, 'events.ndjson');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('lifeguard risk', () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lg-risk-'));
    file = eventsFile(dir);
  });

  it('replays a file and prints one JSON line per account above none', async () => {
    const io = captureIo();
    const code = await main(['risk', 'replay', file], io);
    expect(code).toBe(1); // some lines were malformed
    const rows = io
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => r.user)).toEqual(['spray']);
    const spray = rows[0]!;
    expect(Object.keys(spray)).toEqual(['user', 'score', 'level', 'firstAlertAt', 'reasons']);
    expect(spray.level === 'high' || spray.level === 'critical').toBe(true);
    expect(typeof spray.firstAlertAt).toBe('string');
    const reasons = spray.reasons as Array<{
      signal: string;
      value: number;
      window: string;
      weight: number;
      evidence?: unknown[];
    }>;
    expect(reasons.map((r) => r.signal)).toContain('minor_blockers_7d');
    for (const r of reasons) expect(typeof r.window).toBe('string');
    const err = io.err();
    expect(err).toContain('line 15: LG_ERR_INVALID_EVENT: invalid JSON');
    expect(err).toMatch(/line \d+: LG_ERR_INVALID_EVENT: fields 'from' and 'to' are the same user/);
    expect(err).toContain('1 duplicates ignored');
    expect(err).toContain('2 malformed');
    // Message text never reaches stderr.
    expect(err).not.toContain('keep this between us');
    expect(err).not.toContain('secret words');
  });

  it('prints evidence spans for text signals', async () => {
    const io = captureIo();
    await main(['risk', 'replay', file, '--lateness', '600'], io);
    const spray = JSON.parse(io.out().trim().split('\n')[0]!) as {
      reasons: Array<{ signal: string; evidence?: Array<{ match: string }> }>;
    };
    const secrecy = spray.reasons.find((r) => r.signal === 'text_secrecy');
    expect(secrecy?.evidence?.[0]).toMatchObject({
      match: "don't tell your parents",
      start: 0,
      end: 23,
      eventId: 'x1',
    });
  });

  it('applies a rules file and rejects an invalid one with a clear code', async () => {
    const custom = join(dir, 'custom.json');
    writeFileSync(custom, JSON.stringify({ signals: { minor_blockers_7d: { weight: 0 } } }));
    const io = captureIo();
    await main(['risk', 'replay', file, '--rules', custom], io);
    expect(io.out()).toContain('"user":"spray"');
    expect(io.out()).not.toContain('minor_blockers_7d');

    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ signals: { minors_contacted_1h: { weight: 3 } } }));
    const io2 = captureIo();
    expect(await main(['risk', 'replay', file, '--rules', bad], io2)).toBe(2);
    expect(io2.err()).toContain('LG_ERR_INVALID_RISK_RULES');
    expect(io2.err()).toContain('signals.minors_contacted_1h.weight');
  });

  it('reports a missing events file and usage errors', async () => {
    const io = captureIo();
    expect(await main(['risk', 'replay', join(dir, 'nope.ndjson')], io)).toBe(2);
    expect(io.err()).toContain('LG_ERR_READ_FAILED');
    const io2 = captureIo();
    expect(await main(['risk', 'replay'], io2)).toBe(2);
    const io3 = captureIo();
    expect(await main(['risk', 'frobnicate'], io3)).toBe(2);
  });

  it('handles CRLF, a missing final newline and an over-long line by line number', async () => {
    const f = join(dir, 'crlf.ndjson');
    const acc = (u: string, band: string) =>
      JSON.stringify({ type: 'account', user: u, at: iso(T), ageBand: band });
    const lines = [
      acc('a', 'adult'),
      'x'.repeat((1 << 20) + 10),
      acc('m', '13-15'),
      '{"type":"block","from":"m","to":"a","at":"bad"}',
    ];
    writeFileSync(f, lines.join('\r\n'));
    const io = captureIo();
    expect(await main(['risk', 'replay', f], io)).toBe(1);
    expect(io.err()).toContain('line 2: LG_ERR_INVALID_EVENT: line longer than 1 MiB');
    expect(io.err()).toContain(
      "line 4: LG_ERR_INVALID_EVENT: field 'at' is not an ISO 8601 time with zone",
    );
    expect(io.err()).toContain('risk replay: 4 lines, 2 events applied');
  });

  it('prints default rules that validate', async () => {
    const io = captureIo();
    expect(await main(['risk', 'rules'], io)).toBe(0);
    expect(() => parseRiskRules(JSON.parse(io.out()))).not.toThrow();
  });
});
