import {
  ErrorCodes,
  hammingDistance256,
  LifeguardError,
  parseHash256,
  DEFAULT_PDQ_THRESHOLD,
  type UploadContext,
} from '@lifeguard/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { keyOf, requireScope } from '../auth/auth.hook.js';
import { readUpload } from '../http/multipart.reader.js';
import {
  PROBLEM_RESPONSE,
  ERROR_RESPONSES,
  HASHES_SCHEMA,
  MATCH_SCHEMA,
  TRUNCATED_SCHEMA,
} from '../http/schemas.js';
import {
  assertIndexLoaded,
  hashBytes,
  matchHitsOf,
  reviewCopy,
  scanHashes,
  toApiMatch,
  type ScanResult,
} from '../scan/scan.service.js';
import { fetchUrl } from '../scan/url.fetcher.js';
import { parseUploadContext, UPLOAD_CONTEXT_SCHEMA } from '../scan/upload-context.js';
import { SCAN_JOB, type ScanJobPayload } from '../jobs/scan-job.worker.js';
import type { ServerContext } from '../server.context.js';

const SCAN_RESULT = {
  type: 'object',
  required: ['hashes', 'quality', 'matches', 'verdict', 'rule'],
  additionalProperties: false,
  properties: {
    hashes: HASHES_SCHEMA,
    quality: { type: ['integer', 'null'] },
    matches: { type: 'array', items: MATCH_SCHEMA },
    verdict: { type: 'string', enum: ['block', 'review', 'allow'] },
    rule: { type: 'string' },
    truncated: TRUNCATED_SCHEMA,
    contentId: { type: 'string' },
    caseId: {
      type: 'string',
      description: 'The case a block/review verdict with matches opened or joined',
    },
  },
} as const;

const JOB_ACCEPTED = {
  type: 'object',
  additionalProperties: false,
  required: ['jobId', 'state', 'statusUrl'],
  properties: {
    jobId: { type: 'string' },
    state: { type: 'string' },
    statusUrl: { type: 'string' },
  },
} as const;

/** A job as `GET /v1/jobs/{id}` shows it. */
export const JOB_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'state', 'attempts', 'result', 'error', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    kind: { type: 'string' },
    state: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed'] },
    attempts: { type: 'integer' },
    result: { anyOf: [SCAN_RESULT, { type: 'null' }] },
    error: {
      anyOf: [
        {
          type: 'object',
          additionalProperties: false,
          properties: { code: { type: 'string' }, message: { type: 'string' } },
        },
        { type: 'null' },
      ],
    },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
} as const;

const SCAN_JSON_BODY = {
  type: 'object',
  additionalProperties: false,
  description: 'Exactly one of `hashes` or `url`.',
  properties: {
    hashes: HASHES_SCHEMA,
    url: { type: 'string', maxLength: 4096 },
    contentId: { type: 'string', maxLength: 200 },
    userId: { type: 'string', maxLength: 200 },
    metadata: { type: 'object', additionalProperties: true, maxProperties: 50 },
    upload: UPLOAD_CONTEXT_SCHEMA,
  },
} as const;

const UPLOAD_FIELDS = ['contentId', 'userId', 'metadata', 'upload'] as const;

const MEDIA_ERRORS = {
  ...ERROR_RESPONSES,
  413: PROBLEM_RESPONSE,
  415: PROBLEM_RESPONSE,
  422: PROBLEM_RESPONSE,
  503: PROBLEM_RESPONSE,
} as const;

interface ScanJson {
  hashes?: { pdq?: string; md5?: string; sha256?: string };
  url?: string;
  contentId?: string;
  userId?: string;
  metadata?: Record<string, unknown>;
  upload?: Record<string, unknown>;
}

/**
 * `POST /v1/scan`, `POST /v1/hash`, `GET /v1/lookup`, `POST /v1/compare`. Uploads are read
 * into memory (bounded by `limits.maxFileBytes`) and hashed on the worker pool; nothing is
 * written to disk. `userId` and `upload` (IP, port, time, devices) go on the case a match
 * opens; `metadata` is accepted and not stored.
 */
export function scanRoutes(
  app: FastifyInstance,
  ctx: ServerContext,
  isLoaded: () => boolean,
): void {
  const maxFile = ctx.config.limits.maxFileBytes;

  app.post(
    '/v1/scan',
    {
      onRequest: requireScope(ctx, 'scan'),
      // JSON bodies are bounded by the server's bodyLimit (limits.maxJsonBytes); multipart
      // bodies by the multipart parser's file limit (limits.maxFileBytes).
      config: { multipartFile: true },
      schema: {
        summary: 'Scan content: hash (if needed), match against every bank, decide a verdict',
        description:
          'Send `multipart/form-data` with a `file` part (and optional `contentId`, `userId`, ' +
          '`metadata` and `upload` text fields before it; `metadata` and `upload` as JSON ' +
          "text), or JSON with `hashes` or `url`. `upload` (the uploader's IP, port, time " +
          'and device ids) is kept on the case a match opens, preserved with the evidence and ' +
          'reported to the CyberTipline; it is never logged.',
        tags: ['scan'],
        security: [{ bearer: [] }],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            async: {
              type: 'string',
              enum: ['0', '1', 'true', 'false'],
              description:
                'Queue the scan (JSON hashes or url only) and answer 202 with a job id; ' +
                'poll GET /v1/jobs/{id}. An Idempotency-Key header makes retries safe.',
            },
          },
        },
        body: { content: { 'application/json': { schema: SCAN_JSON_BODY } } },
        response: {
          200: SCAN_RESULT,
          202: JOB_ACCEPTED,
          ...MEDIA_ERRORS,
          502: PROBLEM_RESPONSE,
        },
      },
    },
    async (request, reply) => {
      const asyncScan = ['1', 'true'].includes((request.query as { async?: string }).async ?? '');
      if (asyncScan) return enqueueScan(ctx, request, reply);
      assertIndexLoaded(ctx, isLoaded());
      if (request.isMultipart()) {
        const up = await readUpload(request, maxFile, UPLOAD_FIELDS);
        if (up.fields.metadata !== undefined) parseMetadataField(up.fields.metadata);
        const upload =
          up.fields.upload !== undefined ? parseUploadContext(up.fields.upload) : undefined;
        try {
          // The hash pool takes ownership of the bytes it hashes: keep a copy for the review
          // copy a matched upload leaves in the blob store.
          const kept = reviewCopy(ctx, up.bytes);
          const h = await hashBytes(ctx, up.bytes);
          return await notified(ctx, scanHashes(ctx, 'file', h, h.quality, up.fields.contentId), {
            ...(kept !== undefined ? { bytes: kept } : {}),
            ...(up.fields.userId !== undefined ? { uploader: up.fields.userId } : {}),
            ...(upload !== undefined ? { upload } : {}),
          });
        } catch (e) {
          ctx.metrics.scans.inc({ input: 'file', outcome: 'error' });
          throw e;
        }
      }
      assertJsonBody(request.headers['content-type'], request.body);
      const body = request.body as ScanJson;
      if ((body.hashes === undefined) === (body.url === undefined)) {
        throw new LifeguardError(ErrorCodes.INVALID_REQUEST, 'send exactly one of hashes or url');
      }
      const origin = {
        ...(body.userId !== undefined ? { uploader: body.userId } : {}),
        ...(body.upload !== undefined ? { upload: parseUploadContext(body.upload) } : {}),
      };
      if (body.hashes) {
        return notified(ctx, scanHashes(ctx, 'hashes', body.hashes, null, body.contentId), origin);
      }
      try {
        const bytes = await fetchUrl(body.url!, { ...ctx.config.urlFetch, maxBytes: maxFile });
        const kept = reviewCopy(ctx, bytes);
        const h = await hashBytes(ctx, bytes);
        return await notified(ctx, scanHashes(ctx, 'url', h, h.quality, body.contentId), {
          ...(kept !== undefined ? { bytes: kept } : {}),
          ...origin,
        });
      } catch (e) {
        ctx.metrics.scans.inc({ input: 'url', outcome: 'error' });
        throw e;
      }
    },
  );

  app.post(
    '/v1/hash',
    {
      onRequest: requireScope(ctx, 'scan'),
      config: { multipartFile: true },
      schema: {
        summary: 'Hash an uploaded image (PDQ, MD5, SHA-256) without matching',
        tags: ['scan'],
        security: [{ bearer: [] }],
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['pdq', 'quality', 'md5', 'sha256'],
            properties: {
              pdq: { type: 'string' },
              quality: { type: 'integer' },
              md5: { type: 'string' },
              sha256: { type: 'string' },
              format: { type: 'string' },
              width: { type: 'integer' },
              height: { type: 'integer' },
            },
          },
          ...MEDIA_ERRORS,
        },
      },
    },
    async (request) => {
      const up = await readUpload(request, maxFile, []);
      const h = await hashBytes(ctx, up.bytes);
      return {
        pdq: h.pdq,
        quality: h.quality,
        md5: h.md5,
        sha256: h.sha256,
        format: h.format,
        width: h.width,
        height: h.height,
      };
    },
  );

  app.get(
    '/v1/lookup',
    {
      onRequest: requireScope(ctx, 'scan'),
      schema: {
        summary: 'Look one hash up in every bank (returns the matched hashes too)',
        tags: ['scan'],
        security: [{ bearer: [] }],
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['signal', 'value'],
          properties: {
            signal: { type: 'string', enum: ['pdq', 'md5', 'sha256'] },
            value: { type: 'string', maxLength: 128 },
            quality: { type: 'integer', minimum: 0, maximum: 100 },
          },
        },
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['signal', 'value', 'matches'],
            properties: {
              signal: { type: 'string' },
              value: { type: 'string' },
              matches: { type: 'array', items: MATCH_SCHEMA },
              truncated: TRUNCATED_SCHEMA,
            },
          },
          ...ERROR_RESPONSES,
          503: PROBLEM_RESPONSE,
        },
      },
    },
    (request) => {
      assertIndexLoaded(ctx, isLoaded());
      const q = request.query as {
        signal: 'pdq' | 'md5' | 'sha256';
        value: string;
        quality?: number;
      };
      const r = ctx.matcher.match({
        [q.signal]: q.value,
        ...(q.quality !== undefined ? { quality: q.quality } : {}),
      });
      return {
        signal: q.signal,
        value: q.value.toLowerCase(),
        matches: r.matches.map((m) => toApiMatch(ctx, m)),
        truncated: r.truncated.map((t) => ({ bank: t.bankName, omitted: t.omitted })),
      };
    },
  );

  app.post(
    '/v1/compare',
    {
      onRequest: requireScope(ctx, 'scan'),
      schema: {
        summary: 'Hamming distance between two PDQ hashes',
        tags: ['scan'],
        security: [{ bearer: [] }],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['a', 'b'],
          properties: {
            a: { type: 'string', maxLength: 64 },
            b: { type: 'string', maxLength: 64 },
            threshold: { type: 'integer', minimum: 0, maximum: 256 },
          },
        },
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['distance', 'threshold', 'match'],
            properties: {
              distance: { type: 'integer' },
              threshold: { type: 'integer' },
              match: { type: 'boolean' },
            },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    (request) => {
      const b = request.body as { a: string; b: string; threshold?: number };
      const distance = hammingDistance256(parseHash256(b.a), parseHash256(b.b));
      const threshold = b.threshold ?? DEFAULT_PDQ_THRESHOLD;
      return { distance, threshold, match: distance <= threshold };
    },
  );
}

/**
 * Open or join the case a matched verdict makes, and record the verdict webhook, both durably
 * before answering: durable before acknowledged.
 */
async function notified(
  ctx: ServerContext,
  result: ScanResult,
  media: {
    readonly bytes?: Uint8Array;
    readonly uploader?: string;
    readonly upload?: UploadContext;
  },
): Promise<ScanResult> {
  const c = await ctx.cases.fromScan(result, matchHitsOf(result), media);
  const out = c === undefined ? result : { ...result, caseId: c.caseId };
  await ctx.webhooks.record(result.verdict, { ...out });
  return out;
}

async function enqueueScan(
  ctx: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  if (request.isMultipart()) {
    throw new LifeguardError(
      ErrorCodes.INVALID_REQUEST,
      'async scans take JSON hashes or a url; uploads are scanned synchronously because ' +
        'media bytes are never stored',
    );
  }
  assertJsonBody(request.headers['content-type'], request.body);
  const body = request.body as ScanJson;
  if ((body.hashes === undefined) === (body.url === undefined)) {
    throw new LifeguardError(ErrorCodes.INVALID_REQUEST, 'send exactly one of hashes or url');
  }
  const key = request.headers['idempotency-key'];
  if (key !== undefined && (typeof key !== 'string' || key.length === 0 || key.length > 200)) {
    throw new LifeguardError(
      ErrorCodes.INVALID_REQUEST,
      'Idempotency-Key must be 1..200 characters',
    );
  }
  const payload: ScanJobPayload = {
    keyId: keyOf(request).keyId,
    ...(body.hashes ? { hashes: body.hashes } : { url: body.url! }),
    ...(body.contentId !== undefined ? { contentId: body.contentId } : {}),
    ...(body.userId !== undefined ? { userId: body.userId } : {}),
    ...(body.upload !== undefined ? { upload: parseUploadContext(body.upload) } : {}),
  };
  const job = await ctx.jobs.enqueue(
    SCAN_JOB,
    { ...payload },
    {
      // Scoped per key, so two clients cannot collide on (or probe) each other's keys.
      ...(key ? { idempotencyKey: `${payload.keyId}:${key}` } : {}),
    },
  );
  return reply
    .code(202)
    .header('location', `/v1/jobs/${job.id}`)
    .send({ jobId: job.id, state: job.state, statusUrl: `/v1/jobs/${job.id}` });
}

function parseMetadataField(text: string): void {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new LifeguardError(ErrorCodes.INVALID_REQUEST, 'metadata field must be a JSON object');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new LifeguardError(ErrorCodes.INVALID_REQUEST, 'metadata field must be a JSON object');
  }
}

/** Refuse bodies of other content types (streams from the import parser, say). */
export function assertJsonBody(contentType: string | undefined, body: unknown): void {
  if (!contentType || !/^application\/json\b/i.test(contentType)) {
    throw new LifeguardError(
      ErrorCodes.UNSUPPORTED_MEDIA_TYPE,
      'expected application/json or multipart/form-data',
    );
  }
  if (typeof body !== 'object' || body === null) {
    throw new LifeguardError(ErrorCodes.INVALID_REQUEST, 'body must be a JSON object');
  }
}
