import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SERVER_CONFIG, loadServerConfig } from './server.config.js';

describe('loadServerConfig', () => {
  it('has the documented defaults', () => {
    const c = loadServerConfig({ env: {} });
    expect(c).toEqual(DEFAULT_SERVER_CONFIG);
    expect([c.port, c.host, c.dataDir, c.databaseUrl]).toEqual([
      8080,
      '127.0.0.1',
      './.lifeguard',
      undefined,
    ]);
  });
  it('layers file < env < overrides', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lg-config-'));
    const file = join(dir, 'c.json');
    writeFileSync(
      file,
      JSON.stringify({
        port: 9000,
        host: '0.0.0.0',
        limits: { maxFileBytes: 2048 },
        actions: { labels: { csam: 'block' } },
      }),
    );
    const c = loadServerConfig({
      file,
      env: { LIFEGUARD_PORT: '9001', DATABASE_URL: 'postgres://u@h/db' },
      overrides: { port: 9002 },
    });
    expect(c.port).toBe(9002);
    expect(c.host).toBe('0.0.0.0');
    expect(c.databaseUrl).toBe('postgres://u@h/db');
    expect(c.limits.maxFileBytes).toBe(2048);
    expect(c.limits.maxJsonBytes).toBe(DEFAULT_SERVER_CONFIG.limits.maxJsonBytes);
    expect(c.actions.labels).toEqual({ csam: 'block' });
  });
  it.each([
    [{ prot: 1 }, /prot: unknown field/],
    [{ limits: { maxFileByte: 1 } }, /limits.maxFileByte: unknown field/],
    [{ port: 70000 }, /port: must be an integer/],
    [{ role: 'boss' }, /role: must be one of/],
    [{ actions: { labels: { x: 'delete' } } }, /actions.labels.x: must be one of/],
    [{ adminKey: 'short' }, /adminKey: must be at least 32/],
    [{ databaseUrl: 'mysql://x' }, /databaseUrl/],
    [{ urlFetch: { allowPrivateIps: ['nope'] } }, /allowPrivateIps/],
    [{ webhooks: { endpoints: [{ name: 'a', url: 'ftp://x', secret: 'x'.repeat(16) }] } }, /url/],
    [{ webhooks: { endpoints: [{ name: 'a', url: 'http://x', secret: 'short' }] } }, /secret/],
    [
      {
        webhooks: {
          endpoints: [{ name: 'a', url: 'http://x', secret: 'x'.repeat(16), verdicts: ['nuke'] }],
        },
      },
      /verdicts\[0\]/,
    ],
  ])('rejects %j', (overrides, message) => {
    expect(() => loadServerConfig({ env: {}, overrides })).toThrow(message);
  });
  it('rejects a bad environment value with its field', () => {
    expect(() => loadServerConfig({ env: { LIFEGUARD_PORT: 'eighty' } })).toThrow(/port/);
  });
});
