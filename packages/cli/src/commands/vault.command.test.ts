import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServerConfig, openVault } from '@lifeguard/server';
import { VaultKeyring } from '@lifeguard/store';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { captureIo } from '../testing/capture-io.js';

describe('lifeguard vault', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lg-vault-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const config = loadServerConfig({ env: {}, overrides: { dataDir: dir } });
  const run = async (...args: string[]): Promise<{ code: number; out: string; err: string }> => {
    const io = captureIo();
    const code = await main(['vault', ...args, '--data-dir', dir], io);
    return { code, out: io.out(), err: io.err() };
  };

  it('rotates the master key, re-wraps every blob, retires the old key, and verifies', async () => {
    const vault = openVault(config, () => undefined);
    const oldId = vault.keyring.currentKeyId;
    for (const k of ['evidence/1/a', 'evidence/1/b', 'media/c']) {
      await vault.put(k, Buffer.from(`bytes of ${k}`));
    }
    let r = await run('keys');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${oldId} (current)\t3 blobs`);

    r = await run('rotate', '--retire');
    expect(r.code).toBe(0);
    const newId = VaultKeyring.readFile(join(dir, 'vault.key')).currentKeyId;
    expect(newId).not.toBe(oldId);
    expect(r.out).toContain('re-wrapped 3 of 3 blobs');
    expect(r.out).toContain(`retired key ${oldId}`);
    const ring = VaultKeyring.readFile(join(dir, 'vault.key'));
    expect(ring.list().map((k) => k.id)).toEqual([newId]);
    // The already-open vault picks the new key up from the file.
    expect(Buffer.from((await vault.get('evidence/1/a'))!).toString()).toBe(
      'bytes of evidence/1/a',
    );

    r = await run('verify');
    expect([r.code, r.out.trim().split('\n').pop()]).toEqual([0, '3 blobs verified, 0 failed']);

    const file = join(dir, 'blobs', 'evidence', '1', 'b.lgv');
    const raw = readFileSync(file);
    raw[raw.length - 1] = raw[raw.length - 1]! ^ 0x01;
    writeFileSync(file, raw);
    r = await run('verify', '--prefix', 'evidence/');
    expect(r.code).toBe(1);
    expect(r.out).toContain('FAIL evidence/1/b: LG_ERR_INTEGRITY');
    expect(r.out).toContain('1 blobs verified, 1 failed');
  });

  it('keygen prints a fresh 32-byte base64 key; unknown sub-commands are usage errors', async () => {
    const io = captureIo();
    expect(await main(['vault', 'keygen'], io)).toBe(0);
    expect(Buffer.from(io.out().trim(), 'base64')).toHaveLength(32);
    expect((await run('explode')).code).toBe(2);
  });
});
