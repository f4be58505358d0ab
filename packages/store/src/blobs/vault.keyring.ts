import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { ErrorCodes, LifeguardError } from '@lifeguard/core';

/** Length of a vault master key and of every per-blob data key: AES-256. */
export const VAULT_KEY_BYTES = 32;

/** One master key of a {@link VaultKeyring}. */
export interface VaultMasterKey {
  /** Key id: a fingerprint of the key (see {@link vaultKeyId}), stored in every blob header. */
  readonly id: string;
  /** When the key was created (ISO-8601), if known. */
  readonly createdAt?: string;
}

/** The key file written by {@link VaultKeyring.writeFile} (JSON, mode 0600). */
interface KeyFileJson {
  version: 1;
  current: string;
  keys: { id: string; key: string; createdAt: string }[];
}

function keyError(message: string, details: Record<string, unknown> = {}): LifeguardError {
  return new LifeguardError(ErrorCodes.VAULT_KEY, message, details);
}

/**
 * The id of a master key: the first 16 hex digits of SHA-256 over a domain tag and the key.
 * Derived, not chosen, so a wrong key can never pass for the right one, and two copies of the
 * same key always agree. 64 bits of a hash of a 256-bit random key reveal nothing usable.
 */
export function vaultKeyId(key: Uint8Array): string {
  return createHash('sha256')
    .update('lifeguard-vault-key-id\0')
    .update(key)
    .digest('hex')
    .slice(0, 16);
}

/** Parse one key as written by an operator: base64 (standard or url-safe) or 64 hex digits. */
export function parseVaultKey(text: string, where: string): Buffer {
  const t = text.trim();
  const buf = /^[0-9a-fA-F]{64}$/.test(t)
    ? Buffer.from(t, 'hex')
    : /^[A-Za-z0-9+/_-]+={0,2}$/.test(t)
      ? Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
      : undefined;
  if (buf?.length !== VAULT_KEY_BYTES) {
    // Never echo the value: it may be a real key with a typo.
    throw keyError(`${where}: a vault key must be ${VAULT_KEY_BYTES} bytes, base64 or hex`, {
      where,
    });
  }
  return buf;
}

/** A fresh random master key, base64 (what `lifeguard vault keygen` prints). */
export function generateVaultKey(): string {
  return randomBytes(VAULT_KEY_BYTES).toString('base64');
}

/**
 * The master keys of the evidence vault: one current key that wraps new data keys, and any
 * number of older keys kept so blobs sealed under them stay readable until `rewrap` moves
 * them to the current key. Keys come from `LIFEGUARD_VAULT_KEY` (comma-separated, current
 * first) or from a key file (JSON, mode 0600) that the server generates on first start.
 * Key material never leaves this object except through {@link writeFile}.
 */
export class VaultKeyring {
  private readonly keys = new Map<string, { key: Buffer; createdAt: string | undefined }>();
  private currentId: string;
  /** The key file this keyring was read from (re-read when an unknown key id is asked for). */
  private sourceFile: string | undefined;

  private constructor(entries: readonly { key: Buffer; createdAt?: string }[]) {
    for (const e of entries) {
      const id = vaultKeyId(e.key);
      if (!this.keys.has(id)) this.keys.set(id, { key: e.key, createdAt: e.createdAt });
    }
    const first = entries[0];
    if (!first) throw keyError('the vault keyring needs at least one key');
    this.currentId = vaultKeyId(first.key);
  }

  /** A keyring over keys given as bytes, the first current (tests, embedding). */
  static of(keys: readonly Uint8Array[]): VaultKeyring {
    return new VaultKeyring(keys.map((k) => ({ key: Buffer.from(k) })));
  }

  /**
   * Parse `LIFEGUARD_VAULT_KEY`: one or more keys (base64 or hex) separated by commas; the
   * first wraps new blobs, the others only unwrap old ones.
   */
  static fromEnv(value: string): VaultKeyring {
    const parts = value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    return new VaultKeyring(
      parts.map((p, i) => ({ key: parseVaultKey(p, `LIFEGUARD_VAULT_KEY[${i}]`) })),
    );
  }

  /** Read a key file written by {@link writeFile}. */
  static readFile(path: string): VaultKeyring {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new LifeguardError(
        ErrorCodes.VAULT_KEY,
        `cannot read the vault key file ${path}`,
        { path },
        { cause: e },
      );
    }
    const f = parsed as Partial<KeyFileJson>;
    if (f.version !== 1 || !Array.isArray(f.keys) || typeof f.current !== 'string') {
      throw keyError(`${path}: not a Lifeguard vault key file (version 1)`, { path });
    }
    const entries = f.keys.map((k, i) => {
      const key = parseVaultKey(String(k.key), `${path} keys[${i}]`);
      if (vaultKeyId(key) !== k.id) {
        throw keyError(`${path} keys[${i}]: id does not match the key`, { path, index: i });
      }
      return { key, createdAt: typeof k.createdAt === 'string' ? k.createdAt : undefined };
    });
    const cur = entries.findIndex((e) => vaultKeyId(e.key) === f.current);
    if (cur < 0) throw keyError(`${path}: current key ${f.current} is not in the file`, { path });
    const [current] = entries.splice(cur, 1);
    const ring = new VaultKeyring([current!, ...entries]);
    ring.sourceFile = path;
    return ring;
  }

  /**
   * Open the key file at `path`, or create it with one fresh key when it does not exist.
   * Returns whether it was created, so the caller can tell the operator to back it up.
   */
  static openOrCreateFile(path: string): { keyring: VaultKeyring; created: boolean } {
    let exists = true;
    try {
      statSync(path);
    } catch {
      exists = false;
    }
    if (exists) return { keyring: VaultKeyring.readFile(path), created: false };
    const keyring = new VaultKeyring([
      { key: randomBytes(VAULT_KEY_BYTES), createdAt: new Date().toISOString() },
    ]);
    try {
      keyring.writeFile(path, true);
    } catch (e) {
      // Another process created it between our stat and our link: use theirs.
      if (statSync(path, { throwIfNoEntry: false })) {
        return { keyring: VaultKeyring.readFile(path), created: false };
      }
      throw e;
    }
    keyring.sourceFile = path;
    return { keyring, created: true };
  }

  /** Id of the key that wraps new data keys. */
  get currentKeyId(): string {
    return this.currentId;
  }

  /** Every key id, current first. */
  list(): VaultMasterKey[] {
    const out: VaultMasterKey[] = [];
    for (const [id, k] of this.keys) {
      out.push(k.createdAt ? { id, createdAt: k.createdAt } : { id });
    }
    return out.sort((a, b) => (a.id === this.currentId ? -1 : b.id === this.currentId ? 1 : 0));
  }

  /** Whether the keyring can unwrap data keys sealed under `id`. */
  has(id: string): boolean {
    return this.keys.has(id);
  }

  /**
   * The key bytes for `id`; throws `LG_ERR_VAULT_KEY` when it is not configured (a blob
   * sealed under a key the operator has removed or never restored).
   */
  key(id: string): Buffer {
    let k = this.keys.get(id)?.key;
    if (!k && this.sourceFile !== undefined) {
      // `lifeguard vault rotate` may have added a key and re-wrapped blobs while this
      // process runs: pick up the file's keys (and its current key) instead of failing.
      this.reload();
      k = this.keys.get(id)?.key;
    }
    if (!k) {
      throw keyError(
        `vault key ${id} is not configured: restore it (key file or LIFEGUARD_VAULT_KEY) to read blobs sealed under it`,
        { keyId: id },
      );
    }
    return k;
  }

  /** Merge the keys of the source file into this keyring and adopt its current key. */
  private reload(): void {
    let fresh: VaultKeyring;
    try {
      fresh = VaultKeyring.readFile(this.sourceFile!);
    } catch {
      return; // The caller reports the missing key; a broken file is not this read's story.
    }
    for (const [id, k] of fresh.keys) if (!this.keys.has(id)) this.keys.set(id, k);
    this.currentId = fresh.currentId;
  }

  /** Add a fresh random key and make it current; older keys stay for reading. Returns its id. */
  rotate(): string {
    const key = randomBytes(VAULT_KEY_BYTES);
    const id = vaultKeyId(key);
    this.keys.set(id, { key, createdAt: new Date().toISOString() });
    this.currentId = id;
    return id;
  }

  /** Forget a key that no blob uses any more (never the current one). */
  retire(id: string): void {
    if (id === this.currentId) throw keyError('the current vault key cannot be retired');
    if (!this.keys.delete(id)) throw keyError(`vault key ${id} is not in the keyring`);
  }

  /**
   * Write the keyring to `path` atomically (temp file, fsync, rename) with mode 0600, in a
   * 0700 directory created if missing. `exclusive`: fail if the file already exists.
   */
  writeFile(path: string, exclusive = false): void {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const json: KeyFileJson = {
      version: 1,
      current: this.currentId,
      keys: [...this.keys].map(([id, k]) => ({
        id,
        key: k.key.toString('base64'),
        createdAt: k.createdAt ?? new Date(0).toISOString(),
      })),
    };
    const tmp = join(dirname(path), `.${randomBytes(6).toString('hex')}.vault-key.tmp`);
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(json, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (exclusive) {
      // link() fails if the name exists: two servers starting at once cannot both create it.
      try {
        linkSync(tmp, path);
      } catch (e) {
        throw new LifeguardError(
          ErrorCodes.VAULT_KEY,
          `vault key file ${path} already exists or cannot be created`,
          { path },
          { cause: e },
        );
      } finally {
        unlinkSync(tmp);
      }
    } else {
      renameSync(tmp, path);
    }
    chmodSync(path, 0o600);
    const dfd = openSync(dirname(path), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  }
}
