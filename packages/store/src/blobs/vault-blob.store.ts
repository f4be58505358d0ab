import {
  ErrorCodes,
  LifeguardError,
  type BlobInfo,
  type BlobPutOptions,
  type BlobStore,
} from '@lifeguard/core';
import type { ObjectBackend } from './object.backend.js';
import {
  MAX_HEADER_BYTES,
  infoOf,
  open,
  readHeader,
  rewrap,
  seal,
} from './vault-envelope.codec.js';
import type { VaultKeyring } from './vault.keyring.js';

/** Longest blob key accepted. */
export const MAX_BLOB_KEY_LENGTH = 512;
/** Longest content type accepted. */
export const MAX_CONTENT_TYPE_LENGTH = 255;
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Throw `LG_ERR_INVALID_ARGUMENT` unless `key` is a valid blob key: `/`-separated segments
 * of letters, digits, `.`, `_` and `-`, each starting with a letter or digit (so no `..`,
 * no hidden names, no absolute paths), at most {@link MAX_BLOB_KEY_LENGTH} characters.
 */
export function assertBlobKey(key: string): void {
  if (
    typeof key !== 'string' ||
    key.length === 0 ||
    key.length > MAX_BLOB_KEY_LENGTH ||
    !key.split('/').every((s) => SEGMENT.test(s))
  ) {
    throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, 'invalid blob key', {
      key: typeof key === 'string' ? key.slice(0, 80) : typeof key,
    });
  }
}

/** Options of {@link VaultBlobStore}. */
export interface VaultBlobStoreOptions {
  /** Clock, epoch ms (tests). */
  readonly now?: () => number;
}

/** Progress of {@link VaultBlobStore.rewrapAll}. */
export interface RewrapProgress {
  /** Blobs looked at. */
  readonly scanned: number;
  /** Blobs re-wrapped under the current key. */
  readonly rewrapped: number;
}

/**
 * The encrypted, integrity-checked {@link BlobStore} of the evidence vault, over any
 * {@link ObjectBackend} (local filesystem by default, S3-compatible for scale). Every blob is
 * sealed with its own AES-256-GCM data key wrapped by the keyring's current master key
 * (see vault-envelope.codec.ts); every read authenticates and re-hashes the bytes.
 */
export class VaultBlobStore implements BlobStore {
  private readonly now: () => number;

  /**
   * @param backend where sealed objects live
   * @param keyring master keys
   * @param opts clock
   */
  constructor(
    readonly backend: ObjectBackend,
    readonly keyring: VaultKeyring,
    opts: VaultBlobStoreOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  async put(key: string, bytes: Uint8Array, meta: BlobPutOptions = {}): Promise<BlobInfo> {
    assertBlobKey(key);
    if (meta.contentType !== undefined && meta.contentType.length > MAX_CONTENT_TYPE_LENGTH) {
      throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, 'content type is too long', {
        max: MAX_CONTENT_TYPE_LENGTH,
      });
    }
    if (meta.holdUntil !== undefined && !Number.isSafeInteger(meta.holdUntil)) {
      throw new LifeguardError(ErrorCodes.INVALID_ARGUMENT, 'holdUntil must be epoch ms');
    }
    const { object, info } = seal(this.keyring, {
      key,
      bytes,
      contentType: meta.contentType,
      createdAt: this.now(),
      holdUntil: meta.holdUntil,
    });
    if (await this.backend.createIfAbsent(key, object)) return info;
    // Taken: the same bytes are a no-op (a longer hold extends the existing one); different
    // bytes are a conflict, because blobs are immutable.
    const existing = await this.backend.read(key);
    if (existing === undefined) {
      // Deleted between our attempt and the read: try once more.
      if (await this.backend.createIfAbsent(key, object)) return info;
      throw new LifeguardError(ErrorCodes.CONFLICT, `blob ${key} is being written concurrently`);
    }
    const { header } = readHeader(key, existing);
    if (header.sha256 !== info.sha256 || header.size !== info.size) {
      throw new LifeguardError(
        ErrorCodes.CONFLICT,
        `blob ${key} already exists with different content (blobs are immutable)`,
        { key },
      );
    }
    if (meta.holdUntil !== undefined && meta.holdUntil > (header.holdUntil ?? -Infinity)) {
      const next = rewrap(this.keyring, key, existing, { holdUntil: meta.holdUntil });
      if (next) {
        await this.backend.replace(key, next);
        return infoOf(readHeader(key, next).header);
      }
    }
    return infoOf(header);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    assertBlobKey(key);
    const object = await this.backend.read(key);
    if (object === undefined) return undefined;
    return open(this.keyring, key, object).bytes;
  }

  async head(key: string): Promise<BlobInfo | undefined> {
    assertBlobKey(key);
    const head = await this.backend.readHead(key, MAX_HEADER_BYTES + 8);
    if (head === undefined) return undefined;
    return infoOf(readHeader(key, head).header);
  }

  async delete(key: string, opts: { readonly force?: boolean } = {}): Promise<boolean> {
    assertBlobKey(key);
    if (!opts.force) {
      const info = await this.head(key);
      if (info === undefined) return false;
      if (info.holdUntil !== undefined && info.holdUntil > this.now()) {
        throw new LifeguardError(
          ErrorCodes.CONFLICT,
          `blob ${key} is under a hold until ${new Date(info.holdUntil).toISOString()}`,
          { key, holdUntil: info.holdUntil },
        );
      }
    }
    return this.backend.remove(key);
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    for await (const name of this.backend.list(prefix)) {
      const info = await this.head(name);
      if (info) yield info;
    }
  }

  /**
   * Read `key` and check it without returning the bytes (the `vault verify` command).
   * Throws like {@link get}; false when there is no such blob.
   */
  async verify(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  /**
   * Re-wrap every blob under `prefix` whose data key is wrapped by an older master key, so
   * that key can be retired. Content is not re-encrypted: only each header is rewritten.
   * Idempotent and resumable: blobs already under the current key are skipped.
   */
  async rewrapAll(prefix = '', onProgress?: (p: RewrapProgress) => void): Promise<RewrapProgress> {
    let scanned = 0;
    let rewrapped = 0;
    for await (const name of this.backend.list(prefix)) {
      scanned++;
      const head = await this.backend.readHead(name, MAX_HEADER_BYTES + 8);
      if (head !== undefined && readHeader(name, head).header.kid !== this.keyring.currentKeyId) {
        const object = await this.backend.read(name);
        const next = object === undefined ? undefined : rewrap(this.keyring, name, object);
        if (next) {
          await this.backend.replace(name, next);
          rewrapped++;
        }
      }
      onProgress?.({ scanned, rewrapped });
    }
    return { scanned, rewrapped };
  }

  /** How many blobs under `prefix` each master key id wraps (to know when one can retire). */
  async keyUsage(prefix = ''): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for await (const name of this.backend.list(prefix)) {
      const head = await this.backend.readHead(name, MAX_HEADER_BYTES + 8);
      if (head === undefined) continue;
      const kid = readHeader(name, head).header.kid;
      out.set(kid, (out.get(kid) ?? 0) + 1);
    }
    return out;
  }
}
