/* eslint-disable @typescript-eslint/no-unsafe-member-access --
   HTTP tests read JSON answers whose shape is exactly what they assert. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CasePdqIndex,
  DEFAULT_EVIDENCE_POLICY,
  type CaseSource,
  type MatchHit,
} from '@lifeguard/core';
import { KyselyEvidenceStore, sha256Hex } from '@lifeguard/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServerConfig } from '../config/server.config.js';
import { startServer, type RunningServer } from '../server.runner.js';
import { referenceImages } from '../testing/reference-images.js';
import { api } from '../testing/server-process.helper.js';
import { confirmedCase } from '../testing/report-case.fixture.js';
import { EvidenceVault } from './evidence-vault.service.js';

const DAY = 86_400_000;

const csamHit: MatchHit = {
  bankId: 1,
  bankName: 'verified',
  kind: 'block',
  entryId: 1,
  signal: 'md5',
  value: 'ab'.repeat(16),
  distance: 0,
  threshold: 0,
  labels: ['csam'],
  classification: null,
  sourceId: null,
};

describe('evidence vault over HTTP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lg-evidence-e2e-'));
  const adminKey = `test-admin-${randomBytes(24).toString('hex')}`;
  let s: RunningServer;
  let evidenceKey: string;
  let caseId: string;
  // A benign stand-in for uploaded media: random bytes (the vault never looks inside).
  const media = randomBytes(200_000);
  const sha = sha256Hex(media);

  beforeAll(async () => {
    const config = loadServerConfig({
      env: {},
      overrides: { dataDir: dir, port: 0, logLevel: 'silent', adminKey },
    });
    s = await startServer(config, { notice: () => undefined, warn: () => undefined });
    await s.indexLoaded;
    evidenceKey = (await s.ctx.keys.issue('evidence-reader', ['evidence:read'])).key;
    // A block-verdict case whose upload was kept as a review copy (as case intake does).
    await s.ctx.blobs.put(`media/${sha}`, media, { contentType: 'image/jpeg' });
    const source: CaseSource = {
      kind: 'hash_match',
      media: { sha256: sha, md5: 'ab'.repeat(16) },
      verdict: 'block',
      rule: 'label:csam=block',
      matches: [csamHit],
      uploader: 'acct-1',
    };
    const [out] = await s.ctx.caseStore.ingest(
      [
        {
          item: { id: 'x', receivedAt: Date.now(), source, reach: { views: 3 } },
          blobKey: `media/${sha}`,
        },
      ],
      new CasePdqIndex(),
      Date.now(),
    );
    caseId = out!.caseId;
  });
  afterAll(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (path: string, key: string): Promise<Response> =>
    fetch(`${s.url}${path}`, { headers: { authorization: `Bearer ${key}` } });

  it('preserves media and metadata with a 365-day hold, audited', async () => {
    const before = Date.now();
    const recs = await s.ctx.evidence.preserveCase(caseId, 'block_verdict', 'system');
    expect(recs.map((r) => r.kind)).toEqual(['media', 'metadata']);
    const m = recs[0]!;
    expect(m.sha256).toBe(sha);
    expect(m.size).toBe(media.length);
    expect(m.contentType).toBe('image/jpeg');
    expect(m.holdUntil).toBeGreaterThanOrEqual(before + 365 * DAY);
    expect((await s.ctx.blobs.head(m.blobKey))!.holdUntil).toBe(m.holdUntil);
    // Under hold: the blob store itself refuses a delete.
    await expect(s.ctx.blobs.delete(m.blobKey)).rejects.toMatchObject({ code: 'LG_ERR_CONFLICT' });
    // Preserving again is idempotent for the media object.
    const again = await s.ctx.evidence.preserveCase(caseId, 'case_confirmed', 'user:lead');
    expect(again[0]!.id).toBe(m.id);
    // Another block of the same upload (it folds into this case) adds nothing.
    expect(await s.ctx.evidence.preserveCase(caseId, 'block_verdict', 'system')).toEqual([]);
    const audit = await s.ctx.audit.list({ limit: 100, action: 'evidence_preserve' });
    expect(audit.map((a) => a.subject)).toEqual([`case:${caseId}`, `case:${caseId}`]);
  });

  it('serves evidence to an evidence:read key, no-store and integrity-checked; refuses others', async () => {
    const list = await get(`/v1/cases/${caseId}/evidence`, evidenceKey);
    expect(list.status).toBe(200);
    expect(list.headers.get('cache-control')).toBe('no-store');
    const body = (await list.json()) as {
      evidence: { id: string; kind: string; sha256: string }[];
    };
    const mediaRec = body.evidence.find((e) => e.kind === 'media')!;
    expect(mediaRec.sha256).toBe(sha);

    const bytes = await get(`/v1/evidence/${mediaRec.id}`, evidenceKey);
    expect(bytes.status).toBe(200);
    expect(bytes.headers.get('cache-control')).toBe('no-store');
    expect(bytes.headers.get('x-lifeguard-sha256')).toBe(sha);
    expect(Buffer.from(await bytes.arrayBuffer()).equals(media)).toBe(true);

    const meta = body.evidence.find((e) => e.kind === 'metadata')!;
    const doc = (await (await get(`/v1/evidence/${meta.id}`, evidenceKey)).json()) as {
      case: { id: string };
      signals: unknown[];
    };
    expect(doc.case.id).toBe(caseId);
    expect(doc.signals.length).toBe(1);

    // An admin key does not imply evidence access; a key with another scope is refused too.
    const scanKey = (await s.ctx.keys.issue('scanner', ['scan'])).key;
    for (const k of [adminKey, scanKey]) {
      const r = await get(`/v1/evidence/${mediaRec.id}`, k);
      expect(r.status).toBe(403);
      expect(((await r.json()) as { code: string }).code).toBe('LG_ERR_FORBIDDEN');
    }
    expect((await get('/v1/evidence/999999', evidenceKey)).status).toBe(404);

    const accesses = await s.ctx.audit.list({ limit: 100, action: 'evidence_access' });
    const results = accesses.map(
      (a) => `${a.subject}:${JSON.stringify(a.data.op)}:${JSON.stringify(a.data.result)}`,
    );
    expect(results).toContain(`case:${caseId}:"list":"granted"`);
    expect(results).toContain(`evidence:${mediaRec.id}:"read":"granted"`);
    expect(results).toContain(`evidence:${mediaRec.id}:"read":"refused"`);
  });

  it('answers 500 LG_ERR_INTEGRITY for a tampered object (one flipped byte), never the bytes', async () => {
    const recs = await new KyselyEvidenceStore(s.ctx.store.kysely, s.ctx.store.dialect).listByCase(
      caseId,
    );
    const m = recs.find((r) => r.kind === 'media')!;
    const file = join(dir, 'blobs', `${m.blobKey}.lgv`);
    const raw = readFileSync(file);
    raw[raw.length - 100] = raw[raw.length - 100]! ^ 0x01;
    writeFileSync(file, raw);
    const r = await get(`/v1/evidence/${m.id}`, evidenceKey);
    expect(r.status).toBe(500);
    expect(((await r.json()) as { code: string }).code).toBe('LG_ERR_INTEGRITY');
    const last = (await s.ctx.audit.list({ limit: 100, action: 'evidence_access' })).pop()!;
    expect(last.data.result).toBe('LG_ERR_INTEGRITY');
  });

  it('lets only the configured roles in; purges only expired material, audited', async () => {
    let now = Date.now();
    const records = new KyselyEvidenceStore(s.ctx.store.kysely, s.ctx.store.dialect);
    const vault = new EvidenceVault({
      blobs: s.ctx.blobs,
      records,
      cases: s.ctx.caseStore,
      audit: s.ctx.audit,
      policy: DEFAULT_EVIDENCE_POLICY,
      now: () => now,
    });
    const reviewer = { id: 'user:r', roles: ['reviewer'] as const, isKey: false };
    const cs = { id: 'user:cs', roles: ['child_safety_reviewer'] as const, isKey: false };
    await expect(vault.list(caseId, reviewer)).rejects.toMatchObject({ code: 'LG_ERR_FORBIDDEN' });
    expect((await vault.list(caseId, cs)).length).toBeGreaterThan(0);

    // Nothing has expired: a purge deletes nothing.
    expect(await vault.purge()).toEqual({ purged: 0, failed: 0 });
    const kept = (await records.listByCase(caseId)).filter((r) => r.purgedAt === null);
    // 364 days later: still nothing; 366 days later: everything of this case goes.
    now += 364 * DAY;
    expect((await vault.purge()).purged).toBe(0);
    now += 2 * DAY;
    const r = await vault.purge();
    expect(r).toEqual({ purged: kept.length, failed: 0 });
    for (const k of kept) expect(await s.ctx.blobs.head(k.blobKey)).toBeUndefined();
    expect((await records.listByCase(caseId)).every((x) => x.purgedAt !== null)).toBe(true);
    const purges = await s.ctx.audit.list({ limit: 100, action: 'evidence_purge' });
    expect(purges).toHaveLength(kept.length);
    expect(purges.every((p) => p.actor === 'system')).toBe(true);
    // The review copy (no hold, not evidence) is untouched by the purge.
    expect(await s.ctx.blobs.head(`media/${sha}`)).toBeDefined();
  });
});

describe('evidence follower', () => {
  it('preserves a case once the audit log shows a confirmation, and resumes after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lg-evidence-follow-'));
    const config = loadServerConfig({
      env: {},
      overrides: {
        dataDir: dir,
        port: 0,
        logLevel: 'silent',
        adminKey: 'b'.repeat(40),
        indexPollMs: 50,
      },
    });
    const quiet = { notice: () => undefined, warn: () => undefined };
    let s = await startServer(config, quiet);
    try {
      await s.indexLoaded;
      const [out] = await s.ctx.caseStore.ingest(
        [
          {
            item: {
              id: 'x',
              receivedAt: Date.now(),
              source: {
                kind: 'user_report',
                reporter: 'u1',
                reportedAccount: 'acct-7',
                reason: 'grooming',
              },
              reach: { views: 0 },
            },
          },
        ],
        new CasePdqIndex(),
        Date.now(),
      );
      const caseId = out!.caseId;
      const records = (): Promise<unknown[]> =>
        new KyselyEvidenceStore(s.ctx.store.kysely, s.ctx.store.dialect).listByCase(caseId);
      // A decision that is not a confirmation preserves nothing.
      await s.ctx.audit.append({
        actor: 'user:r1',
        action: 'decision',
        subject: `case:${caseId}`,
        details: { decision: 'escalate' },
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(await records()).toEqual([]);
      const confirm = await s.ctx.audit.append({
        actor: 'user:r1',
        action: 'decision',
        subject: `case:${caseId}`,
        details: { decision: 'confirm' },
      });
      for (let i = 0; i < 100 && (await records()).length === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await records()).length).toBe(1); // metadata (this case has no media)
      const preserve = await s.ctx.audit.list({ limit: 10, action: 'evidence_preserve' });
      expect(preserve).toHaveLength(1);
      expect(preserve[0]!.data.auditSeq).toBe(confirm.seq);
      expect(preserve[0]!.data.trigger).toBe('case_confirmed');
      expect(preserve[0]!.actor).toBe('user:r1');

      await s.close();
      s = await startServer(config, quiet);
      await s.indexLoaded;
      await new Promise((r) => setTimeout(r, 300));
      // Resumed after the confirmation: not preserved a second time.
      expect(await s.ctx.audit.list({ limit: 10, action: 'evidence_preserve' })).toHaveLength(1);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('evidence of a confirmed case, for console users', () => {
  it('is preserved on confirmation; a child-safety reviewer reads it, a reviewer is refused; all audited', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lg-evidence-users-'));
    const config = loadServerConfig({
      env: {},
      overrides: {
        dataDir: dir,
        port: 0,
        logLevel: 'silent',
        adminKey: 'c'.repeat(40),
        indexPollMs: 50,
      },
    });
    const s = await startServer(config, { notice: () => undefined, warn: () => undefined });
    try {
      await s.indexLoaded;
      const image = readFileSync(referenceImages()[0]!.file);
      // A real review flow: ingest, claim, view, confirm (the decision is audited).
      const { caseId, sha256 } = await confirmedCase(s.ctx.caseStore, s.ctx.blobs, image);
      const rec = async (): Promise<{ id: string; kind: string }[]> =>
        new KyselyEvidenceStore(s.ctx.store.kysely, s.ctx.store.dialect).listByCase(caseId);
      for (let i = 0; i < 100 && (await rec()).length === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const media = (await rec()).find((r) => r.kind === 'media')!;
      expect(media).toBeDefined();

      await s.ctx.users.create('csr', 'csr password 123', ['child_safety_reviewer']);
      await s.ctx.users.create('rita', 'rita password 1', ['reviewer']);
      const login = async (username: string, password: string): Promise<Record<string, string>> => {
        const r = await fetch(`${s.url}/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password }),
        });
        expect(r.status).toBe(200);
        const cookie = /lg_session=[^;]+/.exec(r.headers.get('set-cookie') ?? '')![0];
        const { csrf } = (await r.json()) as { csrf: string };
        return { cookie, 'x-lifeguard-csrf': csrf };
      };
      const csr = await login('csr', 'csr password 123');
      const rita = await login('rita', 'rita password 1');

      const ok = await fetch(`${s.url}/v1/evidence/${media.id}`, { headers: csr });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('cache-control')).toBe('no-store');
      expect(ok.headers.get('x-lifeguard-sha256')).toBe(sha256);
      expect(Buffer.from(await ok.arrayBuffer()).equals(image)).toBe(true);
      for (const path of [`/v1/evidence/${media.id}`, `/v1/cases/${caseId}/evidence`]) {
        const no = await fetch(`${s.url}${path}`, { headers: rita });
        expect(no.status).toBe(403);
      }
      const audit = await s.ctx.audit.list({ limit: 1000 });
      const mine = audit.filter((a) => a.type.startsWith('evidence_'));
      expect(mine.map((a) => [a.type, a.actor, a.data.result ?? null])).toEqual([
        ['evidence_preserve', 'user:csr', null],
        ['evidence_access', expect.stringMatching(/^user:/), 'granted'],
        ['evidence_access', expect.stringMatching(/^user:/), 'refused'],
        ['evidence_access', expect.stringMatching(/^user:/), 'refused'],
      ]);
      // The preservation answers the confirmation's audit record.
      const decision = audit.find((a) => a.type === 'decision' && a.subject === `case:${caseId}`)!;
      expect(mine[0]!.data.auditSeq).toBe(decision.seq);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('evidence on a block verdict', () => {
  it('an upload blocked by a csam-labelled bank is preserved at once, once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lg-evidence-block-'));
    const adminKey = `test-admin-${randomBytes(24).toString('hex')}`;
    const config = loadServerConfig({
      env: {},
      overrides: {
        dataDir: dir,
        port: 0,
        logLevel: 'silent',
        adminKey,
        actions: { labels: { csam: 'block' } },
        limits: { hashWorkers: 1 },
      },
    });
    const s = await startServer(config, { notice: () => undefined, warn: () => undefined });
    try {
      await s.indexLoaded;
      const admin = api(s.url, adminKey);
      const img = referenceImages()[1]!;
      const bytes = readFileSync(img.file);
      expect(
        (await admin.json('POST', '/v1/banks', { name: 'known', labels: ['csam'] })).status,
      ).toBe(201);
      await admin.json('POST', '/v1/banks/known/entries', {
        entries: [{ signalType: 'pdq', value: img.pdq }],
      });
      await s.ctx.catchUp();
      // The same upload three times: one case, one media object.
      const ids = new Set<string>();
      for (let i = 0; i < 3; i++) {
        const r = await admin.upload('/v1/scan', bytes, { contentId: 'upload-1' });
        expect(r.status).toBe(200);
        expect(r.body.verdict).toBe('block');
        ids.add(r.body.caseId as string);
      }
      expect(ids.size).toBe(1);
      const caseId = [...ids][0]!;
      const store = new KyselyEvidenceStore(s.ctx.store.kysely, s.ctx.store.dialect);
      for (let i = 0; i < 100 && (await store.listByCase(caseId)).length < 2; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 300));
      const recs = await store.listByCase(caseId);
      expect(recs.filter((r) => r.kind === 'media')).toHaveLength(1);
      expect(recs.every((r) => r.trigger === 'block_verdict')).toBe(true);
      expect(recs.find((r) => r.kind === 'media')!.sha256).toBe(sha256Hex(bytes));
      const preserves = await s.ctx.audit.list({ limit: 100, action: 'evidence_preserve' });
      expect(preserves).toHaveLength(1);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
