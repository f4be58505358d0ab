import { EXCHANGE_KINDS, ErrorCodes, LifeguardError, type Bank } from '@lifeguard/core';
import type { ExchangeRecord } from '@lifeguard/store';
import type { FastifyInstance } from 'fastify';
import { requireScope } from '../auth/auth.hook.js';
import { ERROR_RESPONSES, PROBLEM_RESPONSE } from '../http/schemas.js';
import { checkExchangeConfig } from '../sharing/connectors.js';
import type { ServerContext } from '../server.context.js';
import { assertJsonBody } from './scan.routes.js';

const NAME = { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,100}$' } as const;
const NAME_PARAMS = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name: NAME },
} as const;

const STATS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(
    [
      'pages',
      'added',
      'removed',
      'duplicates',
      'corruptPages',
      'signatureFailures',
      'unsupported',
      'errors',
    ].map((k) => [k, { type: 'integer' }]),
  ),
} as const;

const EXCHANGE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    kind: { type: 'string', enum: [...EXCHANGE_KINDS] },
    bank: { type: 'string' },
    config: { type: 'object', additionalProperties: true },
    credentialFields: { type: 'array', items: { type: 'string' } },
    enabled: { type: 'boolean' },
    intervalMs: { type: 'integer' },
    checkpoint: { type: ['string', 'null'] },
    stats: STATS_SCHEMA,
    lastAttemptAt: { type: ['string', 'null'] },
    lastSuccessAt: { type: ['string', 'null'] },
    lastError: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
  },
} as const;

const SYNC_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    exchange: { type: 'string' },
    ran: { type: 'boolean' },
    stats: STATS_SCHEMA,
    checkpoint: { type: ['string', 'null'] },
    error: { type: ['string', 'null'] },
  },
} as const;

const WITH_404 = { ...ERROR_RESPONSES, 404: PROBLEM_RESPONSE } as const;

async function view(ctx: ServerContext, x: ExchangeRecord): Promise<Record<string, unknown>> {
  const { id: _id, bankId, ...rest } = x;
  const bank = await ctx.store.getBank(bankId);
  return { ...rest, bank: bank?.name ?? '' };
}

async function byName(ctx: ServerContext, name: string): Promise<ExchangeRecord> {
  const x = await ctx.exchanges.exchanges.get(name);
  if (!x) throw new LifeguardError(ErrorCodes.NOT_FOUND, `exchange '${name}' not found`, { name });
  return x;
}

/**
 * Hash sharing, subscriber side: list, add, change, remove and sync exchanges (another
 * Lifeguard feed, NCMEC, StopNCII, ThreatExchange). Credentials go in on creation and
 * never come out: responses list only which credential fields are set.
 */
export function exchangeRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const read = requireScope(ctx, 'banks:read');
  const write = requireScope(ctx, 'exchanges:write');

  app.get(
    '/v1/exchanges',
    {
      onRequest: read,
      schema: {
        summary: 'List exchanges with checkpoints and totals (never credentials)',
        tags: ['sharing'],
        security: [{ bearer: [] }],
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['exchanges'],
            properties: { exchanges: { type: 'array', items: EXCHANGE_SCHEMA } },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async () => {
      const all = await ctx.exchanges.exchanges.list();
      return { exchanges: await Promise.all(all.map((x) => view(ctx, x))) };
    },
  );

  app.get(
    '/v1/exchanges/:name',
    {
      onRequest: read,
      schema: {
        summary: 'One exchange',
        tags: ['sharing'],
        security: [{ bearer: [] }],
        params: NAME_PARAMS,
        response: { 200: EXCHANGE_SCHEMA, ...WITH_404 },
      },
    },
    async (request) => view(ctx, await byName(ctx, (request.params as { name: string }).name)),
  );

  app.post(
    '/v1/exchanges',
    {
      onRequest: write,
      schema: {
        summary: 'Subscribe to an exchange, importing into a local bank (created if missing)',
        tags: ['sharing'],
        security: [{ bearer: [] }],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'kind', 'bank', 'config', 'credentials'],
          properties: {
            name: NAME,
            kind: { type: 'string', enum: [...EXCHANGE_KINDS] },
            bank: NAME,
            bankKind: { type: 'string', enum: ['block', 'allow'] },
            config: { type: 'object', additionalProperties: true },
            credentials: {
              type: 'object',
              additionalProperties: { type: 'string', maxLength: 4096 },
            },
            intervalMs: { type: 'integer', minimum: 1000, maximum: 7 * 24 * 3_600_000 },
            enabled: { type: 'boolean' },
          },
        },
        response: { 201: EXCHANGE_SCHEMA, ...ERROR_RESPONSES, 409: PROBLEM_RESPONSE },
      },
    },
    async (request, reply) => {
      assertJsonBody(request.headers['content-type'], request.body);
      const b = request.body as {
        name: string;
        kind: (typeof EXCHANGE_KINDS)[number];
        bank: string;
        bankKind?: Bank['kind'];
        config: Record<string, unknown>;
        credentials: Record<string, string>;
        intervalMs?: number;
        enabled?: boolean;
      };
      checkExchangeConfig(b.kind, b.config, b.credentials);
      if (await ctx.exchanges.exchanges.get(b.name)) {
        throw new LifeguardError(ErrorCodes.CONFLICT, `exchange '${b.name}' already exists`);
      }
      const bank =
        (await ctx.store.getBankByName(b.bank)) ??
        (await ctx.store.createBank({
          name: b.bank,
          source: 'exchange',
          kind: b.bankKind ?? 'block',
          description: `signals from exchange ${b.name}`,
        }));
      const x = await ctx.exchanges.exchanges.create({
        name: b.name,
        kind: b.kind,
        bankId: bank.id,
        config: b.config,
        credentials: b.credentials,
        intervalMs: b.intervalMs ?? 300_000,
        enabled: b.enabled ?? true,
      });
      await ctx.catchUp();
      return reply.code(201).send(await view(ctx, x));
    },
  );

  app.patch(
    '/v1/exchanges/:name',
    {
      onRequest: write,
      schema: {
        summary: 'Pause or resume, change the interval, or reset the checkpoint',
        tags: ['sharing'],
        security: [{ bearer: [] }],
        params: NAME_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            enabled: { type: 'boolean' },
            intervalMs: { type: 'integer', minimum: 1000, maximum: 7 * 24 * 3_600_000 },
            resetCheckpoint: { type: 'boolean' },
          },
        },
        response: { 200: EXCHANGE_SCHEMA, ...WITH_404 },
      },
    },
    async (request) => {
      assertJsonBody(request.headers['content-type'], request.body);
      const x = await byName(ctx, (request.params as { name: string }).name);
      await ctx.exchanges.exchanges.update(
        x.id,
        request.body as { enabled?: boolean; intervalMs?: number; resetCheckpoint?: boolean },
      );
      return view(ctx, await byName(ctx, x.name));
    },
  );

  app.delete(
    '/v1/exchanges/:name',
    {
      onRequest: write,
      schema: {
        summary: 'Unsubscribe (the local bank and its entries stay)',
        tags: ['sharing'],
        security: [{ bearer: [] }],
        params: NAME_PARAMS,
        response: { 204: { type: 'null' }, ...WITH_404 },
      },
    },
    async (request, reply) => {
      const name = (request.params as { name: string }).name;
      if (!(await ctx.exchanges.exchanges.remove(name))) {
        throw new LifeguardError(ErrorCodes.NOT_FOUND, `exchange '${name}' not found`, { name });
      }
      return reply.code(204).send();
    },
  );

  app.post(
    '/v1/exchanges/:name/sync',
    {
      onRequest: write,
      schema: {
        summary: 'Sync an exchange now (whether due or not) and report what it did',
        tags: ['sharing'],
        security: [{ bearer: [] }],
        params: NAME_PARAMS,
        response: { 200: SYNC_SCHEMA, ...WITH_404 },
      },
    },
    async (request) => ctx.exchanges.sync((request.params as { name: string }).name),
  );
}
