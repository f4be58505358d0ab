/**
 * Raw object storage under the vault (filesystem, S3-compatible). Backends move opaque
 * sealed objects; encryption, integrity and holds live once in {@link VaultBlobStore}.
 * Names are validated blob keys (see `assertBlobKey`).
 */
export interface ObjectBackend {
  /** Short name for messages (`fs`, `s3`). */
  readonly kind: string;
  /**
   * Store `object` under `name` if nothing is stored there yet, durably and atomically (a
   * reader sees the whole object or nothing). Returns false, writing nothing, when the name
   * is taken.
   */
  createIfAbsent(name: string, object: Uint8Array): Promise<boolean>;
  /** Replace the object under an existing `name` atomically (re-wrap, hold extension). */
  replace(name: string, object: Uint8Array): Promise<void>;
  /** The whole object, or undefined. */
  read(name: string): Promise<Uint8Array | undefined>;
  /** At most the first `maxBytes` bytes of the object (for headers), or undefined. */
  readHead(name: string, maxBytes: number): Promise<Uint8Array | undefined>;
  /** Delete; false when there was nothing. */
  remove(name: string): Promise<boolean>;
  /** Names starting with `prefix`, in ascending order. */
  list(prefix: string): AsyncIterable<string>;
}
