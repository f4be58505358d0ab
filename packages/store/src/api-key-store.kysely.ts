import { ErrorCodes, LifeguardError } from '@lifeguard/core';
import type { Kysely } from 'kysely';
import type { Database } from './database.model.js';

/** Row of `lg_api_keys` (migration `0002_server`). */
export interface ApiKeysTable {
  /** Public key id (the non-secret prefix of the key). */
  key_id: string;
  /** Lowercase hex SHA-256 of the whole secret key. */
  secret_sha256: string;
  /** Human label. */
  name: string;
  /** JSON array of scope strings. */
  scopes: string;
  /** ISO-8601 creation time. */
  created_at: string;
  /** ISO-8601 revocation time, or null while the key is valid. */
  revoked_at: string | null;
  /** ISO-8601 time of the last authenticated request (coarse; see `touch`). */
  last_used_at: string | null;
}

/** An API key as stored (never the secret). */
export interface ApiKeyRecord {
  /** Public key id. */
  readonly keyId: string;
  /** Human label. */
  readonly name: string;
  /** Granted scopes. */
  readonly scopes: readonly string[];
  /** ISO-8601 creation time. */
  readonly createdAt: string;
  /** ISO-8601 revocation time, or null. */
  readonly revokedAt: string | null;
  /** ISO-8601 last use, or null. */
  readonly lastUsedAt: string | null;
}

type Db = Kysely<Database & { lg_api_keys: ApiKeysTable }>;

function toRecord(r: ApiKeysTable): ApiKeyRecord {
  return {
    keyId: r.key_id,
    name: r.name,
    scopes: JSON.parse(r.scopes) as string[],
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
    lastUsedAt: r.last_used_at,
  };
}

/**
 * API keys in the Lifeguard database. Only the SHA-256 of each secret is stored. A slow
 * password hash (bcrypt, scrypt) exists to make guessing low-entropy passwords expensive;
 * the server's keys carry 256 bits from the CSPRNG, so no guess can succeed and one fast
 * hash is enough (the same reasoning GitHub and Stripe apply to their tokens). It also keeps
 * the per-request check cheap.
 */
export class KyselyApiKeyStore {
  private readonly db: Db;

  /** @param db the store's Kysely instance (see `KyselyBankStore.kysely`) */
  constructor(db: Kysely<Database>) {
    this.db = db.withTables<{ lg_api_keys: ApiKeysTable }>();
  }

  /** Insert a key. Throws `LG_ERR_CONFLICT` if the id or hash exists. */
  async create(key: {
    keyId: string;
    secretSha256: string;
    name: string;
    scopes: readonly string[];
  }): Promise<ApiKeyRecord> {
    const row: ApiKeysTable = {
      key_id: key.keyId,
      secret_sha256: key.secretSha256,
      name: key.name,
      scopes: JSON.stringify(key.scopes),
      created_at: new Date().toISOString(),
      revoked_at: null,
      last_used_at: null,
    };
    const exists = await this.db
      .selectFrom('lg_api_keys')
      .select('key_id')
      .where((eb) =>
        eb.or([eb('key_id', '=', key.keyId), eb('secret_sha256', '=', key.secretSha256)]),
      )
      .executeTakeFirst();
    if (exists) throw new LifeguardError(ErrorCodes.CONFLICT, 'API key already exists');
    await this.db.insertInto('lg_api_keys').values(row).execute();
    return toRecord(row);
  }

  /** The valid (not revoked) key whose secret hashes to `secretSha256`, or undefined. */
  async findActiveByHash(secretSha256: string): Promise<ApiKeyRecord | undefined> {
    const r = await this.db
      .selectFrom('lg_api_keys')
      .selectAll()
      .where('secret_sha256', '=', secretSha256)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return r ? toRecord(r) : undefined;
  }

  /** Every key, oldest first. */
  async list(): Promise<ApiKeyRecord[]> {
    const rows = await this.db
      .selectFrom('lg_api_keys')
      .selectAll()
      .orderBy('created_at')
      .execute();
    return rows.map(toRecord);
  }

  /** Number of valid (not revoked) keys holding `scope`. */
  async countActiveWithScope(scope: string): Promise<number> {
    const rows = await this.db
      .selectFrom('lg_api_keys')
      .select('scopes')
      .where('revoked_at', 'is', null)
      .execute();
    return rows.filter((r) => (JSON.parse(r.scopes) as string[]).includes(scope)).length;
  }

  /** Revoke a key. Returns the updated record; throws `LG_ERR_NOT_FOUND`. Idempotent. */
  async revoke(keyId: string): Promise<ApiKeyRecord> {
    await this.db
      .updateTable('lg_api_keys')
      .set({ revoked_at: new Date().toISOString() })
      .where('key_id', '=', keyId)
      .where('revoked_at', 'is', null)
      .execute();
    const r = await this.db
      .selectFrom('lg_api_keys')
      .selectAll()
      .where('key_id', '=', keyId)
      .executeTakeFirst();
    if (!r) throw new LifeguardError(ErrorCodes.NOT_FOUND, `API key '${keyId}' not found`);
    return toRecord(r);
  }

  /** Record a use of the key (callers throttle this; it is informational). */
  async touch(keyId: string): Promise<void> {
    await this.db
      .updateTable('lg_api_keys')
      .set({ last_used_at: new Date().toISOString() })
      .where('key_id', '=', keyId)
      .execute();
  }
}
