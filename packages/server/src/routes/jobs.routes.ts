import { ErrorCodes, LifeguardError } from '@lifeguard/core';
import type { FastifyInstance } from 'fastify';
import { keyOf, requireScope } from '../auth/auth.hook.js';
import { hasScope } from '../auth/api-key.service.js';
import { ERROR_RESPONSES, PROBLEM_RESPONSE } from '../http/schemas.js';
import type { ServerContext } from '../server.context.js';
import { JOB_SCHEMA } from './scan.routes.js';

/** `GET /v1/jobs/{id}`: an asynchronous scan's state and result (its own key or an admin). */
export function jobRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/v1/jobs/:id',
    {
      onRequest: requireScope(ctx, 'scan'),
      schema: {
        summary: 'State and result of an asynchronous scan',
        tags: ['scan'],
        security: [{ bearer: [] }],
        params: {
          type: 'object',
          additionalProperties: false,
          required: ['id'],
          properties: { id: { type: 'string', maxLength: 100 } },
        },
        response: { 200: JOB_SCHEMA, ...ERROR_RESPONSES, 404: PROBLEM_RESPONSE },
      },
    },
    async (request) => {
      const id = (request.params as { id: string }).id;
      const job = await ctx.jobs.get(id);
      const principal = keyOf(request);
      // Another key's job is reported as missing, so ids cannot be probed.
      if (!job || (job.payload.keyId !== principal.keyId && !hasScope(principal, 'admin'))) {
        throw new LifeguardError(ErrorCodes.NOT_FOUND, `job '${id}' not found`);
      }
      return {
        id: job.id,
        kind: job.kind,
        state: job.state,
        attempts: job.attempts,
        result: job.result,
        error: job.error,
        createdAt: job.createdAt,
        updatedAt: job.updatedAt,
      };
    },
  );
}
