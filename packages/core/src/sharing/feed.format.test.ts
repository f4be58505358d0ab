import { describe, expect, it } from 'vitest';
import type { BankChange, BankEntry } from '../banks/bank.model.js';
import { isLifeguardError } from '../errors/lifeguard-error.js';
import {
  FEED_FORMAT,
  feedRecords,
  formatFeedPage,
  parseFeedCursor,
  parseFeedPage,
  type FeedPageHeader,
} from './feed.format.js';

const entry = (id: number, value: string, enabled = true): BankEntry => ({
  id,
  bankId: 7,
  signalType: 'pdq',
  value,
  sourceId: null,
  classification: id === 1 ? 'A1' : null,
  metadata: { secret: 'never shared' },
  note: 'never shared either',
  enabled,
  addedAt: '2026-11-25T00:00:00.000Z',
});

const header = (over: Partial<FeedPageHeader> = {}): FeedPageHeader => ({
  format: FEED_FORMAT,
  bank: 'b',
  kind: 'block',
  labels: ['l'],
  cursor: '0',
  next_cursor: '9',
  has_more: false,
  count: 0,
  key_id: '0123456789abcdef',
  generated_at: '2026-11-25T00:00:00.000Z',
  ...over,
});

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isLifeguardError(e) ? e.code : String(e);
  }
  return undefined;
}

describe('feed format', () => {
  const a = 'a'.repeat(64);
  const b = 'b'.repeat(64);
  const changes: BankChange[] = [
    { seq: 3, kind: 'entry_upsert', entry: entry(1, a) },
    { seq: 4, kind: 'entry_upsert', entry: entry(2, b, false) },
    { seq: 5, kind: 'entry_remove', entryId: 3, bankId: 7 }, // pre-0010: no value, left out
    {
      seq: 6,
      kind: 'entry_remove',
      entryId: 1,
      bankId: 7,
      signal: { signalType: 'pdq', value: a },
      opinion: 'false_positive',
    },
    { seq: 7, kind: 'bank_upsert', bank: {} as never },
  ];

  it('maps changes to records without notes or metadata, and round-trips a page', () => {
    const records = feedRecords({ id: 7, kind: 'block' }, changes);
    expect(records).toEqual([
      {
        seq: 3,
        op: 'add',
        signal_type: 'pdq',
        value: a,
        opinion: 'confirmed',
        classification: 'A1',
        entry_id: 1,
        added_at: '2026-11-25T00:00:00.000Z',
      },
      { seq: 4, op: 'remove', signal_type: 'pdq', value: b, entry_id: 2 },
      {
        seq: 6,
        op: 'remove',
        signal_type: 'pdq',
        value: a,
        opinion: 'false_positive',
        entry_id: 1,
      },
    ]);
    const text = formatFeedPage(header({ count: records.length }), records);
    expect(text).not.toContain('never shared');
    const page = parseFeedPage(text);
    expect(page.header.next_cursor).toBe('9');
    expect(page.updates).toEqual([
      { op: 'add', signalType: 'pdq', value: a, opinion: 'confirmed', classification: 'A1' },
      { op: 'remove', signalType: 'pdq', value: b },
      { op: 'remove', signalType: 'pdq', value: a, opinion: 'false_positive' },
    ]);
    // An allow bank's adds are false-positive opinions.
    expect(feedRecords({ id: 7, kind: 'allow' }, changes)[0]!.opinion).toBe('false_positive');
  });

  it('refuses corrupt pages with LG_ERR_INVALID_FEED and skips unknown signal types', () => {
    const rec = (seq: number, extra: Record<string, unknown> = {}): string =>
      JSON.stringify({ seq, op: 'add', signal_type: 'pdq', value: a, entry_id: seq, ...extra });
    const page = (lines: string[], count = lines.length): string =>
      `${JSON.stringify(header({ count }))}\n${lines.join('\n')}\n`;
    expect(
      parseFeedPage(page([rec(1), rec(2, { signal_type: 'vpdq_v2', value: 'x' })])).unsupported,
    ).toBe(1);
    for (const bad of [
      '',
      'not json\n',
      `${JSON.stringify({ ...header(), format: 'other/1' })}\n`,
      `${JSON.stringify({ ...header(), cursor: '-1' })}\n`,
      page(['{oops']),
      page([rec(2), rec(2)]),
      page([rec(1, { op: 'upsert' })]),
      page([rec(1, { value: 'zz' })]),
      page([rec(1, { opinion: 'meh' })]),
      page([rec(1)], 2),
      page([rec(10)]),
    ]) {
      expect(code(() => parseFeedPage(bad))).toBe('LG_ERR_INVALID_FEED');
    }
  });

  it('parses cursors strictly', () => {
    expect(parseFeedCursor(undefined)).toBe(0);
    expect(parseFeedCursor('42')).toBe(42);
    for (const c of ['-1', '01', '1e3', 'x', '99999999999999999']) {
      expect(code(() => parseFeedCursor(c))).toBe('LG_ERR_INVALID_ARGUMENT');
    }
  });
});
