import { Readable } from 'node:stream';
import {
  BANK_FILE_FORMATS,
  ErrorCodes,
  formatBankFile,
  importBankFile,
  LifeguardError,
  type Bank,
  type BankFileFormat,
  type NewBank,
  type NewBankEntry,
  type Signal,
} from '@lifeguard/core';
import type { FastifyInstance } from 'fastify';
import { requireScope } from '../auth/auth.hook.js';
import {
  BANK_SCHEMA,
  BANK_SETTINGS_PROPERTIES,
  ERROR_RESPONSES,
  PROBLEM_RESPONSE,
} from '../http/schemas.js';
import type { ServerContext } from '../server.context.js';
import { assertJsonBody } from './scan.routes.js';

/** Content types the import endpoint streams (raw, never buffered whole). */
export const IMPORT_CONTENT_TYPES = [
  'text/plain',
  'text/csv',
  'application/x-ndjson',
  'application/jsonl',
  'application/octet-stream',
] as const;

const NAME_PARAMS = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,100}$' } },
} as const;

const WITH_404 = { ...ERROR_RESPONSES, 404: PROBLEM_RESPONSE } as const;

/** `?opinion=false_positive` on removals (recorded in the feed tombstone). */
const OPINION_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: { opinion: { type: 'string', enum: ['false_positive'] } },
} as const;

type Settings = Partial<Omit<Bank, 'id' | 'name' | 'createdAt'>> & { action?: string | null };

async function bankByName(ctx: ServerContext, name: string): Promise<Bank> {
  const b = await ctx.store.getBankByName(name);
  if (!b) throw new LifeguardError(ErrorCodes.NOT_FOUND, `bank '${name}' not found`, { name });
  return b;
}

async function view(ctx: ServerContext, b: Bank): Promise<Record<string, unknown>> {
  return {
    ...b,
    action: ctx.bankActions().get(b.id) ?? null,
    entries: await ctx.store.countEntries(b.id),
  };
}

function splitAction(s: Settings): {
  settings: Omit<Settings, 'action'>;
  action: string | null | undefined;
} {
  const { action, ...settings } = s;
  return { settings, action };
}

/** Count bytes of a request stream and fail once it passes `limit`. */
async function* limited(src: AsyncIterable<Buffer>, limit: number): AsyncGenerator<Buffer> {
  let n = 0;
  for await (const chunk of src) {
    n += chunk.length;
    if (n > limit) {
      throw new LifeguardError(ErrorCodes.INPUT_TOO_LARGE, 'import is larger than the limit', {
        limit,
      });
    }
    yield chunk;
  }
}

function formatFor(contentType: string | undefined, q: string | undefined): BankFileFormat {
  if (q !== undefined) return q as BankFileFormat;
  if (contentType?.startsWith('text/csv')) return 'csv';
  if (/ndjson|jsonl/.test(contentType ?? '')) return 'jsonl';
  return 'text';
}

/**
 * Banks: list, create, read, change settings (including the per-bank action), delete, bulk
 * add entries, enable/disable/remove an entry, streaming import and export. Writes are
 * applied to this process's index before the response, so the next scan sees them; other
 * processes follow the store's change log.
 */
export function bankRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const read = requireScope(ctx, 'banks:read');
  const write = requireScope(ctx, 'banks:write');

  app.get(
    '/v1/banks',
    {
      onRequest: read,
      schema: {
        summary: 'List banks with settings, action and entry counts',
        tags: ['banks'],
        security: [{ bearer: [] }],
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['banks'],
            properties: { banks: { type: 'array', items: BANK_SCHEMA } },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async () => {
      const banks = await ctx.store.listBanks();
      return { banks: await Promise.all(banks.map((b) => view(ctx, b))) };
    },
  );

  app.post(
    '/v1/banks',
    {
      onRequest: write,
      schema: {
        summary: 'Create a bank',
        tags: ['banks'],
        security: [{ bearer: [] }],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: { name: NAME_PARAMS.properties.name, ...BANK_SETTINGS_PROPERTIES },
        },
        response: { 201: BANK_SCHEMA, ...ERROR_RESPONSES, 409: PROBLEM_RESPONSE },
      },
    },
    async (request, reply) => {
      assertJsonBody(request.headers['content-type'], request.body);
      const { settings, action } = splitAction(request.body as Settings & { name: string });
      const bank = await ctx.store.createBank(settings as NewBank);
      if (action !== undefined && action !== null) await ctx.bankActionStore.set(bank.id, action);
      await ctx.refreshActions();
      await ctx.catchUp();
      return reply.code(201).send(await view(ctx, bank));
    },
  );

  app.get(
    '/v1/banks/:name',
    {
      onRequest: read,
      schema: {
        summary: 'One bank',
        tags: ['banks'],
        security: [{ bearer: [] }],
        params: NAME_PARAMS,
        response: { 200: BANK_SCHEMA, ...WITH_404 },
      },
    },
    async (request) => view(ctx, await bankByName(ctx, (request.params as { name: string }).name)),
  );

  app.patch(
    '/v1/banks/:name',
    {
      onRequest: write,
      schema: {
        summary: 'Change bank settings (threshold, quality floor, labels, enabled, action, ...)',
        tags: ['banks'],
        security: [{ bearer: [] }],
        params: NAME_PARAMS,
        body: { type: 'object', additionalProperties: false, properties: BANK_SETTINGS_PROPERTIES },
        response: { 200: BANK_SCHEMA, ...WITH_404 },
      },
    },
    async (request) => {
      assertJsonBody(request.headers['content-type'], request.body);
      const b = await bankByName(ctx, (request.params as { name: string }).name);
      const { settings, action } = splitAction(request.body as Settings);
      const updated =
        Object.keys(settings).length > 0 ? await ctx.store.updateBank(b.id, settings) : b;
      if (action !== undefined) await ctx.bankActionStore.set(b.id, action);
      await ctx.refreshActions();
      await ctx.catchUp();
      return view(ctx, updated);
    },
  );

  app.delete(
    '/v1/banks/:name',
    {
      onRequest: write,
      schema: {
        summary: 'Delete a bank with all its entries and its action (disable it to keep them)',
        tags: ['banks'],
        security: [{ bearer: [] }],
        params: NAME_PARAMS,
        response: { 204: { type: 'null' }, ...WITH_404 },
      },
    },
    async (request, reply) => {
      const b = await bankByName(ctx, (request.params as { name: string }).name);
      await ctx.store.deleteBank(b.id);
      await ctx.refreshActions();
      await ctx.catchUp();
      return reply.code(204).send();
    },
  );

  app.post(
    '/v1/banks/:name/entries',
    {
      onRequest: write,
      schema: {
        summary: 'Add entries (idempotent: existing values count as duplicates)',
        tags: ['banks'],
        security: [{ bearer: [] }],
        params: NAME_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['entries'],
          properties: {
            entries: {
              type: 'array',
              minItems: 1,
              maxItems: 10_000,
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['signalType', 'value'],
                properties: {
                  signalType: { type: 'string', enum: ['pdq', 'md5', 'sha256'] },
                  value: { type: 'string', maxLength: 128 },
                  sourceId: { type: 'string', maxLength: 200 },
                  classification: { type: 'string', maxLength: 100 },
                  note: { type: 'string', maxLength: 2000 },
                  metadata: { type: 'object', additionalProperties: true },
                },
              },
            },
          },
        },
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['added', 'duplicates'],
            properties: { added: { type: 'integer' }, duplicates: { type: 'integer' } },
          },
          ...WITH_404,
        },
      },
    },
    async (request) => {
      assertJsonBody(request.headers['content-type'], request.body);
      const b = await bankByName(ctx, (request.params as { name: string }).name);
      const entries = (request.body as { entries: NewBankEntry[] }).entries;
      const r = await ctx.store.addEntries(b.id, entries);
      await ctx.catchUp();
      return { added: r.added, duplicates: r.duplicates };
    },
  );

  const ENTRY_PARAMS = {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'id'],
    properties: { name: NAME_PARAMS.properties.name, id: { type: 'integer', minimum: 1 } },
  } as const;

  app.patch(
    '/v1/banks/:name/entries/:id',
    {
      onRequest: write,
      schema: {
        summary: 'Enable or disable an entry (kept, not matched while disabled)',
        tags: ['banks'],
        security: [{ bearer: [] }],
        params: ENTRY_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['enabled'],
          properties: { enabled: { type: 'boolean' } },
        },
        response: { 204: { type: 'null' }, ...WITH_404 },
      },
    },
    async (request, reply) => {
      const p = request.params as { name: string; id: number };
      const b = await bankByName(ctx, p.name);
      const e = await ctx.store.getEntry(p.id);
      if (!e || e.bankId !== b.id)
        throw new LifeguardError(ErrorCodes.NOT_FOUND, `entry ${p.id} not found`);
      await ctx.store.setEntryEnabled(p.id, (request.body as { enabled: boolean }).enabled);
      await ctx.catchUp();
      return reply.code(204).send();
    },
  );

  app.delete(
    '/v1/banks/:name/entries/:id',
    {
      onRequest: write,
      schema: {
        summary: 'Remove an entry (with `opinion=false_positive` when a reviewer found it benign)',
        description:
          "The removal is a tombstone in the bank's hash-sharing feed; with " +
          '`opinion=false_positive` subscribers also learn that the signal is benign.',
        tags: ['banks'],
        security: [{ bearer: [] }],
        params: ENTRY_PARAMS,
        querystring: OPINION_QUERY,
        response: { 204: { type: 'null' }, ...WITH_404 },
      },
    },
    async (request, reply) => {
      const p = request.params as { name: string; id: number };
      const { opinion } = request.query as { opinion?: 'false_positive' };
      const b = await bankByName(ctx, p.name);
      const e = await ctx.store.getEntry(p.id);
      if (!e || e.bankId !== b.id)
        throw new LifeguardError(ErrorCodes.NOT_FOUND, `entry ${p.id} not found`);
      await ctx.store.removeEntry(p.id, opinion ? { opinion } : {});
      await ctx.catchUp();
      return reply.code(204).send();
    },
  );

  app.post(
    '/v1/banks/:name/entries/remove',
    {
      onRequest: write,
      schema: {
        summary: 'Remove entries by signal value (idempotent), optionally as false positives',
        tags: ['banks'],
        security: [{ bearer: [] }],
        params: NAME_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['entries'],
          properties: {
            entries: {
              type: 'array',
              minItems: 1,
              maxItems: 10_000,
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['signalType', 'value'],
                properties: {
                  signalType: { type: 'string', enum: ['pdq', 'md5', 'sha256'] },
                  value: { type: 'string', maxLength: 128 },
                },
              },
            },
            opinion: OPINION_QUERY.properties.opinion,
          },
        },
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['removed'],
            properties: { removed: { type: 'integer' } },
          },
          ...WITH_404,
        },
      },
    },
    async (request) => {
      assertJsonBody(request.headers['content-type'], request.body);
      const b = await bankByName(ctx, (request.params as { name: string }).name);
      const body = request.body as { entries: Signal[]; opinion?: 'false_positive' };
      const removed = await ctx.store.removeSignals(
        b.id,
        body.entries,
        body.opinion ? { opinion: body.opinion } : {},
      );
      await ctx.catchUp();
      return { removed };
    },
  );

  app.post(
    '/v1/banks/:name/import',
    {
      onRequest: write,
      config: { rawImport: true },
      schema: {
        summary: 'Import a bank file, streamed (text, csv or jsonl; invalid lines are reported)',
        description:
          'Send the file as the raw body (`text/plain`, `text/csv`, `application/x-ndjson`). ' +
          'Strict mode is not offered over HTTP (it needs two passes over the file); use the CLI.',
        tags: ['banks'],
        security: [{ bearer: [] }],
        params: NAME_PARAMS,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { format: { type: 'string', enum: [...BANK_FILE_FORMATS] } },
        },
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['records', 'added', 'duplicates', 'invalid', 'invalidLines'],
            properties: {
              records: { type: 'integer' },
              added: { type: 'integer' },
              duplicates: { type: 'integer' },
              invalid: { type: 'integer' },
              invalidLines: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  properties: { line: { type: 'integer' }, reason: { type: 'string' } },
                },
              },
            },
          },
          ...WITH_404,
          413: PROBLEM_RESPONSE,
          415: PROBLEM_RESPONSE,
        },
      },
    },
    async (request) => {
      const ct = request.headers['content-type'];
      if (!IMPORT_CONTENT_TYPES.some((t) => ct?.toLowerCase().startsWith(t))) {
        throw new LifeguardError(
          ErrorCodes.UNSUPPORTED_MEDIA_TYPE,
          `import takes ${IMPORT_CONTENT_TYPES.join(', ')}`,
        );
      }
      const limit = ctx.config.limits.maxImportBytes;
      if (Number(request.headers['content-length'] ?? 0) > limit) {
        throw new LifeguardError(ErrorCodes.INPUT_TOO_LARGE, 'import is larger than the limit', {
          limit,
        });
      }
      const b = await bankByName(ctx, (request.params as { name: string }).name);
      const format = formatFor(ct, (request.query as { format?: string }).format);
      const body = request.body as AsyncIterable<Buffer>;
      let opened = false;
      const report = await importBankFile(
        ctx.store,
        b.id,
        () => {
          // Non-strict imports read the file once; a second open would be a bug.
          if (opened) throw new LifeguardError(ErrorCodes.INTERNAL, 'import stream opened twice');
          opened = true;
          return limited(body, limit);
        },
        { format },
      );
      await ctx.catchUp();
      return report;
    },
  );

  app.get(
    '/v1/banks/:name/export',
    {
      onRequest: read,
      schema: {
        summary: "Export a bank's enabled entries, streamed",
        tags: ['banks'],
        security: [{ bearer: [] }],
        params: NAME_PARAMS,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { format: { type: 'string', enum: [...BANK_FILE_FORMATS] } },
        },
        response: { 200: { type: 'string' }, ...WITH_404 },
      },
    },
    async (request, reply) => {
      const b = await bankByName(ctx, (request.params as { name: string }).name);
      const format = ((request.query as { format?: string }).format ?? 'text') as BankFileFormat;
      const type =
        format === 'csv' ? 'text/csv' : format === 'jsonl' ? 'application/x-ndjson' : 'text/plain';
      void reply.type(`${type}; charset=utf-8`);
      return reply.send(Readable.from(formatBankFile(ctx.store.streamEntries(b.id), format)));
    },
  );
}
