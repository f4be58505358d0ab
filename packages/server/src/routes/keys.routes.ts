import type { FastifyInstance } from 'fastify';
import { requireScope } from '../auth/auth.hook.js';
import { SCOPES, type Scope } from '../auth/api-key.service.js';
import { PROBLEM_RESPONSE, ERROR_RESPONSES } from '../http/schemas.js';
import type { ServerContext } from '../server.context.js';
import { assertJsonBody } from './scan.routes.js';

const KEY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['keyId', 'name', 'scopes', 'createdAt', 'revokedAt'],
  properties: {
    keyId: { type: 'string' },
    name: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' } },
    createdAt: { type: 'string' },
    revokedAt: { type: ['string', 'null'] },
    lastUsedAt: { type: ['string', 'null'] },
  },
} as const;

/** API key management (scope `admin`): list, create (the secret is shown once), revoke. */
export function keyRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const admin = requireScope(ctx, 'admin');
  app.get(
    '/v1/keys',
    {
      onRequest: admin,
      schema: {
        summary: 'List API keys (never their secrets)',
        tags: ['admin'],
        security: [{ bearer: [] }],
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['keys'],
            properties: { keys: { type: 'array', items: KEY_SCHEMA } },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async () => ({ keys: await ctx.keys.list() }),
  );

  app.post(
    '/v1/keys',
    {
      onRequest: admin,
      schema: {
        summary: 'Create an API key; the response holds the secret, shown this once',
        tags: ['admin'],
        security: [{ bearer: [] }],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'scopes'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 200 },
            scopes: {
              type: 'array',
              minItems: 1,
              uniqueItems: true,
              items: { type: 'string', enum: [...SCOPES] },
            },
          },
        },
        response: {
          201: {
            type: 'object',
            additionalProperties: false,
            required: ['key', 'record'],
            properties: { key: { type: 'string' }, record: KEY_SCHEMA },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      assertJsonBody(request.headers['content-type'], request.body);
      const b = request.body as { name: string; scopes: Scope[] };
      const issued = await ctx.keys.issue(b.name, b.scopes);
      return reply.code(201).send(issued);
    },
  );

  app.delete(
    '/v1/keys/:keyId',
    {
      onRequest: admin,
      schema: {
        summary: 'Revoke an API key (effective at once on this process, within 5 s on others)',
        tags: ['admin'],
        security: [{ bearer: [] }],
        params: {
          type: 'object',
          additionalProperties: false,
          required: ['keyId'],
          properties: { keyId: { type: 'string', maxLength: 100 } },
        },
        response: { 200: KEY_SCHEMA, ...ERROR_RESPONSES, 404: PROBLEM_RESPONSE },
      },
    },
    async (request) => {
      const rec = await ctx.keys.revoke((request.params as { keyId: string }).keyId);
      ctx.buckets.forget(rec.keyId);
      return rec;
    },
  );
}
