import { createStore, type LifeguardStore } from '@lifeguard/store';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.factory.js';
import type { ServerConfig } from './config/server.config.js';
import { ScanJobWorker } from './jobs/scan-job.worker.js';
import { ServerContext } from './server.context.js';

/** Where the server writes its one-off notices (the admin key, the listen address). */
export interface ServerOutput {
  /** One line for the operator (stdout). */
  readonly notice: (line: string) => void;
  /** One line about a problem (stderr). */
  readonly warn: (line: string) => void;
}

/** A running server. */
export interface RunningServer {
  /** `http://host:port` actually bound (port 0 resolved). */
  readonly url: string;
  /** The Fastify instance (undefined for the `worker` role). */
  readonly app: FastifyInstance | undefined;
  /** The context (index, store, metrics). */
  readonly ctx: ServerContext;
  /** Resolves once the match index has loaded. */
  readonly indexLoaded: Promise<void>;
  /**
   * Stop accepting connections, let in-flight requests finish (up to
   * `config.shutdownGraceMs`), then stop the index loop, the workers and the store.
   */
  close(): Promise<void>;
}

/**
 * Open the store, make sure an admin key exists (printing a generated one once), start the
 * HTTP API (roles `all`, `api`) and load the match index in the background — the server
 * answers `/healthz` at once and `/readyz` reports the load; scans get 503 until it is done.
 * Roles: `all` serves the API and runs queued scans; `api` serves the API and only queues
 * asynchronous scans; `worker` runs queued scans without an HTTP API.
 */
export async function startServer(config: ServerConfig, out: ServerOutput): Promise<RunningServer> {
  const store: LifeguardStore = await createStore(
    config.databaseUrl
      ? { databaseUrl: config.databaseUrl, pgSchema: config.pgSchema }
      : { dataDir: config.dataDir },
  );
  let ctx: ServerContext | undefined;
  let app: FastifyInstance | undefined;
  try {
    ctx = new ServerContext(
      config,
      store,
      (msg, err) => out.warn(`${msg}: ${err instanceof Error ? err.message : String(err)}`),
      out.warn,
    );
    const generated = await ctx.keys.ensureAdmin(config.adminKey);
    if (generated !== undefined) {
      out.notice(
        `Created the first admin API key (shown only this once; store it now):\n  ${generated}`,
      );
    }
    let loaded = false;
    const c = ctx;
    const indexLoaded = c.start().then(() => {
      loaded = true;
    });
    // Roles `all` and `worker` run queued scans; `api` only queues them.
    const worker =
      config.role === 'api'
        ? undefined
        : new ScanJobWorker(c, () => loaded, 4, 200, config.jobLeaseMs);
    worker?.start();
    if (worker) c.reports.onEnqueued = () => worker.wake();
    if (config.role !== 'api') c.webhooks.start();
    let url = '';
    if (config.role !== 'worker') {
      app = await buildApp(c, {
        isLoaded: () => loaded,
        logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
      });
      url = await app.listen({ port: config.port, host: config.host });
    }
    indexLoaded.catch((e: unknown) =>
      out.warn(`index load failed: ${e instanceof Error ? e.message : String(e)}`),
    );
    const a = app;
    let closing: Promise<void> | undefined;
    return {
      url,
      app: a,
      ctx: c,
      indexLoaded,
      close: () =>
        (closing ??= (async () => {
          if (a) {
            // Stop listening (new requests on open connections get 503), wait for in-flight
            // requests to finish or the grace period to end, then close every connection —
            // keep-alive sockets would otherwise hold server.close() open indefinitely.
            const closed = a.close();
            const deadline = Date.now() + config.shutdownGraceMs;
            while (c.inFlight > 0 && Date.now() < deadline) {
              await new Promise((r) => setTimeout(r, 20));
            }
            a.server.closeAllConnections();
            await closed;
          }
          await worker?.stop();
          await c.webhooks.stop();
          await indexLoaded.catch(() => undefined);
          await c.stop();
          await store.close();
        })()),
    };
  } catch (e) {
    await app?.close().catch(() => undefined);
    await ctx?.stop().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw e;
  }
}
