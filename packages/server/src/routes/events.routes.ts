import type { Readable } from 'node:stream';
import {
  ErrorCodes,
  LifeguardError,
  parseRiskEvent,
  parseRiskEventLine,
  type AccountRisk,
} from '@lifeguard/core';
import type { FastifyInstance } from 'fastify';
import { requireScope } from '../auth/auth.hook.js';
import { ERROR_RESPONSES, PROBLEM_RESPONSE } from '../http/schemas.js';
import { MAX_EVENTS_PER_BATCH, type BatchItem } from '../risk/risk-intake.service.js';
import type { ServerContext } from '../server.context.js';

/** Content type of an NDJSON event batch (one event per line). */
export const NDJSON_TYPE = 'application/x-ndjson';

const EVENTS_ACCEPTED = {
  type: 'object',
  additionalProperties: false,
  required: ['accepted', 'duplicates'],
  properties: {
    accepted: { type: 'integer', description: 'Events stored durably and applied now' },
    duplicates: {
      type: 'integer',
      description: 'Events skipped because an event with the same id was stored before',
    },
  },
} as const;

const OPEN_OBJECT = { type: 'object', additionalProperties: true } as const;

const ACCOUNT_RISK = {
  type: 'object',
  additionalProperties: false,
  required: [
    'user',
    'score',
    'level',
    'reasons',
    'peakScore',
    'firstAlertAt',
    'conversations',
    'interventions',
    'evaluatedAt',
  ],
  properties: {
    user: { type: 'string' },
    score: { type: 'number', description: 'Current score in [0, 1]' },
    level: { type: 'string', enum: ['none', 'watch', 'high', 'critical'] },
    reasons: {
      type: 'array',
      description: 'Signals with a non-zero contribution, largest first (docs/risk.md)',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['signal', 'value', 'window', 'weight', 'contribution'],
        properties: {
          signal: { type: 'string' },
          value: { type: 'number' },
          window: { type: 'string' },
          weight: { type: 'number' },
          contribution: { type: 'number' },
          evidence: { type: 'array', items: OPEN_OBJECT },
          inferred: {
            type: 'array',
            description:
              'For probable_minors_contacted_7d: unknown-age accounts counted as probable minors, with their known-age contacts',
            items: OPEN_OBJECT,
          },
        },
      },
    },
    peakScore: { type: 'number' },
    firstAlertAt: { type: ['string', 'null'] },
    conversations: { type: 'array', items: OPEN_OBJECT },
    interventions: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'reason'],
        properties: {
          type: { type: 'string' },
          minor: { type: 'string' },
          reason: { type: 'string' },
        },
      },
    },
    evaluatedAt: { type: 'string' },
  },
} as const;

/**
 * Read a raw body stream up to `max` bytes. Past the limit the rest is discarded (not
 * destroyed, so the client still gets its 413 on the same connection).
 */
function readBody(stream: Readable, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (c: Buffer): void => {
      total += c.length;
      if (total > max) {
        stream.off('data', onData);
        stream.off('end', onEnd);
        stream.resume();
        reject(
          new LifeguardError(ErrorCodes.INPUT_TOO_LARGE, 'request body is larger than the limit'),
        );
        return;
      }
      chunks.push(c);
    };
    const onEnd = (): void => resolve(Buffer.concat(chunks).toString('utf8'));
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', reject);
  });
}

/** Split an NDJSON body into parsed items with 1-based line numbers (blank lines skipped). */
function ndjsonItems(text: string): BatchItem[] {
  const items: BatchItem[] = [];
  let line = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    line++;
    const raw =
      text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
    const r = parseRiskEventLine(raw);
    if (r !== undefined) {
      items.push({ position: line, result: r, raw });
      // Fail fast on absurd batches instead of parsing megabytes of lines.
      if (items.length > MAX_EVENTS_PER_BATCH) break;
    }
    start = end + 1;
  }
  return items;
}

function assertRiskLoaded(ctx: ServerContext): void {
  if (!ctx.risk.loaded) {
    throw new LifeguardError(
      ErrorCodes.UNAVAILABLE,
      'the risk engine is still replaying the event log',
    );
  }
}

/**
 * `POST /v1/events` (scope `events:write`) and `GET /v1/accounts/{id}/risk` (scope
 * `risk:read`): the live grooming-risk engine (issue 5). Events may carry message text, so
 * nothing here logs a body and errors name positions and reasons, never content.
 */
export function eventRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post(
    '/v1/events',
    {
      onRequest: requireScope(ctx, 'events:write'),
      config: { ndjsonBody: true },
      schema: {
        summary: 'Ingest risk events: one event, a JSON array, or NDJSON (one event a line)',
        description:
          `Up to ${MAX_EVENTS_PER_BATCH} events per request, in the issue-5 event format ` +
          '(docs/risk.md). The batch is validated first (any bad event: 400 ' +
          'LG_ERR_INVALID_EVENT listing each bad `index` or `line`, nothing stored), then ' +
          'written durably in one transaction, then applied to the engine; the answer comes ' +
          'after the write. An event whose `id` was stored before is skipped (`duplicates`).',
        tags: ['risk'],
        security: [{ bearer: [] }],
        body: {
          content: {
            'application/json': {
              schema: {
                description: 'One event object or an array of event objects',
                anyOf: [{ type: 'object' }, { type: 'array' }],
              },
            },
          },
        },
        response: {
          200: EVENTS_ACCEPTED,
          ...ERROR_RESPONSES,
          413: PROBLEM_RESPONSE,
          415: PROBLEM_RESPONSE,
          503: PROBLEM_RESPONSE,
        },
      },
    },
    async (request) => {
      assertRiskLoaded(ctx);
      const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type === NDJSON_TYPE) {
        const max = ctx.config.limits.maxJsonBytes;
        if (Number(request.headers['content-length'] ?? 0) > max) {
          throw new LifeguardError(
            ErrorCodes.INPUT_TOO_LARGE,
            'request body is larger than the limit',
          );
        }
        const text = await readBody(request.body as Readable, max);
        return ctx.risk.accept(ndjsonItems(text), 'line');
      }
      if (type !== 'application/json') {
        // Other raw types reach here as streams (the bank import parser); refuse them.
        (request.body as Readable | undefined)?.resume?.();
        throw new LifeguardError(
          ErrorCodes.UNSUPPORTED_MEDIA_TYPE,
          `send application/json or ${NDJSON_TYPE}`,
        );
      }
      const body = request.body;
      const list: readonly unknown[] = Array.isArray(body) ? body : [body];
      if (list.length > MAX_EVENTS_PER_BATCH) {
        throw new LifeguardError(
          ErrorCodes.INPUT_TOO_LARGE,
          `at most ${MAX_EVENTS_PER_BATCH} events per request`,
          { max: MAX_EVENTS_PER_BATCH, received: list.length },
        );
      }
      return ctx.risk.accept(
        list.map((v, i) => ({ position: i, result: parseRiskEvent(v) })),
        'index',
      );
    },
  );

  app.get(
    '/v1/accounts/:id/risk',
    {
      onRequest: requireScope(ctx, 'risk:read'),
      schema: {
        summary: "An account's explained grooming-risk score",
        description:
          'Score, level, ranked reasons (signal, value, window, weight, contribution) and ' +
          'recommended interventions, evaluated at the latest event time the engine has seen.',
        tags: ['risk'],
        security: [{ bearer: [] }],
        params: {
          type: 'object',
          additionalProperties: false,
          required: ['id'],
          properties: { id: { type: 'string', minLength: 1, maxLength: 256 } },
        },
        response: {
          200: ACCOUNT_RISK,
          ...ERROR_RESPONSES,
          404: PROBLEM_RESPONSE,
          503: PROBLEM_RESPONSE,
        },
      },
    },
    (request): AccountRisk => {
      assertRiskLoaded(ctx);
      const { id } = request.params as { id: string };
      const risk = ctx.risk.engine.accountRisk(id);
      if (risk === undefined) {
        throw new LifeguardError(
          ErrorCodes.NOT_FOUND,
          'the risk engine has no events for this account',
        );
      }
      return risk;
    },
  );
}
