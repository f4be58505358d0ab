import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { captureIo } from '../testing/capture-io.js';

const pdqData =
  process.env.LIFEGUARD_PDQ_DATA ?? resolve(import.meta.dirname, '../../../../../shared/pdq');
const img = (p: string) => join(pdqData, 'images/pdq-data', p);
const expected = new Map(
  readFileSync(join(pdqData, 'expected/cpp-hashes-all-reference-images.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t'))
    .map(([p, h, q, , , d]) => [
      p!.split('/').pop()!,
      { hash: h!, quality: Number(q), dihedral: d!.split(',') },
    ]),
);
const bin = resolve(import.meta.dirname, '../../bin/lifeguard.js');

describe('lifeguard hash', () => {
  let dir: string;
  beforeAll(() => {
    // A directory of mixed good and bad files, with a sub-directory.
    dir = mkdtempSync(join(tmpdir(), 'lg-hash-'));
    mkdirSync(join(dir, 'sub'));
    copyFileSync(img('bridge-mods/aaa-orig.jpg'), join(dir, 'a.jpg'));
    copyFileSync(img('reg-test-input/pen-and-coaster.png'), join(dir, 'sub/b.png'));
    copyFileSync(img('misc-images/modes/L.png'), join(dir, 'sub/c.png'));
    writeFileSync(join(dir, 'empty.jpg'), '');
    writeFileSync(join(dir, 'notes.txt'), 'not an image at all, just text\n');
    const jpg = readFileSync(img('bridge-mods/aaa-orig.jpg'));
    writeFileSync(join(dir, 'truncated.jpg'), jpg.subarray(0, 5000));
  });

  it('prints the reference format for every good file and errors for the rest, exit 1', async () => {
    const io = captureIo();
    const code = await main(['hash', '--jobs', '1', dir], io);
    expect(code).toBe(1);
    const lines = io.out().trim().split('\n');
    expect(lines).toEqual([
      `${expected.get('aaa-orig.jpg')!.hash},100,${join(dir, 'a.jpg')}`,
      `${expected.get('pen-and-coaster.png')!.hash},${expected.get('pen-and-coaster.png')!.quality},${join(dir, 'sub/b.png')}`,
      `${expected.get('L.png')!.hash},100,${join(dir, 'sub/c.png')}`,
    ]);
    const errs = io.err().trim().split('\n').sort();
    expect(errs).toEqual(
      [
        `error,LG_ERR_CORRUPT_IMAGE,${join(dir, 'truncated.jpg')}: ${errs[0]!.split(': ').slice(1).join(': ')}`,
        `error,LG_ERR_EMPTY_INPUT,${join(dir, 'empty.jpg')}: input is empty (0 bytes)`,
        `error,LG_ERR_UNSUPPORTED_FORMAT,${join(dir, 'notes.txt')}: not a supported image format`,
      ].sort(),
    );
  });

  it('--json --dihedral gives every field, dihedral in reference order', async () => {
    const io = captureIo();
    expect(
      await main(
        [
          'hash',
          '--json',
          '--dihedral',
          '--jobs',
          '1',
          img('reg-test-input/dih/bridge-1-original.jpg'),
        ],
        io,
      ),
    ).toBe(0);
    const obj = JSON.parse(io.out()) as Record<string, unknown>;
    expect(Object.keys(obj)).toEqual(['path', 'pdq', 'quality', 'md5', 'sha256', 'dihedral']);
    expect(obj.pdq).toBe(expected.get('bridge-1-original.jpg')!.hash);
    expect(obj.dihedral).toEqual(expected.get('bridge-1-original.jpg')!.dihedral);
    expect(obj.md5).toMatch(/^[0-9a-f]{32}$/);
    expect(obj.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('runs in parallel worker threads from the compiled binary, same output in input order', async () => {
    const run = promisify(execFile);
    const seq = await run(process.execPath, [
      bin,
      'hash',
      '--jobs',
      '1',
      img('bridge-mods'),
      img('reg-test-input/dih'),
    ]).catch((e: { stdout: string }) => e);
    const par = await run(process.execPath, [
      bin,
      'hash',
      '--jobs',
      '2',
      img('bridge-mods'),
      img('reg-test-input/dih'),
    ]).catch((e: { stdout: string }) => e);
    expect(par.stdout.split('\n').length).toBeGreaterThan(15);
    expect(par.stdout).toBe(seq.stdout);
  });

  it('rejects bad options with a usage error (exit 2)', async () => {
    const io = captureIo();
    expect(await main(['hash', '--jobs', '0', dir], io)).toBe(2);
    expect(io.err()).toContain('LG_ERR_INVALID_ARGUMENT');
    const io2 = captureIo();
    expect(await main(['hash'], io2)).toBe(2);
    const io3 = captureIo();
    expect(await main(['hash', '--frobnicate', dir], io3)).toBe(2);
  });

  it('a missing path is reported, not fatal', async () => {
    const io = captureIo();
    expect(
      await main(
        ['hash', '--jobs', '1', join(dir, 'nope.png'), img('bridge-mods/aaa-orig.jpg')],
        io,
      ),
    ).toBe(1);
    expect(io.err()).toContain('error,LG_ERR_READ_FAILED');
    expect(io.out()).toContain(expected.get('aaa-orig.jpg')!.hash);
  });
});
