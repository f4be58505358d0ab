import type { Role } from '@lifeguard/core';

/** A caller authenticated by an API key (`Authorization: Bearer lg_…`). */
export interface KeyPrincipal {
  /** Discriminant. */
  readonly kind: 'key';
  /** Public key id. */
  readonly keyId: string;
  /** Scopes granted. */
  readonly scopes: readonly string[];
}

/** A person logged in to the console (session cookie). */
export interface UserPrincipal {
  /** Discriminant. */
  readonly kind: 'user';
  /** User id. */
  readonly userId: string;
  /** Login name. */
  readonly username: string;
  /** Roles. */
  readonly roles: readonly Role[];
  /** SHA-256 of the session id (identifies the session for logout, never the id itself). */
  readonly sessionHash: string;
}

/** The authenticated caller of a request: a machine with a key or a person with a session. */
export type Principal = KeyPrincipal | UserPrincipal;

/** A stable, log-safe name for the caller: `key:<keyId>` or `user:<userId>`. */
export function principalId(p: Principal): string {
  return p.kind === 'key' ? `key:${p.keyId}` : `user:${p.userId}`;
}
