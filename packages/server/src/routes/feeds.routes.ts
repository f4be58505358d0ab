import {
  ErrorCodes,
  FEED_FORMAT,
  feedRecords,
  formatFeedPage,
  LifeguardError,
  parseFeedCursor,
  type FeedPageHeader,
} from '@lifeguard/core';
import type { FastifyInstance } from 'fastify';
import { requireScope } from '../auth/auth.hook.js';
import { ERROR_RESPONSES, PROBLEM_RESPONSE } from '../http/schemas.js';
import { FEED_SIGNATURE_HEADER } from '../sharing/feed-key.js';
import type { ServerContext } from '../server.context.js';

/** Path of the public key document. */
export const FEED_KEYS_PATH = '/.well-known/lifeguard/feed-keys.json';

/** Default records per feed page. */
const DEFAULT_FEED_LIMIT = 1000;

/**
 * Hash sharing, publisher side: `GET /v1/feeds/{bank}` serves a bank's change log as signed
 * JSON-lines pages (format `lifeguard-feed/1`, docs/sharing.md), resumable from a cursor;
 * `GET /.well-known/lifeguard/feed-keys.json` publishes the public key subscribers verify
 * pages with.
 */
export function feedRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    FEED_KEYS_PATH,
    {
      schema: {
        summary: "Public keys that verify this instance's feed pages (Ed25519)",
        tags: ['sharing'],
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['keys'],
            properties: {
              keys: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['key_id', 'alg', 'public_key'],
                  properties: {
                    key_id: { type: 'string' },
                    alg: { type: 'string', enum: ['ed25519'] },
                    public_key: { type: 'string', description: '32 raw bytes, base64' },
                  },
                },
              },
            },
          },
        },
      },
    },
    () => ({
      keys: ctx.feedKey
        ? [{ key_id: ctx.feedKey.keyId, alg: 'ed25519', public_key: ctx.feedKey.publicKey }]
        : [],
    }),
  );

  app.get(
    '/v1/feeds/:bank',
    {
      onRequest: requireScope(ctx, 'feeds:read'),
      schema: {
        summary: "A signed page of a bank's hash-sharing feed (JSON lines)",
        description:
          'Header line, then one record per change after `cursor` (adds, tombstones, ' +
          'opinions). The `Lifeguard-Feed-Signature` header signs the exact body with the ' +
          `key published at ${FEED_KEYS_PATH}. Resume with the header's next_cursor.`,
        tags: ['sharing'],
        security: [{ bearer: [] }],
        params: {
          type: 'object',
          additionalProperties: false,
          required: ['bank'],
          properties: { bank: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,100}$' } },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            cursor: { type: 'string', pattern: '^(0|[1-9][0-9]{0,15})$' },
            limit: { type: 'integer', minimum: 1, maximum: 100_000 },
          },
        },
        response: {
          200: {
            description: 'application/x-ndjson page',
            content: { 'application/x-ndjson': { schema: { type: 'string' } } },
          },
          ...ERROR_RESPONSES,
          404: PROBLEM_RESPONSE,
        },
      },
    },
    async (request, reply) => {
      const key = ctx.feedKey;
      if (!key)
        throw new LifeguardError(ErrorCodes.UNAVAILABLE, 'this process does not serve feeds');
      const { bank: name } = request.params as { bank: string };
      const q = request.query as { cursor?: string; limit?: number };
      const max = ctx.config.sharing.maxFeedPage;
      const limit = q.limit ?? DEFAULT_FEED_LIMIT;
      if (limit > max) {
        throw new LifeguardError(ErrorCodes.INVALID_REQUEST, `limit must be at most ${max}`, {
          field: 'limit',
        });
      }
      const bank = await ctx.store.getBankByName(name);
      if (!bank)
        throw new LifeguardError(ErrorCodes.NOT_FOUND, `bank '${name}' not found`, { name });
      const after = parseFeedCursor(q.cursor);
      const changes = await ctx.store.changesSince(after, limit, bank.id);
      const records = feedRecords(bank, changes);
      const next = changes.length > 0 ? changes[changes.length - 1]!.seq : after;
      const header: FeedPageHeader = {
        format: FEED_FORMAT,
        bank: bank.name,
        kind: bank.kind,
        labels: bank.labels,
        cursor: String(after),
        next_cursor: String(next),
        has_more: changes.length === limit,
        count: records.length,
        key_id: key.keyId,
        generated_at: new Date().toISOString(),
      };
      const body = Buffer.from(formatFeedPage(header, records), 'utf8');
      ctx.sharingMetrics.feedPages.inc({ bank: bank.name });
      ctx.sharingMetrics.feedRecords.inc({ bank: bank.name }, records.length);
      return reply
        .type('application/x-ndjson; charset=utf-8')
        .header(FEED_SIGNATURE_HEADER, key.sign(body))
        .header('cache-control', 'no-store')
        .send(body);
    },
  );
}
