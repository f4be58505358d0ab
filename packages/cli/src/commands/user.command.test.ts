import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { captureIo, type CapturedIo } from '../testing/capture-io.js';

describe('lifeguard user', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lg-cli-user-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = async (
    input: string | undefined,
    ...args: string[]
  ): Promise<{ code: number; io: CapturedIo }> => {
    const cap = captureIo();
    const io = input === undefined ? cap : { ...cap, stdin: Readable.from([input]) };
    const code = await main([...args, '--data-dir', join(dir, 'data')], io);
    return { code, io: cap };
  };

  it('adds, lists, changes and disables users without ever printing a password', async () => {
    const pw = 'first admin pass 1';
    let r = await run(`${pw}\n`, 'user', 'add', 'Admin', '--role', 'admin', '--password-stdin');
    expect(r.code).toBe(0);
    expect(r.io.out()).toBe("created user 'admin' (admin)\n");
    r = await run(
      'rev pass word 1\n',
      'user',
      'add',
      'rev',
      '--role',
      'reviewer,child_safety_reviewer',
      '--password-stdin',
    );
    expect(r.code).toBe(0);
    r = await run(undefined, 'user', 'list');
    expect(r.io.out()).toBe('admin\tadmin\nrev\treviewer,child_safety_reviewer\n');
    r = await run('short\n', 'user', 'add', 'x', '--role', 'reviewer', '--password-stdin');
    expect(r.code).toBe(2);
    expect(r.io.err()).toMatch(/LG_ERR_INVALID_ARGUMENT: password must be at least 10/);
    r = await run('x password 123\n', 'user', 'add', 'y', '--role', 'boss', '--password-stdin');
    expect(r.io.err()).toMatch(/unknown role 'boss'/);
    r = await run('another pass 1\n', 'user', 'passwd', 'rev', '--password-stdin');
    expect(r.code).toBe(0);
    r = await run(undefined, 'user', 'disable', 'rev');
    expect(r.io.out()).toBe("'rev' disabled\n");
    r = await run(undefined, 'user', 'disable', 'admin');
    expect(r.code).toBe(2);
    expect(r.io.err()).toMatch(/LG_ERR_CONFLICT: this is the last enabled admin/);
    r = await run(undefined, 'user', 'list', '--json');
    const list = JSON.parse(r.io.out()) as { username: string; disabled: boolean }[];
    expect(list.map((u) => [u.username, u.disabled])).toEqual([
      ['admin', false],
      ['rev', true],
    ]);
    const all = r.io.out() + r.io.err();
    expect(all).not.toMatch(/scrypt|pass word|another pass|first admin pass/);
  });

  it('refuses to ask for a password without a terminal, and unknown users', async () => {
    let r = await run('', 'user', 'add', 'z', '--role', 'reviewer');
    expect(r.code).toBe(2);
    expect(r.io.err()).toMatch(/--password-stdin/);
    r = await run(undefined, 'user', 'passwd', 'ghost', '--password-stdin');
    expect(r.code).toBe(2);
    expect(r.io.err()).toMatch(/LG_ERR_NOT_FOUND/);
    r = await run(undefined, 'user', 'frobnicate');
    expect(r.code).toBe(2);
  });
});
