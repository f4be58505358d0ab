import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { evidenceRoutes } from './evidence/evidence.routes.js';
import { installProblemHandlers, PROBLEM_SCHEMA } from './http/problem.handler.js';
import { authRoutes } from './routes/auth.routes.js';
import { consoleRoutes, findConsoleDir } from './routes/console.routes.js';
import { auditRoutes } from './routes/audit.routes.js';
import { bankRoutes, IMPORT_CONTENT_TYPES } from './routes/banks.routes.js';
import { caseRoutes } from './routes/cases.routes.js';
import { reportRoutes } from './routes/reports.routes.js';
import { eventRoutes, NDJSON_TYPE } from './routes/events.routes.js';
import { exchangeRoutes } from './routes/exchanges.routes.js';
import { feedRoutes } from './routes/feeds.routes.js';
import { healthRoutes } from './routes/health.routes.js';
import { jobRoutes } from './routes/jobs.routes.js';
import { webhookRoutes } from './routes/webhooks.routes.js';
import { keyRoutes } from './routes/keys.routes.js';
import { userReportRoutes } from './routes/user-reports.routes.js';
import { scanRoutes } from './routes/scan.routes.js';
import { userRoutes } from './routes/users.routes.js';
import type { ServerContext } from './server.context.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route takes a multipart upload with a `file` part (documented in OpenAPI). */
    multipartFile?: boolean;
    /** The route streams a raw bank file body (documented in OpenAPI). */
    rawImport?: boolean;
    /** The route also takes an NDJSON body (documented in OpenAPI). */
    ndjsonBody?: boolean;
  }
}

/** Version of the HTTP API in the OpenAPI document. */
export const API_VERSION = '1.0.0';

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  /** Whether the match index has finished its first load. */
  readonly isLoaded: () => boolean;
  /** Fastify logger option (false in tests and for OpenAPI generation). */
  readonly logger?: boolean | { level: string };
}

/**
 * Assemble the Fastify application: problem+json errors, multipart, the streaming import
 * parser, OpenAPI generation from the route schemas, every route, and request metrics.
 * Media bytes never reach the logger: Fastify logs request lines, not bodies.
 */
export async function buildApp(
  ctx: ServerContext,
  opts: BuildAppOptions,
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: ctx.config.limits.maxJsonBytes,
    // Reject unknown fields instead of silently dropping them (Fastify's Ajv default is
    // removeAdditional: true). Type coercion stays on: querystrings are strings on the wire.
    ajv: { customOptions: { removeAdditional: false, allErrors: false } },
    // Fastify's own request ids; the client's header is not trusted.
    requestIdHeader: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  installProblemHandlers(app);
  app.addSchema(PROBLEM_SCHEMA);

  // Console sessions: the cookie is read on every request (signing is not needed: the value
  // is 256 random bits looked up by hash).
  await app.register(cookie);
  await app.register(multipart, {
    limits: { fileSize: ctx.config.limits.maxFileBytes, files: 1, fields: 10, parts: 12 },
  });
  // Bank imports stream the raw body through the importer (constant memory, any size up to
  // limits.maxImportBytes); other routes refuse these content types with 415.
  app.addContentTypeParser([...IMPORT_CONTENT_TYPES], (_request, payload, done) =>
    done(null, payload),
  );

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Lifeguard scanning API',
        version: API_VERSION,
        description:
          'Hash, match and act on uploads. Errors are application/problem+json with a stable ' +
          'LG_ERR_* code. Authenticate with `Authorization: Bearer <API key>`.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'API key' },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'lg_session',
            description:
              'Console session from POST /v1/auth/login; mutating requests also send the ' +
              'X-Lifeguard-CSRF header',
          },
        },
      },
    },
    refResolver: {
      buildLocalReference: (json, _base, _frag, i) => (json.$id as string) ?? `def-${i}`,
    },
    transform: ({ schema, url, route }) => {
      const cfg = route.config;
      if (!schema || (!cfg?.multipartFile && !cfg?.rawImport && !cfg?.ndjsonBody)) {
        return { schema, url };
      }
      const s = { ...schema } as Record<string, unknown>;
      const content = {
        ...((s.body as { content?: Record<string, unknown> } | undefined)?.content ?? {}),
      };
      if (cfg.multipartFile) {
        content['multipart/form-data'] = {
          schema: {
            type: 'object',
            required: ['file'],
            properties: {
              file: { type: 'string', format: 'binary' },
              contentId: { type: 'string' },
              userId: { type: 'string' },
              metadata: { type: 'string', description: 'JSON object' },
            },
          },
        };
      } else if (cfg.ndjsonBody) {
        content[NDJSON_TYPE] = {
          schema: { type: 'string', description: 'One JSON event per line' },
        };
      } else {
        for (const t of IMPORT_CONTENT_TYPES) content[t] = { schema: { type: 'string' } };
      }
      s.body = { content };
      return { schema: s, url };
    },
  });

  app.addHook('onRequest', (_request, reply, done) => {
    ctx.inFlight++;
    // 'close' fires once per response, whether it finished or the client went away.
    reply.raw.once('close', () => ctx.inFlight--);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    ctx.metrics.latency.observe(
      { route, method: request.method, status: `${Math.floor(reply.statusCode / 100)}xx` },
      reply.elapsedTime / 1000,
    );
    done();
  });

  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  healthRoutes(app, ctx, opts.isLoaded);
  scanRoutes(app, ctx, opts.isLoaded);
  bankRoutes(app, ctx);
  keyRoutes(app, ctx);
  jobRoutes(app, ctx);
  webhookRoutes(app, ctx);
  eventRoutes(app, ctx);
  evidenceRoutes(app, ctx);
  authRoutes(app, ctx);
  userRoutes(app, ctx);
  feedRoutes(app, ctx);
  exchangeRoutes(app, ctx);
  reportRoutes(app, ctx);
  await consoleRoutes(app, findConsoleDir(ctx.config.consoleDir));
  caseRoutes(app, ctx);
  userReportRoutes(app, ctx);
  auditRoutes(app, ctx);
  return app;
}
