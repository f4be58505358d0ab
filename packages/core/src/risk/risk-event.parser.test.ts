import { describe, expect, it } from 'vitest';
import {
  daysFromCivil,
  parseIsoTimeMs,
  parseRiskEvent,
  parseRiskEventLine,
} from './risk-event.parser.js';

const ok = (line: string) => {
  const r = parseRiskEventLine(line);
  if (r === undefined || !r.ok) throw new Error(`expected ok: ${JSON.stringify(r)}`);
  return r.event;
};
const reason = (line: string) => {
  const r = parseRiskEventLine(line);
  if (r === undefined || r.ok) throw new Error('expected a failure');
  return r.reason;
};

describe('parseRiskEventLine', () => {
  it('parses every event type of the issue format', () => {
    const acc = ok(
      '{"type":"account","user":"u1","at":"2026-03-01T10:00:00Z","ageBand":"13-15","createdAt":"2026-02-28T09:00:00Z"}',
    );
    expect(acc).toMatchObject({
      type: 'account',
      user: 'u1',
      ageBand: '13-15',
      atMs: Date.UTC(2026, 2, 1, 10),
    });
    expect(acc.type === 'account' && acc.createdAtMs).toBe(Date.UTC(2026, 1, 28, 9));
    for (const type of ['contact_request', 'contact_accept', 'block', 'report']) {
      expect(
        ok(`{"type":"${type}","from":"u1","to":"u2","at":"2026-03-01T10:00:00+02:00"}`),
      ).toMatchObject({
        type,
        from: 'u1',
        to: 'u2',
        atMs: Date.UTC(2026, 2, 1, 8),
      });
    }
    expect(
      ok(
        '{"type":"message","from":"u1","to":"u2","at":"2026-03-01T10:00:00.250Z","conversation":"c9","text":"hi"}',
      ),
    ).toMatchObject({
      conversation: 'c9',
      text: 'hi',
      atMs: Date.UTC(2026, 2, 1, 10, 0, 0, 250),
    });
  });

  it('keeps unknown fields on the event and accepts numeric ids', () => {
    const e = ok(
      '{"type":"block","from":"a","to":"b","at":"2026-03-01T10:00:00Z","id":42,"platformExtra":{"x":1}}',
    );
    expect(e.id).toBe('42');
    expect((e as unknown as Record<string, unknown>).platformExtra).toEqual({ x: 1 });
  });

  it('treats a missing ageBand as absent (the engine reads it as unknown)', () => {
    const e = ok('{"type":"account","user":"u1","at":"2026-03-01T10:00:00Z"}');
    expect(e.type === 'account' && e.ageBand).toBeUndefined();
  });

  it('skips blank lines', () => {
    expect(parseRiskEventLine('   ')).toBeUndefined();
  });

  it.each([
    ['not json', 'invalid JSON'],
    ['[1,2]', 'not a JSON object'],
    ['{"at":"2026-03-01T10:00:00Z"}', "missing field 'type'"],
    ['{"type":"message","from":"a","to":"b"}', "field 'at' is not an ISO 8601 time with zone"],
    [
      '{"type":"message","from":"a","to":"b","at":"2026-03-01T10:00:00"}',
      "field 'at' is not an ISO 8601 time with zone",
    ],
    [
      '{"type":"message","from":"a","to":"b","at":"2026-13-45T10:00:00Z"}',
      "field 'at' is not an ISO 8601 time with zone",
    ],
    ['{"type":"poke","from":"a","to":"b","at":"2026-03-01T10:00:00Z"}', 'unknown event type'],
    [
      '{"type":"message","to":"b","at":"2026-03-01T10:00:00Z"}',
      "field 'from' is not a string of 1-256 characters",
    ],
    [
      '{"type":"message","from":"a","to":"a","at":"2026-03-01T10:00:00Z"}',
      "fields 'from' and 'to' are the same user",
    ],
    [
      '{"type":"message","from":"a","to":"b","at":"2026-03-01T10:00:00Z","text":5}',
      "field 'text' is not a string",
    ],
    [
      '{"type":"account","user":"u","at":"2026-03-01T10:00:00Z","ageBand":"teen"}',
      "field 'ageBand' is not one of under13, 13-15, 16-17, adult, unknown",
    ],
    [
      '{"type":"account","user":"u","at":"2026-03-01T10:00:00Z","createdAt":"yesterday"}',
      "field 'createdAt' is not an ISO 8601 time with zone",
    ],
    [
      '{"type":"block","from":"a","to":"b","at":"2026-03-01T10:00:00Z","id":""}',
      "field 'id' is not a string of 1-256 characters",
    ],
  ])('rejects %s', (line, why) => {
    expect(reason(line)).toBe(why);
  });

  it('never quotes the input in its reason (lines can carry message text)', () => {
    const r = reason(
      '{"type":"message","from":"a","to":"a","at":"2026-03-01T10:00:00Z","text":"keep this between us"}',
    );
    expect(r).not.toContain('keep this');
    expect(parseRiskEvent('x')).toEqual({ ok: false, reason: 'not a JSON object' });
  });
});

describe('parseIsoTimeMs', () => {
  it('agrees with Date.parse on valid zoned times', () => {
    for (const s of [
      '2026-03-01T10:00:00Z',
      '2026-03-01T10:00Z',
      '2026-03-01T10:00:00.5Z',
      '2026-03-01T10:00:00.123456789Z',
      '2024-02-29T23:59:59+05:30',
      '2026-12-31T00:00:00-08:00',
      '1970-01-01T00:00:00Z',
    ]) {
      expect(parseIsoTimeMs(s)).toBe(Date.parse(s));
    }
  });

  it('agrees with Date.parse on random times from 1970 to 2400, every zone form', () => {
    // Seeded LCG: reproducible, covers leap days, month ends and century years.
    let x = 12345;
    const next = (n: number): number => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return x % n;
    };
    const p2 = (n: number): string => String(n).padStart(2, '0');
    for (let i = 0; i < 20_000; i++) {
      const ms = next(430 * 365) * 86_400_000 + next(86_400_000);
      const iso = new Date(ms).toISOString(); // 'YYYY-MM-DDTHH:MM:SS.mmmZ'
      const zone = next(3);
      const off = next(24 * 60) - 12 * 60;
      const s =
        zone === 0
          ? iso
          : zone === 1
            ? iso.slice(0, 19) + 'Z'
            : `${iso.slice(0, 23)}${off < 0 ? '-' : '+'}${p2(Math.floor(Math.abs(off) / 60))}:${p2(Math.abs(off) % 60)}`;
      const want = Date.parse(s);
      expect(parseIsoTimeMs(s)).toBe(want >= 0 ? want : undefined);
    }
  });

  it('counts days like Date.UTC, also across the 1900/2000/2100 century rules', () => {
    for (const [y, m, d] of [
      [1970, 1, 1],
      [1999, 12, 31],
      [2000, 2, 29],
      [2100, 3, 1],
      [2400, 2, 29],
      [2026, 12, 7],
    ] as const) {
      expect(daysFromCivil(y, m, d) * 86_400_000).toBe(Date.UTC(y, m - 1, d));
    }
    // Years below 100 are taken literally (Date.UTC would read 0099 as 1999).
    expect(parseIsoTimeMs('0099-01-01T00:00:00Z')).toBeUndefined();
  });

  it.each([
    '2026-03-01T10:00:00',
    '2026-03-01 10:00:00Z',
    '2026-02-29T10:00:00Z',
    '2026-04-31T10:00:00Z',
    '2026-00-10T10:00:00Z',
    '2026-03-01T24:00:00Z',
    '2026-03-01T10:60:00Z',
    '2026-03-01T10:00:61Z',
    '2026-03-01T10:00:00.Z',
    '2026-03-01T10:00:00Zjunk',
    '2026-03-01T10:00:00+0100',
    '1969-12-31T23:59:59Z',
    'x026-03-01T10:00:00Z',
  ])('rejects %s', (s) => {
    expect(parseIsoTimeMs(s)).toBeUndefined();
  });
});
