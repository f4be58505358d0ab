import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { captureIo, type CapturedIo } from '../testing/capture-io.js';

const PDQ = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
const PDQ2 = '0007001f003f003f007f00ff00ff00ff01ff01ff01ff03ff03ff03ff03ff03ff';
const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

describe('lifeguard bank', () => {
  let dir: string;
  let dataDir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lg-cli-bank-'));
    dataDir = join(dir, 'data');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = async (...args: string[]): Promise<{ code: number; io: CapturedIo }> => {
    const io = captureIo();
    const code = await main([...args, '--data-dir', dataDir], io);
    return { code, io };
  };
  const file = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('creates and lists banks with settings and entry counts', async () => {
    let r = await run(
      'bank',
      'create',
      'known',
      '--threshold',
      '20',
      '--labels',
      'a, b',
      '--max-matches',
      '5',
    );
    expect(r.code).toBe(0);
    expect(r.io.out()).toMatch(/created block bank 'known' \(id 1, threshold 20/);
    r = await run('bank', 'create', 'memes', '--kind', 'allow', '--quality-floor', '70');
    expect(r.code).toBe(0);
    r = await run('bank', 'create', 'known');
    expect(r.code).toBe(2);
    expect(r.io.err()).toMatch(/LG_ERR_CONFLICT/);
    r = await run('bank', 'create', 'x', '--kind', 'maybe');
    expect(r.io.err()).toMatch(/LG_ERR_INVALID_ARGUMENT: --kind/);
    r = await run('bank', 'create', 'x', '--threshold', 'lots');
    expect(r.io.err()).toMatch(/LG_ERR_INVALID_ARGUMENT: --threshold must be a number/);

    await run('bank', 'import', 'known', file('a.txt', `pdq ${PDQ}\nmd5 ${MD5}\n`));
    r = await run('bank', 'list', '--json');
    const banks = JSON.parse(r.io.out()) as {
      name: string;
      kind: string;
      pdqThreshold: number;
      labels: string[];
      maxMatchesPerLookup: number;
      qualityFloor: number;
      entries: { total: number; enabled: number };
    }[];
    expect(
      banks.map((b) => [
        b.name,
        b.kind,
        b.pdqThreshold,
        b.qualityFloor,
        b.maxMatchesPerLookup,
        b.labels,
        b.entries,
      ]),
    ).toEqual([
      ['known', 'block', 20, 50, 5, ['a', 'b'], { total: 2, enabled: 2 }],
      ['memes', 'allow', 31, 70, 100, [], { total: 0, enabled: 0 }],
    ]);
    r = await run('bank', 'disable', 'known');
    expect(r.io.out()).toBe("bank 'known' disabled\n");
    r = await run('bank', 'list');
    expect(r.io.out().split('\n')[1]).toMatch(
      /^1\s+known\s+block\s+no\s+20\s+50\s+5\s+1\s+2\/2\s+a,b$/,
    );
    await run('bank', 'enable', 'known');
    r = await run('bank', 'list');
    expect(r.io.out().split('\n')[1]).toMatch(/^1\s+known\s+block\s+yes/);
  });

  it('imports a malformed file reporting exactly the bad lines, idempotently', async () => {
    await run('bank', 'create', 'b');
    const path = file(
      'bad.txt',
      '\ufeff' +
        [
          `pdq ${PDQ}`, // 1
          `pdq ${PDQ.slice(0, 62)}`, // 2 wrong length
          `md5 ${MD5.slice(0, 31)}q`, // 3 bad hex
          `tmk ${MD5}`, // 4 unknown type
          '', // 5
          '# a comment', // 6
          `md5 ${MD5}`, // 7
          'pdq', // 8 truncated
        ].join('\r\n'),
    );
    let r = await run('bank', 'import', 'b', path);
    expect(r.code).toBe(1);
    expect(r.io.out()).toBe(
      [
        "imported into bank 'b' (text): 2 added, 0 duplicates, 4 invalid",
        '  line 2: pdq value has 62 hex characters, expected 64',
        '  line 3: md5 value is not hex',
        "  line 4: unknown signal type 'tmk'",
        "  line 8: expected '<signal_type> <value>', got one field",
        '',
      ].join('\n'),
    );
    r = await run('bank', 'import', 'b', path, '--json');
    expect(JSON.parse(r.io.out())).toMatchObject({ added: 0, duplicates: 2, invalid: 4 });
    r = await run('bank', 'import', 'b', path, '--strict');
    expect(r.code).toBe(2);
    expect(r.io.err()).toMatch(/LG_ERR_INVALID_IMPORT_LINE: line 2: /);
  });

  it('strict import writes nothing when a line is bad', async () => {
    await run('bank', 'create', 'b');
    const r = await run(
      'bank',
      'import',
      'b',
      file('x.csv', `signal_type,value\npdq,${PDQ}\nmd5,nope\n`),
      '--strict',
    );
    expect(r.code).toBe(2);
    expect(r.io.err()).toMatch(/LG_ERR_INVALID_IMPORT_LINE: line 3/);
    const list = await run('bank', 'list', '--json');
    expect((JSON.parse(list.io.out()) as { entries: unknown }[])[0]!.entries).toEqual({
      total: 0,
      enabled: 0,
    });
  });

  it('exports every format and re-imports it unchanged', async () => {
    await run('bank', 'create', 'src');
    const csv = file(
      'in.csv',
      `signal_type,value,source_id,classification,note,program\npdq,${PDQ},S1,A1,"hello, world",p\nmd5,${MD5},,,,\npdq,${PDQ2},,B2,,\n`,
    );
    expect((await run('bank', 'import', 'src', csv)).code).toBe(0);
    for (const format of ['text', 'csv', 'jsonl'] as const) {
      const r = await run('bank', 'export', 'src', '--format', format);
      expect(r.code).toBe(0);
      const out = join(dir, `out.${format === 'text' ? 'txt' : format}`);
      expect((await run('bank', 'export', 'src', '--out', out)).code).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe(r.io.out());
      await run('bank', 'create', `copy-${format}`);
      const imp = await run('bank', 'import', `copy-${format}`, out, '--json');
      expect(JSON.parse(imp.io.out())).toMatchObject({ added: 3, invalid: 0 });
      const again = await run('bank', 'export', `copy-${format}`, '--format', format);
      expect(again.io.out()).toBe(r.io.out());
    }
    const jsonl = (await run('bank', 'export', 'src', '--format', 'jsonl')).io
      .out()
      .trim()
      .split('\n');
    expect(JSON.parse(jsonl[0]!)).toEqual({
      signal_type: 'pdq',
      value: PDQ,
      source_id: 'S1',
      classification: 'A1',
      note: 'hello, world',
      metadata: { program: 'p' },
    });
  });

  it('reports usage and missing things with LG_ERR codes', async () => {
    let r = await run('bank', 'frobnicate');
    expect(r.code).toBe(2);
    expect(r.io.err()).toMatch(/LG_ERR_INVALID_ARGUMENT: unknown sub-command 'frobnicate'/);
    r = await run('bank', 'import', 'nope', file('a.txt', ''));
    expect(r.io.err()).toMatch(/LG_ERR_NOT_FOUND: bank 'nope' does not exist/);
    await run('bank', 'create', 'b');
    r = await run('bank', 'import', 'b', join(dir, 'missing.txt'));
    expect(r.io.err()).toMatch(/LG_ERR_READ_FAILED/);
    r = await run('bank', 'import', 'b', file('hashes.bin', ''));
    expect(r.io.err()).toMatch(/LG_ERR_INVALID_ARGUMENT: cannot tell the format/);
    r = await run('bank', 'export', 'b', '--format', 'xml');
    expect(r.io.err()).toMatch(/LG_ERR_INVALID_ARGUMENT: --format/);
    r = await run('bank', 'list', '--bogus');
    expect(r.code).toBe(2);
    expect(r.io.err()).toMatch(/LG_ERR_INVALID_ARGUMENT/);
  });
});
