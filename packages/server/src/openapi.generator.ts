import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '@lifeguard/store';
import { buildApp } from './app.factory.js';
import { DEFAULT_SERVER_CONFIG } from './config/server.config.js';
import { ServerContext } from './server.context.js';

/**
 * The OpenAPI document of the HTTP API, generated from the route schemas (the same schemas
 * that validate requests, so the document cannot disagree with the server). Builds the app
 * over a throw-away SQLite store; nothing listens.
 */
export async function generateOpenApi(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeguard-openapi-'));
  const store = await createStore({ dataDir: dir });
  const ctx = new ServerContext(
    {
      ...DEFAULT_SERVER_CONFIG,
      dataDir: dir,
      limits: { ...DEFAULT_SERVER_CONFIG.limits, hashWorkers: 1 },
    },
    store,
    () => undefined,
  );
  try {
    const app = await buildApp(ctx, { isLoaded: () => true });
    await app.ready();
    const doc = app.swagger() as unknown as Record<string, unknown>;
    await app.close();
    return doc;
  } finally {
    await ctx.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
