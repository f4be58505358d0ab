import type { ReportReason } from '@lifeguard/core';
import type { FastifyInstance } from 'fastify';
import { requireScope } from '../auth/auth.hook.js';
import { INTAKE_SCHEMA, REPORT_BODY } from '../cases/case.schemas.js';
import { ERROR_RESPONSES } from '../http/schemas.js';
import type { ServerContext } from '../server.context.js';

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
      const b = request.body as {
        reporter: string;
        reportedContent?: { contentId?: string; sha256?: string; md5?: string; pdq?: string };
        reportedAccount?: string;
        reason: ReportReason;
        text?: string;
        reach?: { views?: number; shares?: number };
      };
      const o = await ctx.cases.report(b);
      return reply.code(201).send({
        caseId: o.caseId,
        itemId: o.itemId,
        signalId: o.signalId,
        opened: o.opened,
        via: o.via,
        linkedTo: o.linkedTo,
      });
    },
  );
}
