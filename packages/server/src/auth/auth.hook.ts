import { ErrorCodes, LifeguardError } from '@lifeguard/core';
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { ServerContext } from '../server.context.js';
import { hasScope, type Principal, type Scope } from './api-key.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller (set by {@link requireScope}). */
    principal?: Principal;
  }
}

/**
 * An `onRequest` hook that authenticates `Authorization: Bearer <key>` (RFC 6750), checks
 * `scope` and takes a rate-limit token for the key. Runs before the body is read, so an
 * unauthenticated client cannot make the server buffer an upload. 401 for a missing or
 * invalid key, 403 for a missing scope, 429 with `Retry-After` when the key's bucket is empty.
 */
export function requireScope(ctx: ServerContext, scope: Scope): onRequestAsyncHookHandler {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization;
    const m = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) {
      void reply.header('www-authenticate', 'Bearer realm="lifeguard"');
      throw new LifeguardError(ErrorCodes.UNAUTHORIZED, 'missing bearer API key');
    }
    let principal: Principal;
    try {
      principal = await ctx.keys.verify(m[1]!);
    } catch (e) {
      void reply.header('www-authenticate', 'Bearer realm="lifeguard", error="invalid_token"');
      throw e;
    }
    request.principal = principal;
    const wait = ctx.buckets.take(principal.keyId);
    if (wait > 0) {
      throw new LifeguardError(ErrorCodes.RATE_LIMITED, 'rate limit exceeded for this API key', {
        retryAfterSeconds: wait,
      });
    }
    if (!hasScope(principal, scope)) {
      throw new LifeguardError(ErrorCodes.FORBIDDEN, `this API key lacks the '${scope}' scope`, {
        scope,
      });
    }
  };
}
