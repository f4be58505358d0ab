import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importBankFile, isLifeguardError, type ImportReport } from '@lifeguard/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KyselyBankStore } from './bank-store.kysely.js';
import { randomHex } from './bank-store.contract.js';
import { createStore } from './create-store.factory.js';

// The importer lives in core (pure), but is exercised here against the real SQLite store:
// idempotency and strict atomicity are properties of the two together.

const PDQ = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

const MALFORMED =
  '\ufeffpdq ' +
  PDQ +
  '\r\n' + // 1 ok (after BOM)
  'pdq ' +
  PDQ.slice(1) +
  '\r\n' + // 2 wrong length
  'md5 ' +
  MD5.replace('4', 'x') +
  '\r\n' + // 3 bad hex
  'photodna ' +
  MD5 +
  '\r\n' + // 4 unknown type
  'md5 ' +
  MD5 +
  '\r\n' + // 5 ok
  'pdq ' +
  PDQ +
  '\r\n' + // 6 duplicate of line 1
  'sha256\r\n'; // 7 truncated

describe('importBankFile with the SQLite store', () => {
  let dir: string;
  let store: KyselyBankStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lg-import-'));
    store = await createStore({ dataDir: dir });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const src = (text: string) => () => [new TextEncoder().encode(text)];

  it('imports the valid lines, reports exactly the bad ones, and is idempotent', async () => {
    const bank = await store.createBank({ name: 'b' });
    const first = await importBankFile(store, bank.id, src(MALFORMED), { format: 'text' });
    expect(first).toEqual({
      records: 3,
      added: 2,
      duplicates: 1,
      invalid: 4,
      invalidLines: [
        { line: 2, reason: expect.stringMatching(/63 hex characters/) as string },
        { line: 3, reason: expect.stringMatching(/not hex/) as string },
        { line: 4, reason: "unknown signal type 'photodna'" },
        { line: 7, reason: expect.stringMatching(/one field/) as string },
      ],
    });
    const second = await importBankFile(store, bank.id, src(MALFORMED), { format: 'text' });
    expect(second).toMatchObject({ records: 3, added: 0, duplicates: 3, invalid: 4 });
    expect(await store.countEntries(bank.id)).toEqual({ total: 2, enabled: 2 });
  });

  it('strict mode aborts on the first bad line and writes nothing', async () => {
    const bank = await store.createBank({ name: 'b' });
    const seq = await store.currentSeq();
    // The bad line comes after more than one batch of good lines.
    const lines = Array.from({ length: 30 }, () => `pdq ${randomHex(64)}`);
    lines.push('pdq nothex', `md5 ${MD5}`);
    const err: unknown = await importBankFile(store, bank.id, src(lines.join('\n')), {
      format: 'text',
      strict: true,
      batchSize: 10,
    }).catch((e: unknown) => e);
    expect(isLifeguardError(err, 'LG_ERR_INVALID_IMPORT_LINE')).toBe(true);
    expect((err as Error).message).toMatch(/^line 31: /);
    expect(await store.countEntries(bank.id)).toEqual({ total: 0, enabled: 0 });
    expect(await store.currentSeq()).toBe(seq);
    const ok = await importBankFile(store, bank.id, src(lines.slice(0, 30).join('\n')), {
      format: 'text',
      strict: true,
      batchSize: 10,
    });
    expect(ok).toMatchObject({ added: 30, invalid: 0 });
  });

  it('streams a large file in batches, listing only the first invalid lines but counting all', async () => {
    const bank = await store.createBank({ name: 'big' });
    const n = 20_000;
    function* chunks(): Generator<string> {
      for (let i = 0; i < n; i += 1000) {
        let s = '';
        for (let j = i; j < i + 1000; j++) {
          s += j % 100 === 99 ? `pdq bad${j}\n` : `pdq ${j.toString(16).padStart(64, '0')}\n`;
        }
        yield s;
      }
    }
    const progress: ImportReport[] = [];
    const r = await importBankFile(store, bank.id, chunks, {
      format: 'text',
      batchSize: 5000,
      maxReportedInvalid: 3,
      onProgress: (p) => progress.push(p),
    });
    expect(r).toMatchObject({ records: 19_800, added: 19_800, duplicates: 0, invalid: 200 });
    expect(r.invalidLines.map((l) => l.line)).toEqual([100, 200, 300]);
    expect(progress.map((p) => p.added)).toEqual([5000, 10_000, 15_000, 19_800]);
  });

  it('reports an unknown bank', async () => {
    const err: unknown = await importBankFile(store, 77, src(''), { format: 'csv' }).catch(
      (e: unknown) => e,
    );
    expect(isLifeguardError(err, 'LG_ERR_NOT_FOUND')).toBe(true);
  });
});
