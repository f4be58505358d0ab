import { timingSafeEqual } from 'node:crypto';
import { ErrorCodes, LifeguardError, type Role } from '@lifeguard/core';
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { ServerContext } from '../server.context.js';
import { hasScope, type Scope } from './api-key.service.js';
import type { KeyPrincipal, Principal, UserPrincipal } from './principal.model.js';
import { csrfTokenFor } from './user.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller (set by {@link requireScope} / {@link requireAccess}). */
    principal?: Principal;
  }
}

/** Name of the session cookie (HttpOnly, SameSite=Strict, Path=/). */
export const SESSION_COOKIE = 'lg_session';
/** Header the console sends on mutating requests with the session's CSRF token. */
export const CSRF_HEADER = 'x-lifeguard-csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function bearerOf(request: FastifyRequest): string | undefined | null {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}

async function keyPrincipal(
  ctx: ServerContext,
  reply: FastifyReply,
  bearer: string | null | undefined,
): Promise<KeyPrincipal> {
  if (bearer === undefined || bearer === null) {
    void reply.header('www-authenticate', 'Bearer realm="lifeguard"');
    throw new LifeguardError(ErrorCodes.UNAUTHORIZED, 'missing bearer API key');
  }
  try {
    return await ctx.keys.verify(bearer);
  } catch (e) {
    void reply.header('www-authenticate', 'Bearer realm="lifeguard", error="invalid_token"');
    throw e;
  }
}

function takeToken(ctx: ServerContext, who: string, what: string): void {
  const wait = ctx.buckets.take(who);
  if (wait > 0) {
    throw new LifeguardError(ErrorCodes.RATE_LIMITED, `rate limit exceeded for this ${what}`, {
      retryAfterSeconds: wait,
    });
  }
}

/** The session token of the request's cookie, if any. */
export function sessionTokenOf(request: FastifyRequest): string | undefined {
  const v = request.cookies?.[SESSION_COOKIE];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/**
 * Authenticate the session cookie, or throw 401. Mutating methods must also carry the CSRF
 * token in {@link CSRF_HEADER} (403 otherwise): SameSite=Strict already keeps other sites'
 * requests from carrying the cookie in current browsers, and a header a cross-site form or
 * `fetch` cannot set without a CORS preflight (which this server never grants) covers older
 * ones — the OWASP CSRF cheat sheet's "custom request header" plus synchroniser token.
 */
async function userPrincipal(ctx: ServerContext, request: FastifyRequest): Promise<UserPrincipal> {
  const token = sessionTokenOf(request);
  const user = token === undefined ? undefined : await ctx.users.authenticate(token);
  if (!user || token === undefined) {
    throw new LifeguardError(ErrorCodes.UNAUTHORIZED, 'not logged in (or the session ended)');
  }
  if (!SAFE_METHODS.has(request.method)) {
    const sent = request.headers[CSRF_HEADER];
    const expected = Buffer.from(csrfTokenFor(token));
    const got = Buffer.from(typeof sent === 'string' ? sent : '');
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
      throw new LifeguardError(ErrorCodes.FORBIDDEN, `missing or invalid ${CSRF_HEADER} header`);
    }
  }
  return user;
}

/**
 * An `onRequest` hook that authenticates `Authorization: Bearer <key>` (RFC 6750), checks
 * `scope` and takes a rate-limit token for the key. Runs before the body is read, so an
 * unauthenticated client cannot make the server buffer an upload. 401 for a missing or
 * invalid key, 403 for a missing scope, 429 with `Retry-After` when the key's bucket is empty.
 * Machine-facing routes use this: a console session is not accepted.
 */
export function requireScope(ctx: ServerContext, scope: Scope): onRequestAsyncHookHandler {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const principal = await keyPrincipal(ctx, reply, bearerOf(request));
    request.principal = principal;
    takeToken(ctx, principal.keyId, 'API key');
    if (!hasScope(principal, scope)) {
      throw new LifeguardError(ErrorCodes.FORBIDDEN, `this API key lacks the '${scope}' scope`, {
        scope,
      });
    }
  };
}

/** Who may use a route reachable by both machines and people. */
export interface AccessRule {
  /** Scope an API key needs; without it, API keys are refused. */
  readonly scope?: Scope;
  /** Roles of which a session user needs one; without it, any logged-in user may. */
  readonly roles?: readonly Role[];
  /** Refuse API keys altogether (console-only routes). */
  readonly usersOnly?: boolean;
}

/**
 * An `onRequest` hook that accepts either a bearer API key with `rule.scope` or a console
 * session (cookie) whose user holds one of `rule.roles`. A bearer header wins when both are
 * sent. Sets `request.principal` to the union; handlers narrow on `principal.kind`.
 */
export function requireAccess(ctx: ServerContext, rule: AccessRule): onRequestAsyncHookHandler {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const bearer = bearerOf(request);
    if (bearer !== undefined || sessionTokenOf(request) === undefined) {
      if (rule.usersOnly || rule.scope === undefined) {
        if (bearer !== undefined) {
          throw new LifeguardError(ErrorCodes.FORBIDDEN, 'this route is for console users');
        }
        throw new LifeguardError(ErrorCodes.UNAUTHORIZED, 'not logged in');
      }
      const principal = await keyPrincipal(ctx, reply, bearer);
      request.principal = principal;
      takeToken(ctx, principal.keyId, 'API key');
      if (!hasScope(principal, rule.scope)) {
        throw new LifeguardError(
          ErrorCodes.FORBIDDEN,
          `this API key lacks the '${rule.scope}' scope`,
          { scope: rule.scope },
        );
      }
      return;
    }
    const user = await userPrincipal(ctx, request);
    request.principal = user;
    takeToken(ctx, `user:${user.userId}`, 'user');
    if (rule.roles !== undefined && !rule.roles.some((r) => user.roles.includes(r))) {
      throw new LifeguardError(
        ErrorCodes.FORBIDDEN,
        `this needs one of the roles ${rule.roles.join(', ')}`,
        { roles: rule.roles },
      );
    }
  };
}

/** The request's key principal (routes behind {@link requireScope}); throws if absent. */
export function keyOf(request: FastifyRequest): KeyPrincipal {
  const p = request.principal;
  if (p?.kind !== 'key') throw new LifeguardError(ErrorCodes.UNAUTHORIZED, 'API key required');
  return p;
}

/** The request's session user (routes behind {@link requireAccess}); throws if absent. */
export function userOf(request: FastifyRequest): UserPrincipal {
  const p = request.principal;
  if (p?.kind !== 'user') throw new LifeguardError(ErrorCodes.UNAUTHORIZED, 'not logged in');
  return p;
}
