/** Test-only: an in-memory {@link BlobStore} with the port's integrity and immutability rules. */
import { createHash } from 'node:crypto';
import {
  ErrorCodes,
  LifeguardError,
  type BlobInfo,
  type BlobPutOptions,
  type BlobStore,
} from '@lifeguard/core';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Blobs in a map; `corrupt(key)` flips a byte to exercise integrity checks. */
export class MemoryBlobStore implements BlobStore {
  private readonly blobs = new Map<string, { bytes: Uint8Array; info: BlobInfo }>();

  /** {@inheritDoc BlobStore.put} */
  put(key: string, bytes: Uint8Array, meta: BlobPutOptions = {}): Promise<BlobInfo> {
    const existing = this.blobs.get(key);
    const digest = sha(bytes);
    if (existing) {
      if (existing.info.sha256 !== digest) {
        return Promise.reject(new LifeguardError(ErrorCodes.CONFLICT, `blob '${key}' exists`));
      }
      return Promise.resolve(existing.info);
    }
    const info: BlobInfo = {
      key,
      size: bytes.length,
      sha256: digest,
      createdAt: Date.now(),
      ...(meta.contentType ? { contentType: meta.contentType } : {}),
      ...(meta.holdUntil !== undefined ? { holdUntil: meta.holdUntil } : {}),
    };
    this.blobs.set(key, { bytes: Uint8Array.from(bytes), info });
    return Promise.resolve(info);
  }

  /** {@inheritDoc BlobStore.get} */
  get(key: string): Promise<Uint8Array | undefined> {
    const b = this.blobs.get(key);
    if (!b) return Promise.resolve(undefined);
    if (sha(b.bytes) !== b.info.sha256) {
      return Promise.reject(new LifeguardError(ErrorCodes.INTEGRITY, `blob '${key}' is corrupt`));
    }
    return Promise.resolve(Uint8Array.from(b.bytes));
  }

  /** {@inheritDoc BlobStore.head} */
  head(key: string): Promise<BlobInfo | undefined> {
    return Promise.resolve(this.blobs.get(key)?.info);
  }

  /** {@inheritDoc BlobStore.delete} */
  delete(key: string): Promise<boolean> {
    return Promise.resolve(this.blobs.delete(key));
  }

  /** {@inheritDoc BlobStore.list} */
  async *list(prefix: string): AsyncIterable<BlobInfo> {
    await Promise.resolve();
    for (const k of [...this.blobs.keys()].sort()) {
      if (k.startsWith(prefix)) yield this.blobs.get(k)!.info;
    }
  }

  /** Flip one byte of a stored blob (tamper test). */
  corrupt(key: string): void {
    const b = this.blobs.get(key);
    if (b && b.bytes.length > 0) b.bytes[0]! ^= 0xff;
  }
}
