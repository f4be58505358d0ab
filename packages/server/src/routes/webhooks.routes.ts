import { ErrorCodes, LifeguardError } from '@lifeguard/core';
import type { FastifyInstance } from 'fastify';
import { requireScope } from '../auth/auth.hook.js';
import { ERROR_RESPONSES, PROBLEM_RESPONSE } from '../http/schemas.js';
import type { ServerContext } from '../server.context.js';

const DELIVERY = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'endpoint', 'event', 'state', 'attempts'],
  properties: {
    id: { type: 'string' },
    endpoint: { type: 'string' },
    url: { type: 'string' },
    event: { type: 'string' },
    body: { type: 'string', description: 'The signed JSON body' },
    state: { type: 'string', enum: ['pending', 'delivered', 'dead'] },
    attempts: { type: 'integer' },
    nextAt: { type: 'string' },
    lastStatus: { type: ['integer', 'null'] },
    lastError: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
} as const;

/** Webhook deliveries (admin): list by state (including the dead letters) and retry. */
export function webhookRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const admin = requireScope(ctx, 'admin');
  app.get(
    '/v1/webhooks/deliveries',
    {
      onRequest: admin,
      schema: {
        summary: 'Webhook deliveries, newest first (state=dead lists the dead letters)',
        tags: ['admin'],
        security: [{ bearer: [] }],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            state: { type: 'string', enum: ['pending', 'delivered', 'dead'] },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
          },
        },
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['deliveries'],
            properties: { deliveries: { type: 'array', items: DELIVERY } },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const q = request.query as { state?: string; limit?: number };
      return { deliveries: await ctx.outbox.list(q.state, q.limit ?? 100) };
    },
  );

  app.post(
    '/v1/webhooks/deliveries/:id/retry',
    {
      onRequest: admin,
      schema: {
        summary: 'Send a dead-lettered delivery again (attempts start over)',
        tags: ['admin'],
        security: [{ bearer: [] }],
        params: {
          type: 'object',
          additionalProperties: false,
          required: ['id'],
          properties: { id: { type: 'string', maxLength: 100 } },
        },
        response: { 204: { type: 'null' }, ...ERROR_RESPONSES, 404: PROBLEM_RESPONSE },
      },
    },
    async (request, reply) => {
      const id = (request.params as { id: string }).id;
      if (!(await ctx.outbox.retry(id))) {
        throw new LifeguardError(ErrorCodes.NOT_FOUND, `no dead delivery '${id}'`);
      }
      return reply.code(204).send();
    },
  );
}
