/**
 * Where media bytes and evidence live. Keys are opaque strings chosen by the caller
 * (e.g. `media/<sha256>`, `evidence/<caseId>/<itemId>`); values are immutable once written.
 *
 * Every adapter records the SHA-256 of the bytes at `put` and checks it on `get`: a read of
 * tampered or corrupted bytes throws `LG_ERR_INTEGRITY` instead of returning them. Adapters
 * that encrypt at rest (the evidence vault) do so below this interface: callers see plain
 * bytes. Implemented in `@lifeguard/store` (local filesystem; S3-compatible).
 */
export interface BlobStore {
  /**
   * Store `bytes` under `key`. Writing the same bytes to an existing key is a no-op that
   * returns the existing info; writing different bytes to an existing key throws
   * `LG_ERR_CONFLICT` (blobs are immutable).
   */
  put(key: string, bytes: Uint8Array, meta?: BlobPutOptions): Promise<BlobInfo>;
  /** The bytes under `key`, integrity-checked; undefined when there is none. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Metadata of `key` without reading the bytes; undefined when there is none. */
  head(key: string): Promise<BlobInfo | undefined>;
  /**
   * Remove `key`. Returns false when it did not exist. Refuses (`LG_ERR_CONFLICT`) while the
   * blob is under a hold that has not expired, unless `force` is given by a purge that has
   * checked policy itself.
   */
  delete(key: string, opts?: { readonly force?: boolean }): Promise<boolean>;
  /** Keys under a prefix, in key order (for purge jobs and exports). */
  list(prefix: string): AsyncIterable<BlobInfo>;
}

/** Options of {@link BlobStore.put}. */
export interface BlobPutOptions {
  /** Media type of the bytes, e.g. `image/jpeg`. */
  readonly contentType?: string;
  /** Do not delete before this instant (epoch ms): legal hold / retention. */
  readonly holdUntil?: number;
}

/** What a {@link BlobStore} knows about one blob. */
export interface BlobInfo {
  /** The key. */
  readonly key: string;
  /** Size of the plain bytes. */
  readonly size: number;
  /** SHA-256 of the plain bytes, lowercase hex, recorded at `put`. */
  readonly sha256: string;
  /** Media type given at `put`, if any. */
  readonly contentType?: string;
  /** Creation time, epoch ms. */
  readonly createdAt: number;
  /** Hold expiry, epoch ms, if any. */
  readonly holdUntil?: number;
}
