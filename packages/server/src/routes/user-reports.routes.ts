import type { CaseIngestOutcome } from '@lifeguard/core';
import type { FastifyInstance } from 'fastify';
import { requireScope } from '../auth/auth.hook.js';
import { INTAKE_SCHEMA, REPORT_BODY } from '../cases/case.schemas.js';
import { ERROR_RESPONSES } from '../http/schemas.js';
import type { UserReportInput } from '../cases/case.service.js';
import type { ServerContext } from '../server.context.js';

/** Most reports in one `POST /v1/reports/batch`. */
export const MAX_REPORTS_PER_BATCH = 1000;

const intakeJson = (o: CaseIngestOutcome) => ({
  caseId: o.caseId,
  itemId: o.itemId,
  signalId: o.signalId,
  opened: o.opened,
  via: o.via,
  linkedTo: o.linkedTo,
});

/**
 * `POST /v1/reports` (scope `reports:write`): a platform forwards a user's report about
 * content and/or an account. It folds into a case like any signal; the answer (after the
 * report is durable) names the case. The free text is stored for reviewers and never logged,
 * audited or sent in a webhook.
 */
export function userReportRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post(
    '/v1/reports',
    {
      onRequest: requireScope(ctx, 'reports:write'),
      schema: {
        tags: ['cases'],
        summary: 'Submit a user report (becomes or joins a `user_report` case)',
        body: REPORT_BODY,
        response: { 201: INTAKE_SCHEMA, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const o = await ctx.cases.report(request.body as UserReportInput);
      return reply.code(201).send(intakeJson(o));
    },
  );

  app.post(
    '/v1/reports/batch',
    {
      onRequest: requireScope(ctx, 'reports:write'),
      schema: {
        tags: ['cases'],
        summary: 'Submit several user reports at once (stored together, all or none)',
        description:
          `A JSON array of 1 to ${MAX_REPORTS_PER_BATCH} reports, each as for ` +
          '`POST /v1/reports`. Every report is validated first (any bad one: 400, nothing ' +
          'stored); then all are folded, in order, in one transaction, and the answer comes ' +
          'after it committed: `results[i]` is where report `i` went. Platforms that forward ' +
          'reports in batches save the per-request cost this way.',
        body: { type: 'array', minItems: 1, maxItems: MAX_REPORTS_PER_BATCH, items: REPORT_BODY },
        response: {
          201: {
            type: 'object',
            additionalProperties: false,
            required: ['results'],
            properties: { results: { type: 'array', items: INTAKE_SCHEMA } },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const out = await ctx.cases.reports(request.body as UserReportInput[]);
      return reply.code(201).send({ results: out.map(intakeJson) });
    },
  );
}
