import { randomBytes } from 'node:crypto';
import { isLifeguardError } from '@lifeguard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectBackend } from './object.backend.js';
import { VaultBlobStore } from './vault-blob.store.js';
import { sha256Hex } from './vault-envelope.codec.js';
import { VaultKeyring } from './vault.keyring.js';

/** How the contract suite gets a backend: a fresh, empty one per suite. */
export interface BackendHarness {
  /** An empty backend. */
  readonly backend: ObjectBackend;
  /** Release it. */
  cleanup(): Promise<void>;
  /**
   * Whether two concurrent creates of one name with different objects are guaranteed to
   * let exactly one win (true for the filesystem; for S3 it needs `If-None-Match` support).
   */
  readonly atomicCreate: boolean;
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return isLifeguardError(e) ? e.code : String(e);
  }
}

/** Flip one bit of the stored object at `pos` (negative: from the end), through the backend. */
async function flip(backend: ObjectBackend, name: string, pos: number): Promise<void> {
  const raw = Buffer.from((await backend.read(name))!);
  const i = pos < 0 ? raw.length + pos : pos;
  raw[i] = raw[i]! ^ 0x01;
  await backend.replace(name, raw);
}

/**
 * The {@link VaultBlobStore} contract, run on every {@link ObjectBackend}: round trip,
 * immutability, tamper detection, wrong key, rotation, holds, concurrent puts.
 */
export function blobStoreContract(name: string, makeHarness: () => Promise<BackendHarness>): void {
  describe(`VaultBlobStore on ${name}`, () => {
    let h: BackendHarness;
    let now = Date.UTC(2026, 10, 25);
    const clock = (): number => now;
    const keyA = randomBytes(32);
    const keyB = randomBytes(32);
    let store: VaultBlobStore;

    beforeAll(async () => {
      h = await makeHarness();
      store = new VaultBlobStore(h.backend, VaultKeyring.of([keyA]), { now: clock });
    });
    afterAll(async () => {
      await h.cleanup();
    });

    it('round-trips bytes with metadata; stored bytes are not the plain bytes', async () => {
      const bytes = randomBytes(70_000);
      const info = await store.put('rt/one', bytes, { contentType: 'image/jpeg' });
      expect(info).toEqual({
        key: 'rt/one',
        size: bytes.length,
        sha256: sha256Hex(bytes),
        contentType: 'image/jpeg',
        createdAt: now,
      });
      expect(Buffer.from((await store.get('rt/one'))!).equals(bytes)).toBe(true);
      expect(await store.head('rt/one')).toEqual(info);
      const raw = Buffer.from((await h.backend.read('rt/one'))!);
      expect(raw.includes(bytes.subarray(0, 64))).toBe(false);
      // Empty blobs are fine too.
      await store.put('rt/empty', new Uint8Array(0));
      expect((await store.get('rt/empty'))!.length).toBe(0);
      expect(await store.get('rt/missing')).toBeUndefined();
      expect(await store.head('rt/missing')).toBeUndefined();
    });

    it('lists by prefix in key order', async () => {
      for (const k of ['ls/b/2', 'ls/a', 'ls/b/1', 'ls/ab', 'lsx/c']) {
        await store.put(k, Buffer.from(k));
      }
      const keys: string[] = [];
      for await (const i of store.list('ls/')) keys.push(i.key);
      expect(keys).toEqual(['ls/a', 'ls/ab', 'ls/b/1', 'ls/b/2']);
      const partial: string[] = [];
      for await (const i of store.list('ls/a')) partial.push(i.key);
      expect(partial).toEqual(['ls/a', 'ls/ab']);
    });

    it('is immutable: same bytes are a no-op, different bytes a conflict', async () => {
      const first = await store.put('imm/x', Buffer.from('one'));
      now += 1000;
      expect(await store.put('imm/x', Buffer.from('one'))).toEqual(first);
      expect(await codeOf(store.put('imm/x', Buffer.from('two')))).toBe('LG_ERR_CONFLICT');
      expect(Buffer.from((await store.get('imm/x'))!).toString()).toBe('one');
    });

    it('refuses keys that could escape the store', async () => {
      for (const k of ['', '../x', 'a/../b', '/abs', 'a//b', '.hidden', 'a/.tmp/x', 'sp ace']) {
        expect(await codeOf(store.put(k, Buffer.from('x')))).toBe('LG_ERR_INVALID_ARGUMENT');
      }
    });

    it('detects one flipped byte anywhere: content, tag, wrapped key, metadata', async () => {
      const bytes = randomBytes(4096);
      // Content (last byte), the magic, inside the header JSON (the size digits), and a
      // swap of objects between keys.
      await store.put('tamper/content', bytes);
      await flip(h.backend, 'tamper/content', -1);
      expect(await codeOf(store.get('tamper/content'))).toBe('LG_ERR_INTEGRITY');

      await store.put('tamper/magic', bytes);
      await flip(h.backend, 'tamper/magic', 0);
      expect(await codeOf(store.get('tamper/magic'))).toBe('LG_ERR_INTEGRITY');

      await store.put('tamper/meta', bytes, { contentType: 'image/png' });
      const raw = Buffer.from((await h.backend.read('tamper/meta'))!);
      const at = raw.indexOf('image/png');
      raw[at] = 'j'.charCodeAt(0); // image/png -> jmage/png: metadata is authenticated
      await h.backend.replace('tamper/meta', raw);
      expect(await codeOf(store.get('tamper/meta'))).toBe('LG_ERR_INTEGRITY');

      await store.put('tamper/wrap', bytes);
      const w = Buffer.from((await h.backend.read('tamper/wrap'))!);
      const ct = w.indexOf('"ct":"') + 8;
      w[ct] = w[ct] === 0x41 ? 0x42 : 0x41; // one base64 digit of the wrapped data key
      await h.backend.replace('tamper/wrap', w);
      expect(await codeOf(store.get('tamper/wrap'))).toBe('LG_ERR_INTEGRITY');

      await store.put('tamper/a', Buffer.from('aaa'));
      await store.put('tamper/b', Buffer.from('bbb'));
      await h.backend.replace('tamper/b', (await h.backend.read('tamper/a'))!);
      expect(await codeOf(store.get('tamper/b'))).toBe('LG_ERR_INTEGRITY');
    });

    it('refuses to read with the wrong master key (LG_ERR_VAULT_KEY), never returns bytes', async () => {
      await store.put('wk/x', Buffer.from('secret-ish'));
      const other = new VaultBlobStore(h.backend, VaultKeyring.of([keyB]), { now: clock });
      expect(await codeOf(other.get('wk/x'))).toBe('LG_ERR_VAULT_KEY');
      // Metadata stays readable without the key (purge jobs can run on it).
      expect((await other.head('wk/x'))?.size).toBe(10);
    });

    it('rotates: re-wrap moves data keys to the new master key without re-encrypting', async () => {
      const bytes = randomBytes(10_000);
      await store.put('rot/1', bytes);
      await store.put('rot/2', Buffer.from('two'));
      const before = Buffer.from((await h.backend.read('rot/1'))!);
      const ring = VaultKeyring.of([keyA]);
      const newId = ring.rotate();
      const rotated = new VaultBlobStore(h.backend, ring, { now: clock });
      // Old blobs stay readable under the old key id while it is kept.
      expect(Buffer.from((await rotated.get('rot/1'))!).equals(bytes)).toBe(true);
      expect((await rotated.keyUsage('rot/')).get(newId)).toBeUndefined();
      const seen: number[] = [];
      const p = await rotated.rewrapAll('rot/', (x) => seen.push(x.scanned));
      expect(p).toEqual({ scanned: 2, rewrapped: 2 });
      expect(seen).toEqual([1, 2]);
      expect([...(await rotated.keyUsage('rot/'))]).toEqual([[newId, 2]]);
      // The ciphertext is unchanged: only the header was rewritten.
      const after = Buffer.from((await h.backend.read('rot/1'))!);
      expect(
        after.subarray(after.length - 10_000).equals(before.subarray(before.length - 10_000)),
      ).toBe(true);
      // Idempotent.
      expect(await rotated.rewrapAll('rot/')).toEqual({ scanned: 2, rewrapped: 0 });
      // The old key can go; reads work with the new key alone, and the old key alone fails.
      ring.retire(VaultKeyring.of([keyA]).currentKeyId);
      expect(Buffer.from((await rotated.get('rot/1'))!).equals(bytes)).toBe(true);
      expect(await codeOf(store.get('rot/1'))).toBe('LG_ERR_VAULT_KEY');
    });

    it('enforces holds on delete; force overrides; a re-put extends a hold', async () => {
      const until = now + 365 * 86_400_000;
      await store.put('hold/x', Buffer.from('x'), { holdUntil: until });
      expect(await codeOf(store.delete('hold/x'))).toBe('LG_ERR_CONFLICT');
      const longer = until + 86_400_000;
      expect((await store.put('hold/x', Buffer.from('x'), { holdUntil: longer })).holdUntil).toBe(
        longer,
      );
      // A shorter hold never shortens it.
      expect((await store.put('hold/x', Buffer.from('x'), { holdUntil: now })).holdUntil).toBe(
        longer,
      );
      expect(Buffer.from((await store.get('hold/x'))!).toString()).toBe('x');
      now = longer + 1;
      expect(await store.delete('hold/x')).toBe(true);
      expect(await store.delete('hold/x')).toBe(false);
      await store.put('hold/y', Buffer.from('y'), { holdUntil: now + 1000 });
      expect(await store.delete('hold/y', { force: true })).toBe(true);
      expect(await store.get('hold/y')).toBeUndefined();
    });

    it('concurrent puts of the same key: one object, identical answers', async () => {
      const bytes = randomBytes(50_000);
      const infos = await Promise.all(
        Array.from({ length: 16 }, () => store.put('conc/same', bytes)),
      );
      for (const i of infos) expect(i.sha256).toBe(sha256Hex(bytes));
      expect(Buffer.from((await store.get('conc/same'))!).equals(bytes)).toBe(true);
      const keys: string[] = [];
      for await (const i of store.list('conc/')) keys.push(i.key);
      expect(keys).toEqual(['conc/same']);
    });

    it('concurrent puts of different bytes to one key: exactly one wins', async (t) => {
      if (!h.atomicCreate) t.skip();
      const variants = Array.from({ length: 12 }, (_, i) => Buffer.from(`variant-${i}`));
      const results = await Promise.allSettled(variants.map((b) => store.put('conc/diff', b)));
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected')
          expect(isLifeguardError(r.reason, 'LG_ERR_CONFLICT')).toBe(true);
      }
      const stored = Buffer.from((await store.get('conc/diff'))!).toString();
      expect((won[0] as PromiseFulfilledResult<{ sha256: string }>).value.sha256).toBe(
        sha256Hex(Buffer.from(stored)),
      );
    });
  });
}
