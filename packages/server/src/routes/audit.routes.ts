import { AUDIT_RECORD_TYPES, type AuditRecordType } from '@lifeguard/core';
import type { FastifyInstance } from 'fastify';
import { caseAccess } from '../cases/case-access.js';
import { AUDIT_RECORD_SCHEMA } from '../cases/case.schemas.js';
import { ERROR_RESPONSES } from '../http/schemas.js';
import type { ServerContext } from '../server.context.js';

/**
 * `GET /v1/audit` (scope `audit:read`, or a lead/admin session): the hash-chained audit log,
 * oldest first, keyset-paged by `afterSeq`. Verify it with `lifeguard audit verify`.
 */
export function auditRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/v1/audit',
    {
      onRequest: caseAccess(ctx, 'audit'),
      schema: {
        tags: ['audit'],
        summary: 'The audit log (logins, views, decisions, exports, settings changes)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            afterSeq: { type: 'integer', minimum: 0, default: 0 },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            action: { type: 'string', enum: [...AUDIT_RECORD_TYPES] },
            actor: { type: 'string', maxLength: 300 },
            subject: { type: 'string', maxLength: 300 },
          },
        },
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['records', 'next'],
            properties: {
              records: { type: 'array', items: AUDIT_RECORD_SCHEMA },
              next: { type: ['integer', 'null'], description: '`afterSeq` of the next page' },
            },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const q = request.query as {
        afterSeq: number;
        limit: number;
        action?: AuditRecordType;
        actor?: string;
        subject?: string;
      };
      const records = await ctx.audit.list({
        afterSeq: q.afterSeq,
        limit: q.limit,
        ...(q.action !== undefined ? { action: q.action } : {}),
        ...(q.actor !== undefined ? { actor: q.actor } : {}),
        ...(q.subject !== undefined ? { subject: q.subject } : {}),
      });
      const last = records[records.length - 1];
      return { records, next: records.length === q.limit && last ? last.seq : null };
    },
  );
}
