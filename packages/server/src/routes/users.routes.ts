import { ROLES } from '@lifeguard/core';
import type { FastifyInstance } from 'fastify';
import { requireAccess } from '../auth/auth.hook.js';
import { ERROR_RESPONSES, PROBLEM_RESPONSE } from '../http/schemas.js';
import type { ServerContext } from '../server.context.js';
import { USER_SCHEMA } from './auth.routes.js';
import { assertJsonBody } from './scan.routes.js';

const ID_PARAMS = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 100, description: 'id or username' },
  },
} as const;

const ROLES_SCHEMA = {
  type: 'array',
  minItems: 1,
  uniqueItems: true,
  items: { type: 'string', enum: [...ROLES] },
} as const;

const SECURITY: { [k: string]: string[] }[] = [{ session: [] }, { bearer: [] }];

/**
 * Console user management for admins: a session user with the `admin` role, or an API key
 * with the `admin` scope (automation, and the first user before anyone can log in).
 */
export function userRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const admin = requireAccess(ctx, { scope: 'admin', roles: ['admin'] });

  app.get(
    '/v1/users',
    {
      onRequest: admin,
      schema: {
        summary: 'List console users',
        tags: ['users'],
        security: SECURITY,
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['users'],
            properties: { users: { type: 'array', items: USER_SCHEMA } },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async () => ({ users: await ctx.users.list() }),
  );

  app.post(
    '/v1/users',
    {
      onRequest: admin,
      schema: {
        summary: 'Create a console user',
        tags: ['users'],
        security: SECURITY,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['username', 'password', 'roles'],
          properties: {
            username: { type: 'string', minLength: 1, maxLength: 64 },
            password: { type: 'string', minLength: 1, maxLength: 1024 },
            roles: ROLES_SCHEMA,
          },
        },
        response: { 201: USER_SCHEMA, ...ERROR_RESPONSES, 409: PROBLEM_RESPONSE },
      },
    },
    async (request, reply) => {
      assertJsonBody(request.headers['content-type'], request.body);
      const b = request.body as { username: string; password: string; roles: string[] };
      const u = await ctx.users.create(b.username, b.password, b.roles);
      await ctx.users.events.changed?.(request.principal!, u, 'created');
      return reply.code(201).send(u);
    },
  );

  app.patch(
    '/v1/users/:id',
    {
      onRequest: admin,
      schema: {
        summary: 'Change roles, or disable / enable a user (ends their sessions)',
        tags: ['users'],
        security: SECURITY,
        params: ID_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: { roles: ROLES_SCHEMA, disabled: { type: 'boolean' } },
        },
        response: {
          200: USER_SCHEMA,
          ...ERROR_RESPONSES,
          404: PROBLEM_RESPONSE,
          409: PROBLEM_RESPONSE,
        },
      },
    },
    async (request) => {
      assertJsonBody(request.headers['content-type'], request.body);
      const b = request.body as { roles?: string[]; disabled?: boolean };
      const u = await ctx.users.update((request.params as { id: string }).id, b);
      const what = [b.roles ? 'roles' : '', b.disabled === undefined ? '' : 'disabled']
        .filter(Boolean)
        .join(',');
      await ctx.users.events.changed?.(request.principal!, u, what);
      return u;
    },
  );

  app.post(
    '/v1/users/:id/password',
    {
      onRequest: admin,
      schema: {
        summary: "Reset a user's password (ends all their sessions)",
        tags: ['users'],
        security: SECURITY,
        params: ID_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['password'],
          properties: { password: { type: 'string', minLength: 1, maxLength: 1024 } },
        },
        response: { 200: USER_SCHEMA, ...ERROR_RESPONSES, 404: PROBLEM_RESPONSE },
      },
    },
    async (request) => {
      assertJsonBody(request.headers['content-type'], request.body);
      const { password } = request.body as { password: string };
      const u = await ctx.users.setPassword((request.params as { id: string }).id, password);
      await ctx.users.events.changed?.(request.principal!, u, 'password_reset');
      return u;
    },
  );

  app.delete(
    '/v1/users/:id/totp',
    {
      onRequest: admin,
      schema: {
        summary: 'Turn TOTP off for a user (lost device); they can enrol again',
        tags: ['users'],
        security: SECURITY,
        params: ID_PARAMS,
        response: { 200: USER_SCHEMA, ...ERROR_RESPONSES, 404: PROBLEM_RESPONSE },
      },
    },
    async (request) => {
      const u = await ctx.users.disableTotp((request.params as { id: string }).id);
      await ctx.users.events.changed?.(request.principal!, u, 'totp_disabled');
      return u;
    },
  );
}
