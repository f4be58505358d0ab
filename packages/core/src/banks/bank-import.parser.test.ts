import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BankEntry } from './bank.model.js';
import { formatBankFile } from './bank-export.formatter.js';
import { formatFromFileName } from './bank-file.format.js';
import { parseBankFile, type ParsedRecord } from './bank-import.parser.js';
import { MAX_LINE_LENGTH, readLines } from './line.reader.js';

const PDQ = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';
const SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function parse(
  text: string | Uint8Array,
  format: 'text' | 'csv' | 'jsonl',
  chunkSize = 7,
): Promise<ParsedRecord[]> {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  return collect(parseBankFile(readLines(chunks), format));
}

const bad = (rs: ParsedRecord[]): number[] => rs.filter((r) => !r.ok).map((r) => r.line);
const good = (rs: ParsedRecord[]): ParsedRecord[] => rs.filter((r) => r.ok);

describe('readLines', () => {
  it('splits on LF and CRLF, drops a BOM, keeps a last line without newline', async () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('a\r\nb\n\nc')]);
    for (const size of [1, 2, 3, 100]) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      expect(await collect(readLines(chunks))).toEqual(['a', 'b', '', 'c']);
    }
  });

  it('decodes multi-byte characters split across chunks', async () => {
    const bytes = new TextEncoder().encode('né\n☃x\n');
    const chunks = [...bytes].map((b) => new Uint8Array([b]));
    expect(await collect(readLines(chunks))).toEqual(['né', '☃x']);
  });

  it('replaces an overlong line without keeping it and carries on', async () => {
    const huge = 'x'.repeat(MAX_LINE_LENGTH + 10);
    const chunks = ['a\n', huge.slice(0, 600_000), huge.slice(600_000), '\nb\n'];
    const lines = await collect(readLines(chunks));
    expect(lines.length).toBe(3);
    expect(lines[0]).toBe('a');
    expect(lines[2]).toBe('b');
    expect(await parse(`pdq ${PDQ}\n${huge}\npdq ${PDQ}\n`, 'text', 65536).then(bad)).toEqual([2]);
  });
});

describe('parseBankFile: text (HMA / python-threatexchange)', () => {
  it('reports exactly the malformed lines of a file with BOM and CRLF', async () => {
    const file =
      '\ufeff# exported from a hash-sharing program\r\n' + // 1 comment (after the BOM)
      `pdq ${PDQ}\r\n` + // 2 ok
      `pdq ${PDQ.slice(0, 60)}\r\n` + // 3 wrong length
      `pdq ${PDQ.slice(0, 63)}g\r\n` + // 4 bad hex
      `url https://example.com\r\n` + // 5 unknown signal type
      '\r\n' + // 6 blank
      `md5 ${MD5}\r\n` + // 7 ok
      `HASH_SHA256\t${SHA.toUpperCase()}\r\n` + // 8 ok (alias, tab, upper case)
      `pdq\r\n` + // 9 truncated: no value
      `video_md5 ${MD5}\r\n` + // 10 ok (threatexchange alias)
      `pdq ${PDQ} extra\r\n` + // 11 too many fields
      `pdq ${PDQ.slice(0, 17)}`; // 12 truncated last line, no newline
    const rs = await parse(file, 'text');
    expect(bad(rs)).toEqual([3, 4, 5, 9, 11, 12]);
    expect(good(rs)).toEqual([
      { ok: true, line: 2, entry: { signalType: 'pdq', value: PDQ } },
      { ok: true, line: 7, entry: { signalType: 'md5', value: MD5 } },
      { ok: true, line: 8, entry: { signalType: 'sha256', value: SHA } },
      { ok: true, line: 10, entry: { signalType: 'md5', value: MD5 } },
    ]);
    const reasons = rs.filter((r) => !r.ok).map((r) => (r.ok ? '' : r.reason));
    expect(reasons[0]).toMatch(/60 hex characters, expected 64/);
    expect(reasons[1]).toMatch(/not hex/);
    expect(reasons[2]).toMatch(/unknown signal type 'url'/);
  });
});

describe('parseBankFile: CSV', () => {
  it('maps known columns, keeps extra columns as metadata, handles quotes and newlines', async () => {
    const file = [
      'Signal_Type,value,source_id,classification,note,program,metadata',
      `pdq,${PDQ},S-1,A1,"note, with comma","ACME ""labs""",`,
      `md5,${MD5},,,"two`,
      `lines",,"{""k"":1}"`,
      `sha256,${SHA},,,,,`,
    ].join('\n');
    const rs = await parse(file, 'csv');
    expect(rs).toEqual([
      {
        ok: true,
        line: 2,
        entry: {
          signalType: 'pdq',
          value: PDQ,
          sourceId: 'S-1',
          classification: 'A1',
          note: 'note, with comma',
          metadata: { program: 'ACME "labs"' },
        },
      },
      {
        ok: true,
        line: 3,
        entry: { signalType: 'md5', value: MD5, note: 'two\nlines', metadata: { k: 1 } },
      },
      { ok: true, line: 5, entry: { signalType: 'sha256', value: SHA } },
    ]);
  });

  it('reports exactly the malformed rows', async () => {
    const file =
      '\ufeffsignal_type,value,note\r\n' + // 1 header
      `pdq,${PDQ},ok\r\n` + // 2 ok
      `pdq,${PDQ.slice(2)},short\r\n` + // 3 wrong length
      `tmk,${PDQ},unknown\r\n` + // 4 unknown type
      `pdq,${PDQ}\r\n` + // 5 truncated row (2 of 3 fields)
      '# comment\r\n' + // 6
      `md5,${MD5},x"y\r\n` + // 7 stray quote
      `md5,${MD5.replace('d', 'z')},bad hex\r\n` + // 8
      `sha256,${SHA},"never closed\r\n`; // 9 unterminated quote (truncated file)
    const rs = await parse(file, 'csv');
    expect(bad(rs)).toEqual([3, 4, 5, 7, 8, 9]);
    expect(good(rs).map((r) => r.line)).toEqual([2]);
  });

  it('reads python-threatexchange `dataset -P --csv` output as is', async () => {
    const file = `collab,signal_type,signal_str,category,tags\r\nSample,pdq,${PDQ},ADVERSARIAL,tag1 tag2\r\n`;
    expect(await parse(file, 'csv')).toEqual([
      {
        ok: true,
        line: 2,
        entry: {
          signalType: 'pdq',
          value: PDQ,
          metadata: { collab: 'Sample', category: 'ADVERSARIAL', tags: 'tag1 tag2' },
        },
      },
    ]);
  });

  it('rejects every row when the header lacks the required columns', async () => {
    const rs = await parse(`hash,kind\n${PDQ},pdq\n`, 'csv');
    expect(bad(rs)).toEqual([1, 2]);
  });
});

describe('parseBankFile: JSON lines', () => {
  it('accepts both key spellings and reports malformed lines', async () => {
    const file = [
      JSON.stringify({ signal_type: 'pdq', value: PDQ, source_id: 7, tag: 'x' }), // 1
      JSON.stringify({ signalType: 'MD5', value: MD5, metadata: { a: [1] }, note: 'n' }), // 2
      '{"signal_type":"pdq","value":"f8f8', // 3 truncated
      '[1,2]', // 4
      JSON.stringify({ signal_type: 'pdq' }), // 5 missing value
      JSON.stringify({ signal_type: 'raw_text', value: 'hello' }), // 6 unknown type
      JSON.stringify({ signal_type: 'sha256', value: SHA, metadata: 'x' }), // 7 bad metadata
      '', // 8
    ].join('\r\n');
    const rs = await parse(file, 'jsonl');
    expect(bad(rs)).toEqual([3, 4, 5, 6, 7]);
    expect(good(rs)).toEqual([
      {
        ok: true,
        line: 1,
        entry: { signalType: 'pdq', value: PDQ, sourceId: '7', metadata: { tag: 'x' } },
      },
      {
        ok: true,
        line: 2,
        entry: { signalType: 'md5', value: MD5, note: 'n', metadata: { a: [1] } },
      },
    ]);
  });
});

describe('formatBankFile', () => {
  const hex = (n: number): fc.Arbitrary<string> =>
    fc
      .array(fc.integer({ min: 0, max: 15 }), { minLength: n, maxLength: n })
      .map((ds) => ds.map((d) => d.toString(16)).join(''));
  const text = fc.option(
    fc.string({ maxLength: 12 }).filter((s) => s.length > 0 && !s.includes('\u0000')),
    {
      nil: null,
    },
  );
  const entry: fc.Arbitrary<BankEntry> = fc
    .record({
      signalType: fc.constantFrom('pdq' as const, 'md5' as const, 'sha256' as const),
      h64: hex(64),
      sourceId: text,
      classification: text,
      note: text,
      metadata: fc.dictionary(
        fc.string({ minLength: 1, maxLength: 5 }).filter((k) => !['__proto__'].includes(k)),
        fc.oneof(fc.string({ maxLength: 5 }), fc.integer()),
        { maxKeys: 2 },
      ),
    })
    .map((r) => ({
      id: 1,
      bankId: 1,
      signalType: r.signalType,
      value: r.signalType === 'md5' ? r.h64.slice(0, 32) : r.h64,
      sourceId: r.sourceId,
      classification: r.classification,
      note: r.note,
      metadata: r.metadata,
      enabled: true,
      addedAt: '2026-01-01T00:00:00.000Z',
    }));

  it('round-trips through the parser in every format', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 8 }), async (entries) => {
        for (const format of ['text', 'csv', 'jsonl'] as const) {
          const out = (await collect(formatBankFile([entries], format))).join('');
          const rs = await parse(out, format, 13);
          expect(bad(rs)).toEqual([]);
          const got = rs.map((r) => (r.ok ? r.entry : undefined));
          expect(got).toEqual(
            entries.map((e) => {
              const full = format !== 'text';
              const meta =
                full && Object.keys(e.metadata).length > 0 ? { metadata: e.metadata } : {};
              // CSV keeps empty strings as absent; JSON keeps them.
              const keep = (v: string | null): v is string =>
                full && v !== null && (format === 'jsonl' || v !== '');
              return {
                signalType: e.signalType,
                value: e.value,
                ...(keep(e.sourceId) ? { sourceId: e.sourceId } : {}),
                ...(keep(e.classification) ? { classification: e.classification } : {}),
                ...(keep(e.note) ? { note: e.note } : {}),
                ...meta,
              };
            }),
          );
        }
      }),
      { numRuns: 150 },
    );
  });

  it('skips disabled entries', async () => {
    const e: BankEntry = {
      id: 1,
      bankId: 1,
      signalType: 'md5',
      value: MD5,
      sourceId: null,
      classification: null,
      note: null,
      metadata: {},
      enabled: false,
      addedAt: '',
    };
    expect((await collect(formatBankFile([[e, { ...e, enabled: true }]], 'text'))).join('')).toBe(
      `md5 ${MD5}\n`,
    );
  });

  it('detects formats from file names', () => {
    expect(formatFromFileName('a/b.CSV')).toBe('csv');
    expect(formatFromFileName('x.ndjson')).toBe('jsonl');
    expect(formatFromFileName('hashes.txt')).toBe('text');
    expect(formatFromFileName('dir.d/hashes')).toBeUndefined();
  });
});
