import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { blobStoreContract } from './blob-store.contract.js';
import { FsObjectBackend } from './fs-object.backend.js';
import { VaultBlobStore } from './vault-blob.store.js';
import { VaultKeyring } from './vault.keyring.js';

blobStoreContract('the local filesystem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lg-blobs-'));
  return Promise.resolve({
    backend: new FsObjectBackend(dir),
    atomicCreate: true,
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  });
});

describe('FsObjectBackend files', () => {
  it('writes 0600 files, leaves no temp files, and a second process view sees the object', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lg-blobs-'));
    try {
      const store = new VaultBlobStore(
        new FsObjectBackend(dir),
        VaultKeyring.of([Buffer.alloc(32, 7)]),
      );
      await store.put('evidence/1/a', Buffer.from('hello'));
      const file = join(dir, 'evidence', '1', 'a.lgv');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readdirSync(join(dir, '.tmp'))).toEqual([]);
      const again = new VaultBlobStore(
        new FsObjectBackend(dir),
        VaultKeyring.of([Buffer.alloc(32, 7)]),
      );
      expect(Buffer.from((await again.get('evidence/1/a'))!).toString()).toBe('hello');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
