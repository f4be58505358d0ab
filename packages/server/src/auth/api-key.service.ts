import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ErrorCodes, LifeguardError } from '@lifeguard/core';
import type { ApiKeyRecord, KyselyApiKeyStore } from '@lifeguard/store';
import type { KeyPrincipal, Principal } from './principal.model.js';

/**
 * Scopes an API key can hold. `admin` implies every other scope except `cases:child_safety`:
 * seeing the media of CSAM cases is granted on purpose, never by being an administrator.
 */
export const SCOPES = [
  'scan',
  'banks:read',
  'banks:write',
  'events:write',
  'risk:read',
  'feeds:read',
  'exchanges:write',
  'evidence:read',
  'reports:write',
  'cases:read',
  'cases:write',
  'cases:media',
  'cases:child_safety',
  'audit:read',
  'admin',
] as const;
/** The scope that makes a key act as a `child_safety_reviewer` (never implied by `admin`). */
export const CHILD_SAFETY_SCOPE = 'cases:child_safety';

/** One of {@link SCOPES}. */
export type Scope = (typeof SCOPES)[number];

/** SHA-256 of a secret key, lowercase hex (see {@link KyselyApiKeyStore} for why SHA-256). */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * True when `principal` is an API key that may perform an operation needing `scope`. Session
 * users hold roles, not scopes (see `requireAccess`), so this is false for them.
 */
export function hasScope(principal: Principal, scope: Scope): boolean {
  if (principal.kind !== 'key') return false;
  if (scope === CHILD_SAFETY_SCOPE) return principal.scopes.includes(scope);
  return principal.scopes.includes('admin') || principal.scopes.includes(scope);
}

/** A newly created key: the only moment the secret exists outside the caller's hands. */
export interface IssuedKey {
  /** The secret to hand to the client (`lg_<keyId>_<secret>`). */
  readonly key: string;
  /** The stored record. */
  readonly record: ApiKeyRecord;
}

/** Key ids are the part before the secret; a supplied admin key gets a derived id. */
function keyIdOf(key: string): string {
  const m = /^lg_([0-9a-f]{12})_/.exec(key);
  return m ? m[1]! : `env-${hashSecret(key).slice(0, 12)}`;
}

/**
 * Issues, verifies and revokes API keys. Verified keys are cached for `cacheMs` so that a
 * scan costs no database round trip; a revocation through this process clears the cache at
 * once, one through another process takes effect within `cacheMs`.
 */
export class ApiKeyService {
  private readonly cache = new Map<string, { principal: KeyPrincipal | null; until: number }>();
  private readonly lastTouch = new Map<string, number>();

  /**
   * @param store where keys live
   * @param cacheMs how long a verification result is reused (default 5 s)
   */
  constructor(
    private readonly store: KyselyApiKeyStore,
    private readonly cacheMs = 5000,
  ) {}

  /** Create a key with 256 bits of CSPRNG entropy. */
  async issue(name: string, scopes: readonly Scope[]): Promise<IssuedKey> {
    const keyId = randomBytes(6).toString('hex');
    const key = `lg_${keyId}_${randomBytes(32).toString('base64url')}`;
    const record = await this.store.create({ keyId, secretSha256: hashSecret(key), name, scopes });
    return { key, record };
  }

  /**
   * Make sure an admin key exists. With `configuredKey` (LIFEGUARD_ADMIN_KEY) that key is
   * installed if it is not yet; otherwise, when no admin key exists, one is generated and
   * returned so the caller can print it once. Returns undefined when nothing was generated.
   */
  async ensureAdmin(configuredKey: string | undefined): Promise<string | undefined> {
    if (configuredKey !== undefined) {
      const h = hashSecret(configuredKey);
      if (!(await this.store.findActiveByHash(h))) {
        try {
          await this.store.create({
            keyId: keyIdOf(configuredKey),
            secretSha256: h,
            name: 'admin (LIFEGUARD_ADMIN_KEY)',
            scopes: ['admin'],
          });
        } catch (e) {
          // Two processes starting together: the other one inserted it first.
          if (!(e instanceof LifeguardError && e.code === ErrorCodes.CONFLICT)) throw e;
        }
      }
      return undefined;
    }
    if ((await this.store.countActiveWithScope('admin')) > 0) return undefined;
    return (await this.issue('admin (first start)', ['admin'])).key;
  }

  /** The principal for a presented secret; throws `LG_ERR_UNAUTHORIZED`. */
  async verify(secret: string): Promise<KeyPrincipal> {
    const h = hashSecret(secret);
    const now = Date.now();
    const hit = this.cache.get(h);
    let principal: KeyPrincipal | null;
    if (hit && hit.until > now) {
      principal = hit.principal;
    } else {
      const rec = await this.store.findActiveByHash(h);
      // Lookup is by hash, so timing does not reveal how much of a guess matched; compare
      // again in constant time as defence in depth.
      principal =
        rec && timingSafeEqual(Buffer.from(h), Buffer.from(hashSecret(secret)))
          ? { kind: 'key' as const, keyId: rec.keyId, scopes: rec.scopes }
          : null;
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(h, { principal, until: now + this.cacheMs });
    }
    if (!principal) throw new LifeguardError(ErrorCodes.UNAUTHORIZED, 'invalid API key');
    this.touch(principal.keyId, now);
    return principal;
  }

  /** List keys (never secrets). */
  list(): Promise<ApiKeyRecord[]> {
    return this.store.list();
  }

  /** Revoke a key; effective at once in this process. */
  async revoke(keyId: string): Promise<ApiKeyRecord> {
    const r = await this.store.revoke(keyId);
    this.cache.clear();
    return r;
  }

  /** Record last use at most once a minute per key (a write per request would cost more than the scan). */
  private touch(keyId: string, now: number): void {
    const last = this.lastTouch.get(keyId) ?? 0;
    if (now - last < 60_000) return;
    this.lastTouch.set(keyId, now);
    this.store.touch(keyId).catch(() => undefined);
  }
}
