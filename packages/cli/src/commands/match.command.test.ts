import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashImageFile } from '@lifeguard/media';
import { createStore } from '@lifeguard/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { captureIo, type CapturedIo } from '../testing/capture-io.js';

// A benign reference image from Meta's PDQ test data (shared/pdq, beside the checkout).
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const PDQ_DATA = process.env.LIFEGUARD_PDQ_DATA ?? resolve(repoRoot, '../shared/pdq');
const IMAGE = join(PDQ_DATA, 'images/pdq-data/bridge-mods/aaa-orig.jpg');

/** Flip the first `bits` bits (one per hex digit) of a 64-hex PDQ hash. */
function flip(hex: string, bits: number): string {
  return [...hex].map((c, i) => (i < bits ? (parseInt(c, 16) ^ 1).toString(16) : c)).join('');
}

/** Every bit flipped: distance 256 from `hex`. */
function invert(hex: string): string {
  return [...hex].map((c) => (parseInt(c, 16) ^ 15).toString(16)).join('');
}

const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

describe('lifeguard match', () => {
  let dir: string;
  let pdq: string;
  let fileMd5: string;
  beforeEach(async () => {
    expect(existsSync(IMAGE), `reference image missing: ${IMAGE}`).toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'lg-cli-match-'));
    const h = await hashImageFile(IMAGE);
    pdq = h.pdq;
    fileMd5 = h.md5;
    const store = await createStore({ dataDir: dir });
    const known = await store.createBank({
      name: 'known',
      labels: ['test'],
      maxMatchesPerLookup: 2,
    });
    await store.addEntries(known.id, [
      { signalType: 'pdq', value: flip(pdq, 4), classification: 'A1' },
      { signalType: 'pdq', value: flip(pdq, 6) },
      { signalType: 'pdq', value: flip(pdq, 8) },
      { signalType: 'md5', value: MD5 },
    ]);
    const exact = await store.createBank({ name: 'exact', pdqThreshold: 0 });
    await store.addEntries(exact.id, [
      { signalType: 'pdq', value: flip(pdq, 1) },
      { signalType: 'md5', value: fileMd5 },
    ]);
    await store.close();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = async (...args: string[]): Promise<{ code: number; io: CapturedIo }> => {
    const io = captureIo();
    const code = await main(['match', '--data-dir', dir, ...args], io);
    return { code, io };
  };

  it('hashes a file and prints every match with bank, entry, signal, distance and threshold', async () => {
    const r = await run(IMAGE);
    expect(r.code).toBe(0);
    const lines = r.io.out().trim().split('\n');
    expect(lines).toEqual([
      `${IMAGE}\tmatch\tbank=exact entry=6 signal=md5 distance=0 threshold=0`,
      `${IMAGE}\tmatch\tbank=known entry=1 signal=pdq distance=4 threshold=31 classification=A1 labels=test`,
      `${IMAGE}\tmatch\tbank=known entry=2 signal=pdq distance=6 threshold=31 labels=test`,
      `${IMAGE}\ttruncated\tbank=known omitted=1`,
    ]);
  });

  it('takes PDQ, MD5 and prefixed hashes, and reports bad inputs without stopping', async () => {
    const r = await run(
      flip(pdq, 1),
      MD5,
      `md5:${fileMd5.toUpperCase()}`,
      'sha256:abc',
      `sha256:${'0'.repeat(64)}`,
    );
    expect(r.code).toBe(1);
    expect(r.io.out().split('\n')).toEqual([
      `${flip(pdq, 1)}\tmatch\tbank=exact entry=5 signal=pdq distance=0 threshold=0`,
      `${flip(pdq, 1)}\tmatch\tbank=known entry=1 signal=pdq distance=3 threshold=31 classification=A1 labels=test`,
      `${flip(pdq, 1)}\tmatch\tbank=known entry=2 signal=pdq distance=5 threshold=31 labels=test`,
      `${flip(pdq, 1)}\ttruncated\tbank=known omitted=1`,
      `${MD5}\tmatch\tbank=known entry=4 signal=md5 distance=0 threshold=0 labels=test`,
      `md5:${fileMd5.toUpperCase()}\tmatch\tbank=exact entry=6 signal=md5 distance=0 threshold=0`,
      `sha256:${'0'.repeat(64)}\tno-match`,
      '',
    ]);
    expect(r.io.err()).toBe(
      'lifeguard match: sha256:abc: LG_ERR_INVALID_HASH: invalid sha256 hash: expected 64 hex digits\n',
    );
  });

  it('prints one JSON object per input and gates with --fail-on-match', async () => {
    const missing = join(dir, 'missing.jpg');
    const r = await run('--json', '--fail-on-match', MD5, missing, `pdq:${invert(pdq)}`);
    expect(r.code).toBe(3);
    const objs = r.io
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objs[0]).toMatchObject({
      input: MD5,
      kind: 'hash',
      query: { md5: MD5 },
      matches: [{ bankName: 'known', entryId: 4, signal: 'md5', distance: 0, threshold: 0 }],
      suppressed: [],
      truncated: [],
    });
    expect(objs[1]).toMatchObject({ input: missing, error: { code: 'LG_ERR_READ_FAILED' } });
    expect(objs[2]).toMatchObject({ kind: 'hash', matches: [] });
    expect((await run('--fail-on-match', `sha256:${'1'.repeat(64)}`)).code).toBe(0);
  });

  it('suppresses block matches when an allow bank matches', async () => {
    const store = await createStore({ dataDir: dir });
    const memes = await store.createBank({ name: 'memes', kind: 'allow', pdqThreshold: 10 });
    await store.addEntries(memes.id, [{ signalType: 'pdq', value: pdq }]);
    await store.close();
    const r = await run('--fail-on-match', pdq);
    expect(r.code).toBe(0); // an allow-bank match is not a match to gate on
    // known: 3 hits capped to 2 (both suppressed) + 1 omitted; exact: distance 1 > threshold 0.
    expect(
      r.io
        .out()
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => l.split('\t').slice(1, 2)[0]!),
    ).toEqual(['match', 'suppressed', 'suppressed', 'truncated']);
    expect(r.io.out()).toMatch(
      /\tmatch\tbank=memes entry=7 signal=pdq distance=0 threshold=10 kind=allow/,
    );
  });

  it('needs at least one input', async () => {
    const r = await run();
    expect(r.code).toBe(2);
    expect(r.io.err()).toMatch(/LG_ERR_INVALID_ARGUMENT: no PATH or HASH/);
  });
});
