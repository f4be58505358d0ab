import type { Actor, Role } from '@lifeguard/core';
import type { FastifyInstance } from 'fastify';
import { requireAccess, userOf } from '../auth/auth.hook.js';
import { principalId } from '../auth/principal.model.js';
import { ERROR_RESPONSES, PROBLEM_RESPONSE } from '../http/schemas.js';
import type { SubmissionView } from '../reports/report.service.js';
import type { ServerContext } from '../server.context.js';

const SECURITY: { [k: string]: string[] }[] = [{ session: [] }, { bearer: [] }];
/** Who may prepare, confirm and follow hotline reports (the `reported` transition's roles). */
const REPORTERS: readonly Role[] = ['child_safety_reviewer', 'lead', 'admin'];

const CASE_PARAMS = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;

const ISSUE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['path', 'code', 'message'],
  properties: {
    path: { type: 'string', description: 'XPath-like location, e.g. /report/reporter/legalURL' },
    code: { type: 'string' },
    message: { type: 'string' },
  },
} as const;

const IP_CAPTURE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['ipAddress', 'eventName', 'dateTime', 'port'],
  properties: {
    ipAddress: { type: 'string' },
    eventName: { type: ['string', 'null'] },
    dateTime: { type: ['string', 'null'], format: 'date-time' },
    port: { type: ['integer', 'null'] },
  },
} as const;

const PREVIEW_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: [
    'caseId',
    'destination',
    'environment',
    'configured',
    'document',
    'documentSha256',
    'summary',
    'fullViewModes',
    'files',
    'problems',
    'warnings',
  ],
  properties: {
    caseId: { type: 'string' },
    destination: { type: 'string' },
    environment: { type: ['string', 'null'] },
    configured: { type: 'boolean', description: 'credentials and reporter are configured' },
    document: { type: 'string', description: 'The <report> XML, indented for reading' },
    documentSha256: {
      type: 'string',
      description: 'SHA-256 of the exact document that will be sent; pass it to confirm',
    },
    summary: {
      type: 'object',
      additionalProperties: false,
      required: ['category', 'incidentType', 'incidentDateTime', 'classification', 'reportedUser'],
      properties: {
        category: { type: 'string', description: "The reviewer's confirmed category" },
        incidentType: { type: 'string' },
        incidentDateTime: { type: 'string', format: 'date-time' },
        classification: { type: ['string', 'null'], description: 'A1, A2, B1, B2' },
        reportedUser: {
          oneOf: [
            { type: 'null' },
            {
              type: 'object',
              additionalProperties: false,
              required: ['espIdentifier', 'espService', 'ipCaptureEvents'],
              properties: {
                espIdentifier: { type: 'string' },
                espService: { type: 'string' },
                ipCaptureEvents: { type: 'array', items: IP_CAPTURE_SCHEMA },
              },
            },
          ],
        },
      },
    },
    fullViewModes: {
      type: 'array',
      items: { type: 'string' },
      description: 'View modes that count as viewing the whole file',
    },
    files: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: [
          'itemId',
          'fileName',
          'fileViewedByEsp',
          'exifViewedByEsp',
          'industryClassification',
          'fileRelevance',
          'views',
          'uploadedAt',
          'ipCaptureEvents',
        ],
        properties: {
          itemId: { type: 'string' },
          fileName: { type: 'string' },
          fileViewedByEsp: { type: 'boolean', description: 'from the recorded views only' },
          exifViewedByEsp: { type: 'boolean' },
          industryClassification: { type: ['string', 'null'] },
          fileRelevance: { type: 'string' },
          views: {
            type: 'array',
            description: 'Every recorded view of the file: what fileViewedByEsp is derived from',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['actor', 'mode', 'at', 'full'],
              properties: {
                actor: { type: 'string' },
                mode: { type: 'string' },
                at: { type: 'string', format: 'date-time' },
                full: { type: 'boolean', description: 'counts as viewing the whole file' },
              },
            },
          },
          uploadedAt: { type: ['string', 'null'], format: 'date-time' },
          ipCaptureEvents: { type: 'array', items: IP_CAPTURE_SCHEMA },
        },
      },
    },
    problems: { type: 'array', items: ISSUE_SCHEMA },
    warnings: { type: 'array', items: ISSUE_SCHEMA },
  },
} as const;

const SUBMISSION_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'destination',
    'environment',
    'state',
    'reportId',
    'confirmedBy',
    'createdAt',
    'finishedAt',
    'error',
    'files',
    'steps',
  ],
  properties: {
    id: { type: 'string' },
    destination: { type: 'string' },
    environment: { type: 'string' },
    state: {
      type: 'string',
      enum: [
        'created',
        'submitting',
        'submitted',
        'finishing',
        'finished',
        'retracting',
        'retracted',
        'failed',
      ],
    },
    reportId: { type: ['string', 'null'], description: 'The CyberTipline report id' },
    confirmedBy: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: ['string', 'null'], format: 'date-time' },
    error: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['code', 'message'],
          properties: { code: { type: 'string' }, message: { type: 'string' } },
        },
      ],
    },
    files: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['index', 'itemId', 'state', 'fileId'],
        properties: {
          index: { type: 'integer' },
          itemId: { type: 'string' },
          state: { type: 'string' },
          fileId: { type: ['string', 'null'] },
        },
      },
    },
    steps: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['seq', 'step', 'fileIndex', 'phase', 'at', 'detail'],
        properties: {
          seq: { type: 'integer' },
          step: { type: 'string' },
          fileIndex: { type: ['integer', 'null'] },
          phase: { type: 'string', enum: ['begin', 'ok', 'error'] },
          at: { type: 'string', format: 'date-time' },
          detail: { type: 'object', additionalProperties: true },
        },
      },
    },
  },
} as const;

function toJson(v: SubmissionView) {
  const s = v.submission;
  return {
    id: s.id,
    destination: s.destination,
    environment: s.environment,
    state: s.state,
    reportId: s.reportId,
    confirmedBy: s.confirmedBy,
    createdAt: new Date(s.createdAt).toISOString(),
    finishedAt: s.finishedAt === null ? null : new Date(s.finishedAt).toISOString(),
    error: s.error,
    files: s.files.map((f) => ({
      index: f.index,
      itemId: f.itemId,
      state: f.state,
      fileId: f.fileId,
    })),
    steps: v.steps.map((st) => ({ ...st, at: new Date(st.at).toISOString() })),
  };
}

/**
 * Hotline reports of a case (docs/reporting.md): `POST /v1/cases/{id}/report` builds and
 * validates the CyberTipline report (nothing is sent), `POST /v1/cases/{id}/report/confirm`
 * is a reviewer's explicit go (console users only; audited; queued as a job), and
 * `GET /v1/cases/{id}/report` shows each submission with its recorded steps.
 */
export function reportRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const read = requireAccess(ctx, { scope: 'admin', roles: REPORTERS });
  const confirm = requireAccess(ctx, { usersOnly: true, roles: REPORTERS });

  app.post(
    '/v1/cases/:id/report',
    {
      onRequest: read,
      schema: {
        summary: 'Build and validate the CyberTipline report of a confirmed case (sends nothing)',
        tags: ['reports'],
        security: SECURITY,
        params: CASE_PARAMS,
        response: {
          200: PREVIEW_SCHEMA,
          ...ERROR_RESPONSES,
          404: PROBLEM_RESPONSE,
          409: PROBLEM_RESPONSE,
        },
      },
    },
    async (request) => ctx.reports.preview((request.params as { id: string }).id),
  );

  app.post(
    '/v1/cases/:id/report/confirm',
    {
      onRequest: confirm,
      schema: {
        summary: 'A reviewer confirms sending the report: it is queued and filed by a job',
        description:
          'Console users with the child_safety_reviewer, lead or admin role only (a CSAM case ' +
          'needs child_safety_reviewer). Refused with LG_ERR_INVALID_REPORT while the report ' +
          'has problems, LG_ERR_CONFLICT when the case already has a live submission or the ' +
          'document changed since the preview whose documentSha256 is given.',
        tags: ['reports'],
        security: [{ session: [] }],
        params: CASE_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            documentSha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
          },
        },
        response: {
          202: SUBMISSION_SCHEMA,
          ...ERROR_RESPONSES,
          404: PROBLEM_RESPONSE,
          409: PROBLEM_RESPONSE,
          422: PROBLEM_RESPONSE,
        },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      const actor: Actor = { id: principalId(user), roles: user.roles };
      const body = (request.body ?? {}) as { documentSha256?: string };
      const sub = await ctx.reports.confirm(
        (request.params as { id: string }).id,
        actor,
        body.documentSha256 !== undefined ? { documentSha256: body.documentSha256 } : {},
      );
      void reply.code(202);
      return toJson({ submission: sub, steps: [] });
    },
  );

  app.get(
    '/v1/cases/:id/report',
    {
      onRequest: read,
      schema: {
        summary: 'Hotline submissions of a case: state, report id, recorded steps',
        tags: ['reports'],
        security: SECURITY,
        params: CASE_PARAMS,
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['caseId', 'submissions'],
            properties: {
              caseId: { type: 'string' },
              submissions: { type: 'array', items: SUBMISSION_SCHEMA },
            },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const id = (request.params as { id: string }).id;
      return { caseId: id, submissions: (await ctx.reports.status(id)).map(toJson) };
    },
  );
}
