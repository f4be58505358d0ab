import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadServerConfig } from '../config/server.config.js';
import { startServer } from '../server.runner.js';
import { openVaultBackend } from './vault.factory.js';

describe('evidence vault wiring', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('generates a 0600 key file on first start with one loud notice, never the key itself', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lg-vault-srv-'));
    dirs.push(dir);
    const config = loadServerConfig({
      env: {},
      overrides: { dataDir: dir, port: 0, logLevel: 'silent', adminKey: 'a'.repeat(40) },
    });
    const lines: string[] = [];
    const out = { notice: (l: string) => lines.push(l), warn: (l: string) => lines.push(l) };
    const s1 = await startServer(config, out);
    const file = join(dir, 'vault.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const keyB64 = (JSON.parse(readFileSync(file, 'utf8')) as { keys: { key: string }[] }).keys[0]!
      .key;
    const important = lines.filter((l) => l.includes('IMPORTANT'));
    expect(important).toHaveLength(1);
    expect(important[0]).toContain(file);
    expect(lines.join('\n')).not.toContain(keyB64);
    const info = await s1.ctx.blobs.put('media/abc', Buffer.from('bytes'));
    expect(info.size).toBe(5);
    await s1.close();

    lines.length = 0;
    const s2 = await startServer(config, out);
    expect(lines.filter((l) => l.includes('IMPORTANT'))).toEqual([]);
    expect(Buffer.from((await s2.ctx.blobs.get('media/abc'))!).toString()).toBe('bytes');
    expect(statSync(join(dir, 'blobs', 'media', 'abc.lgv')).isFile()).toBe(true);
    await s2.close();
  });

  it('takes keys from LIFEGUARD_VAULT_KEY and refuses key material in the JSON file', () => {
    const key = randomBytes(32).toString('base64');
    const c = loadServerConfig({ env: { LIFEGUARD_VAULT_KEY: key, LIFEGUARD_VAULT_DIR: '/x' } });
    expect(c.vault.key).toBe(key);
    expect(c.vault.dir).toBe('/x');
    expect(() => loadServerConfig({ overrides: { vault: { key } } })).toThrow(
      /vault.key: unknown field/,
    );
    expect(() => loadServerConfig({ overrides: { vault: { backend: 's3' } } })).toThrow(
      /vault.s3: is required/,
    );
    const s3 = loadServerConfig({
      overrides: {
        vault: { backend: 's3', s3: { bucket: 'evidence', endpoint: 'http://minio:9000' } },
      },
    });
    expect(s3.vault.s3).toEqual({
      bucket: 'evidence',
      region: 'us-east-1',
      endpoint: 'http://minio:9000',
      prefix: 'lifeguard/',
      forcePathStyle: true,
    });
    expect(openVaultBackend(s3).kind).toBe('s3');
    expect(() =>
      loadServerConfig({ overrides: { vault: { s3: { bucket: 'b', prefix: 'no-slash' } } } }),
    ).toThrow(/vault.s3.prefix/);
    expect(() => loadServerConfig({ overrides: { vault: { backend: 'tape' } } })).toThrow(
      /vault.backend/,
    );
  });

  it('validates the evidence section: legal minimum, unknown fields, conflicts', () => {
    const c = loadServerConfig({
      overrides: {
        evidence: {
          jurisdictions: ['US', 'UK'],
          retention: { UK: { holdDays: 730 } },
          accessRoles: ['lead'],
          purgeIntervalMs: 0,
        },
      },
    });
    expect(c.evidence.retention.UK).toEqual({ holdDays: 730 });
    expect(c.evidence.retention.US).toEqual({ holdDays: 365 });
    expect(c.evidence.accessRoles).toEqual(['lead']);
    expect(() =>
      loadServerConfig({ overrides: { evidence: { retention: { US: { holdDays: 90 } } } } }),
    ).toThrow(/evidence.retention.US.holdDays: must be at least 365/);
    expect(() => loadServerConfig({ overrides: { evidence: { holdDays: 1 } } })).toThrow(
      /evidence.holdDays: unknown field/,
    );
    expect(() =>
      loadServerConfig({
        overrides: {
          evidence: { jurisdictions: ['US', 'EU'], retention: { US: { holdDays: 400 } } },
        },
      }),
    ).toThrow(/conflicting retention/);
  });
});
