import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../server.context.js';

/**
 * `GET /healthz` (the process answers), `GET /readyz` (store reachable and index loaded,
 * with the index lag as numbers), `GET /metrics` (Prometheus text). Unauthenticated, for
 * orchestrators and scrapers; the server listens on loopback by default. Readiness depends
 * on the index having loaded once and the store answering — never on the index's size or
 * on a lag threshold, so a big bank cannot flap the instance out of rotation.
 */
export function healthRoutes(
  app: FastifyInstance,
  ctx: ServerContext,
  isLoaded: () => boolean,
): void {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness: the process is up',
        tags: ['health'],
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            properties: { status: { type: 'string', enum: ['ok'] } },
          },
        },
      },
    },
    () => ({ status: 'ok' }),
  );

  const READY = {
    type: 'object',
    additionalProperties: false,
    required: ['status', 'store', 'index'],
    properties: {
      status: { type: 'string', enum: ['ready', 'not_ready'] },
      store: { type: 'string', enum: ['ok', 'unreachable'] },
      index: {
        type: 'object',
        additionalProperties: false,
        properties: {
          loaded: { type: 'boolean' },
          entries: { type: 'integer' },
          appliedSeq: { type: 'integer' },
          storeSeq: { type: 'integer' },
          lagChanges: { type: 'integer' },
          msSinceLastPoll: { type: ['integer', 'null'] },
        },
      },
    },
  } as const;

  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: store reachable, index loaded (lag reported)',
        tags: ['health'],
        response: { 200: READY, 503: READY },
      },
    },
    async (_request, reply) => {
      let store: 'ok' | 'unreachable' = 'ok';
      try {
        await ctx.store.currentSeq();
      } catch {
        store = 'unreachable';
      }
      const lag = ctx.sync.lag();
      const s = ctx.matcher.stats();
      const loaded = isLoaded();
      const ready = store === 'ok' && loaded;
      return reply.code(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'not_ready',
        store,
        index: {
          loaded,
          entries: s.pdq.size + s.exactEntries,
          appliedSeq: lag.appliedSeq,
          storeSeq: lag.storeSeq,
          lagChanges: lag.seqBehind,
          msSinceLastPoll:
            lag.msSinceLastPoll === undefined ? null : Math.round(lag.msSinceLastPoll),
        },
      });
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics',
        tags: ['health'],
        response: { 200: { type: 'string' } },
      },
    },
    async (_request, reply) => {
      const text = await ctx.metrics.registry.metrics();
      return reply.type(ctx.metrics.registry.contentType).send(text);
    },
  );
}
