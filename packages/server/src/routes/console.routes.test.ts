import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, type LifeguardStore } from '@lifeguard/store';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.factory.js';
import { DEFAULT_SERVER_CONFIG } from '../config/server.config.js';
import { ServerContext } from '../server.context.js';
import { CONTENT_SECURITY_POLICY } from './console.routes.js';

describe('console static files', () => {
  let dir: string;
  let store: LifeguardStore;
  const apps: FastifyInstance[] = [];
  const ctxs: ServerContext[] = [];

  const make = async (consoleDir: string): Promise<FastifyInstance> => {
    const ctx = new ServerContext(
      {
        ...DEFAULT_SERVER_CONFIG,
        consoleDir,
        limits: { ...DEFAULT_SERVER_CONFIG.limits, hashWorkers: 1 },
      },
      store,
      () => undefined,
    );
    ctxs.push(ctx);
    const app = await buildApp(ctx, { isLoaded: () => true });
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeguard-console-'));
    mkdirSync(join(dir, 'web', 'assets'), { recursive: true });
    writeFileSync(join(dir, 'web', 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(dir, 'web', 'assets', 'app-1234.js'), 'console.log(1)');
    writeFileSync(join(dir, 'web', 'secret.txt'), 'not served');
    store = await createStore({ dataDir: join(dir, 'data') });
  });
  afterAll(async () => {
    for (const a of apps) await a.close();
    for (const c of ctxs) await c.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html uncached and assets immutable, with a strict CSP on everything', async () => {
    const app = await make(join(dir, 'web'));
    const index = await app.inject({ method: 'GET', url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.body).toContain('<title>console</title>');
    expect(index.headers['content-type']).toMatch(/text\/html/);
    expect(index.headers['cache-control']).toBe('no-store');
    expect(index.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toMatch(/default-src 'none'/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe|https?:/);
    expect(index.headers['x-frame-options']).toBe('DENY');
    const asset = await app.inject({ method: 'GET', url: '/assets/app-1234.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toMatch(/immutable/);
    expect((await app.inject({ method: 'GET', url: '/secret.txt' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/assets/../secret.txt' })).statusCode).not.toBe(
      200,
    );
    const api = await app.inject({ method: 'GET', url: '/healthz' });
    expect(api.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(api.headers['x-content-type-options']).toBe('nosniff');
  });

  it('says how to build the console when it is missing', async () => {
    const app = await make(join(dir, 'nowhere'));
    const r = await app.inject({ method: 'GET', url: '/' });
    expect(r.statusCode).toBe(503);
    expect(r.body).toMatch(/npm run build/);
  });
});
