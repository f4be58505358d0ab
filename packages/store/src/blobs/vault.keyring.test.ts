import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLifeguardError } from '@lifeguard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { vaultKeyId, VaultKeyring } from './vault.keyring.js';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    return isLifeguardError(e) ? e.code : String(e);
  }
}

describe('VaultKeyring', () => {
  const dirs: string[] = [];
  const tmp = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'lg-keyring-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('parses LIFEGUARD_VAULT_KEY: base64 or hex, current first, old keys readable', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    const ring = VaultKeyring.fromEnv(`${a.toString('base64')}, ${b.toString('hex')}`);
    expect(ring.currentKeyId).toBe(vaultKeyId(a));
    expect(ring.has(vaultKeyId(b))).toBe(true);
    expect(ring.key(vaultKeyId(b)).equals(b)).toBe(true);
    expect(ring.list().map((k) => k.id)).toEqual([vaultKeyId(a), vaultKeyId(b)]);
  });

  it('refuses malformed keys without echoing them', () => {
    for (const bad of ['', 'short', randomBytes(16).toString('base64'), 'zz'.repeat(32)]) {
      let msg = '';
      try {
        VaultKeyring.fromEnv(bad);
      } catch (e) {
        expect(isLifeguardError(e, 'LG_ERR_VAULT_KEY')).toBe(true);
        msg = (e as Error).message;
      }
      expect(msg).not.toBe('');
      if (bad.length > 4) expect(msg).not.toContain(bad);
    }
    expect(codeOf(() => VaultKeyring.of([]).currentKeyId)).toBe('LG_ERR_VAULT_KEY');
  });

  it('creates a 0600 key file once, then reads the same key back', () => {
    const file = join(tmp(), 'sub', 'vault.key');
    const first = VaultKeyring.openOrCreateFile(file);
    expect(first.created).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = VaultKeyring.openOrCreateFile(file);
    expect(again.created).toBe(false);
    expect(again.keyring.currentKeyId).toBe(first.keyring.currentKeyId);
  });

  it('rotates: the new key is current, the old one stays until retired; the file round-trips', () => {
    const file = join(tmp(), 'vault.key');
    const { keyring } = VaultKeyring.openOrCreateFile(file);
    const old = keyring.currentKeyId;
    const next = keyring.rotate();
    expect(keyring.currentKeyId).toBe(next);
    keyring.writeFile(file);
    const read = VaultKeyring.readFile(file);
    expect(read.currentKeyId).toBe(next);
    expect(read.has(old)).toBe(true);
    expect(codeOf(() => read.retire(next))).toBe('LG_ERR_VAULT_KEY');
    read.retire(old);
    read.writeFile(file);
    expect(read.has(old)).toBe(false);
    expect(codeOf(() => read.key(old))).toBe('LG_ERR_VAULT_KEY');
  });

  it('rejects a key file whose id does not match its key, or whose current key is missing', () => {
    const file = join(tmp(), 'vault.key');
    VaultKeyring.openOrCreateFile(file);
    const json = JSON.parse(readFileSync(file, 'utf8')) as {
      current: string;
      keys: { id: string }[];
    };
    json.keys[0]!.id = '0000000000000000';
    writeFileSync(file, JSON.stringify(json));
    expect(codeOf(() => VaultKeyring.readFile(file))).toBe('LG_ERR_VAULT_KEY');
    writeFileSync(file, '{"version":1,"current":"x","keys":[]}');
    expect(codeOf(() => VaultKeyring.readFile(file))).toBe('LG_ERR_VAULT_KEY');
    writeFileSync(file, 'not json');
    expect(codeOf(() => VaultKeyring.readFile(file))).toBe('LG_ERR_VAULT_KEY');
  });

  it('a running process picks up a key added to its file by another (online rotation)', () => {
    const file = join(tmp(), 'vault.key');
    const running = VaultKeyring.openOrCreateFile(file).keyring;
    const cli = VaultKeyring.readFile(file);
    const next = cli.rotate();
    cli.writeFile(file);
    expect(running.key(next).equals(cli.key(next))).toBe(true);
    expect(running.currentKeyId).toBe(next);
  });
});
