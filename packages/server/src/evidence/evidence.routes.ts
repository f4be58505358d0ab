import { ErrorCodes, LifeguardError, type EvidenceRecord } from '@lifeguard/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireAccess } from '../auth/auth.hook.js';
import { principalId } from '../auth/principal.model.js';
import { ERROR_RESPONSES, PROBLEM_RESPONSE } from '../http/schemas.js';
import type { ServerContext } from '../server.context.js';
import type { EvidenceAccessor } from './evidence-vault.service.js';

/** The scope an API key needs to list or read evidence (never implied by `admin`). */
export const EVIDENCE_SCOPE = 'evidence:read';

const EVIDENCE_RECORD = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'caseId',
    'kind',
    'itemId',
    'sha256',
    'size',
    'contentType',
    'trigger',
    'preservedBy',
    'preservedAt',
    'holdUntil',
    'jurisdictions',
    'purgedAt',
  ],
  properties: {
    id: { type: 'string' },
    caseId: { type: 'string' },
    kind: { type: 'string', enum: ['media', 'metadata', 'conversation'] },
    itemId: { type: ['string', 'null'], description: 'Case item of a media object' },
    sha256: { type: 'string', description: 'SHA-256 of the bytes, recorded at capture' },
    size: { type: 'integer' },
    contentType: { type: 'string' },
    trigger: { type: 'string', enum: ['case_confirmed', 'block_verdict', 'case_reported'] },
    preservedBy: { type: 'string' },
    preservedAt: { type: 'string', format: 'date-time' },
    holdUntil: { type: 'string', format: 'date-time' },
    jurisdictions: { type: 'array', items: { type: 'string' } },
    purgedAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

function view(r: EvidenceRecord): Record<string, unknown> {
  return {
    id: r.id,
    caseId: r.caseId,
    kind: r.kind,
    itemId: r.itemId,
    sha256: r.sha256,
    size: r.size,
    contentType: r.contentType,
    trigger: r.trigger,
    preservedBy: r.preservedBy,
    preservedAt: new Date(r.preservedAt).toISOString(),
    holdUntil: new Date(r.holdUntil).toISOString(),
    jurisdictions: r.jurisdictions,
    purgedAt: r.purgedAt === null ? null : new Date(r.purgedAt).toISOString(),
  };
}

/** The accessor of an authenticated request. */
export function evidenceAccessorOf(request: FastifyRequest): EvidenceAccessor {
  const p = request.principal;
  if (p === undefined) throw new LifeguardError(ErrorCodes.UNAUTHORIZED, 'not authenticated');
  return p.kind === 'key'
    ? {
        id: principalId(p),
        roles: [],
        isKey: true,
        evidenceScope: p.scopes.includes(EVIDENCE_SCOPE),
      }
    : { id: principalId(p), roles: p.roles, isKey: false };
}

const ID_PARAMS = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

/**
 * `GET /v1/cases/{id}/evidence` and `GET /v1/evidence/{id}`: preserved evidence, for the
 * roles the evidence policy allows (and API keys holding `evidence:read` itself). Every
 * access, granted or refused, is in the audit log; bytes are integrity-checked and never
 * cacheable.
 */
export function evidenceRoutes(app: FastifyInstance, ctx: ServerContext): void {
  // Any logged-in user passes the hook; the vault checks the configured roles and audits.
  const access = requireAccess(ctx, { scope: EVIDENCE_SCOPE });
  app.get<{ Params: { id: string } }>(
    '/v1/cases/:id/evidence',
    {
      onRequest: access,
      schema: {
        summary: "A case's preserved evidence",
        description:
          'Preservation records (what, why, when, SHA-256, hold) of the objects kept for a ' +
          'case. Only for the roles in `evidence.accessRoles` (default admin, lead, ' +
          "child_safety_reviewer) and API keys with the 'evidence:read' scope; every access " +
          'is audited.',
        tags: ['evidence'],
        security: [{ bearer: [] }],
        params: ID_PARAMS,
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['evidence'],
            properties: { evidence: { type: 'array', items: EVIDENCE_RECORD } },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const list = await ctx.evidence.list(request.params.id, evidenceAccessorOf(request));
      void reply.header('cache-control', 'no-store');
      return { evidence: list.map(view) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/evidence/:id',
    {
      onRequest: access,
      schema: {
        summary: 'The bytes of one evidence object',
        description:
          'Decrypted and integrity-checked (AES-GCM tag and the SHA-256 recorded at capture): ' +
          'a tampered object answers 500 LG_ERR_INTEGRITY, never bytes. `Cache-Control: ' +
          'no-store`. Access rules as for the list; every access is audited.',
        tags: ['evidence'],
        security: [{ bearer: [] }],
        params: ID_PARAMS,
        response: {
          200: {
            description: 'The preserved bytes (header X-Lifeguard-SHA256 carries their SHA-256)',
            content: {
              'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
            },
          },
          ...ERROR_RESPONSES,
          404: PROBLEM_RESPONSE,
        },
      },
    },
    async (request, reply) => {
      const { record, bytes } = await ctx.evidence.read(
        request.params.id,
        evidenceAccessorOf(request),
      );
      return reply
        .header('cache-control', 'no-store')
        .header('x-content-type-options', 'nosniff')
        .header('content-disposition', `attachment; filename="evidence-${record.id}"`)
        .header('x-lifeguard-sha256', record.sha256)
        .type(record.contentType)
        .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
  );
}
