import { ROLES } from '@lifeguard/core';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { requireAccess, SESSION_COOKIE, sessionTokenOf, userOf } from '../auth/auth.hook.js';
import { csrfTokenFor } from '../auth/user.service.js';
import { ERROR_RESPONSES, PROBLEM_RESPONSE } from '../http/schemas.js';
import type { ServerContext } from '../server.context.js';
import { assertJsonBody } from './scan.routes.js';

/** A console user as the API shows it (never a password hash or TOTP secret). */
export const USER_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'username', 'roles', 'disabled', 'totpEnabled', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    username: { type: 'string' },
    roles: { type: 'array', items: { type: 'string', enum: [...ROLES] } },
    disabled: { type: 'boolean' },
    totpEnabled: { type: 'boolean' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    passwordChangedAt: { type: 'string' },
  },
} as const;

const SESSION_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['user', 'csrf'],
  properties: {
    user: USER_SCHEMA,
    csrf: {
      type: 'string',
      description: 'Send back in the X-Lifeguard-CSRF header on every POST/PATCH/PUT/DELETE',
    },
    expiresAt: { type: 'integer', description: 'Absolute session expiry, epoch ms' },
  },
} as const;

const SESSION_SECURITY: { [k: string]: string[] }[] = [{ session: [] }];

function clearCookie(reply: FastifyReply, secure: boolean): void {
  void reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure });
}

/**
 * Console login and the logged-in user's own settings: `POST /v1/auth/login` sets an
 * HttpOnly, SameSite=Strict session cookie (Secure when `auth.cookieSecure`) and returns the
 * CSRF token; logout, me, password change and TOTP enrolment need that session.
 */
export function authRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const session = requireAccess(ctx, { usersOnly: true });
  const secure = ctx.config.auth.cookieSecure;

  app.post(
    '/v1/auth/login',
    {
      schema: {
        summary: 'Log in to the console (sets the session cookie)',
        description:
          'Wrong username, password or code all answer 401 LG_ERR_LOGIN_FAILED. When the ' +
          'password is right but the user has TOTP and no code was sent, the 401 carries ' +
          '`details.totpRequired: true`: send the same request again with `totp`. Repeated ' +
          'failures lock the username (and the client address) out for a while (429).',
        tags: ['auth'],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['username', 'password'],
          properties: {
            username: { type: 'string', minLength: 1, maxLength: 200 },
            password: { type: 'string', minLength: 1, maxLength: 1024 },
            totp: { type: 'string', maxLength: 10 },
          },
        },
        response: { 200: SESSION_SCHEMA, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      // JSON only: a cross-site HTML form cannot send it, so no one can log a victim in to an
      // account of the attacker's choosing (login CSRF).
      assertJsonBody(request.headers['content-type'], request.body);
      const b = request.body as { username: string; password: string; totp?: string };
      const r = await ctx.users.login({ ...b, ip: request.ip });
      void reply.setCookie(SESSION_COOKIE, r.token, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure,
        expires: new Date(r.expiresAt),
      });
      return { user: r.user, csrf: r.csrf, expiresAt: r.expiresAt };
    },
  );

  app.post(
    '/v1/auth/logout',
    {
      onRequest: session,
      schema: {
        summary: 'End this console session',
        tags: ['auth'],
        security: SESSION_SECURITY,
        response: { 204: { type: 'null', description: 'Logged out' }, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const u = userOf(request);
      await ctx.users.logout(u.sessionHash);
      await ctx.users.events.loggedOut?.(u);
      clearCookie(reply, secure);
      return reply.code(204).send();
    },
  );

  app.get(
    '/v1/auth/me',
    {
      onRequest: session,
      schema: {
        summary: 'The logged-in user and the session CSRF token',
        tags: ['auth'],
        security: SESSION_SECURITY,
        response: { 200: SESSION_SCHEMA, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const u = userOf(request);
      return { user: await ctx.users.get(u.userId), csrf: csrfTokenFor(sessionTokenOf(request)!) };
    },
  );

  app.post(
    '/v1/auth/password',
    {
      onRequest: session,
      schema: {
        summary: 'Change your own password (ends your other sessions)',
        tags: ['auth'],
        security: SESSION_SECURITY,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['current', 'password'],
          properties: {
            current: { type: 'string', minLength: 1, maxLength: 1024 },
            password: { type: 'string', minLength: 1, maxLength: 1024 },
          },
        },
        response: { 200: USER_SCHEMA, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      assertJsonBody(request.headers['content-type'], request.body);
      const u = userOf(request);
      const b = request.body as { current: string; password: string };
      const r = await ctx.users.setPassword(u.userId, b.password, {
        current: b.current,
        keep: u.sessionHash,
      });
      await ctx.users.events.changed?.(u, r, 'password_change');
      return r;
    },
  );

  app.post(
    '/v1/auth/totp/enrol',
    {
      onRequest: session,
      schema: {
        summary: 'Start TOTP enrolment: returns the secret and its otpauth:// URI',
        description: 'TOTP is required at login only after POST /v1/auth/totp/confirm.',
        tags: ['auth'],
        security: SESSION_SECURITY,
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['secret', 'uri'],
            properties: { secret: { type: 'string' }, uri: { type: 'string' } },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => ctx.users.enrolTotp(userOf(request).userId),
  );

  app.post(
    '/v1/auth/totp/confirm',
    {
      onRequest: session,
      schema: {
        summary: 'Confirm TOTP enrolment with a current code; from now on login needs a code',
        tags: ['auth'],
        security: SESSION_SECURITY,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['code'],
          properties: { code: { type: 'string', minLength: 6, maxLength: 10 } },
        },
        response: { 200: USER_SCHEMA, ...ERROR_RESPONSES, 409: PROBLEM_RESPONSE },
      },
    },
    async (request) => {
      assertJsonBody(request.headers['content-type'], request.body);
      const u = userOf(request);
      const r = await ctx.users.confirmTotp(u.userId, (request.body as { code: string }).code);
      await ctx.users.events.changed?.(u, r, 'totp_enabled');
      return r;
    },
  );
}
