import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CASE_POLICY, type Actor } from '@lifeguard/core';
import { loadServerConfig, openVault } from '@lifeguard/server';
import { createStore, KyselyAuditLog, KyselyCaseStore } from '@lifeguard/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { captureIo } from '../testing/capture-io.js';

const PASS = 'a long bundle passphrase';
const actor: Actor = { id: 'user:csr', roles: ['child_safety_reviewer'] };
// Benign bytes standing in for an evidence file (never real media in tests).
const evidence = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 31) & 0xff));

describe('lifeguard report bundle', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lg-report-cli-'));
  let caseId = '';
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = async (...args: string[]): Promise<{ code: number; out: string; err: string }> => {
    const io = captureIo();
    const code = await main(['report', 'bundle', ...args], io);
    return { code, out: io.out(), err: io.err() };
  };

  beforeAll(async () => {
    const config = loadServerConfig({ env: {}, overrides: { dataDir: dir } });
    const store = await createStore({ dataDir: dir });
    const blobs = openVault(config, () => undefined);
    const cases = new KyselyCaseStore(store.kysely, store.dialect, DEFAULT_CASE_POLICY);
    const sha256 = createHash('sha256').update(evidence).digest('hex');
    await blobs.put(`media/${sha256}`, evidence);
    const now = Date.now();
    const [o] = await cases.ingest(
      [
        {
          item: {
            id: 'x',
            receivedAt: now,
            source: {
              kind: 'manual',
              createdBy: 'lead',
              severity: 'possible_csam',
              media: { sha256 },
              account: 'u_5',
            },
          },
          blobKey: `media/${sha256}`,
        },
      ],
      { near: () => [], added: () => undefined },
      now,
    );
    caseId = o!.caseId;
    await cases.transition(caseId, 'in_review', actor, 'claim', now + 1);
    await cases.decide(
      caseId,
      { kind: 'confirm', category: 'csam' },
      { classification: 'B1', note: null },
      actor,
      now + 2,
      () => [],
    );
    await store.close();
    process.env.LIFEGUARD_BUNDLE_PASSPHRASE = PASS;
  });
  afterAll(() => {
    delete process.env.LIFEGUARD_BUNDLE_PASSPHRASE;
  });

  it('creates a bundle of a case, verifies it against the pinned key, opens it, and detects tampering', async () => {
    const keys = join(dir, 'keys');
    let r = await run('keygen', '--out-dir', keys);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^signing key [0-9a-f]{16}: /);
    const bundle = join(dir, 'case.lgb');
    const cfg = join(dir, 'config.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        reports: { reporter: { espService: 'Example', email: 'safety@example.org' } },
      }),
    );
    r = await run(
      'create',
      '--case',
      caseId,
      '--signing-key',
      join(keys, 'bundle-signing.key'),
      '--out',
      bundle,
      '--data-dir',
      dir,
      '--config',
      cfg,
    );
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toContain('3 members and a manifest');

    r = await run('verify', bundle, '--public-key', join(keys, 'bundle-signing.pub'));
    expect(r.code).toBe(0);
    expect(r.out).toContain('(the expected key)');

    const out = join(dir, 'opened');
    r = await run(
      'open',
      bundle,
      '--out-dir',
      out,
      '--public-key',
      join(keys, 'bundle-signing.pub'),
    );
    expect([r.code, r.err]).toEqual([0, '']);
    expect(readdirSync(out).sort()).toEqual(['files', 'files.json', 'manifest.json', 'report.xml']);
    const [file] = readdirSync(join(out, 'files'));
    expect(readFileSync(join(out, 'files', file!)).equals(evidence)).toBe(true);
    const files = JSON.parse(readFileSync(join(out, 'files.json'), 'utf8')) as {
      details: { fileViewedByEsp: boolean; industryClassification: string };
    }[];
    // Nobody viewed the file: the bundle says so.
    expect(files[0]?.details).toMatchObject({
      fileViewedByEsp: false,
      industryClassification: 'B1',
    });
    expect(readFileSync(join(out, 'report.xml'), 'utf8')).toContain(
      '<espIdentifier>u_5</espIdentifier>',
    );

    const raw = readFileSync(bundle);
    raw[Math.floor(raw.length / 2)]! ^= 0x01;
    const bad = join(dir, 'tampered.lgb');
    writeFileSync(bad, raw);
    r = await run('verify', bad);
    expect(r.code).toBe(1);
    expect(r.err).toContain('LG_ERR_INTEGRITY');
    r = await run('open', bad, '--out-dir', join(dir, 'x'));
    expect(r.code).toBe(1);

    // The export is in the audit log.
    const store = await createStore({ dataDir: dir });
    const audit = await new KyselyAuditLog(store.kysely, store.dialect).list({
      limit: 100,
      action: 'export',
    });
    expect(audit.map((a) => [a.subject, a.data])).toEqual([
      [`case:${caseId}`, { what: 'report_bundle', files: 1 }],
    ]);
    await store.close();
  });

  it('explains usage errors with exit code 2', async () => {
    expect((await run('create', '--case', '1')).code).toBe(2);
    expect((await run('verify')).code).toBe(2);
    const io = captureIo();
    expect(await main(['report', 'nonsense'], io)).toBe(2);
  });
});
