import { describe, expect, it } from 'vitest';
import { parseIsoTimeMs, parseRiskEvent, parseRiskEventLine } from './risk-event.parser.js';

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
